// Signing in by writing to the business number (issue 20, part 2): the desktop shows a wa.me link
// with a one-time phrase, the person sends it from their own WhatsApp, the Cloud API stand-in posts
// the signed `messages` webhook Meta sends for it, and the gate approves the attempt and answers in
// the chat. Another number, a replay, an expired phrase or a webhook without a valid signature
// approves nothing; STOP in the chat ends the sign-in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createManualClock } from '../../src/shared/clock.js';
import type { Agent } from '../helpers/browser.js';
import { browser, hiddenField } from '../helpers/browser.js';
import type { FakeWhatsApp } from '../helpers/fake-whatsapp.js';
import { startFakeWhatsApp } from '../helpers/fake-whatsapp.js';
import type { TestGate } from '../helpers/gate.js';
import { startTestGate } from '../helpers/gate.js';
import type { TestUpstream } from '../helpers/upstream.js';
import { startUpstream } from '../helpers/upstream.js';

const ALICE = '+393330000001';
const BOB = '+12025550102';
const BUSINESS = '+15550001234';
const clock = createManualClock(Date.now());

const POLICY = `
rules:
  - name: chat
    action: challenge
    channels: [whatsapp_reply, whatsapp]
`;

let whatsapp: FakeWhatsApp;
let upstream: TestUpstream;
let gate: TestGate;

beforeAll(async () => {
  whatsapp = await startFakeWhatsApp();
  upstream = await startUpstream();
  gate = await startTestGate({
    upstream: upstream.url,
    clock,
    policy: POLICY,
    channels: whatsapp.config(`  business_number: "${BUSINESS}"`),
    extraConfig: 'approvals:\n  prompts_per_minute: 50\n',
  });
});
afterAll(async () => {
  await gate?.close();
  await upstream?.close();
  await whatsapp?.close();
});

