// The signed JWT an app may ask for: a standard verifier (jose, reading the gate's JWKS over HTTP)
// accepts it, and refuses it for another audience, once expired, and once its key is retired.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadGate } from '../../src/config/load-gate.js';
import { createManualClock } from '../../src/shared/clock.js';
import { assertionsSection, testKey } from '../helpers/assertion-keys.js';
import { browser, sessionCookie, signIn } from '../helpers/browser.js';
import type { TestGate } from '../helpers/gate.js';
import { startTestGate } from '../helpers/gate.js';
import type { TestUpstream } from '../helpers/upstream.js';
import { startUpstream } from '../helpers/upstream.js';

const ISSUER = 'https://gate.example.com';
const LIFETIME_S = 120;
const first = testKey('k1');
const next = testKey('k2', 'ES256', 'next');
const clock = createManualClock(Date.now());

let gate: TestGate;
let upstream: TestUpstream;
let bob: string;

beforeAll(async () => {
  upstream = await startUpstream();
  gate = await startTestGate({
    upstream: upstream.url,
    clock,
    // Trusting the test's own address lets it ask forward-auth too.
    server: `listen: "127.0.0.1:0"\ninsecure_http: true\npublic_url: "${ISSUER}"\ntrusted_proxies: ["127.0.0.1/32"]`,
    apps: [
      `- host: 127.0.0.1\n  upstream: "${upstream.url}"\n  assertion: {}`,
      `- host: "*.apps.test"\n  upstream: "${upstream.url}"\n  assertion: { mode: instead, header: Authorization, audience: apps }`,
      `- host: plain.test\n  upstream: "${upstream.url}"`,
    ].join('\n'),
    extraConfig: assertionsSection([first, next], '  lifetime: 2m'),
  });
  bob = sessionCookie(await signIn(gate, browser(gate), 'bob'));
});
afterAll(async () => {
  await gate?.close();
  await upstream?.close();
});

/** What the upstream received for one GET through the gate. */
async function upstreamHeaders(path: string, headers: Record<string, string> = {}) {
  await request(gate.url).get(path).set(headers).expect(200);
  return upstream.seen.at(-1)!.headers;
}

const jwks = () => createRemoteJWKSet(new URL(`${gate.url}/_gate/.well-known/jwks.json`));
const atGateTime = () => ({ currentDate: new Date(clock.now()) });
const bobsAssertion = async () => (await upstreamHeaders('/docs', { Cookie: bob }))['remote-assertion'] as string;

