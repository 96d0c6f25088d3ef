import { describe, expect, it } from 'vitest';

import {
  checkCooldown,
  checkDestinationCaps,
  checkHourlyCaps,
  HOUR,
  hourWindow,
  judgeAttempt,
  numberPrefix,
} from '../../src/challenge/limits.js';
import { compileConfigText, MINIMAL_FROM_ENV, SECRET_ENV } from '../helpers/config-text.js';

// The defaults a minimal config compiles to (config-schema.test.ts pins them).
const config = compileConfigText(MINIMAL_FROM_ENV, SECRET_ENV).otp;

describe('destination limits', () => {
  it('cap codes per destination number per hour until the window ends', () => {
    const now = 2 * HOUR + 60_000;
    expect(checkDestinationCaps(now, { destination: 5, prefix: 5, total: 5 }, config)).toBeUndefined();
    expect(checkDestinationCaps(now, { destination: 6, prefix: 6, total: 6 }, config)).toEqual({
      reason: 'destination-hourly-limit',
      retryAfterMs: HOUR - 60_000,
    });
  });

  it('cap codes per destination prefix per hour (SMS pumping spreads over a number range)', () => {
    expect(checkDestinationCaps(0, { destination: 1, prefix: 51, total: 51 }, config)?.reason).toBe(
      'prefix-hourly-limit',
    );
  });

  it('skip the prefix cap for destinations that are not phone numbers', () => {
    expect(checkDestinationCaps(0, { destination: 1, prefix: undefined, total: 1 }, config)).toBeUndefined();
  });

  it('cap every code the gate sends per hour, whoever asks', () => {
    expect(checkDestinationCaps(0, { destination: 1, prefix: 1, total: 1001 }, config)?.reason).toBe(
      'global-hourly-limit',
    );
  });

  it('take the prefix from the leading digits of an E.164 number, country code included', () => {
    expect(numberPrefix('+393330000001', 6)).toBe('+393330');
    expect(numberPrefix('not-a-number', 6)).toBeUndefined();
  });
});

describe('send limits', () => {
  it('allow the first code at once', () => {
    expect(checkCooldown(1_000, undefined, config)).toBeUndefined();
  });

  it('refuse a resend inside the cooldown and say how long to wait', () => {
    expect(checkCooldown(10_000, 0, config)).toEqual({ reason: 'cooldown', retryAfterMs: 20_000 });
  });

  it('allow a resend once the cooldown has passed', () => {
    expect(checkCooldown(30_000, 0, config)).toBeUndefined();
  });

  it('cap codes per identity per hour until the window ends', () => {
    const now = 5 * HOUR + 1_000;
    expect(checkHourlyCaps(now, { identity: 5, address: 1, network: 1 }, config)).toBeUndefined();
    expect(checkHourlyCaps(now, { identity: 6, address: 1, network: 1 }, config)).toEqual({
      reason: 'identity-hourly-limit',
      retryAfterMs: HOUR - 1_000,
    });
  });

  it('cap codes per client address per hour', () => {
    expect(checkHourlyCaps(0, { identity: 1, address: 21, network: 21 }, config)?.reason).toBe('address-hourly-limit');
  });

  it('cap codes per client network per hour, for addresses each within their own budget', () => {
    expect(checkHourlyCaps(0, { identity: 1, address: 1, network: 60 }, config)).toBeUndefined();
    expect(checkHourlyCaps(0, { identity: 1, address: 1, network: 61 }, config)?.reason).toBe('network-hourly-limit');
  });

  it('name hour windows so that counters roll over on the hour', () => {
    expect(hourWindow(HOUR - 1).id).not.toBe(hourWindow(HOUR).id);
    expect(hourWindow(HOUR).endsAt).toBe(2 * HOUR);
  });
});

describe('attempts', () => {
  it('accept a correct code within its tries', () => {
    expect(judgeAttempt({ attempt: 5, correct: true, failures: 0 }, config)).toEqual({ kind: 'accept' });
  });

  it('refuse even a correct code after its tries are spent', () => {
    expect(judgeAttempt({ attempt: 6, correct: true, failures: 0 }, config)).toEqual({ kind: 'code-dead' });
  });

  it('count tries left down per code', () => {
    expect(judgeAttempt({ attempt: 2, correct: false, failures: 2 }, config)).toEqual({
      kind: 'wrong',
      triesLeft: 3,
      lockNow: false,
    });
  });

  it('count tries left toward the lockout when that is nearer', () => {
    expect(judgeAttempt({ attempt: 1, correct: false, failures: 8 }, config)).toEqual({
      kind: 'wrong',
      triesLeft: 2,
      lockNow: false,
    });
  });

  it('lock out at the configured number of consecutive failures', () => {
    expect(judgeAttempt({ attempt: 3, correct: false, failures: 10 }, config)).toEqual({
      kind: 'wrong',
      triesLeft: 0,
      lockNow: true,
    });
  });
});
