// What the gate has learned from its deliveries, per channel and destination: how long a code
// takes from the provider accepting it to `delivered`, the share delivered and the share typed in.
// Counted in the Store, so every instance learns from every webhook: one counter per day, channel,
// scope (the channel overall, a country, a number prefix) and field, each an atomic `increment`
// that expires with the window. Reading weighs each day by its age (a half-life), so old days
// fade; reads are cached briefly in memory, so a page view never costs a round of Store reads.
// delivery-learning.ts writes the counters; this module defines them and reads them back.
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { LRUCache } from 'lru-cache';

import type { Clock } from '../shared/clock.js';
import type { Store } from '../store/store.js';

/** The learned figures of one channel to one destination (the shape `auto` routing reads). */
export interface Figures {
  /** Codes accepted by the provider, weighted by age (a fresh one counts 1). */
  samples: number;
  /** Of those, the share the provider reported delivered (0…1). */
  deliveredShare: number;
  /** Of those, the share the person typed in (0…1). */
  verifiedShare: number;
  /** Time from send to `delivered`, median and 90th percentile, ms (Infinity when none arrived). */
  p50Ms: number;
  p90Ms: number;
}

/** Where a code goes, as the figures group it: "IT", "+39347" (calling code and 3 digits). */
export interface Destination {
  country?: string | undefined;
  prefix?: string | undefined;
}

/** National digits after the calling code that make a prefix: the operator or area range. */
export const PREFIX_NATIONAL_DIGITS = 3;

export function destinationOf(phone: string | undefined): Destination {
  const parsed = phone === undefined ? undefined : parsePhoneNumberFromString(phone);
  if (!parsed) return {};
  const national = parsed.nationalNumber;
  return {
    country: parsed.country,
    prefix:
      national.length > PREFIX_NATIONAL_DIGITS
        ? `+${parsed.countryCallingCode}${national.slice(0, PREFIX_NATIONAL_DIGITS)}`
        : undefined,
  };
}

/** Upper bounds of the latency histogram's buckets, ms; the last is open. */
export const LATENCY_BOUNDS_MS = [
  500,
  1000,
  2000,
  3000,
  4000,
  5000,
  7500,
  10_000,
  15_000,
  20_000,
  30_000,
  45_000,
  60_000,
  90_000,
  120_000,
  300_000,
  Infinity,
] as const;

export const DAY_MS = 86_400_000;

export interface FiguresSettings {
  /** Fewest weighted samples a scope needs before its figures are used. */
  minSamples: number;
  /** Age at which a day's deliveries count half, ms. */
  halfLifeMs: number;
}

export const DEFAULT_FIGURES_SETTINGS: FiguresSettings = { minSamples: 20, halfLifeMs: 2 * DAY_MS };

/** Days kept: past them a day weighs under 1/16 at the default half-life and is not read. */
export const WINDOW_DAYS = 8;

export type CountField = 'sent' | 'delivered' | 'failed' | 'verified';
export const COUNT_FIELDS: readonly CountField[] = ['sent', 'delivered', 'failed', 'verified'];

/** A scope's name in keys: the channel overall, a country, a prefix. */
export function scopesOf(to: Destination): string[] {
  return ['all', ...(to.country ? [`c:${to.country}`] : []), ...(to.prefix ? [`p:${to.prefix}`] : [])];
}

export const figuresDay = (now: number) => Math.floor(now / DAY_MS);
export const counterKey = (day: number, channel: string, scope: string, field: CountField | number) =>
  `dfig:${day}:${channel}:${scope}:${typeof field === 'number' ? `b${field}` : field}`;
/** Which channel and scope had anything on a day, for `otp-gate delivery stats`: "whatsapp c:IT". */
export const scopesKey = (day: number) => `dfig:${day}:scopes`;
/** A counter of `day` lives until the window has passed it. */
export const counterTtl = (day: number, now: number) => Math.max(1, (day + 1 + WINDOW_DAYS) * DAY_MS - now);

/** One scope's weighted counts. */
export interface Counts {
  sent: number;
  delivered: number;
  failed: number;
  verified: number;
  /** Deliveries per LATENCY_BOUNDS_MS bucket. */
  latency: number[];
}

export const emptyCounts = (): Counts => ({
  sent: 0,
  delivered: 0,
  failed: 0,
  verified: 0,
  latency: LATENCY_BOUNDS_MS.map(() => 0),
});

/** A day's weight at `ageDays` (0 today): halves every half-life. */
export const dayWeight = (ageDays: number, halfLifeMs: number) => 0.5 ** ((ageDays * DAY_MS) / halfLifeMs);

/** Adds one day's raw counts into `into`, weighted. */
export function addDay(into: Counts, day: Counts, weight: number): Counts {
  return {
    sent: into.sent + day.sent * weight,
    delivered: into.delivered + day.delivered * weight,
    failed: into.failed + day.failed * weight,
    verified: into.verified + day.verified * weight,
    latency: into.latency.map((n, i) => n + (day.latency[i] ?? 0) * weight),
  };
}

