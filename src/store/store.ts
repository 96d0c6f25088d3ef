// The one storage contract the gate is built on. Sessions, codes and limits are written once
// on top of it (session/, challenge/), never inside a backend; the Redis backend only has to
// make each method atomic.

export interface Store {
  /** The value, or undefined when absent or expired. */
  get(key: string): Promise<string | undefined>;
  /** Sets a value that expires after ttlMs. */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Removes a key; true only for the caller that actually removed it (single-use consumption). */
  delete(key: string): Promise<boolean>;
  /**
   * Atomically adds one and returns the new count. The TTL is set when the counter is created
   * and not extended by later increments (fixed windows).
   */
  increment(key: string, ttlMs: number): Promise<number>;
  /**
   * Atomically adds a whole `amount` (negative to take back) and returns the new total; the TTL
   * as for increment (set when the counter is created). For sums, such as money spent.
   */
  incrementBy(key: string, amount: number, ttlMs: number): Promise<number>;
  /**
   * Sets a value only where the key still exists (keeping a record alive without bringing back
   * one that was deleted meanwhile, e.g. a session revoked on another instance). True when set.
   */
  replace(key: string, value: string, ttlMs: number): Promise<boolean>;
  /** Adds a member to a set; the set lives at least ttlMs from now (never shortened). */
  setAdd(key: string, member: string, ttlMs: number): Promise<void>;
  /** The members of a set; empty when absent or expired. */
  setMembers(key: string): Promise<string[]>;
  /** Removes members from a set. */
  setRemove(key: string, ...members: string[]): Promise<void>;
  /** A round trip proving the backend answers; throws with context when it does not. */
  check(): Promise<void>;
  close(): Promise<void>;
}

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
