// Spans of time as the pages say them: a code valid for 45 seconds is not "valid for 0 minutes".
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { SHIPPED_TEMPLATES_DIR } from '../../src/config/compile-config.js';
import { durationText, loadLocales } from '../../src/i18n/locales.js';

const DIR = join(SHIPPED_TEMPLATES_DIR, 'locales');
const locales = loadLocales({ own: DIR, shipped: DIR }, 'en');

describe('a span of time in words', () => {
  it('reads in seconds under a minute', () => {
    expect(durationText(locales.get('en'), 45_000)).toBe('45 seconds');
    expect(durationText(locales.get('en'), 1_000)).toBe('1 second');
  });

  it('reads in whole minutes, rounded up, from a minute on', () => {
    expect(durationText(locales.get('en'), 60_000)).toBe('1 minute');
    expect(durationText(locales.get('en'), 5 * 60_000)).toBe('5 minutes');
    expect(durationText(locales.get('en'), 61_000)).toBe('2 minutes');
  });

  it('never reads as nothing', () => {
    expect(durationText(locales.get('en'), 0)).toBe('1 second');
  });

  it('follows the language', () => {
    expect(durationText(locales.get('it'), 30_000)).toBe('30 secondi');
    expect(durationText(locales.get('zh-CN'), 30_000)).toBe('30秒');
  });
});
