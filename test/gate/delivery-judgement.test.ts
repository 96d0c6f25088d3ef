// Routing, spend and the pumping breaker through a real gate: the route picks the first channel
// (fake WhatsApp and Twilio over HTTP), a spent budget shows an honest page, and a prefix whose
// codes are never typed is paused for known and unknown numbers alike, then resumed by the CLI.
import { join } from 'node:path';

import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { cli, REPO } from '../cli/run-cli.js';
import { browser, identify, submitCode } from '../helpers/browser.js';
import type { FakeTwilio } from '../helpers/fake-twilio.js';
import { startFakeTwilio } from '../helpers/fake-twilio.js';
import type { FakeWhatsApp } from '../helpers/fake-whatsapp.js';
import { startFakeWhatsApp } from '../helpers/fake-whatsapp.js';
import type { TestGate } from '../helpers/gate.js';
import { startTestGate } from '../helpers/gate.js';
import { counter } from '../helpers/metrics.js';
import { redisStoreSection } from '../helpers/redis-gate.js';
import { REDIS_INSTALL, REDIS_SERVER, useRedis } from '../helpers/redis-server.js';
import { describeWithBinary } from '../helpers/system-binary.js';
import type { TestUpstream } from '../helpers/upstream.js';
import { startUpstream } from '../helpers/upstream.js';
import { waitFor } from '../helpers/wait.js';

const USERS = `users:\n${Array.from({ length: 8 }, (_, i) => `  u${i}:\n    phone: "+39 333 000 00${String(i).padStart(2, '0')}"`).join('\n')}\n  us:\n    phone: "+1 202 555 0102"\n`;
const POLICY = 'rules:\n  - name: everyone\n    action: challenge\n    channels: [whatsapp, sms]\n';
const CONSOLE_POLICY = 'rules:\n  - name: everyone\n    action: challenge\n    channels: [console]\n';
const PAUSED_TEXT = 'Codes to phone numbers like this one are paused for now';
const BREAKER = 'pumping_breaker:\n  min_sent: 3\n  min_verified_share: 0.5\n  pause_for: 1h\n';

let upstream: TestUpstream;
beforeAll(async () => {
  upstream = await startUpstream();
});
afterAll(async () => {
  await upstream?.close();
});

/** A gate on the console channel with `extra` config; closed after the suite. */
function useConsoleGate(extra: () => string): { gate: TestGate } {
  const env = {} as { gate: TestGate };
  beforeAll(async () => {
    env.gate = await startTestGate({
      upstream: upstream.url,
      users: USERS,
      policy: CONSOLE_POLICY,
      extraConfig: extra(),
    });
  });
  afterAll(async () => {
    await env.gate?.close();
  });
  return env;
}

/** Asks for codes for u<i> (no code typed): the sends a pumping attack makes. */
async function askCodes(gate: TestGate, ...users: number[]) {
  for (const i of users) {
    expect((await identify(browser(gate), `u${i}`)).status).toBe(303);
    await gate.inbox.code(`u${i}`);
  }
}

describe('routing through the gate', () => {
  let wa: FakeWhatsApp;
  let tw: FakeTwilio;
  let gate: TestGate;
  beforeAll(async () => {
    [wa, tw] = await Promise.all([startFakeWhatsApp(), startFakeTwilio()]);
    gate = await startTestGate({
      upstream: upstream.url,
      users: USERS,
      policy: POLICY,
      channels: `${wa.config()}${tw.config()}`,
      extraConfig: "routing:\n  default: [whatsapp, sms]\n  '+39333': [sms, whatsapp]\n",
    });
  });
  afterAll(async () => {
    await gate?.close();
    await Promise.all([wa?.close(), tw?.close()]);
  });

  it('sends by SMS first to a prefix routed to SMS, though the rule lists WhatsApp first', async () => {
    const { status, html } = await identify(browser(gate), 'u0');
    expect(status).toBe(303);
    expect(html).toContain('SMS');
    await waitFor('SMS to u0', () => tw.sent.find((m) => m.to === '+393330000000'));
    expect(wa.sent.filter((m) => m.to === '393330000000')).toEqual([]);
  });

  it('sends by WhatsApp first to a number the default route covers', async () => {
    expect((await identify(browser(gate), 'us')).status).toBe(303);
    await waitFor('WhatsApp to us', () => wa.sent.find((m) => m.to === '12025550102'));
  });
});

describe('a spent budget', () => {
  const env = useConsoleGate(
    () =>
      'spend:\n  currency: EUR\n  prices:\n    console: { default: 0.05 }\n  daily_budget: 0.10\n  when_spent: refuse\n',
  );

  it('sends codes until the budget is spent, then shows an honest page and audits it once', async () => {
    await askCodes(env.gate, 0, 1);
    for (const who of ['u2', 'u3', '+39 333 999 9999']) {
      const refused = await identify(browser(env.gate), who);
      expect(refused.status).toBe(429);
      expect(refused.html).toContain('its spending limit is reached');
    }
    expect(env.gate.inbox.codesFor('u2')).toEqual([]);
    expect(env.gate.audit.filter((l) => l.includes('"budget_reached"'))).toHaveLength(1);
  });

  it('shows what was spent in readyz and metrics', async () => {
    const ready = await request(env.gate.url).get('/_gate/readyz').expect(200);
    expect(ready.body.spend).toEqual({ day: '0.1 of 0.1 EUR (budget reached)', month: '0.1 EUR' });
    expect(await counter(env.gate.gate, 'otp_gate_spend', { window: 'day', currency: 'EUR' })).toBeCloseTo(0.1);
    expect(await counter(env.gate.gate, 'otp_gate_budget_reached_total', { window: 'day' })).toBe(1);
  });
});

