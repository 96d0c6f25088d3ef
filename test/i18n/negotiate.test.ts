import { describe, expect, it } from 'vitest';

import { matchLocale, negotiateLocale, parseAcceptLanguage } from '../../src/i18n/negotiate.js';

const AVAILABLE = ['en', 'it', 'zh-CN'] as const;
const pick = (request: Parameters<typeof negotiateLocale>[0], fallback = 'en') =>
  negotiateLocale(request, AVAILABLE, fallback);

describe('locale negotiation', () => {
  it('uses the language picked on the page (?lang=) before anything else', () => {
    expect(pick({ query: 'it', cookie: 'zh-CN', acceptLanguage: 'en' })).toEqual({ locale: 'it', chosen: true });
  });

  it('ignores a ?lang= that names no locale file', () => {
    expect(pick({ query: 'xx', acceptLanguage: 'it' })).toEqual({ locale: 'it', chosen: false });
  });

  it('uses the remembered choice (cookie) before Accept-Language', () => {
    expect(pick({ cookie: 'zh-CN', acceptLanguage: 'it' })).toEqual({ locale: 'zh-CN', chosen: false });
  });

  it('ignores a cookie naming no locale file', () => {
    expect(pick({ cookie: '../../etc/passwd', acceptLanguage: 'it' }).locale).toBe('it');
  });

  it('takes the Accept-Language range with the highest q-value, not the first written', () => {
    expect(pick({ acceptLanguage: 'en;q=0.5, it;q=0.9' }).locale).toBe('it');
  });

  it('keeps written order between ranges of equal q-value', () => {
    expect(pick({ acceptLanguage: 'it, en' }).locale).toBe('it');
  });

  it('skips languages it has no file for and takes the next preference', () => {
    expect(pick({ acceptLanguage: 'de-DE, de;q=0.9, it;q=0.8, en;q=0.7' }).locale).toBe('it');
  });

  it('never picks a range with q=0', () => {
    expect(pick({ acceptLanguage: 'it;q=0, en;q=0.1' }).locale).toBe('en');
  });

  it('maps a regional variant to its language ("it-CH" → it)', () => {
    expect(pick({ acceptLanguage: 'it-CH' }).locale).toBe('it');
  });

  it.each(['zh', 'zh-Hans', 'zh-CN', 'zh-cn', 'zh-Hans-CN', 'zh-SG'])('serves Simplified Chinese for %s', (tag) => {
    expect(pick({ acceptLanguage: tag }).locale).toBe('zh-CN');
  });

  it('does not serve Simplified Chinese to readers of Traditional (zh-TW, zh-Hant)', () => {
    expect(pick({ acceptLanguage: 'zh-TW, zh-Hant;q=0.9' }, 'it').locale).toBe('it');
  });

  it('falls back to the configured default when nothing matches', () => {
    expect(pick({ acceptLanguage: 'de, fr;q=0.5' }, 'it')).toEqual({ locale: 'it', chosen: false });
  });

  it('falls back to the configured default without an Accept-Language header', () => {
    expect(pick({}, 'zh-CN').locale).toBe('zh-CN');
  });

  it('ignores a wildcard and malformed ranges', () => {
    expect(parseAcceptLanguage('*, it;q=abc, <script>, en;q=0.3')).toEqual(['en']);
  });

  it('matches locale file names case-insensitively', () => {
    expect(matchLocale('ZH-cn', AVAILABLE)).toBe('zh-CN');
  });
});
