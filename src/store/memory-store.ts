// In-memory Store on lru-cache: bounded (oldest entries go first) and TTL-aware. One process only.
// Entries live in four partitions, each with store.max_entries of room, so that work anyone can
// cause without proving anything (sign-in flows, deliveries, send counters) only ever pushes out
// its own kind: a flood of unknown names once evicted a lockout (and the attacker got fresh
// guesses) and signed idle people out (issue 25). Lockouts take ten wrong codes each to create,
// sessions and enrolments a sign-in: a flood cannot fill their partitions.
import { LRUCache } from 'lru-cache';

import type { Clock } from '../shared/clock.js';
import { systemClock } from '../shared/clock.js';
import type { Logger } from '../shared/log.js';
import type { Counts, ScheduleClaim, Store } from './store.js';

interface Entry {
  /** A plain value, or the members of a set. */
  value: string | Set<string>;
  expiresAt: number;
}

export type StorePartition = 'lockouts' | 'limits' | 'people' | 'flows';

/** Key families by what they hold; anything not listed is a flow. */
const PARTITION_OF: Record<string, StorePartition> = {
  lock: 'lockouts',
  fails: 'lockouts',
  'totp-used': 'lockouts',
  sends: 'limits',
  // Delivery figures: written only for codes really sent, so they are no flood's to push out.
  dfig: 'limits',
  // Money spent and the pumping breaker's counts and pauses: only real sends make them, so a
  // flood cannot fill their partition, and losing one would reopen a budget or a paused prefix.
  spend: 'lockouts',
  pump: 'lockouts',
  paused: 'lockouts',
  attempts: 'limits',
  session: 'people',
  'sessions-of': 'people',
  device: 'people',
  'devices-of': 'people',
  totp: 'people',
  'totp-pending': 'people',
  person: 'people',
  people: 'people',
  token: 'people',
  'tokens-of': 'people',
  // Passkeys and security keys, and browsers registered for push sign-in approvals: only a
  // signed-in person adds one.
  webauthn: 'people',
  'webauthn-owner': 'people',
  push: 'people',
  'token-fails': 'limits',
  // Approval prompts per person and minute: a flood of sign-in pages must not reset them.
  'approval-prompts': 'limits',
};

export function partitionOf(key: string): StorePartition {
  return PARTITION_OF[key.slice(0, key.indexOf(':'))] ?? 'flows';
}

export interface MemoryStoreOptions {
  /** Room in each partition. */
  maxEntries: number;
  clock?: Clock;
  /** Told each entry pushed out for room (not expired), by partition: the otp_gate_store_evictions_total metric. */
  onEvict?: (partition: StorePartition) => void;
  /** Where a partition that starts pushing entries out for room is reported (then at most every EVICTION_WARNING_EVERY_MS). */
  log?: Pick<Logger, 'warn'> | undefined;
}

/** While a partition keeps pushing entries out, how often the log says so again. */
export const EVICTION_WARNING_EVERY_MS = 10 * 60_000;

/** What each partition losing entries means for people, in the warning. */
const EVICTION_MEANS: Record<StorePartition, string> = {
  people: 'signed-in people are being signed out (and trusted browsers forgotten) before their time',
  lockouts: 'lockouts and wrong-code counts are forgotten early',
  limits: 'send counters are forgotten early',
  flows: 'sign-ins in progress are dropped (people must ask for a new code)',
};