/** The bucket a latency falls in. */
export const latencyBucket = (ms: number) => LATENCY_BOUNDS_MS.findIndex((bound) => ms <= bound);

/**
 * The q-quantile of a bucketed histogram, interpolating linearly inside the bucket it falls in;
 * in the open last bucket, its lower bound. Infinity for an empty histogram.
 */
export function quantileMs(latency: readonly number[], q: number): number {
  const total = latency.reduce((a, b) => a + b, 0);
  if (total <= 0) return Infinity;
  const target = q * total;
  let below = 0;
  for (const [i, n] of latency.entries()) {
    const lower = i === 0 ? 0 : LATENCY_BOUNDS_MS[i - 1]!;
    const upper = LATENCY_BOUNDS_MS[i]!;
    if (n > 0 && below + n >= target) {
      if (upper === Infinity) return lower;
      return Math.round(lower + ((target - below) / n) * (upper - lower));
    }
    below += n;
  }
  return LATENCY_BOUNDS_MS.at(-2)!;
}

export function figuresFrom(counts: Counts): Figures {
  const share = (n: number) => (counts.sent > 0 ? Math.min(1, n / counts.sent) : 0);
  return {
    samples: counts.sent,
    deliveredShare: share(counts.delivered),
    verifiedShare: share(counts.verified),
    p50Ms: quantileMs(counts.latency, 0.5),
    p90Ms: quantileMs(counts.latency, 0.9),
  };
}

/** The narrowest scope with enough samples: the prefix, else the country, else the channel overall. */
export function pickFigures(candidates: ReadonlyArray<Counts | undefined>, minSamples: number): Figures | undefined {
  for (const counts of [...candidates].reverse())
    if (counts !== undefined && counts.sent >= minSamples) return figuresFrom(counts);
  return undefined;
}

export interface FiguresReader {
  /** The figures of `channel` to `to`: its prefix's, else its country's, else the channel's; undefined with too few samples. */
  figures(channel: string, to: Destination): Promise<Figures | undefined>;
}

/** A reader that can be told this instance just counted something, so its own next read sees it. */
export interface CachedFiguresReader extends FiguresReader {
  forget(channel: string, scope: string): void;
}

export interface FiguresReaderDeps {
  store: Store;
  clock: Clock;
  settings?: FiguresSettings | undefined;
  /** How long a scope's counts are reused before the Store is read again, ms. */
  cacheMs?: number;
}

/** Reads one scope's counts over the window, weighted by age (WINDOW_DAYS × fields Store reads). */
export async function readCounts(
  store: Store,
  channel: string,
  scope: string,
  now: number,
  halfLifeMs: number,
): Promise<Counts> {
  const today = figuresDay(now);
  const fields: Array<CountField | number> = [...COUNT_FIELDS, ...LATENCY_BOUNDS_MS.map((_, i) => i)];
  const days = await Promise.all(
    Array.from({ length: WINDOW_DAYS }, async (_, age) => {
      const values = await Promise.all(fields.map((f) => store.get(counterKey(today - age, channel, scope, f))));
      const n = (i: number) => Number(values[i] ?? 0) || 0;
      const day: Counts = {
        sent: n(0),
        delivered: n(1),
        failed: n(2),
        verified: n(3),
        latency: LATENCY_BOUNDS_MS.map((_, i) => n(COUNT_FIELDS.length + i)),
      };
      return { day, weight: dayWeight(age, halfLifeMs) };
    }),
  );
  return days.reduce((sum, { day, weight }) => addDay(sum, day, weight), emptyCounts());
}

export function createFiguresReader(deps: FiguresReaderDeps): CachedFiguresReader {
  const settings = deps.settings ?? DEFAULT_FIGURES_SETTINGS;
  // Promises, so concurrent page views of one scope share one read.
  const cache = new LRUCache<string, Promise<Counts>>({
    max: 2000,
    ttl: deps.cacheMs ?? 30_000,
    // The gate's clock, so a test moving it sees the cache expire.
    perf: { now: () => deps.clock.now() },
  });
  const counts = (channel: string, scope: string) => {
    const key = `${channel} ${scope}`;
    let hit = cache.get(key);
    if (hit === undefined) {
      hit = readCounts(deps.store, channel, scope, deps.clock.now(), settings.halfLifeMs);
      // A failed read is not kept: the next view tries again.
      hit.catch(() => cache.delete(key));
      cache.set(key, hit);
    }
    return hit;
  };
  return {
    forget: (channel, scope) => cache.delete(`${channel} ${scope}`),
    async figures(channel, to) {
      const all = await Promise.all(scopesOf(to).map((scope) => counts(channel, scope)));
      const [overall, country, prefix] = [all[0], to.country ? all[1] : undefined, to.prefix ? all.at(-1) : undefined];
      return pickFigures([overall, country, prefix], settings.minSamples);
    },
  };
}
