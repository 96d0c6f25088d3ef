// Which language a page is shown in: an explicit choice (the page's switch, ?lang=, remembered in
// a cookie), else the browser's Accept-Language by q-value, else the configured default. Pure.

export interface LocaleRequest {
  /** `?lang=` on this request (the page's language switch). */
  query?: string | undefined;
  /** The remembered choice (language cookie). */
  cookie?: string | undefined;
  acceptLanguage?: string | undefined;
}

export interface LocaleChoice {
  locale: string;
  /** The request chose a supported language itself: remember it. */
  chosen: boolean;
}

export function negotiateLocale(request: LocaleRequest, available: readonly string[], fallback: string): LocaleChoice {
  const fromQuery = request.query === undefined ? undefined : matchLocale(request.query, available);
  if (fromQuery) return { locale: fromQuery, chosen: true };
  const fromCookie = request.cookie === undefined ? undefined : matchLocale(request.cookie, available);
  if (fromCookie) return { locale: fromCookie, chosen: false };
  for (const tag of parseAcceptLanguage(request.acceptLanguage ?? '')) {
    const match = matchLocale(tag, available);
    if (match) return { locale: match, chosen: false };
  }
  return { locale: fallback, chosen: false };
}

/** Language ranges by preference: q=0 and malformed entries dropped, ties kept in written order. */
export function parseAcceptLanguage(header: string): string[] {
  const ranges: Array<{ tag: string; q: number; i: number }> = [];
  header
    .split(',')
    .slice(0, 32)
    .forEach((part, i) => {
      const [tag = '', ...params] = part
        .trim()
        .split(';')
        .map((s) => s.trim());
      if (!/^(?:[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*|\*)$/.test(tag) || tag === '*') return;
      let q = 1;
      for (const p of params) {
        const m = /^q=(0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/i.exec(p);
        if (m) q = Number(m[1]);
        else if (/^q=/i.test(p)) q = -1;
      }
      if (q > 0) ranges.push({ tag, q, i });
    });
  return ranges.sort((a, b) => b.q - a.q || a.i - b.i).map((r) => r.tag);
}

/**
 * The supported locale for a language tag: exact (case-insensitive), Chinese written in
 * Simplified characters (zh, zh-Hans, zh-CN, zh-SG) as zh-CN, else the same language
 * ("it-CH" → "it", "en" → "en-GB" when only that exists).
 */
export function matchLocale(tag: string, available: readonly string[]): string | undefined {
  const wanted = tag.trim().toLowerCase();
  if (!/^[a-z]{1,8}(?:-[a-z0-9]{1,8})*$/.test(wanted)) return undefined;
  const exact = available.find((a) => a.toLowerCase() === wanted);
  if (exact) return exact;
  const [language, ...rest] = wanted.split('-');
  if (language === 'zh') {
    // Traditional script (zh-Hant, zh-TW, zh-HK, zh-MO) is not served Simplified text.
    if (rest.some((s) => ['hant', 'tw', 'hk', 'mo'].includes(s)))
      return available.find((a) => a.toLowerCase() === 'zh-tw');
    return available.find((a) => ['zh-cn', 'zh-hans', 'zh'].includes(a.toLowerCase()));
  }
  return (
    available.find((a) => a.toLowerCase() === language) ??
    available.find((a) => a.toLowerCase().split('-')[0] === language)
  );
}
