// When a number prefix looks pumped: codes keep going out to it and almost none come back typed.
// SMS pumping (toll fraud) sends codes to number ranges whose operator shares the fee; nobody
// ever types them, so sent-versus-verified collapses. A pure decision over counted sends.
import type { PumpingBreakerConfig } from '../config/types.js';

/** The fixed window containing `now`, as a counter name and when it ends. */
export function breakerWindow(now: number, windowMs: number): { id: number; endsAt: number } {
  const id = Math.floor(now / windowMs);
  return { id, endsAt: (id + 1) * windowMs };
}

/**
 * Whether to pause a prefix: at least `minSent` codes sent to it within the window and fewer
 * than `minVerifiedShare` of them verified. Codes still waiting to be typed count as unverified,
 * so `minSent` should sit well above what one window of honest sign-ins sends to one prefix.
 */
export function shouldPause(counts: { sent: number; verified: number }, config: PumpingBreakerConfig): boolean {
  return counts.sent >= config.minSent && counts.verified < counts.sent * config.minVerifiedShare;
}
