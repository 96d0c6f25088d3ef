// A compiled redis store config for tests, as the config loader would produce it.
import type { RedisStoreConfig } from '../../src/config/types.js';

export function redisStoreConfig(url: string, overrides: Partial<RedisStoreConfig> = {}): RedisStoreConfig {
  return {
    type: 'redis',
    address: { kind: 'url', url },
    keyPrefix: 'otp-gate-test:',
    username: undefined,
    password: undefined,
    tls: undefined,
    commandTimeout: 1_000,
    ...overrides,
  };
}
