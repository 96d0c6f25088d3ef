// Signing in with an authenticator app (TOTP) where a rule lists "totp" as a channel, and the
// issue's whole case: password + WhatsApp code for /admin/** with a 10-minute step-up and the
// app as the alternative, over real HTTP to a local server speaking the WhatsApp Cloud API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createManualClock } from '../../src/shared/clock.js';
import { createSecretBox } from '../../src/totp/secret-box.js';
import { createTotpEnrolments } from '../../src/totp/totp-enrolments.js';
import type { Agent } from '../helpers/browser.js';
import { browser, hiddenField, identify, submitCode } from '../helpers/browser.js';
import { adminRule, PASSWORD, PASSWORD_HASH } from '../helpers/factors.js';
import type { FakeWhatsApp } from '../helpers/fake-whatsapp.js';
import { startFakeWhatsApp } from '../helpers/fake-whatsapp.js';
import type { TestGate } from '../helpers/gate.js';
import { startTestGate } from '../helpers/gate.js';
import { codeFor } from '../helpers/totp-codes.js';
import type { TestUpstream } from '../helpers/upstream.js';
import { startUpstream } from '../helpers/upstream.js';

const KEY = 'totp-test-key-0123456789-0123456789';
const STEP = 30_000;
const clock = createManualClock(Date.now());
const HASH = PASSWORD_HASH;

const POLICY = `
rules:
${adminRule('    channels: [whatsapp, totp]\n')}  - name: app-first
    paths: ["/app/**"]
    action: challenge
    channels: [totp, console]
  - name: everyone
    action: challenge
    channels: [console, totp]
`;
const USERS = `
users:
  alice: { name: Alice Example, phone: "+39 333 000 0001", password: "${HASH}" }
  bob: { name: Bob Example, phone: "+39 333 000 0002", password: "${HASH}" }
  carol: { name: Carol Example, phone: "+39 333 000 0003", password: "${HASH}" }
`;

let wa: FakeWhatsApp;
let upstream: TestUpstream;
let gate: TestGate;
/** Secrets of the people who enrolled an app: alice and carol. */
const secrets = new Map<string, string>();

beforeAll(async () => {
  [wa, upstream] = await Promise.all([startFakeWhatsApp(), startUpstream()]);
  gate = await startTestGate({
    upstream: upstream.url,
    clock,
    users: USERS,
    policy: POLICY,
    channels: `${wa.config()}console: {}`,
    extraConfig: `totp:\n  keys: ["${KEY}"]`,
  });
  // Enrolled the way the setup page does it (test/gate/totp-enrolment.test.ts walks that page).
  const enrolments = createTotpEnrolments({
    store: gate.gate.store,
    box: createSecretBox([KEY]),
    clock,
    issuer: 'otp-gate',
  });
  for (const user of ['alice', 'carol']) {
    const { secret } = await enrolments.begin(`setup-${user}`, user);
    expect(await enrolments.confirm(`setup-${user}`, user, codeFor(secret, clock.now()))).toBe(true);
    secrets.set(user, secret);
  }
  // The code that confirmed enrolment is used up; sign-ins here use the steps after it.
  clock.advance(STEP);
});

afterAll(async () => {
  await gate?.close();
  await Promise.all([wa?.close(), upstream?.close()]);
});

const appCode = (user: string, at = clock.now()) => codeFor(secrets.get(user)!, at);
const nextStep = () => clock.advance(STEP);

/** The code page's "use my authenticator app instead" button. */
async function useApp(agent: Agent, csrf: string): Promise<string> {
  const res = await agent.post('/_gate/resend').type('form').send({ csrf, channel: 'totp' }).expect(303);
  expect(res.headers.location).toBe('/_gate/code');
  return (await agent.get('/_gate/code').expect(200)).text;
}

