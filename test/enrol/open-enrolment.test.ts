// Open enrolment by phone over real HTTP (issue 21): a number the rule lets enrol gets a real
// WhatsApp code from the fake Cloud API, names itself once, and is then a person the policy
// admits by group; a number it does not let enrol is answered like any unknown name.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Agent } from '../helpers/browser.js';
import { browser, hiddenField, identify, sessionCookie, submitCode } from '../helpers/browser.js';
import type { FakeWhatsApp } from '../helpers/fake-whatsapp.js';
import { startFakeWhatsApp } from '../helpers/fake-whatsapp.js';
import type { TestGate } from '../helpers/gate.js';
import { startTestGate } from '../helpers/gate.js';
import type { TestUpstream } from '../helpers/upstream.js';
import { startUpstream } from '../helpers/upstream.js';
import { waitFor } from '../helpers/wait.js';
import { ENROL_POLICY } from './enrol-policy.js';

let wa: FakeWhatsApp;
let upstream: TestUpstream;
let gate: TestGate;

beforeAll(async () => {
  [wa, upstream] = await Promise.all([startFakeWhatsApp(), startUpstream()]);
  gate = await startTestGate({ upstream: upstream.url, channels: wa.config(), policy: ENROL_POLICY });
});
afterAll(async () => {
  await gate?.close();
  await Promise.all([wa?.close(), upstream?.close()]);
});

/** The WhatsApp code sent to a number (digits, no "+") after `before` messages. */
const codeTo = (digits: string, before = 0) =>
  waitFor(
    () => `a WhatsApp code to ${digits}; sent: ${wa.sent.map((m) => m.to).join(', ')}`,
    () => wa.sent.filter((m) => m.to === digits)[before]?.code,
  );

/** Identifies with a number, types the code it was sent; resolves with the verify answer. */
async function proveNumber(agent: Agent, number: string, rd: string) {
  const digits = number.replace(/\D/g, '');
  const before = wa.sent.filter((m) => m.to === digits).length;
  const { csrf } = await identify(agent, number, rd);
  return submitCode(agent, csrf, await codeTo(digits, before));
}

const upstreamHeaders = async (cookie: string, path: string) =>
  (await request(gate.url).get(path).set('Cookie', cookie).set('Accept', 'application/json').expect(200)).body
    .headers as Record<string, string>;

describe('a number the rule lets enrol', () => {
  it('gets a real code, is asked its name once, and reaches the app as its E.164 number with the rule groups', async () => {
    const agent = browser(gate);
    const verified = await proveNumber(agent, '+39 333 123 4567', '/guest/page');
    expect(verified.status).toBe(200);
    expect(verified.text).toContain('name="name"');
    const welcomed = await agent
      .post('/_gate/welcome')
      .type('form')
      .send({ csrf: hiddenField(verified.text, 'csrf'), name: 'Giulia Rossi' });
    expect(welcomed.status).toBe(303);
    expect(welcomed.headers.location).toBe('/guest/page');
    const headers = await upstreamHeaders(sessionCookie(welcomed), '/guest/page');
    expect([headers['remote-user'], headers['remote-name'], headers['remote-groups']]).toEqual([
      '+393331234567',
      'Giulia Rossi',
      'guests',
    ]);
  });

  it('signs in again with no name page, keeping the name given the first time', async () => {
    const agent = browser(gate);
    await proveNumber(agent, '+393339876543', '/guest/a').then(async (first) =>
      agent
        .post('/_gate/welcome')
        .type('form')
        .send({ csrf: hiddenField(first.text, 'csrf'), name: 'Marco' }),
    );
    const again = await proveNumber(browser(gate), '+393339876543', '/guest/b');
    expect(again.status).toBe(303);
    expect((await upstreamHeaders(sessionCookie(again), '/guest/b'))['remote-name']).toBe('Marco');
  });

  it('keeps the number as the name when the person leaves the name empty', async () => {
    const agent = browser(gate);
    const verified = await proveNumber(agent, '+393470000000', '/guest/');
    const welcomed = await agent
      .post('/_gate/welcome')
      .type('form')
      .send({ csrf: hiddenField(verified.text, 'csrf'), name: '  ' });
    expect((await upstreamHeaders(sessionCookie(welcomed), '/guest/'))['remote-name']).toBe('+393470000000');
  });

  it('enrols a number outside the listed countries when it starts with a listed prefix', async () => {
    const agent = browser(gate);
    const verified = await proveNumber(agent, '+8613800138000', '/guest/');
    expect(verified.status).toBe(200);
    expect(verified.text).toContain('name="name"');
  });
});

describe('an enrolled person', () => {
  let cookie: string;
  beforeAll(async () => {
    const agent = browser(gate);
    const verified = await proveNumber(agent, '+393331112222', '/guest/');
    const welcomed = await agent
      .post('/_gate/welcome')
      .type('form')
      .send({ csrf: hiddenField(verified.text, 'csrf'), name: 'Ada' });
    cookie = sessionCookie(welcomed);
  });

  it('is refused by a rule for another group', async () => {
    await request(gate.url).get('/staff/x').set('Cookie', cookie).set('Accept', 'application/json').expect(403);
  });

  it('is refused by a rule that admits any known user: enrolment widens no existing rule', async () => {
    await request(gate.url).get('/wiki/x').set('Cookie', cookie).set('Accept', 'application/json').expect(403);
  });

  it('is admitted by a rule that names their group without enrolling anyone', async () => {
    expect((await upstreamHeaders(cookie, '/lounge/x'))['remote-user']).toBe('+393331112222');
  });
});

