// SMS texts per locale from templates/sms.<locale>.txt ({{code}}, {{host}}, {{minutes}}), always
// ending with the origin-bound line "@host #code" (WICG sms-one-time-codes) so phones and browsers
// can autofill the code for this host only. Operators' own templates folder overrides the shipped one.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SmsTexts {
  render(input: { code: string; host: string; ttlMs: number; locale: string | undefined }): string;
}

const DEFAULT_LOCALE = 'en';

export function loadSmsTexts(dir: string, fallbackDir: string): SmsTexts {
  const cache = new Map<string, string>();
  const find = (locale: string): string | undefined => {
    if (!/^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?$/.test(locale)) return undefined;
    if (cache.has(locale)) return cache.get(locale);
    const file = [join(dir, `sms.${locale}.txt`), join(fallbackDir, `sms.${locale}.txt`)].find((f) => existsSync(f));
    const text = file === undefined ? undefined : readFileSync(file, 'utf8').trimEnd();
    if (text !== undefined) cache.set(locale, text);
    return text;
  };
  const base = find(DEFAULT_LOCALE);
  if (base === undefined) throw new Error(`templates: no sms.${DEFAULT_LOCALE}.txt in ${dir} or ${fallbackDir}`);
  return {
    render({ code, host, ttlMs, locale }) {
      const language = locale?.split('-')[0];
      const template = (locale && find(locale)) || (language && find(language)) || base;
      const values: Record<string, string> = { code, host, minutes: String(Math.max(1, Math.round(ttlMs / 60_000))) };
      const body = template.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, name: string) => values[name] ?? whole);
      return `${body}\n\n@${host} #${code}`;
    },
  };
}
