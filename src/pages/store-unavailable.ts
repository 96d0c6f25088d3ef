// What a person or API client sees when the store cannot be reached: 503 with Retry-After, and
// on the gate's forms a retry form holding what they typed, so nothing is lost silently (issue 4).
import { StoreError } from '../store/store.js';
import type { RetryForm } from './gate-error.js';
import { GateError, text } from './gate-error.js';

/** Redis reconnects within half a second of coming back; a few seconds is an honest wait. */
export const STORE_RETRY_AFTER_SECONDS = 5;

/** `retry` re-sends a form; `againHref` (a page that was being loaded) is offered as a link. */
export function storeUnavailable(cause: unknown, retry?: RetryForm, againHref?: string): GateError {
  const page = {
    heading: text('errors.store_heading'),
    text: text(retry ? 'errors.store_retry_text' : 'errors.store_text'),
    ...(retry ? { retry } : {}),
    ...(againHref ? { link: { href: againHref, text: text('errors.try_again') } } : {}),
  };
  return new GateError(503, 'store_unavailable', page, {
    cause,
    retryAfterSeconds: STORE_RETRY_AFTER_SECONDS,
  });
}

/** Runs a step of a form route; a store failure becomes a 503 offering to send the form again. */
export async function keepingInput<T>(retry: RetryForm, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (err instanceof StoreError) throw storeUnavailable(err, retry);
    throw err;
  }
}
