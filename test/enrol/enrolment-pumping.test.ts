// Open enrolment opens no cheaper pumping path (issue 21): a number a rule lets enrol gets a real
// code, so it is counted as a known person's is, by the asker's own budgets (identity, address,
// network), by the caps that guard the bill (destination, number prefix, the gate's total) and by
// the lockout. Run on the memory store and on a real Redis.
import { afterEach, describe, expect, it } from 'vitest';

import { browser, identify, submitCode } from '../helpers/browser.js';
import type { TestGate } from '../helpers/gate.js';
import { useGatePerTest } from '../helpers/gate.js';
import { redisStoreSection } from '../helpers/redis-gate.js';
import { REDIS_INSTALL, REDIS_SERVER, useRedis } from '../helpers/redis-server.js';
import { describeWithBinary } from '../helpers/system-binary.js';

const USERS = `users:
  alice: { phone: "+39 333 000 0001" }
  u2: { phone: "+39 333 000 0002" }
`;
const POLICY = `rules:
  - name: open
    action: challenge
    enrol: { countries: [IT], groups: [guests] }
`;
const HIGH_DESTINATION = 'max_sends_per_destination_per_hour: 1000\nresend_after: 1s';
const HIGH = `max_sends_per_hour: 1000\n${HIGH_DESTINATION}`;

/** Distinct numbers nobody knows, all inside alice's number range (+39 333 000 …). */
const newcomer = (i: number) => `+39 333 000 01${String(i).padStart(2, '0')}`;

/** Asks for a code as a browser at `ip` (the gate believes X-Forwarded-For from its trusted loopback). */
const askFrom = async (gate: TestGate, ip: string, who: string) =>
  (await identify(browser(gate).set('X-Forwarded-For', ip), who)).status;

/** Codes the console channel printed: every real send, known person or newcomer. */
const sends = (gate: TestGate) => gate.inbox.lines.filter((l) => l.includes('console channel] code for')).length;

function scenarios(store: () => string) {
  const gates = useGatePerTest();
  const startWith = (otp: string, base = HIGH) =>
    gates.start({
      users: USERS,
      policy: POLICY,
      otp: `${base}\n${otp}`,
      extraConfig: store(),
      server: 'listen: "127.0.0.1:0"\ninsecure_http: true\ntrusted_proxies: ["127.0.0.1/32"]',
    });

  it('new numbers from one address share the budget that known people asking from it have', async () => {
    const g = await startWith('max_sends_per_address_per_hour: 3');
    const answers = [await askFrom(g, '203.0.113.7', 'u2')];
    for (let i = 0; i < 3; i++) answers.push(await askFrom(g, '203.0.113.7', newcomer(i)));
    answers.push(await askFrom(g, '203.0.113.7', 'alice'));
    expect(answers).toEqual([303, 303, 303, 429, 429]);
    expect(sends(g)).toBe(3);
  });

  it('new numbers in one range from many networks hit the prefix cap, as known people in that range do', async () => {
    const g = await startWith('max_sends_per_prefix_per_hour: 3\nprefix_digits: 6');
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await askFrom(g, `198.51.${100 + i}.1`, newcomer(i)));
    answers.push(await askFrom(g, '192.0.2.1', 'alice'));
    expect(answers).toEqual([303, 303, 303, 429, 429]);
    expect(sends(g)).toBe(3);
  });

  it("new numbers count toward the gate's total cap", async () => {
    const g = await startWith('max_sends_per_hour_total: 2');
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await askFrom(g, `198.51.${100 + i}.1`, newcomer(i)));
    expect(answers).toEqual([303, 303, 429]);
    expect(sends(g)).toBe(2);
  });

  it('one new number asked for again and again hits the per-person limit', async () => {
    const g = await startWith('max_sends_per_hour: 2', HIGH_DESTINATION);
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await askFrom(g, `198.51.${100 + i}.1`, newcomer(1)));
    expect(answers).toEqual([303, 303, 429]);
  });

  it('wrong codes lock a new number out, as they lock a known person', async () => {
    const g = await startWith('lockout_after: 3');
    const agent = browser(g).set('X-Forwarded-For', '192.0.2.1');
    const { csrf } = await identify(agent, newcomer(5));
    const code = /: (\d+)$/.exec(g.inbox.lines.at(-1) ?? '')?.[1] ?? '000000';
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    const tries = [];
    for (let i = 0; i < 3; i++) tries.push((await submitCode(agent, csrf, wrong)).status);
    expect(tries).toEqual([400, 400, 429]);
    expect(await askFrom(g, '198.51.100.1', newcomer(5))).toBe(429);
  });
}

describe('enrolment and the send limits, on the memory store', () => scenarios(() => ''));

describeWithBinary('enrolment and the send limits, on Redis', REDIS_SERVER, REDIS_INSTALL, (binary) => {
  const redis = useRedis(binary);
  afterEach(async () => {
    await redis.command('FLUSHALL');
  });
  scenarios(() => redisStoreSection(redis.url));
});
