// SMS texts per locale: the `sms.text` of templates/locales/<tag>.yaml ({code}, {host},
// {minutes}), or an operator's own sms.<tag>.txt ({{code}} …) in their templates folder, which
// wins. Always ends with the origin-bound line "@host #code" (WICG sms-one-time-codes) so phones
// and browsers can autofill the code for this host only.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Locales } from '../i18n/locales.js';
import { fillText } from '../i18n/locales.js';
import { messageLocale, messageLocales } from './message-locale.js';

export interface SmsTexts {
  render(input: { code: string; host: string; ttlMs: number; locale: string | undefined }): string;
}

export function loadSmsTexts(dir: string, fallbackDir: string, locales?: Locales): SmsTexts {
  const texts = messageLocales(dir, fallbackDir, locales);
  const cache = new Map<string, string | undefined>();
  /** An operator's sms.<tag>.txt, in the older {{name}} form. */
  const own = (locale: string): string | undefined => {
    if (!cache.has(locale)) {
      const file = join(dir, `sms.${locale}.txt`);
      cache.set(
        locale,
        existsSync(file)
          ? readFileSync(file, 'utf8')
              .trimEnd()
              .replace(/\{\{\s*(\w+)\s*\}\}/g, '{$1}')
          : undefined,
      );
    }
    return cache.get(locale);
  };
  return {
    render({ code, host, ttlMs, locale }) {
      const tag = messageLocale(texts, locale);
      const template = own(tag) ?? texts.get(tag).raw('sms.text');
      const body = fillText(template, { code, host, minutes: Math.max(1, Math.round(ttlMs / 60_000)) });
      return `${body}\n\n@${host} #${code}`;
    },
  };
}
