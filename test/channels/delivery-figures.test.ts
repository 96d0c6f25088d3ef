// The figures' arithmetic: latency quantiles from the day histograms, age decay, which scope
// answers, the `auto` deadline within its bounds, and destinations as the figures group them.
import { describe, expect, it } from 'vitest';

import { autoDeadlineMs } from '../../src/channels/delivery-deadline.js';
import type { Counts } from '../../src/channels/delivery-figures.js';
import {
  addDay,
  dayWeight,
  destinationOf,
  emptyCounts,
  figuresFrom,
  LATENCY_BOUNDS_MS,
  latencyBucket,
  pickFigures,
  quantileMs,
} from '../../src/channels/delivery-figures.js';

const DAY = 86_400_000;

/** Counts with `sent` sends, of which the latencies given were delivered. */
function counts(sent: number, latenciesMs: number[], verified = 0): Counts {
  const c = emptyCounts();
  for (const ms of latenciesMs) c.latency[latencyBucket(ms)]! += 1;
  return { ...c, sent, delivered: latenciesMs.length, verified };
}

describe('latency quantiles', () => {
  it('interpolates inside the bucket the quantile falls in', () => {
    const c = counts(4, [4000, 4000, 4000, 4000]);
    expect(quantileMs(c.latency, 0.5)).toBe(3500);
    expect(quantileMs(c.latency, 0.9)).toBe(3900);
  });

  it('puts the p90 in the slow tail when one delivery in ten is slow', () => {
    const c = counts(10, [...Array.from({ length: 8 }, () => 900), 25_000, 25_000]);
    expect(quantileMs(c.latency, 0.5)).toBeLessThanOrEqual(1000);
    expect(quantileMs(c.latency, 0.9)).toBeGreaterThan(20_000);
  });

  it('is Infinity when nothing was delivered', () => {
    expect(quantileMs(emptyCounts().latency, 0.5)).toBe(Infinity);
  });

  it('answers the open last bucket with its lower bound', () => {
    expect(quantileMs(counts(1, [900_000]).latency, 0.5)).toBe(LATENCY_BOUNDS_MS.at(-2));
  });
});

describe('decay', () => {
  it('counts a day half at the half-life and a quarter at twice it', () => {
    expect(dayWeight(0, 2 * DAY)).toBe(1);
    expect(dayWeight(2, 2 * DAY)).toBe(0.5);
    expect(dayWeight(4, 2 * DAY)).toBe(0.25);
  });

  it('lets a recent day outweigh an old one in the quantiles', () => {
    const old = counts(
      10,
      Array.from({ length: 10 }, () => 20_000),
    );
    const recent = counts(
      10,
      Array.from({ length: 10 }, () => 2000),
    );
    const sum = addDay(addDay(emptyCounts(), recent, dayWeight(0, DAY)), old, dayWeight(6, DAY));
    expect(figuresFrom(sum).p50Ms).toBeLessThanOrEqual(2000);
  });
});

describe('which scope answers', () => {
  const overall = counts(
    100,
    Array.from({ length: 90 }, () => 3000),
    80,
  );
  const country = counts(
    30,
    Array.from({ length: 30 }, () => 6000),
    30,
  );
  const thinPrefix = counts(
    5,
    Array.from({ length: 5 }, () => 12_000),
    5,
  );

  it('takes the prefix when it has enough samples', () => {
    expect(pickFigures([overall, country, counts(25, [9000])], 20)?.samples).toBe(25);
  });

  it('falls back to the country when the prefix is thin', () => {
    expect(pickFigures([overall, country, thinPrefix], 20)).toMatchObject({ samples: 30, deliveredShare: 1 });
  });

  it('falls back to the channel overall, with its shares', () => {
    expect(pickFigures([overall, undefined, thinPrefix], 20)).toMatchObject({
      samples: 100,
      deliveredShare: 0.9,
      verifiedShare: 0.8,
    });
  });

  it('has no figures when no scope has enough samples', () => {
    expect(pickFigures([thinPrefix, thinPrefix, thinPrefix], 20)).toBeUndefined();
  });
});

describe('the auto deadline', () => {
  const bounds = { minMs: 10_000, maxMs: 60_000, marginMs: 5_000 };
  const figures = (p90Ms: number) => ({ samples: 50, deliveredShare: 1, verifiedShare: 1, p50Ms: p90Ms / 2, p90Ms });

  it('is the p90 plus the margin', () => {
    expect(autoDeadlineMs(figures(12_000), bounds, 15_000)).toBe(17_000);
  });

  it('stays within the bounds', () => {
    expect(autoDeadlineMs(figures(1_000), bounds, 15_000)).toBe(10_000);
    expect(autoDeadlineMs(figures(200_000), bounds, 15_000)).toBe(60_000);
  });

  it('starts where it was told until there are figures', () => {
    expect(autoDeadlineMs(undefined, bounds, 15_000)).toBe(15_000);
  });

  it('moves on as soon as allowed where nothing is ever delivered', () => {
    expect(autoDeadlineMs(figures(Infinity), bounds, 15_000)).toBe(10_000);
  });
});

describe('destinations', () => {
  it('groups a number by country and by calling code plus three digits', () => {
    expect(destinationOf('+393471234567')).toEqual({ country: 'IT', prefix: '+39347' });
    expect(destinationOf('+14155550123')).toEqual({ country: 'US', prefix: '+1415' });
  });

  it('has neither for no number or a malformed one', () => {
    expect(destinationOf(undefined)).toEqual({});
    expect(destinationOf('not a number')).toEqual({});
  });
});
