// Behaviour of duration parsing shared by config and policies ("30s", "1h30m").
import { describe, expect, it } from 'vitest';

import { formatDuration, parseDuration } from '../../src/shared/duration.js';

describe('parseDuration', () => {
  it.each([
    ['30s', 30_000],
    ['5m', 300_000],
    ['12h', 43_200_000],
    ['7d', 604_800_000],
    ['1h30m', 5_400_000],
    ['1d2h3m4s', 93_784_000],
    ['90m', 5_400_000],
    ['0s', 0],
    ['300ms', 300],
    ['1s500ms', 1_500],
    ['1m30ms', 60_030],
  ])('%j is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    '',
    '30',
    '1.5h',
    '30m1h',
    '1h1h',
    '5 m',
    '5M',
    'h',
    '-5m',
    '1w',
    '30ms5s',
    '5mss',
    'ms',
    ' 5m',
    `${'9'.repeat(20)}d`,
  ])('%j is not a duration', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('formatDuration', () => {
  it.each([
    [30_000, '30s'],
    [3_600_000, '1h'],
    [5_400_000, '1h30m'],
    [604_800_000, '7d'],
    [0, '0s'],
  ])('%d ms is %j', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('formatDuration reads back through parseDuration', () => {
    for (const ms of [1_000, 59_000, 61_000, 3_599_000, 90_061_000]) expect(parseDuration(formatDuration(ms))).toBe(ms);
  });
});