/** A desktop that typed `user` and waits: the phrase and link its page shows, and its form token. */
async function desktopWaiting(user: string): Promise<{ desktop: Agent; phrase: string; link: string; csrf: string }> {
  const desktop = browser(gate);
  const login = await desktop.get('/_gate/login?rd=%2Fdesk').expect(200);
  await desktop
    .post('/_gate/login')
    .type('form')
    .send({ identifier: user, rd: hiddenField(login.text, 'rd'), csrf: hiddenField(login.text, 'csrf') })
    .expect(303);
  const page = await desktop.get('/_gate/scan').expect(200);
  const phrase = /id="whatsapp-phrase">([A-Z0-9-]+)</.exec(page.text)?.[1];
  const link = /id="whatsapp-link" href="([^"]+)"|href="([^"]+)" id="whatsapp-link"/.exec(page.text);
  if (!phrase || !link) throw new Error(`no phrase or link on the page:\n${page.text}`);
  const href = (link[1] ?? link[2]!).replace(/&#61;/g, '=').replace(/&amp;/g, '&');
  return { desktop, phrase, link: href, csrf: hiddenField(page.text, 'csrf') };
}

const status = async (desktop: Agent) =>
  ((await desktop.get('/_gate/scan/status').set('Accept', 'application/json')).body as { status: string }).status;

const textsTo = (number: string) => whatsapp.texts.filter((t) => t.to === number.slice(1));

describe('scan with WhatsApp: the person writes to us', () => {
  it('offers a wa.me link to the business number with the phrase prefilled', async () => {
    const { phrase, link } = await desktopWaiting('alice');
    const url = new URL(link);
    expect(`${url.origin}${url.pathname}`).toBe(`https://wa.me/${BUSINESS.slice(1)}`);
    expect(url.searchParams.get('text')).toContain(phrase);
  });

  it("approves the attempt when the person's own number sends the phrase, and answers in the chat", async () => {
    const { desktop, phrase, link, csrf } = await desktopWaiting('alice');
    const res = await whatsapp.write(gate.url, ALICE, new URL(link).searchParams.get('text')!);
    expect(res.status).toBe(200);
    expect(await status(desktop)).toBe('approved');
    const done = await desktop.post('/_gate/scan/done').type('form').send({ csrf });
    expect(done.status).toBe(303);
    expect((await desktop.get('/desk')).status).toBe(200);
    const answer = textsTo(ALICE).at(-1)?.body ?? '';
    expect(answer).toContain('STOP');
    expect(answer).not.toContain(phrase);
    expect(gate.audit.some((l) => l.includes('"approval_granted"') && l.includes('"channel":"whatsapp_reply"'))).toBe(
      true,
    );
  });

  it("does nothing for the phrase sent from another person's number but audit it", async () => {
    const { desktop, phrase } = await desktopWaiting('alice');
    const before = whatsapp.texts.length;
    await whatsapp.write(gate.url, BOB, `Sign me in: ${phrase}`);
    expect(await status(desktop)).toBe('pending');
    expect(whatsapp.texts.length).toBe(before);
    expect(gate.audit.some((l) => l.includes('"approval_refused"') && l.includes('not-the-person'))).toBe(true);
  });

  it('does nothing for a number the gate does not know but audit it', async () => {
    const { desktop, phrase } = await desktopWaiting('alice');
    await whatsapp.write(gate.url, '+447700900123', `Sign me in: ${phrase}`);
    expect(await status(desktop)).toBe('pending');
    expect(gate.audit.some((l) => l.includes('"approval_refused"') && l.includes('unknown-sender'))).toBe(true);
  });

  it('approves nothing from a webhook without a signature, or with a wrong one', async () => {
    const { desktop, phrase } = await desktopWaiting('alice');
    expect((await whatsapp.write(gate.url, ALICE, `Sign me in: ${phrase}`, null)).status).toBe(401);
    expect((await whatsapp.write(gate.url, ALICE, `Sign me in: ${phrase}`, 'not-the-app-secret')).status).toBe(403);
    expect(await status(desktop)).toBe('pending');
    expect(gate.audit.filter((l) => l.includes('"webhook_rejected"')).length).toBeGreaterThanOrEqual(2);
  });

  it('approves one attempt once: the same phrase again approves nothing more', async () => {
    const first = await desktopWaiting('alice');
    await whatsapp.write(gate.url, ALICE, `Sign me in: ${first.phrase}`);
    expect(await status(first.desktop)).toBe('approved');
    const second = await desktopWaiting('alice');
    await whatsapp.write(gate.url, ALICE, `Sign me in: ${first.phrase}`);
    expect(await status(second.desktop)).toBe('pending');
    expect(gate.audit.some((l) => l.includes('unknown-phrase'))).toBe(true);
  });

  it('approves nothing once the phrase has expired', async () => {
    const { desktop, phrase } = await desktopWaiting('alice');
    clock.advance(2 * 60_000);
    await whatsapp.write(gate.url, ALICE, `Sign me in: ${phrase}`);
    expect(await status(desktop)).toBe('expired');
  });

  it('ends the sign-in the chat approved when the person replies STOP', async () => {
    const { desktop, phrase, csrf } = await desktopWaiting('alice');
    await whatsapp.write(gate.url, ALICE, `Sign me in: ${phrase}`);
    await desktop.post('/_gate/scan/done').type('form').send({ csrf }).expect(303);
    expect((await desktop.get('/desk')).status).toBe(200);
    await whatsapp.write(gate.url, ALICE, 'STOP');
    expect((await desktop.get('/desk').redirects(0)).status).not.toBe(200);
    expect(textsTo(ALICE).at(-1)?.body).toContain('signed out everywhere');
  });

  it('keeps phrases and full phone numbers out of the audit trail', async () => {
    const { phrase } = await desktopWaiting('alice');
    await whatsapp.write(gate.url, BOB, `Sign me in: ${phrase}`);
    await whatsapp.write(gate.url, ALICE, `Sign me in: ${phrase}`);
    const trail = gate.audit.join('\n');
    expect(trail).not.toContain(phrase);
    for (const number of [ALICE, BOB]) expect(trail).not.toContain(number.slice(1));
  });
});
