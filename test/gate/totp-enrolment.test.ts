// Setting up an authenticator app over HTTP: sign in with a console code, scan (read) the secret,
// confirm with a code from it; replacing or removing it needs a recent sign-in.
import request from 'supertest';
import { describe, expect, it } from 'vitest';

import { createManualClock } from '../../src/shared/clock.js';
import { PENDING_TTL_MS } from '../../src/totp/totp-enrolments.js';
import type { Agent } from '../helpers/browser.js';
import { browser, hiddenField, signIn } from '../helpers/browser.js';
import { useGate } from '../helpers/gate.js';
import { codeFor, wrongCode } from '../helpers/totp-codes.js';

const USERS = `
users:
${['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan'].map((u, i) => `  ${u}:\n    phone: "+39 333 000 10${i}"`).join('\n')}
`;
const REAUTH_MS = 5 * 60_000;
const clock = createManualClock(Date.now());
const env = useGate({
  clock,
  users: USERS,
  extraConfig: 'totp:\n  issuer: Test Gate\n  keys: ["totp-test-key-0123456789-0123456789"]\n  reauth_within: 5m',
});

const PAGE = '/_gate/totp';
const TO_SIGN_IN = `/_gate/login?rd=${encodeURIComponent(PAGE)}`;

async function signedIn(user: string): Promise<Agent> {
  const agent = browser(env.gate);
  const res = await signIn(env.gate, agent, user, PAGE);
  expect(res.headers.location).toBe(PAGE);
  return agent;
}

/** The setup page's secret, as a person would type it from the page. */
function secretOn(html: string): string {
  const m = /<code id="totp-secret">([A-Z2-7 ]+)<\/code>/.exec(html);
  if (!m) throw new Error(`no secret on the page:\n${html}`);
  return m[1]!.replace(/ /g, '');
}

const post = (agent: Agent, path: string, form: Record<string, string>) =>
  agent.post(`${PAGE}${path}`).type('form').send(form);

/** Signs in, opens the page and confirms with a code from the app; returns the secret. */
async function enrol(agent: Agent): Promise<string> {
  const setup = await agent.get(PAGE).expect(200);
  const secret = secretOn(setup.text);
  await post(agent, '/confirm', { csrf: hiddenField(setup.text, 'csrf'), code: codeFor(secret, clock.now()) }).expect(
    200,
  );
  return secret;
}

