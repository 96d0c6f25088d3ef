// A provider that is down when the gate starts (or later) must not stop the gate (issue 16):
// its channel is marked down, /readyz and otp_gate_channel_up say so, codes go by the rule's
// next channel, and the channel comes back by itself once its check passes again. Only a
// provider that proves the config wrong stops the start, and only when no rule could send.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import type { ChannelFailure } from '../../src/channels/channel.js';
import { failureForStatus, failureScope } from '../../src/channels/channel.js';
import { browser, identify } from '../helpers/browser.js';
import type { FakeTwilio } from '../helpers/fake-twilio.js';
import { startFakeTwilio } from '../helpers/fake-twilio.js';
import type { FakeWhatsApp } from '../helpers/fake-whatsapp.js';
import { startFakeWhatsApp } from '../helpers/fake-whatsapp.js';
import type { TestGate } from '../helpers/gate.js';
import { useGatePerTest } from '../helpers/gate.js';
import type { ServeProcess } from '../helpers/serve-process.js';
import { serveWorkspace, startServe } from '../helpers/serve-process.js';
import type { TestUpstream } from '../helpers/upstream.js';
import { startUpstream } from '../helpers/upstream.js';
import { waitFor } from '../helpers/wait.js';

const ROOT = join(import.meta.dirname, '..', '..');
const META_DOWN = { status: 503, body: { error: { message: 'Service temporarily unavailable', code: 2 } } };
const TOKEN_REFUSED = {
  status: 401,
  body: { error: { message: 'Invalid OAuth access token.', type: 'OAuthException', code: 190 } },
};

describe('what a provider failure says about its channel', () => {
  it.each([
    [503, 'unavailable', 'outage'],
    [502, 'unavailable', 'outage'],
    [401, 'auth', 'configuration'],
    [403, 'auth', 'configuration'],
    [404, 'misconfigured', 'configuration'],
    [429, 'rate-limited', 'message'],
    [400, 'rejected', 'message'],
  ] as const)('HTTP %i is %s, a failure of the %s', (status, kind, scope) => {
    expect(failureForStatus(status)).toBe(kind);
    expect(failureScope(kind)).toBe(scope);
  });

  it.each([
    ['timeout', 'outage'],
    ['network', 'outage'],
    ['unreachable-recipient', 'message'],
    ['not-allowed', 'message'],
  ] as const)('%s is a failure of the %s', (kind: ChannelFailure, scope) => expect(failureScope(kind)).toBe(scope));
});

describe('a provider down at start', () => {
  let wa: FakeWhatsApp;
  let tw: FakeTwilio;
  const gates = useGatePerTest();
  beforeAll(async () => {
    [wa, tw] = await Promise.all([startFakeWhatsApp(), startFakeTwilio()]);
  });
  afterEach(() => {
    wa.checkAnswer = undefined;
  });
  afterAll(async () => {
    await Promise.all([wa?.close(), tw?.close()]);
  });

  const start = (channels: string) => gates.start({ channels, channelRetryMs: { first: 50, max: 200 } });
  const channelUp = async (g: TestGate) =>
    /^otp_gate_channel_up\{channel="whatsapp"\} (\d)$/m.exec((await request(g.gate.metricsUrl!).get('')).text)?.[1];

  it('starts with the channel down, says so on /readyz and in the metric, and sends codes by SMS meanwhile', async () => {
    wa.checkAnswer = META_DOWN;
    const gate = await start(wa.config() + tw.config());
    const ready = await request(gate.url).get('/_gate/readyz').expect(200);
    expect(ready.body.channels).toEqual({ whatsapp: 'down: unavailable', sms: 'up' });
    expect(ready.body.checks.channels).toBe('degraded');
    expect(await channelUp(gate)).toBe('0');
    const sentBefore = wa.sent.length;
    const { html } = await identify(browser(gate), 'alice');
    expect(html).toContain('SMS');
    await gate.gate.challenges.idle();
    expect(tw.sent.some((m) => m.to === '+393330000001')).toBe(true);
    expect(wa.sent.length).toBe(sentBefore);
  });

  it('brings the channel back by itself once its check passes, and WhatsApp goes first again', async () => {
    wa.checkAnswer = META_DOWN;
    const g = await start(wa.config() + tw.config());
    expect(g.gate.health.isUp('whatsapp')).toBe(false);
    wa.checkAnswer = undefined;
    await waitFor(
      'WhatsApp back up',
      async () => g.gate.health.isUp('whatsapp') && (await channelUp(g)) === '1',
      2_000,
    );
    const { html } = await identify(browser(g), 'bob');
    expect(html).toContain('WhatsApp');
  });

  it('starts on SMS when WhatsApp refuses the token, and keeps WhatsApp down without retrying', async () => {
    wa.checkAnswer = TOKEN_REFUSED;
    const gate = await start(wa.config() + tw.config());
    expect((await request(gate.url).get('/_gate/readyz').expect(200)).body.channels.whatsapp).toBe('down: auth');
    const checks = wa.requests.filter((r) => r.method === 'GET').length;
    // Longer than the retry pauses (50 to 200 ms), which are real timers in channel-health, not the clock.
    await new Promise((r) => setTimeout(r, 300));
    expect(wa.requests.filter((r) => r.method === 'GET').length).toBe(checks);
  });

  it('refuses to start when the token is refused and no rule could send a code without WhatsApp, naming rule and channel', async () => {
    wa.checkAnswer = TOKEN_REFUSED;
    await expect(start(wa.config())).rejects.toThrow(
      /no challenge rule could send a code: rule "admin" uses \[whatsapp\].*whatsapp: channel whatsapp: checking the access token: access token invalid or expired/,
    );
  });
});

describe('otp-gate serve during a provider outage', () => {
  let wa: FakeWhatsApp;
  let tw: FakeTwilio;
  let upstream: TestUpstream;
  let serve: ServeProcess | undefined;
  beforeAll(async () => {
    [wa, tw, upstream] = await Promise.all([startFakeWhatsApp(), startFakeTwilio(), startUpstream()]);
  });
  afterAll(async () => {
    await serve?.stop();
    await Promise.all([wa?.close(), tw?.close(), upstream?.close()]);
  });

  /** A serve workspace whose channels are `text` instead of the console. */
  const workspace = (text: string) => {
    const ws = serveWorkspace({ upstream: upstream.url });
    const indented = text
      .split('\n')
      .map((l) => `  ${l}`)
      .join('\n');
    writeFileSync(
      ws.config,
      readFileSync(ws.config, 'utf8').replace('channels:\n  console: {}\n', `channels:\n${indented}\n`),
    );
    return ws;
  };

  it('keeps serving when the WhatsApp API answers 503 to the start-up check, with WhatsApp down on /readyz', async () => {
    wa.checkAnswer = META_DOWN;
    serve = await startServe(workspace(wa.config() + tw.config()).config);
    const ready = await request(serve.url).get('/_gate/readyz').expect(200);
    expect(ready.body.channels.whatsapp).toBe('down: unavailable');
    expect(serve.output()).toMatch(/channel is down: the provider is unavailable/);
  });

  it('exits non-zero, naming rule and channel, when the token is refused and WhatsApp is the only channel', async () => {
    wa.checkAnswer = TOKEN_REFUSED;
    const ws = workspace(wa.config());
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'src', 'cli.ts'), 'serve', '--config', ws.config],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).not.toBe(0);
    expect(output).toMatch(/no challenge rule could send a code: rule "admin" uses \[whatsapp\]/);
  });
});
