// More than one code: a password first where a rule asks for one, step-up on an old session
// (keeping the person's place and their form post), and trusted browsers, honoured only where a
// rule allows them.
import { describe, expect, it } from 'vitest';

import { createSigner } from '../../src/session/signer.js';
import { createTrustedDevices } from '../../src/session/trusted-devices.js';
import { createManualClock } from '../../src/shared/clock.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import type { Store } from '../../src/store/store.js';
import type { Agent } from '../helpers/browser.js';
import { browser, hiddenField, identify, signIn, signOut, submitCode } from '../helpers/browser.js';
import { adminRule, PASSWORD, PASSWORD_HASH } from '../helpers/factors.js';
import { TEST_SECRET, useGate } from '../helpers/gate.js';

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const clock = createManualClock(Date.now());

const POLICY = `
rules:
${adminRule('    groups: [admins]\n')}  - name: wiki
    paths: ["/wiki/**"]
    action: challenge
    trusted_device: 30d
  - name: vault
    paths: ["/vault/**"]
    action: challenge
    factors: [password, otp]
    trusted_device: 7d
  - name: everyone
    action: challenge
`;

const HASH = PASSWORD_HASH;
const USERS = `
users:
  alice: { name: Alice Example, phone: "+39 333 000 0001", groups: [admins], password: "${HASH}" }
  bob: { name: Bob Example, phone: "+1 202 555 0102", groups: [admins], password: "${HASH}" }
  carol: { name: Carol Example, phone: "+1 202 555 0103", password: "${HASH}" }
`;
/** The gate's memory store, counting reads of trusted-browser records. */
function countingStore(): { store: Store; deviceReads: () => number } {
  const inner = createMemoryStore({ maxEntries: 10_000, clock });
  let reads = 0;
  const get: Store['get'] = (key) => {
    if (key.startsWith('device:')) reads += 1;
    return inner.get(key);
  };
  return { store: { ...inner, get }, deviceReads: () => reads };
}

const { store, deviceReads } = countingStore();
const env = useGate({
  clock,
  store,
  policy: POLICY,
  users: USERS,
  otp: 'max_sends_per_hour: 1000\nmax_sends_per_address_per_hour: 1000\nmax_sends_per_destination_per_hour: 1000\nmax_sends_per_prefix_per_hour: 1000\nlockout_after: 4\nresend_after: 1s',
});

/** The password, then the code: the whole sign-in under a password rule. */
async function signInWithPassword(
  agent: Agent,
  username: string,
  rd: string,
  password = PASSWORD,
  verify: Record<string, string> = {},
) {
  return signIn(env.gate, agent, username, rd, { login: { password }, verify });
}

/** One sign-in form post under the admin rule; the status it gets. */
async function postPassword(identifier: string, password: string): Promise<number> {
  const agent = browser(env.gate);
  const login = await agent.get('/_gate/login?rd=%2Fadmin%2Fx').expect(200);
  const res = await agent
    .post('/_gate/login')
    .type('form')
    .send({ identifier, password, rd: '/admin/x', csrf: hiddenField(login.text, 'csrf') });
  return res.status;
}

const sessionCookieOf = (res: { headers: Record<string, unknown> }, name: string) =>
  ((res.headers['set-cookie'] as string[] | undefined) ?? []).find((c) => c.startsWith(`${name}=`));

describe('password first factor', () => {
  it('asks for a password on the sign-in page of a rule that requires one, and not elsewhere', async () => {
    const agent = browser(env.gate);
    expect((await agent.get('/_gate/login?rd=%2Fadmin%2Fx').expect(200)).text).toMatch(
      /type="password"[^>]*autocomplete="current-password"/,
    );
    expect((await agent.get('/_gate/login?rd=%2Fdocs').expect(200)).text).not.toContain('type="password"');
  });

  it('signs in with password then code, and the session passes the rule', async () => {
    const agent = browser(env.gate);
    const res = await signInWithPassword(agent, 'alice', '/admin/users');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/admin/users');
    const proxied = await agent.get('/admin/users').set('Accept', 'application/json').expect(200);
    expect(proxied.body.headers['remote-user']).toBe('alice');
  });

  it('sends no code for a wrong password', async () => {
    const before = env.gate.inbox.codesFor('alice').length;
    const { status, html } = await identify(browser(env.gate), 'alice', '/admin/x', { password: 'wrong' });
    expect(status).toBe(400);
    expect(html).toContain('That username and password do not match');
    await env.gate.gate.challenges.idle();
    expect(env.gate.inbox.codesFor('alice')).toHaveLength(before);
  });

  it('answers a wrong password and an unknown user the same way', async () => {
    const wrong = await identify(browser(env.gate), 'bob', '/admin/x', { password: 'wrong' });
    const unknown = await identify(browser(env.gate), 'nobody', '/admin/x', { password: 'wrong' });
    // Only the per-request values differ: the CSRF token, the typed name, the style nonce.
    const strip = (html: string) => html.replace(/value="[^"]*"/g, '').replace(/nonce="[^"]*"/g, '');
    expect(unknown.status).toBe(wrong.status);
    expect(strip(unknown.html).replace('nobody', 'bob')).toBe(strip(wrong.html));
  });

  it('counts wrong passwords toward the same lockout as wrong codes', async () => {
    // carol: one wrong code, then wrong passwords up to lockout_after (4); then even the right one waits.
    const agent = browser(env.gate);
    const { csrf } = await identify(agent, 'carol', '/docs');
    const code = await env.gate.inbox.code('carol');
    expect((await submitCode(agent, csrf, code === '000000' ? '111111' : '000000')).status).toBe(400);
    expect(await postPassword('carol', 'wrong')).toBe(400);
    expect(await postPassword('carol', 'wrong')).toBe(400);
    expect(await postPassword('carol', 'wrong')).toBe(429);
    expect(await postPassword('carol', PASSWORD)).toBe(429);
    expect(env.gate.audit.some((l) => l.includes('"event":"lockout"') && l.includes('"user":"carol"'))).toBe(true);
  });

  it('asks a person signed in with a code alone for the password a rule requires', async () => {
    const agent = browser(env.gate);
    await signIn(env.gate, agent, 'alice', '/docs');
    const res = await agent.get('/admin/x').expect(302);
    expect(res.headers.location).toBe('/_gate/login?rd=%2Fadmin%2Fx');
  });
});

