// Signing in by scanning with a signed-in phone (issue 20, part 1), over real HTTP: the desktop
// waits on its QR page, the phone approves with the desktop's number, and the desktop is signed
// in as after a code; a wrong number, a deny, another person, a stale phone and expiry do not.
import { describe, expect, it } from 'vitest';

import { createManualClock } from '../../src/shared/clock.js';
import type { Agent } from '../helpers/browser.js';
import { browser, hiddenField, signIn } from '../helpers/browser.js';
import { useGate } from '../helpers/gate.js';

const MIN = 60_000;
const clock = createManualClock(Date.now());

const POLICY = `
rules:
  - name: scan-first
    paths: ["/desk/**"]
    action: challenge
    channels: [scan, console]
    trusted_device: 7d
  - name: strict
    paths: ["/strict/**"]
    action: challenge
    channels: [scan]
    max_session_age: 10m
  - name: everyone
    action: challenge
    channels: [console]
`;

const env = useGate({ clock, policy: POLICY, extraConfig: 'approvals:\n  ttl: 2m\n  prompts_per_minute: 50\n' });

/** A phone signed in as `user` with a code. */
async function phoneOf(user: string, rd = '/'): Promise<Agent> {
  const phone = browser(env.gate);
  expect((await signIn(env.gate, phone, user, rd)).status).toBe(303);
  return phone;
}

/** A desktop that typed `user` and waits on the QR page: its number, approval path and form token. */
async function desktopWaiting(user: string, rd = '/desk/page') {
  const desktop = browser(env.gate);
  const login = await desktop.get(`/_gate/login?rd=${encodeURIComponent(rd)}`).expect(200);
  const posted = await desktop
    .post('/_gate/login')
    .type('form')
    .send({ identifier: user, rd: hiddenField(login.text, 'rd'), csrf: hiddenField(login.text, 'csrf') });
  expect(posted.status).toBe(303);
  expect(posted.headers.location).toBe('/_gate/scan');
  const page = await desktop.get('/_gate/scan').expect(200);
  const number = /id="scan-number"[^>]*>(\d\d)</.exec(page.text)?.[1];
  const link = /id="approve-link">([^<]+)</.exec(page.text)?.[1];
  if (!number || !link) throw new Error(`no number or link on the page:\n${page.text}`);
  return { desktop, number, path: new URL(link).pathname, csrf: hiddenField(page.text, 'csrf'), page: page.text };
}

async function answer(phone: Agent, path: string, fields: Record<string, string>) {
  const page = await phone.get(path).expect(200);
  return phone
    .post(path)
    .type('form')
    .send({ csrf: hiddenField(page.text, 'csrf'), via: hiddenField(page.text, 'via'), ...fields });
}

const done = (desktop: Agent, csrf: string, extra: Record<string, string> = {}) =>
  desktop
    .post('/_gate/scan/done')
    .type('form')
    .send({ csrf, ...extra });

describe('scan with a signed-in phone', () => {
  it('signs the desktop in once the phone approves with the number the desktop shows', async () => {
    const phone = await phoneOf('alice');
    const { desktop, number, path, csrf, page } = await desktopWaiting('alice');
    expect(page).toContain('data:image/png;base64,');
    const approved = await answer(phone, path, { number, decision: 'approve' });
    expect(approved.status).toBe(200);
    expect((await desktop.get('/_gate/scan/status').set('Accept', 'application/json')).body).toEqual({
      status: 'approved',
    });
    const signedIn = await done(desktop, csrf);
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.location).toBe('/desk/page');
    expect((await desktop.get('/desk/page')).status).toBe(200);
    expect(env.gate.audit.some((l) => l.includes('"event":"login"') && l.includes('"channel":"scan"'))).toBe(true);
  });

  it('does not sign the desktop in before the phone approved ("I approved it" too early)', async () => {
    const { desktop, csrf } = await desktopWaiting('alice');
    const early = await done(desktop, csrf);
    expect(early.status).toBe(400);
    expect(early.text).toContain('id="scan-approved"');
    expect((await desktop.get('/desk/page').redirects(0)).status).not.toBe(200);
  });

  it('ends the attempt when the phone types another number, and the desktop is not signed in', async () => {
    const phone = await phoneOf('alice');
    const { desktop, number, path, csrf } = await desktopWaiting('alice');
    const wrong = await answer(phone, path, { number: number === '42' ? '43' : '42', decision: 'approve' });
    expect(wrong.status).toBe(400);
    expect((await done(desktop, csrf)).text).toContain('id="scan-error"');
    expect(env.gate.audit.some((l) => l.includes('"approval_refused"') && l.includes('wrong-number'))).toBe(true);
  });

  it('tells the desktop when the phone denies, and audits the denial', async () => {
    const phone = await phoneOf('alice');
    const { desktop, path } = await desktopWaiting('alice');
    expect((await answer(phone, path, { decision: 'deny' })).status).toBe(200);
    const page = await desktop.get('/_gate/scan').expect(200);
    expect(page.text).toContain('id="scan-error"');
    expect(page.text).not.toContain('id="scan-approved"');
    expect(env.gate.audit.some((l) => l.includes('"approval_denied"'))).toBe(true);
  });

  it("refuses another person's phone and keeps the attempt for the right one", async () => {
    const bobs = await phoneOf('bob');
    const { path } = await desktopWaiting('alice');
    expect((await bobs.get(path)).status).toBe(403);
    const alices = await phoneOf('alice');
    expect((await alices.get(path)).status).toBe(200);
  });

  it('sends a phone that is not signed in to sign in, and back to the approval page', async () => {
    const { path } = await desktopWaiting('alice');
    const phone = browser(env.gate);
    const res = await phone.get(path).redirects(0);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/_gate/login?rd=${encodeURIComponent(`${path}?via=scan`)}`);
  });

  it("sends a phone whose sign-in is older than the desktop rule's max_session_age to sign in again", async () => {
    const phone = await phoneOf('alice');
    clock.advance(11 * MIN);
    const { path } = await desktopWaiting('alice', '/strict/page');
    expect((await phone.get(path).redirects(0)).status).toBe(303);
  });

  it('is over after approvals.ttl: the phone cannot approve it and the desktop says so', async () => {
    const phone = await phoneOf('alice');
    const { desktop, path } = await desktopWaiting('alice');
    clock.advance(2 * MIN);
    expect((await phone.get(path)).status).toBe(410);
    expect((await desktop.get('/_gate/scan/status').set('Accept', 'application/json')).body).toEqual({
      status: 'expired',
    });
  });

  it('sends a code instead when the person asks, where the rule also sends codes', async () => {
    const { desktop, csrf } = await desktopWaiting('alice');
    const before = env.gate.inbox.codesFor('alice').length;
    const res = await desktop.post('/_gate/scan/code').type('form').send({ csrf });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/_gate/code');
    expect(await env.gate.inbox.code('alice', before + 1)).toMatch(/^\d+$/);
  });

  it('shows a name the gate does not know the same page, which no phone can approve', async () => {
    const { path, page } = await desktopWaiting('nobody@example.com');
    expect(page).toContain('id="scan-qr"');
    const phone = await phoneOf('alice');
    expect((await phone.get(path)).status).toBe(403);
  });
});
