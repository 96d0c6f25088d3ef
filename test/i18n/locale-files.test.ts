import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

import { SHIPPED_TEMPLATES_DIR } from '../../src/config/compile-config.js';
import { flatten, loadLocales } from '../../src/i18n/locales.js';

const DIR = join(SHIPPED_TEMPLATES_DIR, 'locales');
const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml'));
const keysOf = (file: string) => flatten(parse(readFileSync(join(DIR, file), 'utf8')) as unknown, file);
const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
const en = keysOf('en.yaml');

describe('the shipped locale files', () => {
  it('include English, Simplified Chinese and Italian', () => {
    expect(files.sort()).toEqual(['en.yaml', 'it.yaml', 'zh-CN.yaml']);
  });

  it.each(files.filter((f) => f !== 'en.yaml'))('%s has exactly the keys of en.yaml', (file) => {
    expect([...keysOf(file).keys()].sort()).toEqual([...en.keys()].sort());
  });

  it.each(files.filter((f) => f !== 'en.yaml'))('%s uses the same {placeholders} as en.yaml in every text', (file) => {
    const texts = keysOf(file);
    const differing = [...en]
      .filter(([key, text]) => placeholders(text).join() !== placeholders(texts.get(key) ?? '').join())
      .map(([key]) => key);
    expect(differing).toEqual([]);
  });

  it.each(files.filter((f) => f !== 'en.yaml'))('%s translates the page texts (not left in English)', (file) => {
    const texts = keysOf(file);
    for (const key of [
      'login.heading',
      'code.heading',
      'code.label',
      'errors.code_expired_heading',
      'errors.upstream_unreachable_heading',
      'sms.text',
    ]) {
      expect(texts.get(key)).not.toBe(en.get(key));
    }
  });

  it('fill placeholders and pick singular or plural forms', () => {
    const it_ = loadLocales({ own: DIR, shipped: DIR }, 'en').get('it');
    expect(it_.plural('code.wrong', 1, { tries: 1 })).toBe('Il codice non è corretto. Ti resta 1 tentativo.');
    expect(it_.plural('time.minutes', 15)).toBe('15 minuti');
  });

  it('refuse a default locale that has no file', () => {
    expect(() => loadLocales({ own: DIR, shipped: DIR }, 'de')).toThrow('pages.default_locale "de" has no de.yaml');
  });
});
