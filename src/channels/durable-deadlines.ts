// A delivery's fallback deadline as the Store keeps it for every instance: the deadline in the
// schedule (deadline-schedule.ts) and beside it what another instance needs to carry the delivery
// on (pending-fallback.ts), the code sealed. delivery.ts decides when to schedule, claim and forget.
import type { User } from '../directory/types.js';
import type { Store } from '../store/store.js';
import type { DeadlineSchedule } from './deadline-schedule.js';
import type { DeliveryJob } from './delivery.js';
import type { DeliveryRecord } from './delivery-state.js';
import type { CodeSeal } from './pending-fallback.js';
import {
  deadlineMember,
  decodePendingFallback,
  encodePendingFallback,
  parseDeadlineMember,
  pendingFallbackKey,
} from './pending-fallback.js';

export interface DurableDeadlines {
  /** Schedules the code's deadline at `at`; with `first`, also stores what another instance needs to act on it. */
  schedule(job: DeliveryJob, at: number, first: boolean, ttlMs: number): Promise<void>;
  /** The sender's own claim on the deadline it scheduled at `at`; false when another instance holds it or it is gone. */
  claimOwn(job: Pick<DeliveryJob, 'flowId' | 'n'>, at: number): Promise<boolean>;
  /** The code's deadline and sealed code leave the Store: acted on, delivered, used or superseded. */
  forget(flowId: string, n: number): Promise<void>;
  /** The same, for a member as the schedule names it (one that names no code is dropped too). */
  forgetMember(member: string): Promise<void>;
  /** Which code a member claimed from the schedule names. */
  codeOf(member: string): { flowId: string; n: number } | undefined;
  /** The job to carry on a claimed deadline with, from the code's record; undefined when nothing is left to do it with. */
  restore(flowId: string, n: number, stored: DeliveryRecord): Promise<DeliveryJob | undefined>;
  /** Polls for deadlines nobody acted on, handing each one claimed (a member) to `onDue`. */
  poll(onDue: (member: string) => void): void;
  /** Stops polling; what is scheduled stays for the other instances. */
  close(): void;
}

export interface DurableDeadlineDeps {
  store: Store;
  schedule: DeadlineSchedule;
  seal: CodeSeal;
  /** The directory's person by username (a deadline taken over names only the username). */
  findUser(username: string): User | undefined;
}

export function createDurableDeadlines(deps: DurableDeadlineDeps): DurableDeadlines {
  const { store, schedule, seal } = deps;

  async function forgetMember(member: string): Promise<void> {
    await schedule.remove(member);
    await store.delete(pendingFallbackKey(member));
  }

  return {
    async schedule(job, at, first, ttlMs) {
      const member = deadlineMember(job.flowId, job.n);
      if (first) {
        const pending = encodePendingFallback({
          username: job.user!.username,
          sealedCode: seal.seal(job.code, member),
          host: job.host,
          ip: job.ip,
          rule: job.rule,
          destination: job.destination,
          locale: job.locale,
        });
        await store.set(pendingFallbackKey(member), pending, ttlMs);
      }
      await schedule.add(member, at);
    },

    claimOwn: (job, at) => schedule.claimOwn(deadlineMember(job.flowId, job.n), at),

    forget: (flowId, n) => forgetMember(deadlineMember(flowId, n)),
    forgetMember,

    codeOf: parseDeadlineMember,

    async restore(flowId, n, stored) {
      const member = deadlineMember(flowId, n);
      const pending = decodePendingFallback(await store.get(pendingFallbackKey(member)));
      // The person may have left the users file, or the secret that sealed the code rotated out.
      const user = pending && deps.findUser(pending.username);
      const code = pending && seal.open(pending.sealedCode, member);
      if (!pending || !user || code === undefined) return undefined;
      const { host, ip, rule, destination, locale } = pending;
      const { channels, expiresAt } = stored;
      return { flowId, n, channels, user, code, host, ip, rule, destination, expiresAt, locale };
    },

    poll: (onDue) => schedule.poll(onDue),
    close: () => schedule.close(),
  };
}
