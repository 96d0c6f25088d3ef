// /_gate/readyz follows the store: ready while store.check() answers, 503 (fast) while it fails
// or hangs, ready again when it recovers. /_gate/healthz only says the process is alive.
import request from 'supertest';
import { describe, expect, it } from 'vitest';

import { createManualClock } from '../../src/shared/clock.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import type { Store } from '../../src/store/store.js';
import { useGate } from '../helpers/gate.js';

let mode: 'ok' | 'down' | 'hang' = 'ok';
const memory = createMemoryStore({ maxEntries: 1000 });
const flaky: Store = {
  ...memory,
  async check() {
    if (mode === 'down') throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
    if (mode === 'hang') await new Promise(() => {});
  },
};

// Readiness answers are reused for a second of the gate's clock: moving it by hand starts a fresh check.
const clock = createManualClock(Date.now());
const nextCheck = () => clock.advance(1_100);

describe('readiness', () => {
  const env = useGate({ store: flaky, clock });

  it('is ready with a reachable store and a configured channel', async () => {
    const res = await request(env.gate.url).get('/_gate/readyz').expect(200);
    expect(res.body).toEqual({
      status: 'ready',
      checks: { config: 'ok', store: 'ok', channels: 'ok' },
      channels: { console: 'up' },
    });
  });

  it('is not ready while the store fails, and says why; healthz stays 200', async () => {
    mode = 'down';
    nextCheck();
    const res = await request(env.gate.url).get('/_gate/readyz').expect(503);
    expect(res.body.checks.store).toBe('unreachable');
    // The reason (it may name internal addresses) goes to the log, not to whoever asks.
    expect(JSON.stringify(res.body)).not.toContain('6379');
    await request(env.gate.url).get('/_gate/healthz').expect(200);
  });

  it('is not ready, within about a second, while the store hangs', async () => {
    mode = 'hang';
    nextCheck();
    const started = Date.now();
    const res = await request(env.gate.url).get('/_gate/readyz').expect(503);
    expect(res.body.checks.store).toContain('no answer within');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('is ready again once the store recovers', async () => {
    mode = 'ok';
    nextCheck();
    await request(env.gate.url).get('/_gate/readyz').expect(200);
  });
});