describe('spend when a provider fails', () => {
  let wa: FakeWhatsApp;
  let tw: FakeTwilio;
  let gate: TestGate;
  const spentToday = async () => (await request(gate.url).get('/_gate/readyz').expect(200)).body.spend.day as string;
  beforeAll(async () => {
    [wa, tw] = await Promise.all([startFakeWhatsApp(), startFakeTwilio()]);
    gate = await startTestGate({
      upstream: upstream.url,
      users: USERS,
      policy: POLICY,
      channels: `${wa.config().replace('timeout: 2s', 'timeout: 1s')}${tw.config()}`,
      extraConfig:
        'spend:\n  currency: EUR\n  prices:\n    whatsapp: { default: 0.05 }\n    sms: { default: 0.01 }\n  daily_budget: 10\n',
    });
  });
  afterAll(async () => {
    await gate?.close();
    await Promise.all([wa?.close(), tw?.close()]);
  });

  it('takes back a message the provider refused, but keeps one it did not answer in time', async () => {
    wa.mode = { kind: 'error', code: 131026 };
    expect((await identify(browser(gate), 'u4')).status).toBe(303);
    await waitFor('SMS to u4', () => tw.sent.find((m) => m.to === '+393330000004'));
    // Refused: only the SMS is counted.
    await waitFor('the refused message taken back', async () => (await spentToday()).startsWith('0.01 of'));
    wa.mode = { kind: 'hang' };
    expect((await identify(browser(gate), 'u5')).status).toBe(303);
    await waitFor('SMS to u5', () => tw.sent.find((m) => m.to === '+393330000005'), 5_000);
    // Unanswered: the message may have gone out and be billed, so it stays counted with the SMS.
    expect(await spentToday()).toMatch(/^0\.07 of 10 EUR/);
    wa.mode = { kind: 'ok' };
  });
});

describe('the pumping breaker (memory store)', () => {
  const env = useConsoleGate(() => BREAKER);

  it('keeps sending to a prefix whose codes are typed', async () => {
    for (const i of [5, 6, 7]) {
      const agent = browser(env.gate);
      const { csrf } = await identify(agent, `u${i}`);
      expect((await submitCode(agent, csrf, await env.gate.inbox.code(`u${i}`))).status).toBe(303);
    }
    expect((await identify(browser(env.gate), 'u5')).status).toBe(303);
  });

  it('pauses a prefix whose codes stop being verified, audits why and counts the pause', async () => {
    // 4 sent and 3 verified so far; the third unverified send leaves 3 of 7 verified: below half.
    await askCodes(env.gate, 0, 1, 2);
    await waitFor('the pause', () => env.gate.audit.find((l) => l.includes('"prefix_paused"')));
    const line = env.gate.audit.find((l) => l.includes('"prefix_paused"'))!;
    expect(line).toContain('"destination":"+393330…"');
    expect(await counter(env.gate.gate, 'otp_gate_prefix_pauses_total')).toBe(1);
    expect((await request(env.gate.url).get('/_gate/readyz').expect(200)).body.pausedPrefixes).toBe(1);
  });

  it('shows known and unknown numbers of the paused prefix the same page, and sends nothing', async () => {
    const sent = env.gate.inbox.codesFor('u6').length;
    const known = await identify(browser(env.gate), 'u6');
    const unknown = await identify(browser(env.gate), '+39 333 000 9999');
    expect(known.status).toBe(429);
    expect(unknown.status).toBe(429);
    expect(known.html).toContain(PAUSED_TEXT);
    expect(unknown.html).toContain(PAUSED_TEXT);
    expect(env.gate.inbox.codesFor('u6')).toHaveLength(sent);
  });

  it('still sends to other prefixes', async () => {
    expect((await identify(browser(env.gate), 'us')).status).toBe(303);
  });
});

describeWithBinary('the pumping breaker on redis, resumed by the CLI', REDIS_SERVER, REDIS_INSTALL, (binary) => {
  const redis = useRedis(binary);
  const env = useConsoleGate(() => redisStoreSection(redis.url) + BREAKER);
  const config = () => join(env.gate.dir, 'config.yaml');

  it('lists the paused prefix and resumes it (audited), after which codes go again', async () => {
    await askCodes(env.gate, 0, 1, 2);
    await waitFor('the pause', () => env.gate.audit.find((l) => l.includes('"prefix_paused"')));
    expect((await identify(browser(env.gate), 'u3')).html).toContain(PAUSED_TEXT);

    const listed = await cli(['delivery', 'paused', '--config', config()], REPO);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^\+393330 +\S+ +\S+ +0 of 3$/m);

    const resumed = await cli(['delivery', 'resume', '--config', config(), '+393330'], REPO);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain('resumed +393330');
    expect(resumed.stderr).toMatch(/"event":"prefix_resumed".*"destination":"\+393330…"/);
    expect((await identify(browser(env.gate), 'u3')).status).toBe(303);
    await env.gate.inbox.code('u3');
  }, 120_000);

  it('says so when asked to resume a prefix that is not paused', async () => {
    const res = await cli(['delivery', 'resume', '--config', config(), '+4420'], REPO);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('+4420 is not paused');
  }, 60_000);
});
