// The fallback deadline of a channel whose `delivery_timeout` is `auto`: the learned p90 time to
// `delivered` plus a margin, within the bounds the config sets. Pure: the figures are read by the caller.
import type { AutoDeadline } from '../config/types.js';
import type { Figures } from './delivery-figures.js';

/**
 * The deadline, ms. Without figures (too few samples) it is `startMs`, the deadline the channel
 * starts with; with figures but nothing delivered, the channel does not deliver there, so the
 * next one is tried as soon as the bounds allow.
 */
export function autoDeadlineMs(figures: Figures | undefined, bounds: AutoDeadline, startMs: number): number {
  const wanted =
    figures === undefined ? startMs : Number.isFinite(figures.p90Ms) ? figures.p90Ms + bounds.marginMs : bounds.minMs;
  return Math.round(Math.min(bounds.maxMs, Math.max(bounds.minMs, wanted)));
}
