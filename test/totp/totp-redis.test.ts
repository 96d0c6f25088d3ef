// One code, two instances at once, one Redis: exactly one login gets it.
import { expect, it } from 'vitest';

import { createManualClock } from '../../src/shared/clock.js';
import { createSecretBox } from '../../src/totp/secret-box.js';
import { TOTP_PERIOD_MS } from '../../src/totp/totp.js';
import { createTotpEnrolments } from '../../src/totp/totp-enrolments.js';
import { REDIS_INSTALL, REDIS_SERVER, useRedis } from '../helpers/redis-server.js';
import { describeWithBinary } from '../helpers/system-binary.js';
import { codeFor } from '../helpers/totp-codes.js';
import { useTwoRedisStores } from '../store/redis-config.js';

const KEY = 'totp-test-key-0123456789-0123456789';

describeWithBinary('totp on the redis store', REDIS_SERVER, REDIS_INSTALL, (binary) => {
  const redis = useRedis(binary);
  const stores = useTwoRedisStores(redis);

  it('accepts one code exactly once when two instances verify it at the same time', async () => {
    const clock = createManualClock(Date.now());
    const [a, b] = stores.map((store) =>
      createTotpEnrolments({ store, box: createSecretBox([KEY]), clock, issuer: 'Test Gate' }),
    );
    const { secret } = await a!.begin('s1', 'alice');
    expect(await a!.confirm('s1', 'alice', codeFor(secret, clock.now()))).toBe(true);
    clock.advance(3 * TOTP_PERIOD_MS);
    const code = codeFor(secret, clock.now());
    const results = await Promise.all([
      a!.verify('alice', code),
      b!.verify('alice', code),
      a!.verify('alice', code),
      b!.verify('alice', code),
    ]);
    expect(results.sort()).toEqual(['ok', 'replayed', 'replayed', 'replayed']);
  });

  it('keeps the enrolment in Redis, readable by another instance', async () => {
    const clock = createManualClock(Date.now());
    const [a, b] = stores.map((store) =>
      createTotpEnrolments({ store, box: createSecretBox([KEY]), clock, issuer: 'Test Gate' }),
    );
    const { secret } = await a!.begin('s2', 'bob');
    await a!.confirm('s2', 'bob', codeFor(secret, clock.now()));
    expect(await b!.isEnrolled('bob')).toBe(true);
  });
});
