// Which channels can send right now. A provider that is away (5xx, timeouts, refused connections)
// must not take the gate down with it (issue 16): its channel is marked down, checked again with
// a growing pause, and comes back by itself; meanwhile codes go by a rule's other channels. A
// provider that proves the config wrong (token refused, unknown phone number id) marks its
// channel down until the config changes. Sends report in too, so an outage that starts later is
// noticed at the first failed send and its end at the next successful check.
import type { Logger } from '../shared/log.js';
import { describeError } from '../shared/safe-error.js';
import type { Channel } from './channel.js';
import type { ChannelFailure } from './channel.js';
import { ChannelError, failureScope } from './channel.js';

export interface ChannelStatus {
  up: boolean;
  /** Why it is down, in one word safe to show on /readyz. */
  kind?: ChannelFailure;
  /** Why it is down: the provider's answer in words (never a token), for the log. */
  reason?: string;
  /** Down because the provider proved the config wrong: no retry until a restart. */
  misconfigured?: boolean;
}

export interface ChannelHealth {
  /** Checks every channel once; resolves when all have answered (up, down, or misconfigured). */
  start(): Promise<void>;
  isUp(name: string): boolean;
  status(): ReadonlyMap<string, ChannelStatus>;
  /** A send through the channel worked: it is up. */
  succeeded(name: string): void;
  /** A send failed: an outage marks the channel down (and checks it again); a message's own failure does not. */
  failed(name: string, err: unknown): void;
  close(): void;
}

export interface ChannelHealthDeps {
  channels: ReadonlyMap<string, Channel>;
  log: Logger;
  /** Told each change, for the otp_gate_channel_up gauge. */
  onChange?: (name: string, up: boolean) => void;
  /** Pause before the first re-check, doubled after each failed one up to maxRetryMs. */
  firstRetryMs?: number;
  maxRetryMs?: number;
}

const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 5 * 60_000;

export function createChannelHealth(deps: ChannelHealthDeps): ChannelHealth {
  const firstRetryMs = deps.firstRetryMs ?? FIRST_RETRY_MS;
  const maxRetryMs = deps.maxRetryMs ?? MAX_RETRY_MS;
  const statuses = new Map<string, ChannelStatus>([...deps.channels.keys()].map((name) => [name, { up: true }]));
  const retries = new Map<string, NodeJS.Timeout>();
  /** The pause before the next re-check of each channel; forgotten once it is up. */
  const retryDelay = new Map<string, number>();
  let closed = false;

  function set(name: string, next: ChannelStatus): void {
    const before = statuses.get(name);
    statuses.set(name, next);
    if (before?.up === next.up && before.kind === next.kind) return;
    deps.onChange?.(name, next.up);
    if (next.up) deps.log.info({ channel: name }, 'channel is up again');
    else if (next.misconfigured)
      deps.log.error(
        { channel: name, reason: next.reason },
        'channel is down: the provider refused its configuration; fix it and restart',
      );
    else
      deps.log.warn(
        { channel: name, reason: next.reason },
        "channel is down: the provider is unavailable; codes go by the rule's other channels until it is back",
      );
  }

  function markDown(name: string, kind: ChannelFailure, err: unknown): void {
    const misconfigured = failureScope(kind) === 'configuration';
    set(name, { up: false, kind, reason: describeError(err), ...(misconfigured ? { misconfigured } : {}) });
    if (!misconfigured) scheduleCheck(name);
  }

  function scheduleCheck(name: string): void {
    if (closed || retries.has(name)) return;
    const previous = retryDelay.get(name);
    const delayMs = previous === undefined ? firstRetryMs : Math.min(previous * 2, maxRetryMs);
    retryDelay.set(name, delayMs);
    const timer = setTimeout(() => {
      retries.delete(name);
      void check(name);
    }, delayMs);
    timer.unref();
    retries.set(name, timer);
  }

  async function check(name: string): Promise<void> {
    const channel = deps.channels.get(name);
    if (!channel || closed) return;
    try {
      await channel.check();
      retryDelay.delete(name);
      set(name, { up: true });
    } catch (err) {
      markDown(name, failureKind(err), err);
    }
  }

  return {
    start: async () => {
      await Promise.all([...deps.channels.keys()].map(check));
    },
    isUp: (name) => statuses.get(name)?.up ?? false,
    status: () => statuses,
    succeeded(name) {
      if (statuses.get(name)?.up !== false) return;
      retryDelay.delete(name);
      set(name, { up: true });
    },
    failed(name, err) {
      const kind = failureKind(err);
      if (failureScope(kind) !== 'message') markDown(name, kind, err);
    },
    close() {
      closed = true;
      for (const timer of retries.values()) clearTimeout(timer);
      retries.clear();
    },
  };
}

/** A failure that is not a ChannelError never reached the provider's judgement: count it as the network. */
function failureKind(err: unknown): ChannelFailure {
  return err instanceof ChannelError ? err.kind : 'network';
}

/**
 * The challenge rules (of those given) that cannot send a code with the channels still usable
 * (not refused by their provider for a wrong config), each with the channels it lists; rules that
 * offer an authenticator app ("totp") still have a way in.
 */
export function rulesWithoutChannel(
  rules: ReadonlyArray<{ name: string; channels: readonly string[] }>,
  usable: (channel: string) => boolean,
  appChannel: string,
): Array<{ rule: string; channels: readonly string[] }> {
  return rules
    .filter((r) => !r.channels.includes(appChannel) && !r.channels.some(usable))
    .map((r) => ({ rule: r.name, channels: r.channels }));
}
