// One place that turns an outcome into a response: an HTML page for people, JSON for API clients.
import type { Context } from 'koa';
import type { GatePage } from './gate-error.js';
import type { TemplateValues, Templates } from './templates.js';

export interface GateKoaState {
  /** Per-response nonce for the page's inline style (CSP). */
  nonce: string;
}

/** Browsers navigating ask for text/html; fetch/XHR/API clients get JSON. */
export function wantsHtml(ctx: Context): boolean {
  const accept = ctx.get('accept');
  return accept.includes('text/html');
}

export interface Responder {
  page(ctx: Context, status: number, page: 'login' | 'code' | 'logout', values: TemplateValues): void;
  message(ctx: Context, status: number, code: string, page: GatePage): void;
}

export function createResponder(templates: () => Templates, brand: string): Responder {
  const render = (ctx: Context, status: number, name: 'login' | 'code' | 'logout' | 'message', values: TemplateValues) => {
    ctx.status = status;
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = templates().render(name, { lang: 'en', brand, nonce: (ctx.state as GateKoaState).nonce, ...values });
  };
  return {
    page: render,
    message(ctx, status, code, page) {
      if (!wantsHtml(ctx)) {
        ctx.status = status;
        ctx.body = { error: code, message: page.text, ...(page.link ? { href: page.link.href } : {}) };
        return;
      }
      render(ctx, status, 'message', {
        title: page.heading,
        heading: page.heading,
        text: page.text,
        is_error: status >= 400,
        link_href: page.link?.href,
        link_text: page.link?.text,
        retry_action: page.retry?.action,
        retry_csrf: page.retry?.csrf,
        retry_rd: page.retry?.rd,
        retry_identifier: page.retry?.identifier,
        retry_code: page.retry?.code,
      });
    },
  };
}
