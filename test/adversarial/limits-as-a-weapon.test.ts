// Send caps protect the bill without handing an attacker a switch that turns sign-in off
// (issue 25): an address or network over its own budget is refused on its own, before any
// shared cap is counted, and unknown names, which send nothing, never count against the caps
// real people share. Run on the memory store and on a real Redis; a control shows that real
// sends into one number range from many networks are still capped.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { createManualClock } from '../../src/shared/clock.js';
import { createSecretBox } from '../../src/totp/secret-box.js';
import { createTotpEnrolments } from '../../src/totp/totp-enrolments.js';
import { browser, identify, signIn, submitCode } from '../helpers/browser.js';
import type { TestGate } from '../helpers/gate.js';
import { startTestGate, useGatePerTest } from '../helpers/gate.js';
import { redisStoreSection } from '../helpers/redis-gate.js';
import { REDIS_INSTALL, REDIS_SERVER, useRedis } from '../helpers/redis-server.js';
import { describeWithBinary } from '../helpers/system-binary.js';
import { codeFor } from '../helpers/totp-codes.js';
import type { TestUpstream } from '../helpers/upstream.js';
import { startUpstream } from '../helpers/upstream.js';

const USERS = `users:
  alice: { phone: "+39 333 000 0001" }
  u2: { phone: "+39 333 000 0002" }
  u3: { phone: "+39 333 000 0003" }
  u4: { phone: "+39 333 000 0004" }
`;
const HIGH = 'max_sends_per_hour: 1000\nmax_sends_per_destination_per_hour: 1000\nresend_after: 1s';

/** Asks for a code as a browser at `ip` (the gate believes X-Forwarded-For from its trusted loopback). */
const askFrom = async (gate: TestGate, ip: string, who: string) =>
  (await identify(browser(gate).set('X-Forwarded-For', ip), who)).status;

/** `store(n)`: the store section, with room for n entries (per partition) where the store has such a bound. */
function scenarios(store: (maxEntries?: number) => string) {
  const gates = useGatePerTest();
  const startWith = (otp: string, maxEntries?: number) =>
    gates.start({
      users: USERS,
      otp: `${HIGH}\n${otp}`,
      extraConfig: store(maxEntries),
      server: 'listen: "127.0.0.1:0"\ninsecure_http: true\ntrusted_proxies: ["127.0.0.1/32"]',
    });

  it("a flood of unknown names from one address is refused on its own, and the gate's total cap still serves everyone else", async () => {
    const g = await startWith('max_sends_per_hour_total: 5\nmax_sends_per_address_per_hour: 10');
    const flood = [];
    for (let i = 0; i < 15; i++) flood.push(await askFrom(g, '203.0.113.7', `nobody-${i}`));
    expect(flood.filter((s) => s === 303)).toHaveLength(10);
    expect(flood.slice(10)).toEqual([429, 429, 429, 429, 429]);
    expect(await askFrom(g, '198.51.100.9', 'alice')).toBe(303);
    expect(await g.inbox.code('alice')).toMatch(/^\d{6}$/);
  });

  it("unknown numbers typed inside a real person's number range leave that range's cap to her", async () => {
    const g = await startWith('max_sends_per_prefix_per_hour: 3\nprefix_digits: 6');
    for (let i = 0; i < 8; i++)
      expect(await askFrom(g, `198.51.${100 + i}.1`, `+39 333 000 01${String(i).padStart(2, '0')}`)).toBe(303);
    expect(await askFrom(g, '192.0.2.1', 'alice')).toBe(303);
    expect(await g.inbox.code('alice')).toMatch(/^\d{6}$/);
  });

  it('addresses of one network share one budget, which another network does not', async () => {
    const g = await startWith('max_sends_per_network_per_hour: 5');
    const answers = [];
    for (let i = 1; i <= 8; i++) answers.push(await askFrom(g, `203.0.113.${i}`, `nobody-${i}`));
    expect(answers).toEqual([303, 303, 303, 303, 303, 429, 429, 429]);
    expect(g.audit.filter((l) => l.includes('"network-hourly-limit"'))).toHaveLength(3);
    expect(await askFrom(g, '2001:db8:1:2::7', 'alice')).toBe(303);
  });

  it('an IPv6 /64 is one network, however many addresses it holds', async () => {
    const g = await startWith('max_sends_per_network_per_hour: 2');
    const answers = [];
    for (let i = 1; i <= 3; i++) answers.push(await askFrom(g, `2001:db8:1:2::${i.toString(16)}`, `nobody-${i}`));
    expect(answers).toEqual([303, 303, 429]);
    expect(await askFrom(g, '2001:db8:1:3::1', 'nobody-4')).toBe(303);
  });

  it('a lockout outlives a flood of unknown names from many networks, which cannot push it out of the store', async () => {
    const g = await startWith(
      'lockout_after: 3\nmax_sends_per_address_per_hour: 1000\nmax_sends_per_hour_total: 100000',
      100,
    );
    const alice = browser(g).set('X-Forwarded-For', '192.0.2.1');
    const { csrf } = await identify(alice, 'alice');
    const code = await g.inbox.code('alice');
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    for (let i = 0; i < 3; i++) await submitCode(alice, csrf, wrong);
    expect(await askFrom(g, '192.0.2.1', 'alice')).toBe(429);
    for (let i = 0; i < 120; i++) await askFrom(g, `198.51.${i}.1`, `nobody-${i}`);
    expect(await askFrom(g, '192.0.2.1', 'alice')).toBe(429);
    expect(g.inbox.codesFor('alice')).toHaveLength(1);
  });

  it("when the gate's total cap is reached, a person whose browser signed in before still gets a code; a new browser waits", async () => {
    const g = await startWith('max_sends_per_hour_total: 2');
    const hers = browser(g).set('X-Forwarded-For', '192.0.2.1');
    expect((await signIn(g, hers, 'alice')).status).toBe(303);
    expect(await askFrom(g, '198.51.100.1', 'u2')).toBe(303);
    expect(await askFrom(g, '198.51.101.1', 'u3')).toBe(429);
    expect((await identify(hers, 'alice')).status).toBe(303);
    expect(await g.inbox.code('alice', 2)).toMatch(/^\d{6}$/);
    expect(await askFrom(g, '203.0.113.9', 'alice')).toBe(429);
  });

  it('control: real codes into one number range from many networks are still capped (SMS pumping)', async () => {
    const g = await startWith('max_sends_per_prefix_per_hour: 3\nprefix_digits: 6');
    const answers = [];
    for (const [i, who] of ['alice', 'u2', 'u3', 'u4'].entries())
      answers.push(await askFrom(g, `198.51.${100 + i}.1`, who));
    expect(answers).toEqual([303, 303, 303, 429]);
  });
}

