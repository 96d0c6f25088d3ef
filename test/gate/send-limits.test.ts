// Send limits per destination number, per destination prefix and for the whole gate, and the SMS
// country allow-list, through a running gate: a clear page, an audit line, and the same answer
// for identities the directory does not know.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { browser, identify } from '../helpers/browser.js';
import type { FakeTwilio } from '../helpers/fake-twilio.js';
import { startFakeTwilio } from '../helpers/fake-twilio.js';
import type { TestGate } from '../helpers/gate.js';
import { useGatePerTest } from '../helpers/gate.js';

const USERS = `users:
  u1: { phone: "+39 333 000 0001" }
  u2: { phone: "+39 333 000 0002" }
  u3: { phone: "+39 333 000 0003" }
  u4: { phone: "+39 333 000 0004" }
  far: { phone: "+44 7400 123456" }
`;
const HIGH = 'max_sends_per_hour: 1000\nmax_sends_per_address_per_hour: 1000\nresend_after: 1s';

const gates = useGatePerTest();

const startWith = (otp: string, channels?: string): Promise<TestGate> =>
  gates.start({ users: USERS, otp: `${HIGH}\n${otp}`, ...(channels ? { channels } : {}) });

const ask = async (g: TestGate, who: string) => identify(browser(g), who);
const refusals = (g: TestGate, reason: string) =>
  g.audit.filter((l) => l.includes('"send_refused"') && l.includes(`"${reason}"`)).length;

describe('send limits', () => {
  it('cap codes per destination number per hour', async () => {
    const g = await startWith('max_sends_per_destination_per_hour: 2');
    expect((await ask(g, 'u1')).status).toBe(303);
    expect((await ask(g, '+39 333 000 0001')).status).toBe(303);
    const third = await ask(g, 'u1');
    expect(third.status).toBe(429);
    expect(third.html).toContain('Too many codes were requested');
    expect(refusals(g, 'destination-hourly-limit')).toBe(1);
    expect((await ask(g, 'u2')).status).toBe(303);
  });

  it('answer an unknown identity exactly like a known one at the destination limit', async () => {
    const g = await startWith('max_sends_per_destination_per_hour: 1');
    await ask(g, 'u1');
    await ask(g, 'nobody');
    const known = await ask(g, 'u1');
    const unknown = await ask(g, 'nobody');
    expect([known.status, unknown.status]).toEqual([429, 429]);
    const text = (html: string) => /<p class="error"[^>]*>([^<]*)</.exec(html)?.[1];
    expect(text(unknown.html)).toBe(text(known.html));
  });

  it('cap codes per destination prefix per hour (SMS pumping spreads over a number range)', async () => {
    const g = await startWith('max_sends_per_prefix_per_hour: 3\nprefix_digits: 6');
    for (const u of ['u1', 'u2', 'u3']) expect((await ask(g, u)).status).toBe(303);
    expect((await ask(g, 'u4')).status).toBe(429);
    expect(refusals(g, 'prefix-hourly-limit')).toBe(1);
    expect((await ask(g, 'far')).status).toBe(303); // another prefix
  });

  it('cap every code the gate sends per hour', async () => {
    const g = await startWith('max_sends_per_hour_total: 2');
    expect((await ask(g, 'u1')).status).toBe(303);
    expect((await ask(g, 'u2')).status).toBe(303);
    const refused = await ask(g, 'far');
    expect(refused.status).toBe(429);
    expect(refused.html).toContain('sending too many codes right now');
    expect(refusals(g, 'global-hourly-limit')).toBe(1);
  });
});

describe('the SMS country allow-list', () => {
  let tw: FakeTwilio;
  beforeAll(async () => {
    tw = await startFakeTwilio();
  });
  afterAll(() => tw.close());

  const delivered = async (g: TestGate, who: string, to: string) => {
    await ask(g, who);
    await g.gate.challenges.idle();
    return tw.sent.some((m) => m.to === to);
  };

  it("by default allows the countries of the users file's numbers", async () => {
    const g = await startWith('', tw.config());
    expect(await delivered(g, 'u1', '+393330000001')).toBe(true);
    expect(await delivered(g, 'far', '+447400123456')).toBe(true);
  });

  it('refuses numbers outside a configured list, audited, with the same page', async () => {
    const g = await startWith('', tw.config('  allowed_countries: [IT]'));
    const far = await ask(g, 'far');
    expect(far.status).toBe(303);
    await g.gate.challenges.idle();
    // Only the earlier test's message ever went to that number.
    expect(tw.sent.filter((m) => m.to === '+447400123456').length).toBe(1);
    expect(g.audit.some((l) => l.includes('"code_send_failed"') && l.includes('"not-allowed"'))).toBe(true);
    expect(await delivered(g, 'u2', '+393330000002')).toBe(true);
  });
});
