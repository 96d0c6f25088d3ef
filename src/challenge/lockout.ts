// Consecutive failures per identity — wrong codes and wrong passwords alike — and the lockout
// they lead to, kept in the Store so every instance counts together. The decision itself is
// judgeAttempt's (limits.ts); this module only records and reads.
import type { AuditLog } from '../audit/audit-log.js';
import type { OtpConfig } from '../config/types.js';
import type { Clock } from '../shared/clock.js';
import type { Store } from '../store/store.js';
import { guardStore } from '../store/store.js';
import type { AttemptOutcome } from './limits.js';
import { FAILURE_MEMORY, judgeAttempt } from './limits.js';

export interface Lockout {
  /** ms until the identity may try again, or undefined when it is not locked. */
  lockedFor(k: string): Promise<number | undefined>;
  /** Records one failure (`attempt`: the code's try number, 1 for a password); locks at the limit. */
  fail(
    k: string,
    attempt: number,
    audit: { user: string | undefined; ip: string; rule: string; flow?: string },
    reason: string,
  ): Promise<AttemptOutcome>;
  /** A success ends the run of failures. */
  clear(k: string): Promise<void>;
}

export function createLockout(deps: { store: Store; clock: Clock; config: OtpConfig; audit: AuditLog }): Lockout {
  const { store, clock, config } = deps;
  return {
    async lockedFor(k) {
      const until = await guardStore('reading lockout', () => store.get(`lock:${k}`));
      return until === undefined ? undefined : Math.max(0, Number(until) - clock.now());
    },

    async fail(k, attempt, audit, reason) {
      const failures = await guardStore('counting failures', () => store.increment(`fails:${k}`, FAILURE_MEMORY));
      const outcome = judgeAttempt({ attempt, correct: false, failures }, config);
      deps.audit.record({
        event: 'code_failed',
        ...audit,
        outcome: 'fail',
        reason: outcome.kind === 'code-dead' ? 'code has no tries left' : reason,
      });
      if (outcome.kind === 'wrong' && outcome.lockNow) {
        const until = clock.now() + config.lockoutDuration;
        await guardStore('locking out', () => store.set(`lock:${k}`, String(until), config.lockoutDuration));
        deps.audit.record({
          event: 'lockout',
          ...audit,
          outcome: 'refused',
          reason: `${config.lockoutAfter} consecutive failures`,
        });
      }
      return outcome;
    },

    async clear(k) {
      await guardStore('clearing failures', () => store.delete(`fails:${k}`));
    },
  };
}