describe('limits as a weapon, on the memory store', () =>
  scenarios((n) => (n === undefined ? '' : `store:\n  type: memory\n  max_entries: ${n}\n`)));

describeWithBinary('limits as a weapon, on Redis', REDIS_SERVER, REDIS_INSTALL, (binary) => {
  const redis = useRedis(binary);
  afterEach(async () => {
    // Each scenario starts with no counters, as on the memory store.
    await redis.command('FLUSHALL');
  });
  scenarios(() => redisStoreSection(redis.url));
});

describe('limits as a weapon, with an authenticator app', () => {
  const KEY = 'totp-test-key-0123456789-0123456789';
  const clock = createManualClock(Date.now());
  let upstream: TestUpstream;
  let gate: TestGate;
  let secret: string;
  beforeAll(async () => {
    upstream = await startUpstream();
    gate = await startTestGate({
      upstream: upstream.url,
      users: USERS,
      clock,
      otp: `${HIGH}\nmax_sends_per_hour_total: 1`,
      extraConfig: `totp:\n  keys: ["${KEY}"]`,
      policy: 'rules:\n  - name: everyone\n    action: challenge\n    channels: [console, totp]\n',
    });
    const enrolments = createTotpEnrolments({
      store: gate.gate.store,
      box: createSecretBox([KEY]),
      clock,
      issuer: 'otp-gate',
    });
    ({ secret } = await enrolments.begin('setup-alice', 'alice'));
    expect(await enrolments.confirm('setup-alice', 'alice', codeFor(secret, clock.now()))).toBe(true);
    clock.advance(30_000);
  });
  afterAll(async () => {
    await gate?.close();
    await upstream?.close();
  });

  it("when the gate's total cap is reached, a rule with the app offers it first and the person signs in with it", async () => {
    expect((await identify(browser(gate), 'u2')).status).toBe(303);
    const agent = browser(gate);
    const { status, csrf, html } = await identify(agent, 'alice');
    expect(status).toBe(303);
    expect(html).toMatch(/authenticator app/i);
    expect(gate.inbox.codesFor('alice')).toHaveLength(0);
    expect((await submitCode(agent, csrf, codeFor(secret, clock.now()))).status).toBe(303);
  });
});
