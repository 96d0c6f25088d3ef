// Real gate processes on one Redis: `serve` with `server.workers: 2` (a primary and two workers
// on one port) beside a second, single-process gate. They behave as one gate.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { askForCode, CookieJar } from '../helpers/cookie-jar.js';
import { gateFolder, TEST_SECRET } from '../helpers/gate.js';
import type { RedisGateProcess } from '../helpers/redis-gate-process.js';
import { startRedisGateProcess, writeRedisGateConfig } from '../helpers/redis-gate-process.js';
import { freePort, REDIS_INSTALL, REDIS_SERVER, useRedis } from '../helpers/redis-server.js';
import { describeWithBinary } from '../helpers/system-binary.js';
import type { TestUpstream } from '../helpers/upstream.js';
import { startUpstream } from '../helpers/upstream.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');

describeWithBinary('gate processes on one Redis', REDIS_SERVER, REDIS_INSTALL, (binary) => {
  const redis = useRedis(binary);
  let upstream: TestUpstream;
  let clustered: RedisGateProcess;
  let single: RedisGateProcess;
  let clusteredUrl: string;
  let singleUrl: string;
  let clusteredConfig: string;
  beforeAll(async () => {
    upstream = await startUpstream();
    const dir = gateFolder();
    const [p1, p2] = [await freePort(), await freePort()];
    clusteredUrl = `http://127.0.0.1:${p1}`;
    singleUrl = `http://127.0.0.1:${p2}`;
    clusteredConfig = writeRedisGateConfig(dir, 'clustered.yaml', {
      port: p1,
      workers: 2,
      redisUrl: redis.url,
      upstream: upstream.url,
    });
    const env = { SESSION_SECRET: TEST_SECRET };
    // Settled one by one, so that one failing to start does not leave the other running.
    const started = await Promise.allSettled([
      startRedisGateProcess(clusteredConfig, { serving: 2, env }).then((p) => (clustered = p)),
      startRedisGateProcess(
        writeRedisGateConfig(dir, 'single.yaml', { port: p2, workers: 1, redisUrl: redis.url, upstream: upstream.url }),
        { serving: 1, env },
      ).then((p) => (single = p)),
    ]);
    for (const result of started) if (result.status === 'rejected') throw result.reason;
  }, 60_000);
  afterAll(async () => {
    await Promise.all([clustered?.stop(), single?.stop()]);
    await upstream?.close();
  }, 40_000);

  it('runs two workers under one primary, sharing the port', async () => {
    // Under load a child can be seen for a moment while it is still being set up or replaced:
    // settle on the steady count. tsx's esbuild service is a child of the primary too: not a worker.
    let children: string[] = [];
    for (let i = 0; i < 50; i++) {
      const { stdout } = await run('pgrep', ['-P', String(clustered.child.pid)]);
      children = stdout
        .trim()
        .split('\n')
        .filter((pid) => {
          try {
            return !readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('esbuild');
          } catch {
            return false; // gone already
          }
        });
      if (children.length === 2) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(children).toHaveLength(2);
  });

  it('accepts on the single process a login made through the workers, and refuses it everywhere once revoked by the CLI', async () => {
    const jar = new CookieJar();
    const csrf = await askForCode(jar, clusteredUrl, 'alice');
    const code = await clustered.code('alice', 1);
    expect((await jar.post(clusteredUrl, '/_gate/verify', { csrf, code })).status).toBe(303);
    // Many requests, spread over both workers by the cluster's round robin, and the other process.
    for (let i = 0; i < 10; i++) {
      for (const base of [clusteredUrl, singleUrl]) {
        const res = await jar.get(base, `/w/${i}`, 'application/json');
        expect(res.status).toBe(200);
        expect(res.body.headers['remote-user']).toBe('alice');
      }
    }
    await run(
      process.execPath,
      [
        '--import',
        'tsx',
        join(ROOT, 'src', 'cli.ts'),
        'sessions',
        'revoke',
        '--config',
        clusteredConfig,
        '--user',
        'alice',
      ],
      {
        cwd: ROOT,
        env: { ...process.env, SESSION_SECRET: TEST_SECRET },
      },
    );
    for (let i = 0; i < 6; i++) {
      for (const base of [clusteredUrl, singleUrl]) {
        expect(
          (await request(base).get('/after').set('Accept', 'application/json').set('Cookie', jar.header())).status,
        ).toBe(401);
      }
    }
  });

  it('stops the primary and its workers on SIGTERM', async () => {
    const pid = clustered.child.pid!;
    const code = await clustered.stop();
    expect(code).toBe(0);
    const left = await run('pgrep', ['-P', String(pid)]).then(
      (r) => r.stdout.trim(),
      () => '',
    );
    expect(left).toBe('');
  });
});

describe('a gate whose Redis is unreachable at start', () => {
  it('refuses to start, says why, and exits instead of waiting for ever', async () => {
    const config = writeRedisGateConfig(gateFolder(), 'gate.yaml', {
      port: await freePort(),
      workers: 1,
      redisUrl: 'redis://127.0.0.1:9',
      upstream: 'http://127.0.0.1:9',
    });
    const started = Date.now();
    const result = await run(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'src', 'cli.ts'), 'serve', '--config', config],
      {
        cwd: ROOT,
        env: { ...process.env, SESSION_SECRET: TEST_SECRET },
        timeout: 25_000,
      },
    ).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code: number; stderr: string }) => err,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('otp-gate: store: redis: not connected');
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
