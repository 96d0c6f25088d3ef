// When the pumping breaker pauses a prefix, as a pure decision over counted sends.
import { describe, expect, it } from 'vitest';

import { breakerWindow, shouldPause } from '../../src/channels/pumping-rules.js';
import type { PumpingBreakerConfig } from '../../src/config/types.js';

const config: PumpingBreakerConfig = { windowMs: 3_600_000, minSent: 20, minVerifiedShare: 0.25, pauseForMs: 60_000 };

describe('shouldPause', () => {
  it.each([
    [19, 0, false, 'too few sends to judge'],
    [20, 0, true, 'none verified after the minimum'],
    [20, 4, true, 'a share below the threshold'],
    [20, 5, false, 'exactly the threshold share'],
    [100, 90, false, 'a healthy prefix'],
  ])('%d sent, %d verified → %s: %s', (sent, verified, pause) => {
    expect(shouldPause({ sent, verified }, config)).toBe(pause);
  });
});

describe('breakerWindow', () => {
  it('counts in fixed windows of the configured length', () => {
    expect(breakerWindow(3_600_000 * 5 + 10, 3_600_000)).toEqual({ id: 5, endsAt: 3_600_000 * 6 });
  });
});
