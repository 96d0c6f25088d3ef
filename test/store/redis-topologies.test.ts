// The Store contract through Redis Sentinel and Redis Cluster, on real redis-server processes:
// the config the gate compiles reaches ioredis, and every Lua script stays within one hash slot.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll } from 'vitest';

import { createStore } from '../../src/store/create-store.js';
import type { Store } from '../../src/store/store.js';
import type { TestRedis } from '../helpers/redis-server.js';
import { freePort, REDIS_INSTALL, REDIS_SERVER, startRedis, useRedis } from '../helpers/redis-server.js';
import { describeWithBinary, findBinary } from '../helpers/system-binary.js';
import { waitFor } from '../helpers/wait.js';
import { redisStoreConfig } from './redis-config.js';
import { realWait, storeContract } from './store-contract.js';

const run = promisify(execFile);
const REDIS_CLI = findBinary(['/usr/bin/redis-cli', '/usr/local/bin/redis-cli']);

describeWithBinary('redis store through Sentinel', REDIS_SERVER, REDIS_INSTALL, (binary) => {
  const primary = useRedis(binary);
  let sentinel: TestRedis;
  let store: Store;
  beforeAll(async () => {
    // Sentinel rewrites its config file, so it gets one of its own.
    const conf = join(mkdtempSync(join(tmpdir(), 'otp-gate-sentinel-')), 'sentinel.conf');
    writeFileSync(conf, `sentinel monitor gate-primary 127.0.0.1 ${primary.port} 1\n`);
    sentinel = await startRedis(binary, [], { configFile: conf, sentinel: true });
    store = createStore(
      redisStoreConfig('', {
        address: {
          kind: 'sentinel',
          masterName: 'gate-primary',
          sentinels: [{ host: '127.0.0.1', port: sentinel.port }],
          sentinelPassword: undefined,
          db: 0,
        },
      }),
    );
    await store.check();
  });
  afterAll(async () => {
    await store?.close();
    await sentinel?.stop();
  });
  storeContract('redis store (Sentinel)', () => ({ store, elapse: realWait }));
});

describeWithBinary('redis store on a cluster', REDIS_CLI && REDIS_SERVER, REDIS_INSTALL, (binary) => {
  const nodes: TestRedis[] = [];
  let store: Store;
  beforeAll(async () => {
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      nodes.push(
        await startRedis(
          binary,
          ['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '2000'],
          { port },
        ),
      );
    }
    await run(REDIS_CLI!, [
      '--cluster',
      'create',
      ...nodes.map((n) => `127.0.0.1:${n.port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    await waitFor(
      'the test cluster to be ready',
      async () =>
        (await run(REDIS_CLI!, ['-p', String(nodes[0]!.port), 'cluster', 'info'])).stdout.includes('cluster_state:ok'),
      15_000,
    );
    store = createStore(
      redisStoreConfig('', { address: { kind: 'cluster', nodes: [{ host: '127.0.0.1', port: nodes[0]!.port }] } }),
    );
    await store.check();
  }, 30_000);
  afterAll(async () => {
    await store?.close();
    await Promise.all(nodes.map((n) => n.stop()));
  });
  storeContract('redis store (Cluster)', () => ({ store, elapse: realWait }));
});