describe('the authenticator setup page', () => {
  it('sends a browser without a session to sign in, and back here after', async () => {
    const res = await request(env.gate.url).get(PAGE).set('Accept', 'text/html').expect(303);
    expect(res.headers.location).toBe(TO_SIGN_IN);
  });

  it('is linked from the account page, where people look for it', async () => {
    const agent = await signedIn('ivan');
    expect((await agent.get('/_gate/account').expect(200)).text).toContain(
      `<a href="${PAGE}">Set up or change your authenticator app</a>`,
    );
  });

  it('shows a QR code, the secret in groups of four, and who it is for', async () => {
    const agent = await signedIn('alice');
    const res = await agent.get(PAGE).expect(200);
    expect(res.text).toMatch(
      /<img src="data:image\/png;base64,[A-Za-z0-9+/]+(&#61;)*" width="200" height="200" alt="[^"]+">/,
    );
    expect(res.text).toMatch(/<code id="totp-secret">(?:[A-Z2-7]{4} ){7}[A-Z2-7]{4}<\/code>/);
    expect(res.text).toContain('alice');
    expect(res.text).toContain('Test Gate');
  });

  it('asks for the code with a label, one-time-code autofill and a numeric keypad', async () => {
    const res = await (await signedIn('alice')).get(PAGE).expect(200);
    expect(res.text).toMatch(/<label for="code">/);
    expect(res.text).toMatch(/<input [^>]*id="code"[^>]*inputmode="numeric" autocomplete="one-time-code"/);
  });

  it('shows the same secret again on reload, so an app that scanned it still matches', async () => {
    const agent = await signedIn('alice');
    const first = secretOn((await agent.get(PAGE).expect(200)).text);
    expect(secretOn((await agent.get(PAGE).expect(200)).text)).toBe(first);
  });

  it('sets the app up with a code from it, and then says it is set up', async () => {
    const agent = await signedIn('bob');
    await enrol(agent);
    const page = await agent.get(PAGE).expect(200);
    expect(page.text).toContain('action="/_gate/totp/remove"');
    expect(page.text).not.toContain('totp-secret');
  });

  it('refuses a wrong code with 400, an alert, and the same secret to try again', async () => {
    const agent = await signedIn('carol');
    const setup = await agent.get(PAGE).expect(200);
    const secret = secretOn(setup.text);
    const res = await post(agent, '/confirm', {
      csrf: hiddenField(setup.text, 'csrf'),
      code: wrongCode(codeFor(secret, clock.now())),
    }).expect(400);
    expect(res.text).toMatch(/role="alert"/);
    expect(secretOn(res.text)).toBe(secret);
  });

  it('shows a new secret when the shown one expired before it was confirmed', async () => {
    const agent = await signedIn('carol');
    const setup = await agent.get(PAGE).expect(200);
    const secret = secretOn(setup.text);
    clock.advance(PENDING_TTL_MS);
    const res = await post(agent, '/confirm', {
      csrf: hiddenField(setup.text, 'csrf'),
      code: codeFor(secret, clock.now()),
    }).expect(400);
    expect(res.text).toMatch(/role="alert"/);
    expect(secretOn(res.text)).not.toBe(secret);
  });

  it('refuses a confirmation without the CSRF token of this session', async () => {
    const agent = await signedIn('carol');
    const secret = secretOn((await agent.get(PAGE).expect(200)).text);
    const other = await signedIn('dave');
    const foreign = hiddenField((await other.get(PAGE).expect(200)).text, 'csrf');
    await post(agent, '/confirm', { csrf: foreign, code: codeFor(secret, clock.now()) }).expect(403);
  });

  it('refuses a cross-site confirmation', async () => {
    const agent = await signedIn('carol');
    const setup = await agent.get(PAGE).expect(200);
    const form = { csrf: hiddenField(setup.text, 'csrf'), code: codeFor(secretOn(setup.text), clock.now()) };
    await post(agent, '/confirm', form).set('Sec-Fetch-Site', 'cross-site').expect(403);
  });

  it('does not set up an app for a session that rests on a trusted browser alone', async () => {
    const open = async (proof: { factors: ['otp']; method: string; deviceTrustedAt?: number }) => {
      const { cookie } = await env.gate.gate.sessions.create('dave', proof);
      return request(env.gate.url).get(PAGE).set('Accept', 'text/html').set('Cookie', `otp_gate=${cookie}`);
    };
    // The same kind of cookie with a code behind it opens the page: only the proof differs.
    expect((await open({ factors: ['otp'], method: 'console' })).status).toBe(200);
    const res = await open({ factors: ['otp'], method: 'device', deviceTrustedAt: clock.now() });
    expect([res.status, res.headers.location]).toEqual([303, TO_SIGN_IN]);
  });

  it('records the setup in the audit trail without the secret or the code', async () => {
    const agent = await signedIn('erin');
    const setup = await agent.get(PAGE).expect(200);
    const secret = secretOn(setup.text);
    const code = codeFor(secret, clock.now());
    await post(agent, '/confirm', { csrf: hiddenField(setup.text, 'csrf'), code }).expect(200);
    const lines = env.gate.audit.filter((l) => l.includes('"totp_enrolled"'));
    expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>)).toContainEqual(
      expect.objectContaining({ event: 'totp_enrolled', user: 'erin', outcome: 'ok' }),
    );
    const all = env.gate.audit.join('\n');
    expect(all).not.toContain(secret);
    expect(all).not.toContain(`"${code}"`);
    expect(all).not.toContain('otpauth://');
  });
});

describe('replacing or removing an app', () => {
  it.each([
    { action: 'restart', user: 'frank' },
    { action: 'remove', user: 'grace' },
  ])('refuses to $action the app without a recent sign-in, and keeps it', async ({ action, user }) => {
    const agent = await signedIn(user);
    await enrol(agent);
    const csrf = hiddenField((await agent.get(PAGE).expect(200)).text, 'csrf');
    clock.advance(REAUTH_MS + 1000);
    const res = await post(agent, `/${action}`, { csrf }).expect(303);
    expect(res.headers.location).toBe(TO_SIGN_IN);
    expect((await agent.get(PAGE).expect(200)).text).toContain('action="/_gate/totp/remove"');
  });

  it('sets the app up again, with a new secret, after a fresh sign-in', async () => {
    const old = await enrol(await signedIn('ivan'));
    clock.advance(REAUTH_MS + 1000);
    const agent = await signedIn('ivan');
    const csrf = hiddenField((await agent.get(PAGE).expect(200)).text, 'csrf');
    const restart = await post(agent, '/restart', { csrf }).expect(200);
    const secret = secretOn(restart.text);
    expect(secret).not.toBe(old);
    await post(agent, '/confirm', {
      csrf: hiddenField(restart.text, 'csrf'),
      code: codeFor(secret, clock.now()),
    }).expect(200);
  });

  it('removes the app after a fresh sign-in, and records it', async () => {
    await enrol(await signedIn('heidi'));
    clock.advance(REAUTH_MS + 1000);
    const agent = await signedIn('heidi');
    const csrf = hiddenField((await agent.get(PAGE).expect(200)).text, 'csrf');
    await post(agent, '/remove', { csrf }).expect(200);
    expect((await agent.get(PAGE).expect(200)).text).toContain('totp-secret');
    expect(env.gate.audit.map((l) => JSON.parse(l) as Record<string, unknown>)).toContainEqual(
      expect.objectContaining({ event: 'totp_removed', user: 'heidi', outcome: 'ok' }),
    );
  });
});