describe('an assertion beside the identity headers', () => {
  it('is accepted by jose verifying against the JWKS, with who signed in and how', async () => {
    const { payload, protectedHeader } = await jwtVerify(await bobsAssertion(), jwks(), {
      issuer: ISSUER,
      audience: '127.0.0.1',
      ...atGateTime(),
    });
    expect(protectedHeader).toMatchObject({ alg: 'EdDSA', kid: 'k1' });
    expect(payload).toMatchObject({ sub: 'bob', name: 'Bob Example', groups: ['staff'], amr: ['otp'] });
    expect(payload.exp! - payload.iat!).toBe(LIFETIME_S);
    expect(payload.auth_time).toBeLessThanOrEqual(payload.iat!);
  });

  it('comes with the Remote-* headers', async () => {
    const headers = await upstreamHeaders('/docs', { Cookie: bob });
    expect(headers['remote-user']).toBe('bob');
    expect(headers['remote-assertion']).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it('is refused by a verifier expecting another audience', async () => {
    await expect(jwtVerify(await bobsAssertion(), jwks(), { audience: 'other', ...atGateTime() })).rejects.toThrow(
      /aud/,
    );
  });

  it('is refused once expired', async () => {
    const jwt = await bobsAssertion();
    const expired = new Date((decodeJwt(jwt).exp! + 1) * 1000);
    await expect(jwtVerify(jwt, jwks(), { currentDate: expired })).rejects.toMatchObject({
      code: 'ERR_JWT_EXPIRED',
    });
  });

  it('is signed once and reused for half its lifetime, then signed anew', async () => {
    const a = await bobsAssertion();
    expect(await bobsAssertion()).toBe(a);
    clock.advance((LIFETIME_S / 2) * 1000 + 1000);
    const b = await bobsAssertion();
    expect(b).not.toBe(a);
    expect(decodeJwt(b).iat).toBeGreaterThan(decodeJwt(a).iat!);
  });

  it('sent by a client is never passed on, signed in or not', async () => {
    const forged = { 'Remote-Assertion': 'forged', 'X-Remote-Assertion': 'forged' };
    const bypass = await upstreamHeaders('/public/page', forged);
    expect(bypass['remote-assertion']).toBeUndefined();
    expect(bypass['x-remote-assertion']).toBeUndefined();
    const signedIn = await upstreamHeaders('/docs', { ...forged, Cookie: bob });
    expect(signedIn['remote-assertion']).not.toBe('forged');
    expect(signedIn['x-remote-assertion']).toBeUndefined();
  });

  it('sent by a client to an app without assertions is not passed on either', async () => {
    const headers = await upstreamHeaders('/public/page', { Host: 'plain.test', 'Remote-Assertion': 'forged' });
    expect(headers['remote-assertion']).toBeUndefined();
  });
});

describe('an assertion instead of the identity headers, as a Bearer token', () => {
  it('replaces the client-sent Authorization and leaves the Remote-* headers out', async () => {
    const headers = await upstreamHeaders('/docs', {
      Host: 'wiki.apps.test',
      Cookie: bob,
      Authorization: 'Basic eDp5',
    });
    expect(headers['remote-user']).toBeUndefined();
    const [scheme, jwt] = (headers.authorization ?? '').split(' ');
    expect(scheme).toBe('Bearer');
    const { payload } = await jwtVerify(jwt!, jwks(), { audience: 'apps', issuer: ISSUER, ...atGateTime() });
    expect(payload.sub).toBe('bob');
  });

  it('drops a client-sent Authorization on a bypass path of that app', async () => {
    const headers = await upstreamHeaders('/public/x', { Host: 'wiki.apps.test', Authorization: 'Bearer forged' });
    expect(headers.authorization).toBeUndefined();
  });
});

describe('forward-auth', () => {
  const ask = (host: string) =>
    request(gate.url)
      .get('/_gate/auth/traefik')
      .set({ 'X-Forwarded-Method': 'GET', 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': host })
      .set({ 'X-Forwarded-Uri': '/docs', Cookie: bob })
      .expect(200);

  it('answers with the assertion beside the identity headers', async () => {
    const res = await ask('127.0.0.1');
    expect(res.headers['remote-user']).toBe('bob');
    const { payload } = await jwtVerify(res.headers['remote-assertion'] as string, jwks(), {
      audience: '127.0.0.1',
      ...atGateTime(),
    });
    expect(payload.sub).toBe('bob');
  });

  it('answers with the Bearer assertion and empty identity headers for an app that takes it instead', async () => {
    const res = await ask('wiki.apps.test');
    expect(res.headers['remote-user']).toBe('');
    expect(res.headers.authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
  });
});

describe('the JWKS', () => {
  it('publishes the active and the next key, cacheable for five minutes', async () => {
    const res = await request(gate.url).get('/_gate/.well-known/jwks.json').expect(200);
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    const keys = (JSON.parse(res.text) as { keys: Array<Record<string, string>> }).keys;
    expect(keys.map((k) => [k.kid, k.alg, k.kty])).toEqual([
      ['k1', 'EdDSA', 'OKP'],
      ['k2', 'ES256', 'EC'],
    ]);
    expect(keys.every((k) => k.d === undefined)).toBe(true);
  });
});

describe('key rotation', () => {
  it('a retired key is gone from the JWKS, so its assertions are refused; the next key signs', async () => {
    const old = await bobsAssertion();
    const file = join(gate.dir, 'config.yaml');
    const text = readFileSync(file, 'utf8');
    writeFileSync(
      file,
      text.replace(
        assertionsSection([first, next], '  lifetime: 2m'),
        assertionsSection(
          [
            { ...first, status: 'retired' },
            { ...next, status: 'active' },
          ],
          '  lifetime: 2m',
        ),
      ),
    );
    gate.gate.reload((await loadGate(file, {})).gate);
    await expect(jwtVerify(old, jwks(), atGateTime())).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
    const fresh = await bobsAssertion();
    expect(decodeProtectedHeader(fresh)).toMatchObject({ alg: 'ES256', kid: 'k2' });
    await expect(jwtVerify(fresh, jwks(), { issuer: ISSUER, ...atGateTime() })).resolves.toBeDefined();
  });
});
