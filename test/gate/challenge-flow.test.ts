import request from 'supertest';
import { describe, expect, it } from 'vitest';

import { browser, identify, signIn, submitCode } from '../helpers/browser.js';
import { useGate } from '../helpers/gate.js';

const env = useGate({});

describe('the challenge flow', () => {
  it('sends a browser without a session to the login page with where it was going', async () => {
    const res = await request(env.gate.url).get('/docs/page?x=1').set('Accept', 'text/html').expect(302);
    expect(res.headers.location).toBe('/_gate/login?rd=%2Fdocs%2Fpage%3Fx%3D1');
  });

  it('answers an API request without a session with 401 JSON, not a redirect', async () => {
    const res = await request(env.gate.url).get('/api/items').set('Accept', 'application/json').expect(401);
    expect(res.body).toMatchObject({ error: 'unauthenticated' });
  });

  it('signs a person in with the code from the console channel and returns them to their page', async () => {
    const agent = browser(env.gate);
    const res = await signIn(env.gate, agent, 'alice', '/docs/page?x=1');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/docs/page?x=1');
    const proxied = await agent.get('/docs/page?x=1').set('Accept', 'application/json').expect(200);
    expect(proxied.body.url).toBe('/docs/page?x=1');
    expect(proxied.body.headers['remote-user']).toBe('alice');
    expect(proxied.body.headers['remote-name']).toBe('Alice Example');
    expect(proxied.body.headers['remote-groups']).toBe('admins,staff');
  });

  it('sets the session cookie HttpOnly and SameSite=Lax', async () => {
    const res = await signIn(env.gate, browser(env.gate), 'alice');
    const cookie = (res.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('otp_gate='));
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Path=\//);
  });

  it("does not forward the gate session cookie to the upstream but keeps the app's own cookies", async () => {
    const agent = browser(env.gate);
    await signIn(env.gate, agent, 'alice');
    const res = await agent.get('/page').set('Accept', 'application/json').set('Cookie', 'app=1').expect(200);
    // supertest's jar adds the session cookie beside the one set by hand
    expect(res.body.headers.cookie ?? '').not.toContain('otp_gate');
  });

  it('accepts a code typed with spaces', async () => {
    const agent = browser(env.gate);
    const { csrf } = await identify(agent, 'bob');
    const code = await env.gate.inbox.code('bob', env.gate.inbox.codesFor('bob').length);
    const res = await submitCode(agent, csrf, `${code.slice(0, 3)} ${code.slice(3)}`);
    expect(res.status).toBe(303);
  });

  it('finds the same person by phone number in another spelling', async () => {
    const agent = browser(env.gate);
    const before = env.gate.inbox.codesFor('alice').length;
    const { status } = await identify(agent, '+39 (333) 000-0001');
    expect(status).toBe(303);
    await expect(env.gate.inbox.code('alice', before + 1)).resolves.toMatch(/^\d{6}$/);
  });

  it('shows where the code went, masked', async () => {
    const { html } = await identify(browser(env.gate), 'alice');
    expect(html).toContain('+39 ••• ••• 0001');
    expect(html).not.toContain('333 000 0001');
  });

  it('code field invites one-time-code autofill on a numeric keypad', async () => {
    const { html } = await identify(browser(env.gate), 'bob');
    expect(html).toMatch(/autocomplete="one-time-code"/);
    expect(html).toMatch(/inputmode="numeric"/);
  });
});

describe('policies at the gate', () => {
  it('passes a bypass rule without a session and without identity headers', async () => {
    const res = await request(env.gate.url).get('/public/logo.png').set('Remote-User', 'mallory').expect(200);
    expect(res.body.url).toBe('/public/logo.png');
    expect(res.body.headers['remote-user']).toBeUndefined();
  });

  it('refuses a deny rule with 403 even with a session', async () => {
    const agent = browser(env.gate);
    await signIn(env.gate, agent, 'alice');
    await agent.get('/blocked/x').expect(403);
  });

  it('refuses a signed-in user the rule does not admit', async () => {
    const agent = browser(env.gate);
    await signIn(env.gate, agent, 'bob');
    const res = await agent.get('/admin/panel').expect(403);
    expect(res.text).toContain('signed in as bob');
  });

  it('admits a user by group', async () => {
    const agent = browser(env.gate);
    await signIn(env.gate, agent, 'alice');
    await agent.get('/admin/panel').set('Accept', 'application/json').expect(200);
  });

  it('answers an unknown host with 404 instead of the first app', async () => {
    const before = env.upstream.seen.length;
    await request(env.gate.url).get('/public/x').set('Host', 'elsewhere.example').expect(404);
    expect(env.upstream.seen.length).toBe(before);
  });

  it('serves a wildcard app host', async () => {
    const res = await request(env.gate.url).get('/public/x').set('Host', 'wiki.apps.test').expect(200);
    expect(res.body.headers.host).toBe('wiki.apps.test');
  });

  it('matches rules on the normalised path and forwards that same path', async () => {
    const res = await request(env.gate.url).get('/public/../public/./a//b').expect(200);
    expect(res.body.url).toBe('/public/a/b');
  });

  it('does not let dot segments climb out of a bypass rule', async () => {
    await request(env.gate.url).get('/public/../admin/panel').set('Accept', 'text/html').expect(302);
    await request(env.gate.url).get('/public/%2e%2e/admin/panel').set('Accept', 'text/html').expect(302);
  });

  it('refuses a double-encoded path with 400', async () => {
    await request(env.gate.url).get('/public/%252e%252e/admin').expect(400);
  });
});