it('a browser an enrolled person trusted signs them in again with no code, as "Continue as" their name', async () => {
  const agent = browser(gate);
  const digits = '393335551234';
  const { csrf } = await identify(agent, `+${digits}`, '/guest/t');
  const verified = await submitCode(agent, csrf, await codeTo(digits), { trust: '1' });
  await agent
    .post('/_gate/welcome')
    .type('form')
    .send({ csrf: hiddenField(verified.text, 'csrf'), name: 'Lia' });
  const sentBefore = wa.sent.length;
  const login = await agent.get('/_gate/login?rd=%2Fguest%2Ft').expect(200);
  expect(login.text).toContain('Continue as Lia');
  const continued = await agent
    .post('/_gate/login/device')
    .type('form')
    .send({ csrf: hiddenField(login.text, 'csrf'), rd: '/guest/t' });
  expect(continued.status).toBe(303);
  expect((await upstreamHeaders(sessionCookie(continued), '/guest/t'))['remote-user']).toBe(`+${digits}`);
  expect(wa.sent.length).toBe(sentBefore);
});

describe('an enrolled person on their account page', () => {
  /** Enrols `digits` trusting the browser, named Nina; the agent holds the session. */
  async function enrolled(digits: string) {
    const agent = browser(gate);
    const { csrf } = await identify(agent, `+${digits}`, '/guest/a');
    const verified = await submitCode(agent, csrf, await codeTo(digits), { trust: '1' });
    const welcomed = await agent
      .post('/_gate/welcome')
      .type('form')
      .send({ csrf: hiddenField(verified.text, 'csrf'), name: 'Nina' });
    return { agent, cookie: sessionCookie(welcomed) };
  }

  it('sees the number they sign in with and since when', async () => {
    const { agent } = await enrolled('393336660001');
    const page = await agent.get('/_gate/account').expect(200);
    expect(page.text).toContain('Your phone number');
    expect(page.text).toMatch(/You sign in with \+393336660001, since \d{4}-\d{2}-\d{2}\./);
    expect(page.text).toContain('Forget me');
  });

  it('is forgotten at their asking: signed out everywhere, trusted browser gone, audited by "self"', async () => {
    const { agent, cookie } = await enrolled('393336660002');
    const page = await agent.get('/_gate/account').expect(200);
    const forgotten = await agent
      .post('/_gate/account/forget')
      .type('form')
      .send({ csrf: hiddenField(page.text.slice(page.text.indexOf('/account/forget')), 'csrf') })
      .expect(200);
    expect(forgotten.text).toContain('You are forgotten');
    await request(gate.url).get('/guest/a').set('Cookie', cookie).set('Accept', 'application/json').expect(401);
    // The browser it trusted no longer offers "Continue as": the number is a stranger again.
    expect((await agent.get('/_gate/login?rd=%2Fguest%2Fa').expect(200)).text).not.toContain('Continue as');
    const line = gate.audit.find((l) => l.includes('"person_removed"'))!;
    expect(JSON.parse(line)).toMatchObject({ user: '+39 ••• ••• 0002', by: 'self', outcome: 'ok' });
    expect(line).not.toContain('3336660002');
  });

  it('is a section a users-file person does not get', async () => {
    const agent = browser(gate);
    const alice = '393330000001';
    const before = wa.sent.filter((m) => m.to === alice).length;
    const { csrf } = await identify(agent, 'alice', '/staff/x');
    expect((await submitCode(agent, csrf, await codeTo(alice, before))).status).toBe(303);
    const page = await agent.get('/_gate/account').expect(200);
    expect(page.text).toContain('Your account');
    expect(page.text).not.toContain('/account/forget');
  });
});

describe('a number the rule does not let enrol', () => {
  it('sees the code page an unknown name sees, and no code is sent', async () => {
    const sentBefore = wa.sent.length;
    const outside = await identify(browser(gate), '+33 6 12 34 56 78', '/guest/');
    const unknown = await identify(browser(gate), 'nobody-at-all', '/guest/');
    expect([outside.status, unknown.status]).toEqual([303, 303]);
    // The page's content, numbers and per-request tokens aside.
    const shape = (html: string) =>
      /<main[\s\S]*<\/main>/
        .exec(html)![0]
        .replace(/\+[\d ••]+/g, 'NUMBER')
        .replace(/value="[^"]*"/g, 'value=""');
    expect(shape(outside.html)).toBe(shape(unknown.html));
    expect(outside.html).toContain('56 78');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(wa.sent.length).toBe(sentBefore);
  });

  it('is not enrolled by a rule without enrol, even in a listed country', async () => {
    const sentBefore = wa.sent.length;
    const { status } = await identify(browser(gate), '+393335550000', '/wiki/');
    expect(status).toBe(303);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(wa.sent.length).toBe(sentBefore);
  });
});

it('never writes an enrolled number in full to the audit trail', async () => {
  expect(gate.audit.some((l) => l.includes('"login"'))).toBe(true);
  expect(gate.audit.join('\n')).not.toMatch(/3331234567|3339876543|13800138000/);
});
