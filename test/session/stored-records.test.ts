// The small records kept in the Store are shared with instances of other releases (a rolling
// upgrade, one Redis): each is written here as an earlier release wrote it, keys as literals, and
// must read the same. Sessions and challenges have theirs next to their own tests.
import { describe, expect, it } from 'vitest';

import { createResumes } from '../../src/session/resumes.js';
import { createSigner } from '../../src/session/signer.js';
import { createTrustedDevices } from '../../src/session/trusted-devices.js';
import { createManualClock } from '../../src/shared/clock.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import { createSecretBox } from '../../src/totp/secret-box.js';
import { newTotpSecret } from '../../src/totp/totp.js';
import { createTotpEnrolments } from '../../src/totp/totp-enrolments.js';
import { TEST_SECRET } from '../helpers/gate.js';

const clock = createManualClock();
const store = createMemoryStore({ maxEntries: 100, clock });
const MINUTE = 60_000;

describe('records written by an earlier release', () => {
  it('a trusted browser is still trusted for its user', async () => {
    const signer = createSigner([TEST_SECRET]);
    const trustedAt = clock.now() - MINUTE;
    await store.set('device:old-device', JSON.stringify({ u: 'alice', t: trustedAt }), MINUTE);
    const devices = createTrustedDevices({ store, signer, clock });
    expect(await devices.resolve(signer.sign('device', 'old-device'))).toEqual({
      id: 'old-device',
      user: 'alice',
      trustedAt,
    });
  });

  it('a kept form post is posted again after the sign-in', async () => {
    await store.set('resume:old-flow', JSON.stringify({ t: '/orders', b: 'item=1&item=2&note=a%20b' }), MINUTE);
    const resumes = createResumes({ store, lifetimeMs: MINUTE });
    expect(await resumes.take('old-flow', '/orders')).toEqual({
      fields: [
        { name: 'item', value: '1' },
        { name: 'item', value: '2' },
        { name: 'note', value: 'a b' },
      ],
    });
  });

  it('an authenticator secret shown but not confirmed yet is shown again', async () => {
    const box = createSecretBox(['totp-test-key-0123456789-0123456789']);
    const secret = newTotpSecret();
    await store.set('totp-pending:old-session', JSON.stringify({ u: 'alice', s: box.seal(secret, 'alice') }), MINUTE);
    const enrolments = createTotpEnrolments({ store, box, clock, issuer: 'Test Gate' });
    expect((await enrolments.pending('old-session', 'alice'))?.secret).toBe(secret);
  });
});
