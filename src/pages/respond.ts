// One place that turns an outcome into a response: an HTML page for people (in their language,
// with the operator's brand and a language switch), JSON for API clients.
import type { Context } from 'koa';

import type { PagesConfig } from '../config/types.js';
import type { Locales, Translator } from '../i18n/locales.js';
import type { GatePage, Text } from './gate-error.js';
import type { Stylesheet } from './stylesheet.js';
import { buildStylesheet, stylesheetHref } from './stylesheet.js';
import type { PageName as TemplatePage, Templates, TemplateValues } from './templates.js';

export interface GateKoaState {
  /** The page language, chosen by the locale middleware. */
  locale?: string;
}

/** Every page links it, so browsers do not ask the protected app's /favicon.ico (a 401 there). */
export const FAVICON_PATH = '/assets/favicon.svg';

/** Browsers navigating ask for text/html; fetch/XHR/API clients get JSON. */
export function wantsHtml(ctx: Context): boolean {
  const accept = ctx.get('accept');
  return accept.includes('text/html');
}

/** Pages with values of their own; message pages go through message(). */
type PageName = Exclude<TemplatePage, 'layout' | 'message'>;

export interface PageOptions {
  /** Where the language switch sends the person (a GET page); this request's URL when it was a GET. */
  switchHref?: string;
}

export interface Responder {
  /** The texts in this request's language. */
  texts(ctx: Context): Translator;
  page(ctx: Context, status: number, page: PageName, values: TemplateValues, options?: PageOptions): void;
  message(ctx: Context, status: number, code: string, page: GatePage): void;
  /** The pages' stylesheet with the brand colour in it (served at STYLESHEET_PATH). */
  stylesheet(): Stylesheet;
  /** What the layout shows around every page: language, brand, stylesheet, the language switch to `switchHref`. */
  layout(tr: Translator, name: PageName | 'message', switchHref: string): TemplateValues;
}

export interface ResponderDeps {
  templates: () => Templates;
  locales: () => Locales;
  pages: PagesConfig;
  pathPrefix: () => string;
}

export function createResponder(deps: ResponderDeps): Responder {
  const texts = (ctx: Context) =>
    deps.locales().get((ctx.state as GateKoaState).locale ?? deps.locales().defaultLocale);
  const say = (tr: Translator, t: Text) => tr.t(t.key, t.params);
  // Built once per loaded set of templates: hashing it on every page would be waste.
  const sheets = new WeakMap<Templates, Stylesheet>();
  const stylesheet = () => {
    const templates = deps.templates();
    let sheet = sheets.get(templates);
    if (!sheet) sheets.set(templates, (sheet = buildStylesheet(templates.stylesheet, deps.pages.brand.accentColor)));
    return sheet;
  };

  const layout = (tr: Translator, name: PageName | 'message', switchHref: string): TemplateValues => {
    const brand = deps.pages.brand;
    return {
      lang: tr.locale,
      brand: brand.name,
      logo_url: brand.logoUrl,
      stylesheet_href: stylesheetHref(deps.pathPrefix(), stylesheet()),
      icon_href: `${deps.pathPrefix()}${FAVICON_PATH}`,
      title: name === 'message' ? undefined : tr.t(`${name}.title`),
      languages: languageSwitch(deps.locales(), tr.locale, switchHref),
    };
  };

  const render = (
    ctx: Context,
    status: number,
    name: PageName | 'message',
    values: TemplateValues,
    options: PageOptions = {},
  ) => {
    const tr = texts(ctx);
    const switchHref = options.switchHref ?? (ctx.method === 'GET' ? ctx.originalUrl : `${deps.pathPrefix()}/login`);
    const page: TemplateValues = { ...layout(tr, name, switchHref), ...values };
    ctx.status = status;
    ctx.type = 'text/html; charset=utf-8';
    ctx.vary('Accept-Language');
    // The locale's texts as {{section.key}}, their {placeholders} filled from the page's values.
    ctx.body = deps.templates().render(name, page, tr);
  };

  return {
    texts,
    stylesheet,
    layout,
    page: render,
    message(ctx, status, code, page) {
      const tr = texts(ctx);
      if (!wantsHtml(ctx)) {
        ctx.status = status;
        ctx.body = { error: code, message: say(tr, page.text), ...(page.link ? { href: page.link.href } : {}) };
        return;
      }
      const heading = say(tr, page.heading);
      render(ctx, status, 'message', {
        title: heading,
        heading,
        text: say(tr, page.text),
        is_error: status >= 400,
        link_href: page.link?.href,
        link_text: page.link ? say(tr, page.link.text) : undefined,
        retry_action: page.retry?.action,
        retry_csrf: page.retry?.csrf,
        retry_rd: page.retry?.rd,
        retry_identifier: page.retry?.identifier,
        retry_code: page.retry?.code,
      });
    },
  };
}

/** One entry per locale, each named in its own language, linking to `href` with `lang` set. */
function languageSwitch(locales: Locales, current: string, href: string): TemplateValues[] {
  // Parsed, not pasted: "//elsewhere/" must not become a link off the gate.
  const url = new URL(href, 'http://gate.invalid');
  url.searchParams.delete('lang');
  const base = `${url.pathname}${url.search ? `${url.search}&` : '?'}lang=`;
  return locales.available.map((code) => ({
    code,
    name: locales.get(code).t('language.name'),
    href: base + encodeURIComponent(code),
    current: code === current,
  }));
}
