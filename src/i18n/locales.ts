// The gate's texts per language: one YAML file per locale (templates/locales/<tag>.yaml), nested
// keys flattened to "section.key", {name} placeholders. An operator's templates folder may add
// locales or override shipped ones; a key a file lacks falls back to English (issue 6).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { parse } from 'yaml';

export type TextParams = Readonly<Record<string, string | number | boolean | undefined | readonly unknown[]>>;

/** The texts of one locale. */
export interface Translator {
  readonly locale: string;
  /** The text of `key` with its {placeholders} filled from `params`; unknown placeholders stay as written. */
  t(key: string, params?: TextParams): string;
  /** `key_one` when `count` is 1, else `key_other`, with {count} and `params` filled. */
  plural(key: string, count: number, params?: TextParams): string;
  /** The text as written, placeholders unfilled (for scripts that fill them in the browser). */
  raw(key: string): string;
  has(key: string): boolean;
}

export interface Locales {
  /** Locale tags in a stable order (the default first). */
  readonly available: readonly string[];
  readonly defaultLocale: string;
  get(locale: string): Translator;
}

export const BASE_LOCALE = 'en';
const LOCALE_FILE = /^([a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*)\.ya?ml$/;

/** Reads every `<tag>.yaml` of the shipped folder, then of the operator's (whose files win). */
export function loadLocales(dirs: { own: string; shipped: string }, defaultLocale: string): Locales {
  const texts = new Map<string, Map<string, string>>();
  for (const dir of [dirs.shipped, dirs.own]) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      const tag = LOCALE_FILE.exec(name)?.[1];
      if (!tag) continue;
      const file = join(dir, name);
      const own = flatten(parse(readFileSync(file, 'utf8')) as unknown, file);
      texts.set(tag, new Map([...(texts.get(tag) ?? []), ...own]));
    }
  }
  const base = texts.get(BASE_LOCALE);
  if (!base) throw new Error(`locales: no ${BASE_LOCALE}.yaml in ${dirs.own} or ${dirs.shipped}`);
  if (!texts.has(defaultLocale))
    throw new Error(
      `locales: pages.default_locale "${defaultLocale}" has no ${defaultLocale}.yaml (have: ${[...texts.keys()].join(', ')})`,
    );
  const translators = new Map([...texts].map(([tag, own]) => [tag, createTranslator(tag, own, base)]));
  const available = [defaultLocale, ...[...texts.keys()].filter((t) => t !== defaultLocale).sort()];
  return {
    available,
    defaultLocale,
    get: (locale) => translators.get(locale) ?? translators.get(defaultLocale)!,
  };
}

/** Nested YAML maps → "a.b" keys with string values; anything else names the file and key. */
export function flatten(
  value: unknown,
  file: string,
  prefix = '',
  into = new Map<string, string>(),
): Map<string, string> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`locales: ${file}: ${prefix || 'the file'} must be a map of texts`);
  }
  for (const [key, v] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof v === 'string') into.set(path, v);
    else if (typeof v === 'number') into.set(path, String(v));
    else flatten(v, file, path, into);
  }
  return into;
}

const PLACEHOLDER = /\{([a-zA-Z_][a-zA-Z0-9_]*)\}/g;

/** A span of time in words, rounded up: seconds under a minute ("45 seconds", never "0 minutes"), else minutes. */
export function durationText(tr: Translator, ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  return seconds < 60 ? tr.plural('time.seconds', seconds) : tr.plural('time.minutes', Math.ceil(seconds / 60));
}

export function fillText(text: string, params: TextParams = {}): string {
  return text.replace(PLACEHOLDER, (whole, name: string) => {
    const v = params[name];
    return v === undefined || typeof v === 'object' ? whole : String(v);
  });
}

function createTranslator(
  locale: string,
  own: ReadonlyMap<string, string>,
  base: ReadonlyMap<string, string>,
): Translator {
  const merged = new Map([...base, ...own]);
  const raw = (key: string) => merged.get(key) ?? key;
  return {
    locale,
    raw,
    has: (key) => merged.has(key),
    t: (key, params) => fillText(raw(key), params),
    plural: (key, count, params) => fillText(raw(count === 1 ? `${key}_one` : `${key}_other`), { ...params, count }),
  };
}
