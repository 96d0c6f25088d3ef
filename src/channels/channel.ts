// The small contract every delivery channel implements; a channel knows nothing of Koa or sessions.
import type { AutoDeadline } from '../config/types.js';

export interface OutgoingCode {
  /** Username the code is for. */
  username: string;
  /** E.164 destination, when the user has a phone. */
  phone: string | undefined;
  /** That phone as the gate's pages show it ("+39 ••• ••• 0001"), masked once per code. */
  maskedPhone: string | undefined;
  /** The user's e-mail address, when they have one (the `email` channel sends there). */
  email?: string | undefined;
  /** The code itself: only the channel sees it in clear. */
  code: string;
  /** How long the code still lives, ms: channels keep message time-to-live at or below it. */
  ttlMs: number;
  /** Host the code is for, for origin-bound autofill lines ("@host #code"). */
  host: string;
  /** Language of the page that asked ("en"), for message texts and template languages. */
  locale?: string | undefined;
}

export interface SendResult {
  /** Provider message id, when the provider gives one; status reports name it. */
  messageId: string | undefined;
}

export interface Channel {
  readonly name: string;
  /** Where the channel sends: the person's phone (when absent) or their e-mail address; the page names that destination. */
  readonly reaches?: 'phone' | 'email';
  /**
   * How long to wait for a `delivered` report before the next channel is tried, ms; undefined
   * when the channel reports no delivery status (a send that succeeds is final).
   */
  readonly deliveryDeadlineMs?: number | undefined;
  /** Set when the deadline is learned (`delivery_timeout: auto`): deliveryDeadlineMs is then where it starts. */
  readonly deliveryDeadlineAuto?: AutoDeadline | undefined;
  /** The message is in front of the person once sent (the console): its send counts as delivered. */
  readonly deliveredOnSend?: boolean | undefined;
  /** Hands the code to the provider; throws ChannelError when it refuses or cannot be reached. */
  send(message: OutgoingCode): Promise<SendResult>;
  /** Start-up check of credentials and reachability. */
  check(): Promise<void>;
}

/**
 * Why a send failed, as far as the gate acts on it. Every kind moves on to the next channel;
 * `auth` also raises an alert (a token or key needs an operator), `rate-limited` is logged as such.
 * `misconfigured`: the provider does not know what the config names (phone number id, account);
 * `unavailable`: the provider answered 5xx.
 */
export type ChannelFailure =
  | 'unreachable-recipient'
  | 'rate-limited'
  | 'auth'
  | 'misconfigured'
  | 'unavailable'
  | 'rejected'
  | 'timeout'
  | 'network'
  | 'not-allowed';

/**
 * What a failure says about the channel itself: `configuration` when the provider proves the
 * config wrong (token refused, unknown id), which no retry mends; `outage` when the provider is
 * away or overloaded, which passes; `message` when only this message failed (a recipient not on
 * WhatsApp, a country not allowed), which says nothing about the channel.
 */
export function failureScope(kind: ChannelFailure): 'configuration' | 'outage' | 'message' {
  switch (kind) {
    case 'auth':
    case 'misconfigured':
      return 'configuration';
    case 'unavailable':
    case 'timeout':
    case 'network':
      return 'outage';
    // Often one recipient's limit (WhatsApp 131056); the next message may well go.
    case 'rate-limited':
    case 'unreachable-recipient':
    case 'rejected':
    case 'not-allowed':
      return 'message';
  }
}

/** The failure kind an HTTP status implies when the provider's own error code says nothing more. */
export function failureForStatus(status: number): ChannelFailure {
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'misconfigured';
  if (status === 429) return 'rate-limited';
  if (status >= 500) return 'unavailable';
  return 'rejected';
}

export class ChannelError extends Error {
  readonly kind: ChannelFailure;
  /** Provider's own error code ("131026", "21211"), when it gave one. */
  readonly providerCode: string | undefined;

  constructor(
    channel: string,
    doing: string,
    options?: { cause?: unknown; kind?: ChannelFailure; providerCode?: string | number | undefined },
  ) {
    super(`channel ${channel}: ${doing}`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ChannelError';
    this.kind = options?.kind ?? 'rejected';
    this.providerCode = options?.providerCode === undefined ? undefined : String(options.providerCode);
  }
}

/** What the channel layer reports to metrics (the fallback chain and providers); ops/metrics.ts counts it. */
export interface ChannelRecorder {
  /** A code moved from one channel to the next (send failed, undelivered, or no delivery report in time). */
  fallback(from: string, to: string, reason: string): void;
  /** How long a provider took to accept (or refuse) a message, in seconds. */
  providerLatency(channel: string, seconds: number, outcome: 'ok' | 'fail' | 'timeout'): void;
  /** Whether a channel can send (1) or is down (0): its provider away or refusing the config. */
  channelUp(channel: string, up: boolean): void;
}
