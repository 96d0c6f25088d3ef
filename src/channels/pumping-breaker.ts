// The pumping circuit breaker (issue 23): counts codes sent to and verified from each number
// prefix in the store every instance shares, pauses a prefix whose codes stop being verified
// (pumping-rules.ts decides), and lifts the pause after pause_for or when an operator resumes it.
import type { AuditLog } from '../audit/audit-log.js';
import type { PumpingBreakerConfig } from '../config/types.js';
import type { Clock } from '../shared/clock.js';
import type { Store } from '../store/store.js';
import { guardStore } from '../store/store.js';
import { breakerWindow, shouldPause } from './pumping-rules.js';

/** What metrics are told: a prefix was paused (the alert). */
export interface BreakerRecorder {
  prefixPaused(): void;
}

export interface PausedPrefix {
  prefix: string;
  since: number;
  until: number;
  /** What the breaker counted when it tripped. */
  sent: number;
  verified: number;
}

export interface PumpingBreaker {
  /** The config in force; undefined when the breaker is off. */
  config(): PumpingBreakerConfig | undefined;
  /** How long `prefix` stays paused, ms; undefined when codes may go to it. */
  pausedFor(prefix: string): Promise<number | undefined>;
  /** A code went out to `prefix`; may pause it. `ip` is whose sign-in it was, for the audit. */
  sent(prefix: string, ip: string): Promise<void>;
  /** A code sent to `prefix` was typed correctly. */
  verified(prefix: string): Promise<void>;
  /** Every prefix paused now. */
  paused(): Promise<PausedPrefix[]>;
  /** Lifts a pause at once; false when the prefix was not paused. */
  resume(prefix: string): Promise<boolean>;
}

export interface PumpingBreakerDeps {
  store: Store;
  clock: Clock;
  config: () => PumpingBreakerConfig | undefined;
  /** Absent for the command line, which only lists and resumes. */
  audit?: AuditLog | undefined;
  metrics?: BreakerRecorder | undefined;
}

const PAUSED_INDEX = 'paused:prefixes';
const pausedKey = (prefix: string) => `paused:prefix:${prefix}`;
const countKey = (what: 'sent' | 'verified', prefix: string, window: number) => `pump:${what}:${prefix}:${window}`;

export function createPumpingBreaker(deps: PumpingBreakerDeps): PumpingBreaker {
  const { store, clock } = deps;

  async function load(prefix: string): Promise<PausedPrefix | undefined> {
    const raw = await guardStore('reading a paused prefix', () => store.get(pausedKey(prefix)));
    return raw === undefined ? undefined : (JSON.parse(raw) as PausedPrefix);
  }

  /** Counts one send or verification in the current window; the window and the new count. */
  async function count(what: 'sent' | 'verified', prefix: string, config: PumpingBreakerConfig) {
    const now = clock.now();
    const window = breakerWindow(now, config.windowMs);
    const n = await guardStore('counting codes per prefix', () =>
      store.increment(countKey(what, prefix, window.id), window.endsAt - now),
    );
    return { window: window.id, n };
  }

  async function pause(prefix: string, sent: number, verified: number, ip: string, config: PumpingBreakerConfig) {
    const since = clock.now();
    const record: PausedPrefix = { prefix, since, until: since + config.pauseForMs, sent, verified };
    await guardStore('pausing a prefix', async () => {
      await store.set(pausedKey(prefix), JSON.stringify(record), config.pauseForMs);
      await store.setAdd(PAUSED_INDEX, prefix, config.pauseForMs);
    });
    deps.metrics?.prefixPaused();
    deps.audit?.record({
      event: 'prefix_paused',
      ip,
      outcome: 'refused',
      destination: `${prefix}…`,
      reason: `${verified} of ${sent} codes sent to ${prefix}… verified within ${config.windowMs / 1000} s (below ${config.minVerifiedShare}); paused for ${config.pauseForMs / 1000} s`,
    });
  }

  return {
    config: deps.config,

    async pausedFor(prefix) {
      if (deps.config() === undefined) return undefined;
      const paused = await load(prefix);
      const left = paused === undefined ? 0 : paused.until - clock.now();
      return left > 0 ? left : undefined;
    },

    async sent(prefix, ip) {
      const config = deps.config();
      if (config === undefined) return;
      const { window, n: sent } = await count('sent', prefix, config);
      const verifiedText = await guardStore('reading codes per prefix', () =>
        store.get(countKey('verified', prefix, window)),
      );
      const verified = Number(verifiedText ?? 0);
      if (!shouldPause({ sent, verified }, config)) return;
      // The window starts afresh, so a resumed prefix is judged on new sends only; removing the
      // count is also the claim: one instance pauses and audits, however many saw it collapse.
      const claimed = await guardStore('pausing a prefix', () => store.delete(countKey('sent', prefix, window)));
      if (!claimed) return;
      await guardStore('pausing a prefix', () => store.delete(countKey('verified', prefix, window)));
      await pause(prefix, sent, verified, ip, config);
    },

    async verified(prefix) {
      const config = deps.config();
      if (config !== undefined) await count('verified', prefix, config);
    },

    async paused() {
      const prefixes = await guardStore('listing paused prefixes', () => store.setMembers(PAUSED_INDEX));
      const records = await Promise.all(prefixes.map(load));
      const now = clock.now();
      const live = records.filter((r): r is PausedPrefix => r !== undefined && r.until > now);
      const gone = prefixes.filter((p) => !live.some((r) => r.prefix === p));
      if (gone.length > 0) await guardStore('tidying paused prefixes', () => store.setRemove(PAUSED_INDEX, ...gone));
      return live.sort((a, b) => a.prefix.localeCompare(b.prefix));
    },

    async resume(prefix) {
      const removed = await guardStore('resuming a prefix', () => store.delete(pausedKey(prefix)));
      await guardStore('resuming a prefix', () => store.setRemove(PAUSED_INDEX, prefix));
      return removed;
    },
  };
}
