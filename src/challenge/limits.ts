// Send and attempt limits as pure decisions over recorded counts, so every rule about "may this
// person get another code / another try" is in one place and tested without a store or a clock.
import type { OtpConfig } from '../config/types.js';

export const HOUR = 3_600_000;
/** How long consecutive failures are remembered when no success resets them. */
export const FAILURE_MEMORY = 24 * HOUR;

export type Refusal =
  | { reason: 'cooldown'; retryAfterMs: number }
  | { reason: 'identity-hourly-limit'; retryAfterMs: number }
  | { reason: 'address-hourly-limit'; retryAfterMs: number }
  | { reason: 'network-hourly-limit'; retryAfterMs: number }
  | { reason: 'locked-out'; retryAfterMs: number }
  | { reason: 'destination-hourly-limit'; retryAfterMs: number }
  | { reason: 'prefix-hourly-limit'; retryAfterMs: number }
  | { reason: 'global-hourly-limit'; retryAfterMs: number }
  /** The pumping breaker paused codes to the destination's number prefix. */
  | { reason: 'prefix-paused'; retryAfterMs: number }
  /** The spend budget no longer covers a code by any of the challenge's channels. */
  | { reason: 'budget-spent'; retryAfterMs: number }
  /** The person was asked to approve sign-ins too often this minute (approvals.prompts_per_minute). */
  | { reason: 'approval-limit'; retryAfterMs: number };

/** Start of the fixed one-hour window containing `now`, used to name per-hour counters. */
export function hourWindow(now: number): { id: number; endsAt: number } {
  const id = Math.floor(now / HOUR);
  return { id, endsAt: (id + 1) * HOUR };
}

/** The resend cooldown: a new code only once `resendAfter` has passed since the last one. */
export function checkCooldown(now: number, lastSentAt: number | undefined, config: OtpConfig): Refusal | undefined {
  if (lastSentAt === undefined) return undefined;
  const wait = lastSentAt + config.resendAfter - now;
  return wait > 0 ? { reason: 'cooldown', retryAfterMs: wait } : undefined;
}

/**
 * The asker's own budgets: per identity, per client address and per client network; counts
 * include the send being decided. They are checked before any shared cap is counted, so an
 * address or network over its budget is refused on its own and cannot use up what everyone shares.
 */
export function checkHourlyCaps(
  now: number,
  counts: { identity: number; address: number; network: number },
  config: OtpConfig,
): Refusal | undefined {
  const retryAfterMs = hourWindow(now).endsAt - now;
  if (counts.identity > config.maxSendsPerHour) return { reason: 'identity-hourly-limit', retryAfterMs };
  if (counts.address > config.maxSendsPerAddressPerHour) return { reason: 'address-hourly-limit', retryAfterMs };
  if (counts.network > config.maxSendsPerNetworkPerHour) return { reason: 'network-hourly-limit', retryAfterMs };
  return undefined;
}

/**
 * Hourly caps per destination number, per destination prefix (SMS pumping targets number
 * ranges) and for the whole gate; counts include the send being decided. `prefix` is undefined
 * when the destination is not a phone number.
 */
export function checkDestinationCaps(
  now: number,
  counts: { destination: number; prefix: number | undefined; total: number },
  config: OtpConfig,
): Refusal | undefined {
  const retryAfterMs = hourWindow(now).endsAt - now;
  if (counts.total > config.maxSendsPerHourTotal) return { reason: 'global-hourly-limit', retryAfterMs };
  if (counts.destination > config.maxSendsPerDestinationPerHour)
    return { reason: 'destination-hourly-limit', retryAfterMs };
  if (counts.prefix !== undefined && counts.prefix > config.maxSendsPerPrefixPerHour)
    return { reason: 'prefix-hourly-limit', retryAfterMs };
  return undefined;
}

/** "+3933300" for prefixDigits 7: the leading digits of an E.164 number, country code included. */
export function numberPrefix(e164: string, prefixDigits: number): string | undefined {
  return /^\+\d{4,15}$/.test(e164) ? e164.slice(0, 1 + prefixDigits) : undefined;
}

export type AttemptOutcome =
  | { kind: 'accept' }
  /** Wrong code; triesLeft is what remains before this code dies or the identity locks. */
  | { kind: 'wrong'; triesLeft: number; lockNow: boolean }
  /** The code has had its `maxAttempts` tries: only a new code can help. */
  | { kind: 'code-dead' };

/**
 * Judges one verification attempt. `attempt` is this code's try number (1-based, counted before
 * comparing), `failures` the identity's consecutive failures including this one when wrong.
 */
export function judgeAttempt(
  input: { attempt: number; correct: boolean; failures: number },
  config: OtpConfig,
): AttemptOutcome {
  if (input.attempt > config.maxAttempts) return { kind: 'code-dead' };
  if (input.correct) return { kind: 'accept' };
  const lockNow = input.failures >= config.lockoutAfter;
  const triesLeft = lockNow ? 0 : Math.min(config.maxAttempts - input.attempt, config.lockoutAfter - input.failures);
  return { kind: 'wrong', triesLeft, lockNow };
}
