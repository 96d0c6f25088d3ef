// /_gate/readyz: is this gate fit to take traffic? A configuration is loaded, the store answers
// within a short deadline, and at least one channel is configured. Results are shared for a
// moment so a load balancer polling many times a second costs one store round trip, not many.
import type { Clock } from '../clock.js';
import { describeError } from '../safe-error.js';
import type { Store } from '../store/store.js';

export interface ReadinessReport {
  ready: boolean;
  checks: { config: string; store: string; channels: string };
  /** Why the store check failed, for the log only: it can name internal addresses. */
  storeError?: string;
}

export interface ReadinessDeps {
  store: Store;
  /** Names of the channels that can send codes. */
  channels: () => readonly string[];
  configLoaded: () => boolean;
  clock: Clock;
  /** How long store.check() may take before the gate counts as not ready, ms. */
  timeoutMs?: number;
  /** How long one answer is reused, ms. */
  cacheMs?: number;
}

export function createReadiness(deps: ReadinessDeps): () => Promise<ReadinessReport> {
  const timeoutMs = deps.timeoutMs ?? 1_000;
  const cacheMs = deps.cacheMs ?? 1_000;
  let last: { at: number; report: Promise<ReadinessReport> } | undefined;

  async function evaluate(): Promise<ReadinessReport> {
    const storeError = await withTimeout(deps.store.check(), timeoutMs).then(
      () => undefined,
      describeError,
    );
    const store = storeError === undefined ? 'ok' : storeError.startsWith('no answer within') ? storeError : 'unreachable';
    const channels = deps.channels().length > 0 ? 'ok' : 'no channel configured';
    const config = deps.configLoaded() ? 'ok' : 'not loaded';
    const ready = store === 'ok' && channels === 'ok' && config === 'ok';
    return { ready, checks: { config, store, channels }, ...(storeError ? { storeError } : {}) };
  }

  return () => {
    const now = deps.clock.now();
    if (!last || now - last.at >= cacheMs) last = { at: now, report: evaluate() };
    return last.report;
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
