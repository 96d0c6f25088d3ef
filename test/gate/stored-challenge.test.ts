// The challenge record in the Store is shared with instances of other releases (a rolling upgrade,
// one Redis): its short keys are pinned here as literals, not taken from the code under test.
import { describe, expect, it } from 'vitest';

import { createSigner } from '../../src/session/signer.js';
import { createManualClock } from '../../src/shared/clock.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import type { Store } from '../../src/store/store.js';
import { browser, identify, submitCode } from '../helpers/browser.js';
import { TEST_SECRET, useGate } from '../helpers/gate.js';

const clock = createManualClock(Date.now());
const inner = createMemoryStore({ maxEntries: 10_000, clock });
/** Keys in the order they were written, to find the challenge a login just started. */
const written: string[] = [];
const store: Store = { ...inner, set: (key, value, ttlMs) => (written.push(key), inner.set(key, value, ttlMs)) };
const env = useGate({ store, clock });

const lastChallengeKey = () => written.filter((key) => key.startsWith('challenge:')).at(-1)!;

describe('the stored challenge record', () => {
  it('signs in with a challenge an earlier release wrote', async () => {
    const agent = browser(env.gate);
    const { csrf } = await identify(agent, 'alice');
    const key = lastChallengeKey();
    const flowId = key.slice('challenge:'.length);
    const now = clock.now();
    const codeDigest = createSigner([TEST_SECRET]).digest('code', `${flowId}:1:424242`).toString('base64url');
    const stored = {
      k: 'identity-digest',
      u: 'alice',
      h: codeDigest,
      n: 1,
      e: now + 300_000,
      t: now,
      d: '+39 ••• ••• 0001',
      ch: 'console',
      rd: '/from-an-earlier-release',
      r: 'everyone',
      cs: ['console'],
      dk: 'destination-digest',
      px: '+393330',
    };
    await store.set(key, JSON.stringify(stored), 300_000);
    const res = await submitCode(agent, csrf, '424242');
    expect(res.status).toBe(303);
    expect(res.headers.location).toContain('/from-an-earlier-release');
  });

  it('writes the form an instance of an earlier release reads', async () => {
    await identify(browser(env.gate), 'alice', '/reports?month=5');
    const now = clock.now();
    expect(JSON.parse((await store.get(lastChallengeKey()))!)).toEqual({
      k: expect.stringMatching(/^[\w-]{22}$/),
      u: 'alice',
      h: expect.stringMatching(/^[\w-]{43}$/),
      n: 1,
      e: now + 300_000,
      t: now,
      d: '+39 ••• ••• 0001',
      ch: 'console',
      rd: '/reports?month=5',
      r: 'everyone',
      cs: ['console'],
      dk: expect.stringMatching(/^[\w-]{22}$/),
      px: '+393330',
      // Added for delivery figures and prices (issue 23); an earlier release ignores it.
      cc: 'IT',
    });
  });
});
