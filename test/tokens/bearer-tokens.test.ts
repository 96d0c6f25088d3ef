// Access tokens through a running gate, with real HTTP clients: fetch (undici) as a script would
// send a Bearer token, and curl's -u for Basic. A token never gets a login page.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import { describe, expect, it } from 'vitest';

import { useGate } from '../helpers/gate.js';
import { waitFor } from '../helpers/wait.js';

const run = promisify(execFile);
const WIKI = '127.0.0.1';

const POLICY = `
rules:
  - name: api
    paths: ["/api/**"]
    action: challenge
    groups: [admins]
    tokens: [monitor]
  - name: dav
    paths: ["/dav/**"]
    action: challenge
    basic: true
  - name: step-up
    paths: ["/vault/**"]
    action: challenge
    max_session_age: 10m
  - name: everyone
    action: challenge
`;

describe('access tokens', () => {
  // The test gate's apps are named by their hosts: "127.0.0.1" (this one) and "*.apps.test".
  const env = useGate({ policy: POLICY });
  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${env.gate.url}${path}`, { headers, redirect: 'manual' });
  const service = (name = 'monitor', groups: string[] = []) =>
    env.gate.gate.tokens.create({
      kind: 'service',
      name,
      user: undefined,
      apps: [WIKI],
      groups,
      lifetimeMs: 3_600_000,
    });
  const personal = (user: string, name: string, apps = [WIKI]) =>
    env.gate.gate.tokens.create({ kind: 'personal', name, user, apps, groups: [], lifetimeMs: 3_600_000 });

  it('lets a service token named by the rule through, as that token, without its Authorization header upstream', async () => {
    const { text } = await service('monitor');
    const res = await get('/api/status', { authorization: `Bearer ${text}` });
    expect(res.status).toBe(200);
    const seen = (await res.json()) as { headers: Record<string, string> };
    expect(seen.headers['remote-user']).toBe('monitor');
    expect(seen.headers.authorization).toBeUndefined();
  });

  it('refuses a service token on a rule that names neither it nor its groups, with JSON and a Bearer challenge', async () => {
    const { text } = await service('backup');
    const res = await get('/page', { authorization: `Bearer ${text}`, accept: 'text/html' });
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    expect(await res.json()).toMatchObject({ error: 'insufficient_scope' });
  });

  it('admits a service token by one of its groups', async () => {
    const { text } = await service('reporter', ['admins']);
    const res = await get('/api/report', { authorization: `Bearer ${text}` });
    expect(res.status).toBe(200);
  });

  it('answers an unknown token with 401 JSON, never a login page, even to a browser', async () => {
    const res = await get('/page', {
      authorization: `Bearer otpg_0123456789abcdef_${'x'.repeat(43)}`,
      accept: 'text/html',
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="127.0.0.1", error="invalid_token"/);
    expect(await res.json()).toMatchObject({ error: 'invalid_token' });
  });

  it('refuses a token for an app it was not made for', async () => {
    const { text } = await personal('bob', 'laptop', ['*.apps.test']);
    const res = await get('/page', { authorization: `Bearer ${text}` });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: 'insufficient_scope' });
  });

  it('carries the person of a personal token with their groups from the users file', async () => {
    const { text } = await personal('alice', 'script');
    const res = await get('/api/x', { authorization: `Bearer ${text}` });
    expect(res.status).toBe(200);
    const seen = (await res.json()) as { headers: Record<string, string> };
    expect([seen.headers['remote-user'], seen.headers['remote-groups']]).toEqual(['alice', 'admins,staff']);
  });

  it('refuses a personal token on a rule that asks for a recent sign-in', async () => {
    const { text } = await personal('alice', 'vault');
    const res = await get('/vault/x', { authorization: `Bearer ${text}` });
    expect(res.status).toBe(403);
  });

  it('stops a token at once when it is revoked on this instance', async () => {
    const { token, text } = await personal('bob', 'revoked');
    expect((await get('/page', { authorization: `Bearer ${text}` })).status).toBe(200);
    await env.gate.gate.tokens.revoke(token.id);
    expect((await get('/page', { authorization: `Bearer ${text}` })).status).toBe(401);
  });

  it('refuses a token in the URL query with 400', async () => {
    const { text } = await service('in-query');
    const res = await get(`/api/x?access_token=${text}`);
    expect(res.status).toBe(400);
  });

  /** The status curl -u gets for `credentials` at `path`. */
  const curlStatus = async (credentials: string, path: string) =>
    (await run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-u', credentials, `${env.gate.url}${path}`]))
      .stdout;

  it('lets curl -u with a username and personal token through a basic rule', async () => {
    const { text } = await personal('bob', 'git');
    expect(await curlStatus(`bob:${text}`, '/dav/file')).toBe('200');
  });

  it('refuses curl -u with an account password instead of a token, asking for Basic', async () => {
    const { stdout } = await run('curl', [
      '-s',
      '-D',
      '-',
      '-o',
      '/dev/null',
      '-u',
      'bob:hunter2',
      `${env.gate.url}/dav/file`,
    ]);
    expect(stdout).toMatch(/^HTTP\/1\.1 401/);
    expect(stdout).toMatch(/www-authenticate: Basic realm="127.0.0.1"/i);
  });

  it('refuses a token sent as Basic by someone other than its owner', async () => {
    const { text } = await personal('bob', 'stolen');
    expect(await curlStatus(`alice:${text}`, '/dav/file')).toBe('401');
  });

  it('asks a client without credentials for Basic on a basic rule', async () => {
    const res = await get('/dav/file');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('Basic realm="127.0.0.1"');
  });

  it("takes no request past the gate on the strength of an app's own Authorization header", async () => {
    const res = await get('/page', { authorization: 'Bearer app-own-token' });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('OTP-Gate');
  });

  it('audits a token use with its app and address, never its secret', async () => {
    const { token, text } = await service('audited', ['admins']);
    await get('/api/a', { authorization: `Bearer ${text}` });
    const line = await waitFor('a token_used audit line', () =>
      env.gate.audit.find((l) => l.includes('"token_used"') && l.includes(token.id)),
    );
    expect(JSON.parse(line!)).toMatchObject({ app: WIKI, ip: '127.0.0.1', token: 'audited' });
    expect(env.gate.audit.join('\n')).not.toContain(text.slice(-43));
  });
});

describe('access tokens over forward-auth', () => {
  const env = useGate({
    policy: POLICY,
    server: 'listen: "127.0.0.1:0"\ninsecure_http: true\ntrusted_proxies: ["127.0.0.1/32"]',
  });
  /** What nginx's auth_request sends: the original URL, and the client's own headers. */
  const ask = (path: string, authorization: string) =>
    fetch(`${env.gate.url}/_gate/auth/nginx`, {
      headers: { 'x-original-url': `http://127.0.0.1${path}`, 'x-original-method': 'GET', authorization },
    });

  it('answers 200 with the token identity when nginx passes a Bearer token', async () => {
    const { text } = await env.gate.gate.tokens.create({
      kind: 'service',
      name: 'monitor',
      user: undefined,
      apps: [WIKI],
      groups: [],
      lifetimeMs: 3_600_000,
    });
    const res = await ask('/api/health', `Bearer ${text}`);
    expect([res.status, res.headers.get('remote-user')]).toEqual([200, 'monitor']);
  });

  it('answers 401 with a Bearer challenge and no login location for a bad token', async () => {
    const res = await ask('/page', `Bearer otpg_0123456789abcdef_${'y'.repeat(43)}`);
    expect(res.status).toBe(401);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });
});
