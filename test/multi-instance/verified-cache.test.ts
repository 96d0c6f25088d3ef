// session.verified_cache: how long an instance trusts a cookie it verified without asking the
// store again, and so how long a revoke made on another instance takes to reach it. Two gates
// share one store and one hand-moved clock.
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';

import { createManualClock } from '../../src/shared/clock.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import { askForCode, CookieJar } from '../helpers/cookie-jar.js';
import type { TestGate } from '../helpers/gate.js';
import { startTestGate, TEST_SECRET } from '../helpers/gate.js';
import type { TestUpstream } from '../helpers/upstream.js';
import { startUpstream } from '../helpers/upstream.js';

let open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.map((o) => o.close()));
  open = [];
});

/** Gates A and B on one store and clock, with `session.verified_cache` set as given (or left out). */
async function twoGates(verifiedCache?: string) {
  const clock = createManualClock(Date.now());
  const store = createMemoryStore({ maxEntries: 1_000, clock });
  const upstream: TestUpstream = await startUpstream();
  open.push(upstream);
  const session = `secrets: ["${TEST_SECRET}"]${verifiedCache === undefined ? '' : `\nverified_cache: ${verifiedCache}`}`;
  const start = () => startTestGate({ upstream: upstream.url, session, clock, store });
  const [a, b] = [await start(), await start()];
  open.push(a, b);
  return { a, b, clock };
}

/** Signs alice in on A; returns her cookie header. */
async function signIn(a: TestGate): Promise<string> {
  const jar = new CookieJar();
  const csrf = await askForCode(jar, a.url, 'alice');
  const res = await jar.post(a.url, '/_gate/verify', { csrf, code: await a.inbox.code('alice', 1) });
  if (res.status !== 303) throw new Error(`verify answered ${res.status}: ${res.text}`);
  return jar.header();
}

const statusOn = async (gate: TestGate, cookie: string) =>
  (await request(gate.url).get('/page').set('Accept', 'application/json').set('Cookie', cookie)).status;

describe('session.verified_cache across instances', () => {
  it('with 0, a revoke on A is refused by B at the very next request', async () => {
    const { a, b } = await twoGates('0');
    const cookie = await signIn(a);
    expect(await statusOn(b, cookie)).toBe(200);
    await a.gate.sessions.revokeUser('alice');
    expect(await statusOn(b, cookie)).toBe(401);
  });

  it('by default, B may serve a revoked cookie it verified for up to 500 ms, and not after', async () => {
    const { a, b, clock } = await twoGates();
    expect(b.gate.config().session.verifiedCache).toBe(500);
    const cookie = await signIn(a);
    expect(await statusOn(b, cookie)).toBe(200);
    await a.gate.sessions.revokeUser('alice');
    expect(await statusOn(b, cookie)).toBe(200);
    clock.advance(500);
    expect(await statusOn(b, cookie)).toBe(401);
  });

  it('a longer window holds as long, and no longer', async () => {
    const { a, b, clock } = await twoGates('2s');
    const cookie = await signIn(a);
    expect(await statusOn(b, cookie)).toBe(200);
    await a.gate.sessions.revokeUser('alice');
    clock.advance(1_999);
    expect(await statusOn(b, cookie)).toBe(200);
    clock.advance(1);
    expect(await statusOn(b, cookie)).toBe(401);
  });
});
