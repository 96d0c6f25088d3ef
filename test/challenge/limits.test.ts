import { describe, expect, it } from 'vitest';
import { HOUR, checkCooldown, checkHourlyCaps, hourWindow, judgeAttempt } from '../../proxy/challenge/limits.js';
import type { OtpConfig } from '../../proxy/config/types.js';

const config: OtpConfig = {
  length: 6, ttl: 300_000, maxAttempts: 5, resendAfter: 30_000, maxSendsPerHour: 5,
  maxSendsPerAddressPerHour: 20, lockoutAfter: 10, lockoutDuration: 900_000,
};

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
    expect(checkHourlyCaps(now, { identity: 5, address: 1 }, config)).toBeUndefined();
    expect(checkHourlyCaps(now, { identity: 6, address: 1 }, config)).toEqual({ reason: 'identity-hourly-limit', retryAfterMs: HOUR - 1_000 });
  });

  it('cap codes per client address per hour', () => {
    expect(checkHourlyCaps(0, { identity: 1, address: 21 }, config)?.reason).toBe('address-hourly-limit');
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
    expect(judgeAttempt({ attempt: 2, correct: false, failures: 2 }, config)).toEqual({ kind: 'wrong', triesLeft: 3, lockNow: false });
  });

  it('count tries left toward the lockout when that is nearer', () => {
    expect(judgeAttempt({ attempt: 1, correct: false, failures: 8 }, config)).toEqual({ kind: 'wrong', triesLeft: 2, lockNow: false });
  });

  it('lock out at the configured number of consecutive failures', () => {
    expect(judgeAttempt({ attempt: 3, correct: false, failures: 10 }, config)).toEqual({ kind: 'wrong', triesLeft: 0, lockNow: true });
  });
});
