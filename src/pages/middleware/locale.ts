// Picks the language of the gate's pages for each request (see i18n/negotiate.ts) and remembers
// a language chosen with the page's switch (?lang=) in a cookie.
import type { Middleware } from 'koa';

import type { Locales } from '../../i18n/locales.js';
import { negotiateLocale } from '../../i18n/negotiate.js';
import type { GateCookies } from '../cookies.js';
import type { GateKoaState } from '../respond.js';

export function createLocaleSelector(deps: { locales: () => Locales; cookies: GateCookies }): Middleware<GateKoaState> {
  return async function localeSelector(ctx, next) {
    const locales = deps.locales();
    const lang = ctx.query.lang;
    const choice = negotiateLocale(
      {
        query: typeof lang === 'string' ? lang : undefined,
        cookie: deps.cookies.locale(ctx),
        acceptLanguage: ctx.get('accept-language'),
      },
      locales.available,
      locales.defaultLocale,
    );
    ctx.state.locale = choice.locale;
    if (choice.chosen && deps.cookies.locale(ctx) !== choice.locale) deps.cookies.setLocale(ctx, choice.locale);
    await next();
  };
}