describe('step-up (max_session_age)', () => {
  /** Alice signed in for /admin with password and code, 11 minutes ago: past the rule's 10m. */
  async function staleAdminSession(): Promise<Agent> {
    const agent = browser(env.gate);
    await signInWithPassword(agent, 'alice', '/admin/x');
    clock.advance(11 * MIN);
    return agent;
  }

  it('challenges a session whose factors were proven too long ago, only where the rule asks', async () => {
    const agent = await staleAdminSession();
    const res = await agent.get('/admin/x?tab=2').expect(302);
    expect(res.headers.location).toBe('/_gate/login?rd=%2Fadmin%2Fx%3Ftab%3D2');
    await agent.get('/docs').set('Accept', 'application/json').expect(200);
  });

  it("offers the signed-in person's name on the step-up sign-in page", async () => {
    const agent = await staleAdminSession();
    const page = await agent.get('/_gate/login?rd=%2Fadmin%2Fx').expect(200);
    expect(page.text).toMatch(/id="identifier" name="identifier" value="alice"/);
  });

  it('lets a fresh sign-in through again, to where the person was', async () => {
    const agent = await staleAdminSession();
    const again = await signInWithPassword(agent, 'alice', '/admin/x?tab=2');
    expect(again.headers.location).toBe('/admin/x?tab=2');
    await agent.get('/admin/x?tab=2').set('Accept', 'application/json').expect(200);
  });

  it('keeps a same-origin form post across the step-up and sends it again after', async () => {
    const agent = await staleAdminSession();
    const body = 'name=Bob+B&role=admin&role=owner';
    const kept = await agent
      .post('/admin/users/save')
      .set('Sec-Fetch-Site', 'same-origin')
      .type('form')
      .send(body)
      .expect(303);
    expect(kept.headers.location).toBe('/_gate/login?rd=%2Fadmin%2Fusers%2Fsave');
    const seenBefore = env.upstream.seen.length;
    const signedIn = await signInWithPassword(agent, 'alice', '/admin/users/save');
    expect(signedIn.status).toBe(200);
    expect(signedIn.text).toContain('<form method="post" action="/admin/users/save" id="resume-form">');
    const fields = [...signedIn.text.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)].map(
      (m) => `${m[1]}=${m[2]}`,
    );
    expect(fields).toEqual(['name=Bob B', 'role=admin', 'role=owner']);
    expect(env.upstream.seen.length).toBe(seenBefore);
    const resent = await agent
      .post('/admin/users/save')
      .set('Sec-Fetch-Site', 'same-origin')
      .set('Accept', 'application/json')
      .type('form')
      .send(body)
      .expect(200);
    expect(resent.body).toMatchObject({ method: 'POST', url: '/admin/users/save', bytes: body.length });
  });

  it('does not keep a cross-site form post: it gets 401 and nothing is resent', async () => {
    const agent = await staleAdminSession();
    await agent.post('/admin/users/delete').set('Sec-Fetch-Site', 'cross-site').type('form').send('id=1').expect(401);
    const signedIn = await signInWithPassword(agent, 'alice', '/admin/users/delete');
    expect(signedIn.status).toBe(303);
  });
});

