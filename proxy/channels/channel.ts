// The small contract every delivery channel implements; a channel knows nothing of Koa or sessions.

export interface OutgoingCode {
  /** Username the code is for. */
  username: string;
  /** E.164 destination, when the user has a phone. */
  phone: string | undefined;
  /** The code itself: only the channel sees it in clear. */
  code: string;
  /** How long the code lives, ms: channels keep message time-to-live at or below it. */
  ttlMs: number;
  /** Host the code is for, for origin-bound autofill lines ("@host #code"). */
  host: string;
}

export interface SendResult {
  /** Provider message id, when the provider gives one. */
  messageId: string | undefined;
}

export interface Channel {
  readonly name: string;
  /** Hands the code to the provider; throws ChannelError when it refuses or cannot be reached. */
  send(message: OutgoingCode): Promise<SendResult>;
  /** Start-up check of credentials and reachability. */
  check(): Promise<void>;
}

export class ChannelError extends Error {
  constructor(channel: string, doing: string, options?: { cause?: unknown }) {
    super(`channel ${channel}: ${doing}`, options);
    this.name = 'ChannelError';
  }
}