describe('a rule that lists the app first', () => {
  it("asks for the app's code and sends nothing", async () => {
    const sentBefore = gate.inbox.lines.length;
    const { status, html } = await identify(browser(gate), 'alice', '/app/x');
    expect(status).toBe(303);
    expect(html).toContain('Open your authenticator app');
    expect(html).not.toContain('We sent');
    await gate.gate.challenges.idle();
    expect(gate.inbox.lines.length).toBe(sentBefore);
  });

  it('shows the same page whether or not the person has enrolled an app, or exists', async () => {
    const strip = (html: string) => html.replace(/value="[^"]*"/g, '');
    const enrolled = await identify(browser(gate), 'alice', '/app/x');
    const notEnrolled = await identify(browser(gate), 'bob', '/app/x');
    const unknown = await identify(browser(gate), 'nobody', '/app/x');
    expect(strip(notEnrolled.html)).toBe(strip(enrolled.html));
    expect(strip(unknown.html)).toBe(strip(enrolled.html));
  });

  it("signs an enrolled person in with the app's code", async () => {
    nextStep();
    const agent = browser(gate);
    const { csrf } = await identify(agent, 'alice', '/app/x');
    const res = await submitCode(agent, csrf, appCode('alice'));
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/app/x');
    await agent.get('/app/x').set('Accept', 'application/json').expect(200);
  });

  it('refuses an app code that already signed someone in', async () => {
    nextStep();
    const first = browser(gate);
    const code = appCode('alice');
    expect((await submitCode(first, (await identify(first, 'alice', '/app/x')).csrf, code)).status).toBe(303);
    const second = browser(gate);
    const replay = await submitCode(second, (await identify(second, 'alice', '/app/x')).csrf, code);
    expect(replay.status).toBe(400);
    expect(replay.text).toContain('That code is not right');
  });

  it('accepts the code of one step before (a phone clock a little behind), not two', async () => {
    nextStep();
    nextStep();
    const agent = browser(gate);
    const { csrf } = await identify(agent, 'carol', '/app/x');
    expect((await submitCode(agent, csrf, appCode('carol', clock.now() - 2 * STEP))).status).toBe(400);
    expect((await submitCode(agent, csrf, appCode('carol', clock.now() - STEP))).status).toBe(303);
  });

  it('refuses any code from someone who has not enrolled an app', async () => {
    const agent = browser(gate);
    const { csrf } = await identify(agent, 'bob', '/app/x');
    expect((await submitCode(agent, csrf, appCode('alice'))).status).toBe(400);
  });

  it('lets the person have a code sent instead, without waiting', async () => {
    const agent = browser(gate);
    const { csrf } = await identify(agent, 'bob', '/app/x');
    const before = gate.inbox.codesFor('bob').length;
    await agent.post('/_gate/resend').type('form').send({ csrf, channel: 'console' }).expect(303);
    const res = await submitCode(agent, csrf, await gate.inbox.code('bob', before + 1));
    expect(res.headers.location).toBe('/app/x');
  });
});

describe('a rule that offers the app as an alternative', () => {
  it('offers the app on the code page, and signs in with it', async () => {
    nextStep();
    const agent = browser(gate);
    const { csrf, html } = await identify(agent, 'carol', '/docs');
    expect(html).toContain('Use my authenticator app instead');
    const page = await useApp(agent, csrf);
    expect(page).toContain('Open your authenticator app');
    const res = await submitCode(agent, hiddenField(page, 'csrf'), appCode('carol'));
    expect(res.headers.location).toBe('/docs');
  });
});

describe('password + WhatsApp for /admin/**, 10-minute step-up, the app as alternative', () => {
  async function passwordThen(agent: Agent, rd: string): Promise<{ csrf: string; html: string }> {
    const res = await identify(agent, 'alice', rd, { password: PASSWORD });
    expect(res.status).toBe(303);
    return res;
  }

  it('signs in with the password and the code sent over WhatsApp', async () => {
    const agent = browser(gate);
    const sent = wa.sent.length;
    const { csrf, html } = await passwordThen(agent, '/admin/users');
    expect(html).toContain('WhatsApp');
    await expect.poll(() => wa.sent.length).toBe(sent + 1);
    const res = await submitCode(agent, csrf, wa.sent[sent]!.code);
    expect(res.headers.location).toBe('/admin/users');
    const proxied = await agent.get('/admin/users').set('Accept', 'application/json').expect(200);
    expect(proxied.body.headers['remote-user']).toBe('alice');
  });

  it('asks again after 10 minutes on /admin only, and the app then does instead of WhatsApp', async () => {
    nextStep();
    const agent = browser(gate);
    const first = await passwordThen(agent, '/admin/users');
    expect(
      (await submitCode(agent, hiddenField(await useApp(agent, first.csrf), 'csrf'), appCode('alice'))).status,
    ).toBe(303);
    clock.advance(10 * 60_000);
    expect((await agent.get('/admin/users').expect(302)).headers.location).toBe('/_gate/login?rd=%2Fadmin%2Fusers');
    await agent.get('/elsewhere').set('Accept', 'application/json').expect(200);
    const again = await passwordThen(agent, '/admin/users');
    const res = await submitCode(agent, hiddenField(await useApp(agent, again.csrf), 'csrf'), appCode('alice'));
    expect(res.headers.location).toBe('/admin/users');
    await agent.get('/admin/users').set('Accept', 'application/json').expect(200);
  });

  it('refuses to start a sign-in for /admin without the password', async () => {
    const agent = browser(gate);
    const login = await agent.get('/_gate/login?rd=%2Fadmin%2Fusers').expect(200);
    const res = await agent
      .post('/_gate/login')
      .type('form')
      .send({ identifier: 'alice', rd: '/admin/users', csrf: hiddenField(login.text, 'csrf') });
    expect(res.status).toBe(400);
    expect(res.text).toContain('That username and password do not match');
  });
});
