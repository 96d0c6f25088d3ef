// The WhatsApp-to-SMS fallback outlives the gate that sent the code (issue 23): real gate
// processes on one real Redis, local WhatsApp and Twilio stand-ins. WhatsApp accepts every message
// and never reports it delivered, so each code falls back to SMS at its deadline; the Twilio
// stand-in counts the SMS that go out.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';

import { configText, SECRET_FROM_ENV } from '../helpers/config-text.js';
import { askForCode, CookieJar } from '../helpers/cookie-jar.js';
import type { FakeTwilio } from '../helpers/fake-twilio.js';
import { startFakeTwilio } from '../helpers/fake-twilio.js';
import type { FakeWhatsApp } from '../helpers/fake-whatsapp.js';
import { startFakeWhatsApp } from '../helpers/fake-whatsapp.js';
import { gateFolder, TEST_SECRET } from '../helpers/gate.js';
import type { RedisGateProcess } from '../helpers/redis-gate-process.js';
import { startRedisGateProcess } from '../helpers/redis-gate-process.js';
import { freePort, REDIS_INSTALL, REDIS_SERVER, useRedis } from '../helpers/redis-server.js';
import { describeWithBinary } from '../helpers/system-binary.js';
import type { TestUpstream } from '../helpers/upstream.js';
import { startUpstream } from '../helpers/upstream.js';
import { waitFor } from '../helpers/wait.js';

/** Long enough to kill the sender after its WhatsApp send, however loaded the machine. */
const DELIVERY_TIMEOUT = '4s';
const DELIVERY_TIMEOUT_MS = 4_000;
const ALICE_WHATSAPP = '393330000001';
const ALICE_SMS = '+393330000001';
/** Starting gate processes takes seconds each on a loaded machine. */
const GATE_TEST_MS = 180_000;
const POLICY = 'rules:\n  - name: everyone\n    action: challenge\n    channels: [whatsapp, sms]\n';

describeWithBinary('a fallback deadline on Redis, with gate processes', REDIS_SERVER, REDIS_INSTALL, (binary) => {
  const redis = useRedis(binary);
  let upstream: TestUpstream;
  let wa: FakeWhatsApp;
  let tw: FakeTwilio;
  let dir: string;
  const gates: RedisGateProcess[] = [];

  beforeAll(async () => {
    [upstream, wa, tw] = await Promise.all([startUpstream(), startFakeWhatsApp(), startFakeTwilio()]);
    dir = gateFolder({ 'policies/main.yaml': POLICY });
  });
  afterAll(async () => {
    await Promise.all([upstream?.close(), wa?.close(), tw?.close()]);
  });
  beforeEach(async () => {
    await redis.command('FLUSHALL');
    wa.sent.length = 0;
    tw.sent.length = 0;
  });
  afterEach(async () => {
    await Promise.all(gates.splice(0).map((g) => g.stop()));
  }, 40_000);

  /** A gate process on `port` (a free one by default), on the suite's Redis and stand-ins. */
  async function startGate(name: string, port?: number): Promise<{ gate: RedisGateProcess; url: string }> {
    const listen = port ?? (await freePort());
    const file = join(dir, `${name}.yaml`);
    writeFileSync(
      file,
      configText({
        server: `  listen: "127.0.0.1:${listen}"\n  insecure_http: true`,
        host: '127.0.0.1',
        upstream: upstream.url,
        secret: SECRET_FROM_ENV,
      }) +
        [
          'store:',
          '  type: redis',
          `  url: "${redis.url}"`,
          'channels:',
          indent(wa.config().replace('delivery_timeout: 300ms', `delivery_timeout: ${DELIVERY_TIMEOUT}`)),
          indent(tw.config()),
          'fallback:',
          '  poll_interval: 100ms',
          'audit:',
          '  file: "off"',
          'metrics:',
          '  listen: "off"',
          '',
        ].join('\n'),
    );
    const gate = await startRedisGateProcess(file, {
      serving: 1,
      env: { SESSION_SECRET: TEST_SECRET },
      startTimeoutMs: 60_000,
    });
    gates.push(gate);
    return { gate, url: `http://127.0.0.1:${listen}` };
  }

  /** Asks for alice's code on `url`; resolves once the WhatsApp message is out and its deadline is in Redis. */
  async function askOn(url: string): Promise<{ jar: CookieJar; csrf: string; whatsappCode: string }> {
    const jar = new CookieJar();
    const csrf = await askForCode(jar, url, 'alice');
    const message = await waitFor('the WhatsApp message', () => wa.sent.find((m) => m.to === ALICE_WHATSAPP));
    await waitFor(
      'the deadline in Redis',
      async () => (await redis.command('ZCARD', 'otp-gate:delivery-deadlines')) === '1',
    );
    return { jar, csrf, whatsappCode: message.code };
  }

  /** Waits until the deadline has left Redis (acted on), and a few polls more, then the SMS that went out. */
  async function smsSent(): Promise<typeof tw.sent> {
    await waitFor('the SMS', () => tw.sent.length > 0, 20_000);
    await waitFor(
      'the deadline gone',
      async () => (await redis.command('ZCARD', 'otp-gate:delivery-deadlines')) === '0',
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    return tw.sent;
  }

  it(
    'sends the SMS once, from the other gate, when the sending gate is killed mid-wait',
    async () => {
      // One after the other: two tsx start-ups at once can take longer than the helper waits on a busy machine.
      const a = await startGate('a');
      const b = await startGate('b');
      const { jar, csrf, whatsappCode } = await askOn(a.url);
      a.gate.child.kill('SIGKILL');
      const sent = await smsSent();
      const late = sent[0]!.at - wa.sent[0]!.at - DELIVERY_TIMEOUT_MS;
      console.log(`SMS from the other gate ${late.toFixed(0)} ms after the deadline (poll 100 ms, grace 1 s)`);
      expect(sent.map((m) => m.to)).toEqual([ALICE_SMS]);
      expect(sent[0]!.code).toBe(whatsappCode);
      expect(b.gate.output()).toContain('taking over a fallback deadline');
      // The code the SMS brought signs the person in, on the gate that is left.
      expect((await jar.post(b.url, '/_gate/verify', { csrf, code: sent[0]!.code })).status).toBe(303);
    },
    GATE_TEST_MS,
  );

  it(
    'still falls back when the only gate restarts mid-wait',
    async () => {
      const port = await freePort();
      const first = await startGate('single', port);
      await askOn(first.url);
      await first.gate.stop();
      const again = await startGate('single', port);
      const sent = await smsSent();
      expect(sent.map((m) => m.to)).toEqual([ALICE_SMS]);
      expect(again.gate.output()).toContain('taking over a fallback deadline');
    },
    GATE_TEST_MS,
  );

  it(
    'sends one SMS, not two, when both gates live through the deadline',
    async () => {
      const a = await startGate('a');
      await startGate('b');
      await askOn(a.url);
      const sent = await smsSent();
      expect(sent.map((m) => m.to)).toEqual([ALICE_SMS]);
    },
    GATE_TEST_MS,
  );
});

const indent = (text: string) =>
  text
    .trimEnd()
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
