// Cross-section checks on channel timings: a message must not outlive its code, and a delivery
// deadline must leave time for the next channel before the code expires.
import type { z } from 'zod';

import { parseDuration } from '../shared/duration.js';

const DEFAULT_TTL_MS = 5 * 60_000;
/** The schema's defaults for fallback.lease and a channel's timeout. */
const DEFAULT_LEASE_MS = 30_000;
const DEFAULT_SEND_TIMEOUT_MS = 10_000;

/** A duration option of a section, parsed; undefined when absent or not a duration (reported on the option itself). */
function durationOf(section: unknown, option: string): number | undefined {
  const v = section !== null && typeof section === 'object' ? (section as Record<string, unknown>)[option] : undefined;
  return typeof v === 'string' ? parseDuration(v) : undefined;
}

/**
 * A claimed fallback deadline is taken over once its lease runs out: a lease shorter than a send
 * may take would let a second instance send the same code while the first is still sending it.
 */
export function checkFallbackLease(
  channels: Record<string, unknown>,
  fallback: Record<string, unknown>,
  ctx: z.RefinementCtx,
): void {
  const lease = 'lease' in fallback ? durationOf(fallback, 'lease') : DEFAULT_LEASE_MS;
  if (lease === undefined) return;
  for (const [channel, section] of Object.entries(channels)) {
    // The console channel prints: it has no timeout.
    if (channel === 'console' || section === null || typeof section !== 'object') continue;
    const timeout = 'timeout' in section ? durationOf(section, 'timeout') : DEFAULT_SEND_TIMEOUT_MS;
    if (timeout === undefined || lease > timeout) continue;
    ctx.addIssue({
      code: 'custom',
      path: ['fallback', 'lease'],
      input: fallback.lease,
      message: `must be longer than channels.${channel}.timeout (${timeout} ms), or a second instance may send a code while the first is still sending it`,
    });
  }
}

export function checkChannelTimes(
  channels: Record<string, unknown>,
  otp: Record<string, unknown>,
  ctx: z.RefinementCtx,
): void {
  const ttl = typeof otp.ttl === 'string' ? parseDuration(otp.ttl) : DEFAULT_TTL_MS;
  if (ttl === undefined) return; // reported on otp.ttl itself
  const read = (channel: string, option: string): number | undefined => {
    const section = channels[channel];
    const v =
      section !== null && typeof section === 'object' ? (section as Record<string, unknown>)[option] : undefined;
    return typeof v === 'string' ? parseDuration(v) : undefined;
  };
  /** The longest a delivery deadline may be: the fixed one, or an `auto` one's max (default 60s). */
  const longestDeadline = (channel: string): { ms: number | undefined; path: string[] } => {
    const section = channels[channel];
    const v =
      section !== null && typeof section === 'object'
        ? (section as Record<string, unknown>).delivery_timeout
        : undefined;
    if (v === 'auto') return { ms: 60_000, path: [] };
    if (v !== null && typeof v === 'object') {
      const max = (v as Record<string, unknown>).max;
      return { ms: typeof max === 'string' ? parseDuration(max) : 60_000, path: ['max'] };
    }
    return { ms: read(channel, 'delivery_timeout'), path: [] };
  };
  const messageTtl = read('whatsapp', 'message_ttl');
  if (messageTtl !== undefined && messageTtl > ttl) {
    ctx.addIssue({
      code: 'custom',
      path: ['channels', 'whatsapp', 'message_ttl'],
      input: messageTtl,
      message:
        "the template's time-to-live is longer than otp.ttl: lower message_send_ttl_seconds on the template, then here",
    });
  }
  for (const channel of ['whatsapp', 'sms']) {
    const { ms: deadline, path } = longestDeadline(channel);
    if (deadline !== undefined && deadline >= ttl) {
      ctx.addIssue({
        code: 'custom',
        path: ['channels', channel, 'delivery_timeout', ...path],
        input: deadline,
        message: 'must be shorter than otp.ttl, or the code expires before the next channel is tried',
      });
    }
  }
}
