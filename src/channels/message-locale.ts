// Which texts a code message is written in: the locale files (the operator's folder over the
// shipped one) and the language of the page that asked for the code, so SMS and e-mail speak
// the person's language.
import { join } from 'node:path';

import type { Locales, Translator } from '../i18n/locales.js';
import { loadLocales } from '../i18n/locales.js';
import { matchLocale } from '../i18n/negotiate.js';

/** The gate's loaded locales, or the templates folders' own when a caller has none (tests, tools). */
export function messageLocales(dir: string, fallbackDir: string, locales?: Locales): Locales {
  return locales ?? loadLocales({ own: join(dir, 'locales'), shipped: join(fallbackDir, 'locales') }, 'en');
}

/** The available locale closest to the page's language, else the default one. */
export function messageLocale(locales: Locales, pageLocale: string | undefined): string {
  return (pageLocale && matchLocale(pageLocale, locales.available)) || locales.defaultLocale;
}

export function messageTranslator(locales: Locales, pageLocale: string | undefined): Translator {
  return locales.get(messageLocale(locales, pageLocale));
}
