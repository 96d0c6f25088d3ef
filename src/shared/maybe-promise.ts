// The hot paths (a verified cookie, a bypass rule) answer without touching the store; only a
// store read returns a promise. Awaiting a value that is already there would still cost a
// microtask hop per request, so each step continues at once when it can.

/** A value now, or a promise of one. */
export type MaybePromise<T> = T | Promise<T>;

/** `next(value)` at once when the value is there, after it arrives when it is a promise. */
export function andThen<T, U>(value: MaybePromise<T>, next: (value: T) => U): MaybePromise<U> {
  return value instanceof Promise ? value.then(next) : next(value);
}
