// The one error type the gate's pages and APIs answer with: a status, a stable code for API
// clients, and text a person can act on (as locale keys, rendered in the person's language).
// Anything else thrown is a 500 whose details stay in the log.
import type { TextParams } from '../i18n/locales.js';

/** A text by its key in templates/locales/*.yaml, with its {placeholders}. */
export interface Text {
  key: string;
  params?: TextParams;
}

export const text = (key: string, params?: TextParams): Text => (params ? { key, params } : { key });

export interface GatePage {
  heading: Text;
  text: Text;
  link?: { href: string; text: Text };
  /** A form that sends again what the person typed, when a request failed for a passing reason. */
  retry?: RetryForm;
}

/** The gate's own form fields a retry may carry back; shown for the person to check and resend. */
export interface RetryForm {
  action: string;
  csrf: string;
  rd?: string;
  identifier?: string;
  code?: string;
}

export class GateError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly page: GatePage,
    options?: { cause?: unknown; retryAfterSeconds?: number },
  ) {
    super(`${code}: ${page.text.key}`, options);
    this.name = 'GateError';
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }

  /** Sent as Retry-After, for errors that pass by themselves (503). */
  readonly retryAfterSeconds: number | undefined;
}

export const startOver = (href: string): GatePage['link'] => ({ href, text: text('errors.start_again') });
