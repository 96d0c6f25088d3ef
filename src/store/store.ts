// The one storage contract the gate is built on. Sessions, codes and limits are written once
// on top of it (session/, challenge/), never inside a backend; the Redis backend only has to
// make each method atomic.

/** One count for each key of a list of keys (a tuple's stay a tuple). */
export type Counts<K extends readonly string[]> = { -readonly [I in keyof K]: number };

export interface Store {
  /** The value, or undefined when absent or expired. */
  get(key: string): Promise<string | undefined>;
  /** Sets a value that expires after ttlMs. */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Removes a key; true only for the caller that actually removed it (single-use consumption). */
  delete(key: string): Promise<boolean>;
  /** Removes a key and gives what it held: to exactly one of many concurrent callers (get and delete in one). */
  take(key: string): Promise<string | undefined>;
  /**
   * Atomically adds one and returns the new count. The TTL is set when the counter is created
   * and not extended by later increments (fixed windows).
   */
  increment(key: string, ttlMs: number): Promise<number>;
  /**
   * increment() for several counters of one window at once: their new counts, in order. Each
   * count is exact as increment's; on one Redis server they travel as one command.
   */
  incrementAll<K extends readonly string[]>(keys: K, ttlMs: number): Promise<Counts<K>>;
  /**
   * Atomically adds a whole `amount` (negative to take back) and returns the new total; the TTL
   * as for increment (set when the counter is created). For sums, such as money spent.
   */
  incrementBy(key: string, amount: number, ttlMs: number): Promise<number>;
  /**
   * Sets a value only where the key still exists (keeping a record alive without bringing back
   * one that was deleted meanwhile, e.g. a session revoked on another instance) and, given
   * `expected`, still holds exactly that (a record nobody changed since its writer last saw it).
   * True when set.
   */
  replace(key: string, value: string, ttlMs: number, expected?: string): Promise<boolean>;
  /** Adds a member to a set; the set lives at least ttlMs from now (never shortened). */
  setAdd(key: string, member: string, ttlMs: number): Promise<void>;
  /** The members of a set; empty when absent or expired. */
  setMembers(key: string): Promise<string[]>;
  /** Removes members from a set. */
  setRemove(key: string, ...members: string[]): Promise<void>;
  /**
   * Puts a member in a schedule (a set ordered by time) to fall due at `at`, ms since the epoch;
   * a member already there moves to `at`, whether it was due, claimed or neither. A schedule
   * has no TTL: its members leave by scheduleRemove.
   */
  scheduleAdd(key: string, member: string, at: number): Promise<void>;
  /**
   * Atomically claims due members: each one scheduled at or before `claim.dueBy` moves to
   * `claim.leaseUntil`, so no other caller claims it again until then (a claimer that dies before
   * removing it leaves it to be claimed after its lease). With `member`, that member alone (the
   * instance that scheduled it claims it with `dueBy` set to the time it scheduled, which fails
   * once someone else holds it), or at most `limit`, earliest first. The members claimed.
   */
  scheduleClaim(key: string, claim: ScheduleClaim): Promise<string[]>;
  /** Removes a member from a schedule; true only for the caller that actually removed it. */
  scheduleRemove(key: string, member: string): Promise<boolean>;
  /** A round trip proving the backend answers; throws with context when it does not. */
  check(): Promise<void>;
  close(): Promise<void>;
}

/** Which members of a schedule a claim takes, and until when it holds them (ms since the epoch). */
export type ScheduleClaim = {
  /** Members scheduled at or before this time are due. */
  dueBy: number;
  /** Claimed members move here: later than dueBy. */
  leaseUntil: number;
} & ({ /** This member only. */ member: string } | { /** The most members claimed at once. */ limit: number });

/** Wraps a backend failure with what the gate was doing, so logs say more than "ECONNREFUSED". */
export class StoreError extends Error {
  constructor(doing: string, cause: unknown) {
    super(`store: ${doing}`, { cause });
    this.name = 'StoreError';
  }
}

/**
 * Runs store work, wrapping any failure as a StoreError that says what was being done; the failure
 * stays its cause (a backend's own StoreError too, so both what and which command are told).
 * `doing` may be a function, asked only on failure, for work that reports progress ("3 of 5 done").
 */
export async function guardStore<T>(doing: string | (() => string), op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    throw new StoreError(typeof doing === 'string' ? doing : doing(), err);
  }
}