describe('trusted browsers', () => {
  async function trustedAgent(rd = '/wiki/home') {
    const agent = browser(env.gate);
    const res = await signIn(env.gate, agent, 'alice', rd, { verify: { trust: '1' } });
    return { agent, res };
  }

  it('offers "trust this browser" on the code page only where the rule allows it', async () => {
    expect((await identify(browser(env.gate), 'bob', '/wiki/home')).html).toContain('Trust this browser for 30 days');
    expect((await identify(browser(env.gate), 'bob', '/docs')).html).not.toContain('Trust this browser');
  });

  it("sets a separate HttpOnly cookie for the gate's own pages, lasting the rule's trusted_device", async () => {
    const { res } = await trustedAgent();
    const cookie = sessionCookieOf(res, 'otp_gate_device');
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/Path=\/_gate/);
    expect(cookie).toMatch(new RegExp(`Max-Age=${30 * 24 * 3600}`));
  });

  it('lets a trusted browser continue without a code where the rule honours it', async () => {
    const { agent } = await trustedAgent();
    await signOut(agent);
    const before = env.gate.inbox.codesFor('alice').length;
    const login = await agent.get('/_gate/login?rd=%2Fwiki%2Fpage').expect(200);
    expect(login.text).toContain('Continue as Alice Example');
    const res = await agent
      .post('/_gate/login/device')
      .type('form')
      .send({ csrf: hiddenField(login.text, 'csrf'), rd: '/wiki/page' })
      .expect(303);
    expect(res.headers.location).toBe('/wiki/page');
    await agent.get('/wiki/page').set('Accept', 'application/json').expect(200);
    expect(env.gate.inbox.codesFor('alice')).toHaveLength(before);
  });

  it('is not honoured by a rule that does not allow it, on the page or in the session', async () => {
    const { agent } = await trustedAgent();
    await signOut(agent);
    const elsewhere = await agent.get('/_gate/login?rd=%2Fdocs').expect(200);
    expect(elsewhere.text).not.toContain('Continue as');
    await agent
      .post('/_gate/login/device')
      .type('form')
      .send({ csrf: hiddenField(elsewhere.text, 'csrf'), rd: '/docs' })
      .expect(400);
    // A session the browser's trust made for the wiki does not open a rule that forbids trust.
    const wiki = await agent.get('/_gate/login?rd=%2Fwiki%2Fpage');
    await agent
      .post('/_gate/login/device')
      .type('form')
      .send({ csrf: hiddenField(wiki.text, 'csrf'), rd: '/wiki/page' })
      .expect(303);
    await agent.get('/docs').expect(302);
  });

  it('is not honoured once older than the rule allows', async () => {
    const { agent } = await trustedAgent();
    clock.advance(31 * DAY);
    expect((await agent.get('/_gate/login?rd=%2Fwiki%2Fpage').expect(200)).text).not.toContain('Continue as');
  });

  it("is not honoured once revoked with the user's sessions", async () => {
    const { agent } = await trustedAgent();
    await createTrustedDevices({ store: env.gate.gate.store, signer: createSigner([TEST_SECRET]), clock }).revokeUser(
      'alice',
    );
    expect((await agent.get('/_gate/login?rd=%2Fwiki%2Fpage').expect(200)).text).not.toContain('Continue as');
  });

  it('skips the code, not the password, under a password rule that honours it', async () => {
    const agent = browser(env.gate);
    await signInWithPassword(agent, 'bob', '/vault/x', PASSWORD, { trust: '1' });
    const before = env.gate.inbox.codesFor('bob').length;
    const login = await agent.get('/_gate/login?rd=%2Fvault%2Fy').expect(200);
    expect(login.text).not.toContain('Continue as');
    const res = await agent
      .post('/_gate/login')
      .type('form')
      .send({ identifier: 'bob', password: PASSWORD, rd: '/vault/y', csrf: hiddenField(login.text, 'csrf') })
      .expect(303);
    expect(res.headers.location).toBe('/vault/y');
    expect(env.gate.inbox.codesFor('bob')).toHaveLength(before);
  });

  it("belongs to one user: another person's password still needs their code", async () => {
    const agent = browser(env.gate);
    await signInWithPassword(agent, 'bob', '/vault/x', PASSWORD, { trust: '1' });
    const login = await agent.get('/_gate/login?rd=%2Fvault%2Fy').expect(200);
    const res = await agent
      .post('/_gate/login')
      .type('form')
      .send({ identifier: 'alice', password: PASSWORD, rd: '/vault/y', csrf: hiddenField(login.text, 'csrf') })
      .expect(303);
    expect(res.headers.location).toBe('/_gate/code');
  });

  it('is read once when a password sign-in goes on to a code', async () => {
    const agent = browser(env.gate);
    await signInWithPassword(agent, 'bob', '/vault/x', PASSWORD, { trust: '1' });
    // Signed out, the browser is known by its trust alone: skipping the code and the shared-cap
    // exemption both ask about it.
    await signOut(agent);
    const login = await agent.get('/_gate/login?rd=%2Fvault%2Fy').expect(200);
    const before = deviceReads();
    const res = await agent
      .post('/_gate/login')
      .type('form')
      .send({ identifier: 'alice', password: PASSWORD, rd: '/vault/y', csrf: hiddenField(login.text, 'csrf') })
      .expect(303);
    expect(res.headers.location).toBe('/_gate/code');
    expect(deviceReads() - before).toBe(1);
  });
});
