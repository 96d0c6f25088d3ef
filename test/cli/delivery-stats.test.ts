// `otp-gate delivery stats` against the configured Redis: the figures a gate's deliveries left
// there, per channel, country and prefix, as a table and as JSON.
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { DeliveryLearning } from '../../src/channels/delivery-learning.js';
import { createDeliveryLearning } from '../../src/channels/delivery-learning.js';
import { loadGate } from '../../src/config/load-gate.js';
import { createManualClock } from '../../src/shared/clock.js';
import { createLogger } from '../../src/shared/log.js';
import { createStore } from '../../src/store/create-store.js';
import type { Store } from '../../src/store/store.js';
import { configText, SECRET_FROM_ENV } from '../helpers/config-text.js';
import { TEST_SECRET } from '../helpers/gate.js';
import { redisStoreSection } from '../helpers/redis-gate.js';
import { REDIS_INSTALL, REDIS_SERVER, useRedis } from '../helpers/redis-server.js';
import { describeWithBinary } from '../helpers/system-binary.js';
import { cli as runCli, REPO, workspace } from './run-cli.js';

function workspaceConfig(extra: string): string {
  const config = configText({
    server: '  listen: "127.0.0.1:0"',
    upstream: 'http://127.0.0.1:9',
    secret: SECRET_FROM_ENV,
  });
  return join(workspace({ 'config.yaml': config + extra }), 'config.yaml');
}

const cli = (args: string[]) => runCli(args, REPO);

describe('otp-gate delivery stats on the memory store', () => {
  it('says the figures live inside the gate process', async () => {
    const res = await cli(['delivery', 'stats', '--config', workspaceConfig('')]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('lives inside the gate process');
  });
});

describeWithBinary('otp-gate delivery stats', REDIS_SERVER, REDIS_INSTALL, (binary) => {
  const redis = useRedis(binary);
  let config: string;
  let store: Store;
  let learning: DeliveryLearning;
  const clock = createManualClock(Date.now());

  /** A WhatsApp code to `phone`, reported `delivered` after `delayMs` (or failed), typed in or not. */
  async function deliver(n: number, phone: string, delayMs: number | 'failed', verified: boolean) {
    const flowNote = await learning.sent({
      channel: 'whatsapp',
      messageId: `m${n}`,
      phone,
      codeNumber: 1,
      ttlMs: 60_000,
    });
    if (delayMs === 'failed') await learning.reported('whatsapp', `m${n}`, 'failed');
    else {
      clock.advance(delayMs);
      await learning.reported('whatsapp', `m${n}`, 'delivered');
      if (verified) learning.verified(flowNote, 1);
    }
    // Counts are written in batches, apart from the calls.
    await learning.idle();
  }

  beforeAll(async () => {
    config = workspaceConfig(redisStoreSection(redis.url));
    const { gate } = await loadGate(config, { SESSION_SECRET: TEST_SECRET });
    store = createStore(gate.config.store);
    await store.check();
    learning = createDeliveryLearning({ store, clock, log: createLogger({ level: 'silent' }) });
    await deliver(1, '+393471230001', 2000, true);
    await deliver(2, '+393471230002', 4000, true);
    await deliver(3, '+393471230003', 'failed', false);
    await deliver(4, '+14155550123', 9000, false);
  });
  afterAll(async () => {
    await store?.close();
  });

  it('prints p50, p90 and counts per channel, country and prefix', async () => {
    const res = await cli(['delivery', 'stats', '--config', config]);
    expect(res.code).toBe(0);
    const lines = res.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^channel\s+where\s+sent\s+delivered\s+verified\s+failed\s+p50\s+p90$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(0, 2).join(' '))).toEqual([
      'whatsapp all',
      'whatsapp IT',
      'whatsapp US',
      'whatsapp +1415',
      'whatsapp +39347',
    ]);
    expect(lines.find((l) => l.startsWith('whatsapp  IT'))).toMatch(/IT\s+3\s+67%\s+67%\s+1\s+/);
  });

  it('prints the same as JSON with --json, a latency never measured as null', async () => {
    const res = await cli(['delivery', 'stats', '--config', config, '--json']);
    expect(res.code).toBe(0);
    const rows = JSON.parse(res.stdout) as Array<Record<string, unknown>>;
    expect(rows.find((r) => r.where === 'US')).toMatchObject({
      channel: 'whatsapp',
      scope: 'country',
      sent: 1,
      delivered: 1,
      verified: 0,
      p50_ms: 8750,
    });
    expect(rows.find((r) => r.where === '+39347')).toMatchObject({ sent: 3, failed: 1, delivered_share: 0.667 });
    await learning.sent({
      channel: 'sms',
      messageId: 's1',
      phone: '+393471230009',
      codeNumber: 1,
      ttlMs: 60_000,
    });
    await learning.idle();
    const again = JSON.parse((await cli(['delivery', 'stats', '--config', config, '--json'])).stdout) as Array<
      Record<string, unknown>
    >;
    expect(again.find((r) => r.channel === 'sms' && r.where === 'all')).toMatchObject({ p50_ms: null });
  });
});
