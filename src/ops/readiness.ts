// /_gate/readyz: is this gate fit to take traffic? A configuration is loaded and the store answers
// within a short deadline. Channels are reported, each up or down with the kind of failure, but a
// channel down does not make the gate unready: signed-in people are still served, codes go by the
// rules' other channels, and every instance shares the provider's outage, so taking instances out
// of rotation would mend nothing. Results are shared for a moment so a load balancer polling many
// times a second costs one store round trip, not many.
import type { ChannelStatus } from '../channels/channel-health.js';
import type { SpendFigures } from '../channels/spend-ledger.js';
import type { Clock } from '../shared/clock.js';
import { describeError } from '../shared/safe-error.js';
import type { Store } from '../store/store.js';

export interface ReadinessReport {
  ready: boolean;
  checks: { config: string; store: string; channels: string };
  /** Each channel: "up", or "down: <kind>" (unavailable, timeout, auth, misconfigured …). */
  channels: Record<string, string>;
  /** Why the store check failed, for the log only: it can name internal addresses. */
  storeError?: string;
  /**
   * Spend per window when `spend:` is configured: "3.2 of 20 EUR", with " (budget reached)" once
   * spent. A spent budget does not make the gate unready: every instance shares it.
   */
  spend?: Record<string, string>;
  /** How many number prefixes the pumping breaker has paused, when it is on. */
  pausedPrefixes?: number;
}

export interface ReadinessDeps {
  store: Store;
  /** The configured channels and whether each can send now. */
  channels: () => ReadonlyMap<string, ChannelStatus>;
  configLoaded: () => boolean;
  clock: Clock;
  /** How long store.check() may take before the gate counts as not ready, ms. */
  timeoutMs?: number;
  /** How long one answer is reused, ms. */
  cacheMs?: number;
  /** Spend and budgets; absent or undefined when spend is not configured. */
  spend?: (() => Promise<SpendFigures | undefined>) | undefined;
  /** Prefixes paused now; absent or undefined when the breaker is off. */
  pausedPrefixes?: (() => Promise<number | undefined>) | undefined;
}

export function createReadiness(deps: ReadinessDeps): () => Promise<ReadinessReport> {
  const timeoutMs = deps.timeoutMs ?? 1_000;
  const cacheMs = deps.cacheMs ?? 1_000;
  let last: { at: number; report: Promise<ReadinessReport> } | undefined;

  async function evaluate(): Promise<ReadinessReport> {
    const storeError = await withTimeout(deps.store.check(), timeoutMs).then(() => undefined, describeError);
    const store =
      storeError === undefined ? 'ok' : storeError.startsWith('no answer within') ? storeError : 'unreachable';
    const statuses = [...deps.channels()];
    const channels =
      statuses.length === 0 ? 'no channel configured' : statuses.every(([, s]) => s.up) ? 'ok' : 'degraded';
    const config = deps.configLoaded() ? 'ok' : 'not loaded';
    const ready = store === 'ok' && channels !== 'no channel configured' && config === 'ok';
    const each = Object.fromEntries(statuses.map(([name, s]) => [name, s.up ? 'up' : `down: ${s.kind ?? 'unknown'}`]));
    const report: ReadinessReport = { ready, checks: { config, store, channels }, channels: each };
    if (storeError) report.storeError = storeError;
    // What the store cannot tell now is left out: the store check already says why.
    const spend = storeError ? undefined : await deps.spend?.().catch(() => undefined);
    if (spend) report.spend = describeSpend(spend);
    const paused = storeError ? undefined : await deps.pausedPrefixes?.().catch(() => undefined);
    if (paused !== undefined) report.pausedPrefixes = paused;
    return report;
  }

  return () => {
    const now = deps.clock.now();
    if (!last || now - last.at >= cacheMs) last = { at: now, report: evaluate() };
    return last.report;
  };
}

function describeSpend(figures: SpendFigures): Record<string, string> {
  const out: Record<string, string> = {};
  for (const window of ['day', 'month'] as const) {
    const budget = figures.budget[window];
    const spent = figures.spent[window];
    out[window] =
      budget === undefined
        ? `${spent} ${figures.currency}`
        : `${spent} of ${budget} ${figures.currency}${spent >= budget ? ' (budget reached)' : ''}`;
  }
  return out;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
