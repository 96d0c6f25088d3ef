// Test gates on a test Redis: the `store:` section, where each gate opens its own connections as
// separate gate processes would, and two such gates for a suite, as two instances behind a load balancer.
import { afterAll, beforeAll } from 'vitest';

import type { TestGate } from './gate.js';
import { startTestGate } from './gate.js';
import type { TestRedis } from './redis-server.js';
import { useRedis } from './redis-server.js';
import type { TestUpstream } from './upstream.js';
import { startUpstream } from './upstream.js';

export const redisStoreSection = (url: string, commandTimeout = '1s') =>
  `store:\n  type: redis\n  url: "${url}"\n  key_prefix: "it:"\n  command_timeout: ${commandTimeout}\n`;

export interface RedisGates {
  redis: TestRedis;
  upstream: TestUpstream;
  a: TestGate;
  b: TestGate;
}

/** Gates `a` and `b` in front of one upstream, sharing one private Redis, for the enclosing suite. */
export function useRedisGates(binary: string): RedisGates {
  const env = { redis: useRedis(binary) } as RedisGates;
  beforeAll(async () => {
    env.upstream = await startUpstream();
    env.a = await startTestGate({ upstream: env.upstream.url, extraConfig: redisStoreSection(env.redis.url) });
    env.b = await startTestGate({ upstream: env.upstream.url, extraConfig: redisStoreSection(env.redis.url) });
  });
  afterAll(async () => {
    // A test may leave Redis frozen: the gates' connections close promptly only once it answers.
    env.redis.resume();
    await env.a?.close();
    await env.b?.close();
    await env.upstream?.close();
  });
  return env;
}
