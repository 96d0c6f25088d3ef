// Fallback deadlines kept in the Store, so a deadline outlives the instance that set it: every
// instance polls the schedule and claims, with a lease, the deadlines nobody acted on. It only
// says "this deadline was reached"; what that means for the code is the delivery machine's call.
//
// The instance that scheduled a deadline acts on it first (its own timer, the fast path, claims
// it by the time it set); the others claim only deadlines overdue by TAKEOVER_GRACE_MS, so they
// step in when the sender died, restarted or stalled, and one claim decides who acts either way.
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/log.js';
import type { Store } from '../store/store.js';

/** How long past a deadline the other instances leave it to its sender. */
export const TAKEOVER_GRACE_MS = 1_000;
/** Most deadlines one poll claims; the next poll takes the rest. */
const CLAIM_BATCH = 20;

export interface DeadlineSchedule {
  /** Schedules `member` to fall due at `at` (ms since the epoch); rescheduling moves it, claimed or not. */
  add(member: string, at: number): Promise<void>;
  /** The fast path: claims a member this instance scheduled at `at`; false when another instance holds it or it is gone. */
  claimOwn(member: string, at: number): Promise<boolean>;
  /** Drops a member: acted on, delivered, or nothing left to do. */
  remove(member: string): Promise<void>;
  /** Polls for overdue members, handing each one claimed to `onDue`. */
  poll(onDue: (member: string) => void): void;
  /** Stops polling; what is scheduled stays for the other instances. */
  close(): void;
}

export interface DeadlineScheduleOptions {
  store: Store;
  /** The schedule's key. */
  key: string;
  clock: Clock;
  /** How often each instance looks for overdue deadlines, ms. */
  pollMs: number;
  /** How long a claim holds before another instance may take the deadline over, ms: longer than a send takes. */
  leaseMs: number;
  log: Pick<Logger, 'warn' | 'info'>;
}

export function createDeadlineSchedule(options: DeadlineScheduleOptions): DeadlineSchedule {
  const { store, key, clock, pollMs, leaseMs, log } = options;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  /** Set while polls fail, so a store outage is logged once, not every poll. */
  let failing = false;

  async function pollOnce(onDue: (member: string) => void): Promise<void> {
    const now = clock.now();
    try {
      const due = await store.scheduleClaim(key, {
        dueBy: now - TAKEOVER_GRACE_MS,
        leaseUntil: now + leaseMs,
        limit: CLAIM_BATCH,
      });
      if (failing) log.info('delivery deadlines: polling the store works again');
      failing = false;
      for (const member of due) onDue(member);
    } catch (err) {
      if (!failing) log.warn({ err }, 'delivery deadlines: polling the store failed; retrying at each poll');
      failing = true;
    }
  }

  return {
    add: (member, at) => store.scheduleAdd(key, member, at),
    async claimOwn(member, at) {
      const leaseUntil = Math.max(at, clock.now()) + leaseMs;
      return (await store.scheduleClaim(key, { dueBy: at, leaseUntil, member })).length > 0;
    },
    async remove(member) {
      await store.scheduleRemove(key, member);
    },
    poll(onDue) {
      const next = () => {
        if (closed) return;
        // One poll at a time: the next is set once this one is over, however slow the store.
        timer = setTimeout(() => void pollOnce(onDue).then(next), pollMs);
        timer.unref();
      };
      next();
    },
    close() {
      closed = true;
      clearTimeout(timer);
    },
  };
}