export function createMemoryStore(options: MemoryStoreOptions): Store {
  const clock = options.clock ?? systemClock;
  const evicted = evictionReporter(options, clock);
  // Expiry is checked against the injected clock rather than lru-cache's own timer, so tests
  // can move time; lru-cache still bounds memory. Counting each entry as size 1 bounds the count
  // without lru-cache allocating room for max_entries up front (16 MB idle for four of 250,000).
  const partition = (name: StorePartition) =>
    new LRUCache<string, Entry>({
      maxSize: options.maxEntries,
      sizeCalculation: () => 1,
      dispose: (_v: Entry, _k: string, reason: LRUCache.DisposeReason) => reason === 'evict' && evicted(name),
    });
  const partitions = {
    lockouts: partition('lockouts'),
    limits: partition('limits'),
    people: partition('people'),
    flows: partition('flows'),
  };
  /** The partition a key lives in: its family's. */
  const cacheOf = (key: string) => partitions[partitionOf(key)];
  const cache = {
    get: (key: string) => cacheOf(key).get(key),
    set: (key: string, entry: Entry) => cacheOf(key).set(key, entry),
    delete: (key: string) => cacheOf(key).delete(key),
    clear: () => Object.values(partitions).forEach((p) => p.clear()),
  };

  function live(key: string): Entry | undefined {
    const entry = cache.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= clock.now()) {
      cache.delete(key);
      return undefined;
    }
    return entry;
  }

  const schedules = createSchedules();
  /** Adds to a counter, keeping the window its first add set. */
  function add(key: string, amount: number, ttlMs: number): Promise<number> {
    const entry = live(key);
    if (entry !== undefined && typeof entry.value === 'string') {
      // Counted in place: reading it already made it the most recently used.
      const total = Number(entry.value) + amount;
      entry.value = String(total);
      return Promise.resolve(total);
    }
    cache.set(key, { value: String(amount), expiresAt: entry?.expiresAt ?? clock.now() + ttlMs });
    return Promise.resolve(amount);
  }

  return {
    ...schedules,
    async get(key) {
      const value = live(key)?.value;
      return typeof value === 'string' ? value : undefined;
    },
    async set(key, value, ttlMs) {
      cache.set(key, { value, expiresAt: clock.now() + ttlMs });
    },
    async delete(key) {
      const existed = live(key) !== undefined;
      cache.delete(key);
      return existed;
    },
    async take(key) {
      const value = live(key)?.value;
      cache.delete(key);
      return typeof value === 'string' ? value : undefined;
    },
    increment: (key, ttlMs) => add(key, 1, ttlMs),
    incrementAll: async (keys, ttlMs) =>
      (await Promise.all(keys.map((key) => add(key, 1, ttlMs)))) as Counts<typeof keys>,
    incrementBy: async (key, amount, ttlMs) => add(key, Math.trunc(amount), ttlMs),
    async replace(key, value, ttlMs, expected) {
      const entry = live(key);
      if (entry === undefined || (expected !== undefined && entry.value !== expected)) return false;
      cache.set(key, { value, expiresAt: clock.now() + ttlMs });
      return true;
    },
    async setAdd(key, member, ttlMs) {
      const entry = live(key);
      const members = entry && typeof entry.value !== 'string' ? entry.value : new Set<string>();
      members.add(member);
      cache.set(key, { value: members, expiresAt: Math.max(entry?.expiresAt ?? 0, clock.now() + ttlMs) });
    },
    async setMembers(key) {
      const value = live(key)?.value;
      return value === undefined || typeof value === 'string' ? [] : [...value];
    },
    async setRemove(key, ...members) {
      const value = live(key)?.value;
      if (value === undefined || typeof value === 'string') return;
      for (const m of members) value.delete(m);
      if (value.size === 0) cache.delete(key);
    },
    async check() {},
    async close() {
      cache.clear();
      schedules.clear();
    },
  };
}

/**
 * Schedules live beside the partitions, never pushed out for room: a lost fallback deadline
 * would leave a code undelivered. They hold one member per delivery waiting on a report, and
 * each member leaves once acted on, so live sign-ins bound them.
 */
function createSchedules(): Pick<Store, 'scheduleAdd' | 'scheduleClaim' | 'scheduleRemove'> & { clear(): void } {
  const schedules = new Map<string, Map<string, number>>();
  return {
    async scheduleAdd(key, member, at) {
      const schedule = schedules.get(key) ?? new Map<string, number>();
      schedules.set(key, schedule.set(member, at));
    },
    async scheduleClaim(key, claim: ScheduleClaim) {
      const schedule = schedules.get(key);
      if (!schedule) return [];
      const due = (m: string) => (schedule.get(m) ?? Infinity) <= claim.dueBy;
      const claimed =
        'member' in claim
          ? [claim.member].filter(due)
          : [...schedule]
              .filter(([, at]) => at <= claim.dueBy)
              .sort((a, b) => a[1] - b[1])
              .slice(0, claim.limit)
              .map(([m]) => m);
      for (const m of claimed) schedule.set(m, claim.leaseUntil);
      return claimed;
    },
    async scheduleRemove(key, member) {
      const schedule = schedules.get(key);
      const removed = schedule?.delete(member) ?? false;
      if (schedule?.size === 0) schedules.delete(key);
      return removed;
    },
    clear: () => schedules.clear(),
  };
}

/** The metric for every entry pushed out; the log when a partition starts, then every EVICTION_WARNING_EVERY_MS while it goes on. */
function evictionReporter(options: MemoryStoreOptions, clock: Clock): (partition: StorePartition) => void {
  const warned = new Map<StorePartition, { at: number; since: number }>();
  return (partition) => {
    options.onEvict?.(partition);
    if (!options.log) return;
    const now = clock.now();
    const last = warned.get(partition);
    if (last && now - last.at < EVICTION_WARNING_EVERY_MS) return void last.since++;
    warned.set(partition, { at: now, since: 0 });
    options.log.warn(
      { partition, maxEntries: options.maxEntries, evictedSinceLastWarning: last ? last.since + 1 : 1 },
      `memory store: the ${partition} partition is full (store.max_entries ${options.maxEntries}) and pushes out its oldest entries: ${EVICTION_MEANS[partition]}. Raise store.max_entries, or move to Redis (docs/operations.md)`,
    );
  };
}
