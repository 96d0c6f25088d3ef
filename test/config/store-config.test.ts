// The redis store and workers options: standalone, Sentinel and Cluster addresses, TLS and
// passwords from the environment, and every mistake named at its file:line:col.
import { describe, expect, it } from 'vitest';

import { connectionOptions } from '../../src/store/redis-client.js';
import {
  compileConfigText,
  CONFIG_SECRET,
  configProblems,
  MINIMAL_FROM_ENV as MINIMAL,
  SECRET_ENV,
} from '../helpers/config-text.js';

const ENV = {
  ...SECRET_ENV,
  REDIS_PASSWORD: 'pw-from-env-0123',
  SENTINEL_PASSWORD: 'sentinel-pw-4567',
};

const problems = (text: string) => configProblems(MINIMAL + text, ENV);
const compile = (text: string) => compileConfigText(MINIMAL + text, ENV);

describe('the redis store config', () => {
  it('compiles a URL with its defaults', () => {
    expect(compile('store:\n  type: redis\n  url: redis://127.0.0.1:6379/2\n').store).toEqual({
      type: 'redis',
      address: { kind: 'url', url: 'redis://127.0.0.1:6379/2' },
      keyPrefix: 'otp-gate:',
      username: undefined,
      password: undefined,
      tls: undefined,
      commandTimeout: 1_000,
    });
  });

  it('compiles a Sentinel group, its password from the environment', () => {
    const store = compile(
      [
        'store:',
        '  type: redis',
        '  sentinel:',
        '    master_name: gate-primary',
        '    sentinels: ["10.0.0.1:26379", "sentinel-2.internal:26380", "[fd00::3]:26379"]',
        '    password: "${SENTINEL_PASSWORD}"',
        '    db: 3',
        '  password: "${REDIS_PASSWORD}"',
        '',
      ].join('\n'),
    ).store;
    expect(store).toMatchObject({
      type: 'redis',
      address: {
        kind: 'sentinel',
        masterName: 'gate-primary',
        db: 3,
        sentinelPassword: 'sentinel-pw-4567',
        sentinels: [
          { host: '10.0.0.1', port: 26379 },
          { host: 'sentinel-2.internal', port: 26380 },
          { host: 'fd00::3', port: 26379 },
        ],
      },
      password: 'pw-from-env-0123',
    });
  });

  it('compiles a cluster with TLS files resolved against the config folder', () => {
    const store = compile(
      [
        'store:',
        '  type: redis',
        '  cluster:',
        '    nodes: ["10.0.0.1:6379", "10.0.0.2:6379"]',
        '  username: gate',
        '  password: "${REDIS_PASSWORD}"',
        '  tls:',
        '    ca_file: tls/ca.pem',
        '    server_name: redis.internal',
        '  command_timeout: 2s',
        '',
      ].join('\n'),
    ).store;
    expect(store).toEqual({
      type: 'redis',
      address: {
        kind: 'cluster',
        nodes: [
          { host: '10.0.0.1', port: 6379 },
          { host: '10.0.0.2', port: 6379 },
        ],
      },
      keyPrefix: 'otp-gate:',
      username: 'gate',
      password: 'pw-from-env-0123',
      commandTimeout: 2_000,
      tls: {
        caFile: '/etc/otp-gate/tls/ca.pem',
        certFile: undefined,
        keyFile: undefined,
        serverName: 'redis.internal',
        rejectUnauthorized: true,
      },
    });
  });

  it('passes fail-fast options to ioredis: no offline queue, bounded commands, quick reconnection', () => {
    const store = compile(
      'store:\n  type: redis\n  url: redis://r:6379\n  password: "${REDIS_PASSWORD}"\n  tls: true\n',
    ).store;
    if (store.type !== 'redis') throw new Error('not redis');
    const options = connectionOptions(store);
    expect(options).toMatchObject({
      enableOfflineQueue: false,
      commandTimeout: 1_000,
      password: 'pw-from-env-0123',
      tls: { rejectUnauthorized: true },
    });
    const delays = [1, 2, 5, 10, 100, 10_000].map((n) => options.retryStrategy?.(n));
    expect(delays.every((d) => typeof d === 'number' && d > 0 && d <= 500)).toBe(true);
  });

  it('needs one way to reach Redis', () => {
    expect(problems('store:\n  type: redis\n  key_prefix: "x:"\n')).toEqual([
      'gate.yaml:10:9: a redis store needs one of "url", "sentinel" or "cluster" (store.type)',
    ]);
  });

  it('refuses two ways to reach Redis at once, naming the second', () => {
    expect(problems('store:\n  type: redis\n  url: redis://r:6379\n  cluster:\n    nodes: ["r:6379"]\n')).toEqual([
      'gate.yaml:13:5: give only one of "url", "sentinel" or "cluster"; "url" is already set (store.cluster)',
    ]);
  });

  it('names each broken Sentinel and cluster option at its line and column', () => {
    expect(
      problems(
        [
          'store:',
          '  type: redis',
          '  sentinel:',
          '    sentinels: ["10.0.0.1", "10.0.0.2:26379"]',
          '    master: x',
          '',
        ].join('\n'),
      ),
    ).toEqual([
      'gate.yaml:11:3: missing required option "master_name" (store.sentinel.master_name)',
      'gate.yaml:12:17: expected "host:port", like "10.0.0.1:26379", got "10.0.0.1" (store.sentinel.sentinels[0])',
      'gate.yaml:13:5: unknown option "master" (store.sentinel.master)',
    ]);
    expect(problems('store:\n  type: redis\n  cluster:\n    nodes: []\n')).toEqual([
      'gate.yaml:12:12: must list at least one item (store.cluster.nodes)',
    ]);
    expect(
      problems('store:\n  type: redis\n  url: http://r:6379\n  tls:\n    ca: ca.pem\n  command_timeout: soon\n'),
    ).toEqual([
      'gate.yaml:11:8: expected a redis:// or rediss:// URL, got "http://r:6379" (store.url)',
      'gate.yaml:13:5: unknown option "ca" (store.tls.ca)',
      'gate.yaml:14:20: expected a duration like "5m", "1h30m" or "7d", got "soon" (store.command_timeout)',
    ]);
  });

  it('names a missing password variable without showing any secret', () => {
    expect(
      configProblems(`${MINIMAL}store:\n  type: redis\n  url: redis://r:6379\n  password: "\${REDIS_PASSWORD}"\n`, {
        SESSION_SECRET: CONFIG_SECRET,
      }),
    ).toEqual(['gate.yaml:12:13: environment variable REDIS_PASSWORD is not set (store.password)']);
  });

  it.each([
    ['redis://127.0.0.1:/0', 'expected a port from 1 to 65535 after the host'],
    ['redis://127.0.0.1:abc', 'expected a port from 1 to 65535 after the host'],
    ['redis://127.0.0.1:0', 'expected a port from 1 to 65535 after the host'],
    ['redis://127.0.0.1:65536', 'expected a port from 1 to 65535 after the host'],
    ['redis://127.0.0.1:6379/cache', 'expected nothing or a database number after the host and port, like "/0"'],
    ['redis://127.0.0.1:6379/0/1', 'expected nothing or a database number after the host and port, like "/0"'],
    ['redis://:6379', 'expected a host after "redis://"'],
    ['redis:127.0.0.1:6379', 'expected a redis:// or rediss:// URL'],
    ['redis://127.0.0.1:6379#0', 'expected no "#..." part in this URL'],
  ])('refuses the malformed URL %s at its line and column', (url, words) => {
    expect(problems(`store:\n  type: redis\n  url: "${url}"\n`)).toEqual([
      `gate.yaml:11:8: ${words}, got "${url}" (store.url)`,
    ]);
  });

  it('accepts URLs with a database, no port, credentials or TLS', () => {
    for (const url of [
      'redis://r',
      'redis://r:6379/',
      'redis://r:6379/15',
      'rediss://user:pw@r:6380/1',
      'redis://[::1]:6379',
    ]) {
      expect(problems(`store:\n  type: redis\n  url: "${url}"\n`)).toEqual([]);
    }
  });

  it('does not repeat the password written in a refused URL', () => {
    const lines = problems('store:\n  type: redis\n  url: "http://user:hunter2-secret@r:6379"\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('hunter2');
  });
});

describe('workers', () => {
  it('accepts several workers on the redis store, and "auto"', () => {
    expect(compile('server:\n  workers: 4\nstore:\n  type: redis\n  url: redis://r:6379\n').server.workers).toBe(4);
    expect(compile('server:\n  workers: auto\nstore:\n  type: redis\n  url: redis://r:6379\n').server.workers).toBe(
      'auto',
    );
    expect(compile('').server.workers).toBe(1);
  });

  it('refuses more than one worker on the memory store, at the workers option', () => {
    expect(problems('server:\n  workers: 2\n')).toEqual([
      'gate.yaml:10:12: workers: 2 needs store type "redis": with the memory store each worker would have its own sessions and codes (server.workers)',
    ]);
    expect(problems('server:\n  workers: auto\nstore:\n  type: memory\n')).toEqual([
      'gate.yaml:10:12: workers: auto needs store type "redis": with the memory store each worker would have its own sessions and codes (server.workers)',
    ]);
  });

  it('refuses a worker count that is not a whole number from 1', () => {
    expect(problems('server:\n  workers: 0\nstore:\n  type: redis\n  url: redis://r:6379\n')).toHaveLength(1);
    expect(problems('server:\n  workers: 0\nstore:\n  type: redis\n  url: redis://r:6379\n')[0]).toMatch(
      /^gate\.yaml:10:12: .*\(server\.workers\)$/,
    );
  });
});
