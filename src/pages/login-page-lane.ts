// The sign-in page for someone not signed in, answered ahead of Koa: every protected URL sends
// anonymous visitors here, so it must cost no more than a signed-in request. Each page shape (its
// language, what the rule asks for) is rendered once by the same templates and values as Koa's
// route, with markers where the request's own parts go (the CSRF token and the destination); a
// request splices those in and writes every header at once. Anything else (a session or
// trusted-browser cookie to look up, a HEAD, a refusal by the page limit) is left to Koa's route.
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { GateState } from '../http/gate-state.js';
import type { RequestContext } from '../http/request-context.js';
import { REQUEST_ID_HEADER } from '../http/request-id.js';
import type { Locales, Translator } from '../i18n/locales.js';
import { negotiateLocale } from '../i18n/negotiate.js';
import type { LoginRule } from '../policy/login-rule.js';
import { asksPassword, possessionOf } from '../policy/login-rule.js';
import type { Signer } from '../session/signer.js';
import { randomText } from '../shared/random-text.js';
import type { GateCookies } from './cookies.js';
import { csrfToken } from './form.js';
import type { LoginPageCounter } from './middleware/login-page-limit.js';
import type { Responder } from './respond.js';
import { safeReturnTo } from './return-to.js';
import { loginPageValues, loginSwitchHref, signInRule } from './routes/login-flow.js';
import type { Templates } from './templates.js';
import { escapeHtml } from './templates.js';

/** Answers a gate route when it can; false leaves the request to Koa. */
export type LoginPageLane = (
  req: IncomingMessage,
  res: ServerResponse,
  rc: RequestContext,
  requestId: string,
) => boolean;

export interface LoginPageLaneDeps {
  state: () => GateState;
  templates: () => Templates;
  locales: () => Locales;
  respond: Responder;
  cookies: GateCookies;
  signer: Signer;
  counter: LoginPageCounter;
  /** The security headers every gate page carries. */
  headers: readonly string[];
  /** Passkeys are configured: a passwordless rule's page offers one. */
  webauthn: boolean;
}

/** The request's parts of a page, in the order of SLOTS. */
type Parts = [csrf: string, rd: string, rdInQuery: string];
const SLOTS = 3;

/** A rendered page cut at its markers: text, slot, text, … text. */
interface Prepared {
  texts: string[];
  slots: number[];
}

export function createLoginPageLane(deps: LoginPageLaneDeps): LoginPageLane {
  // Alphanumeric, so escaping and URL encoding leave them whole; random, so no template holds one.
  const markers = Array.from(
    { length: SLOTS },
    (_, i) => `otpgate${randomText(9, 'base64url').replace(/[-_]/g, 'x')}slot${i}end`,
  );
  const cut = new RegExp(markers.join('|'), 'g');
  /** Per language: one page per prefix and rule shape. Translators live as long as their locales. */
  const prepared = new WeakMap<Translator, Map<string, Prepared>>();

  function prepare(tr: Translator, prefix: string, rule: LoginRule): Prepared {
    let pages = prepared.get(tr);
    if (!pages) prepared.set(tr, (pages = new Map()));
    const key = `${prefix}\0${asksPassword(rule)}\0${possessionOf(rule)}`;
    let page = pages.get(key);
    if (page) return page;
    const [csrf, rd, rdInQuery] = markers as Parts;
    const html = deps.templates().render(
      'login',
      {
        ...deps.respond.layout(tr, 'login', loginSwitchHref(prefix, rdInQuery)),
        ...loginPageValues(prefix, rule, deps.webauthn, { csrf, rd }),
      },
      tr,
    );
    page = { texts: html.split(cut), slots: [...html.matchAll(cut)].map((m) => markers.indexOf(m[0])) };
    pages.set(key, page);
    return page;
  }

  return function loginPageLane(req, res, rc, requestId) {
    const state = deps.state();
    const prefix = state.config.server.pathPrefix;
    if (req.method !== 'GET' || rc.app === undefined || rc.facts.path !== `${prefix}/login`) return false;
    const jar = deps.cookies.jar(req.headers.cookie);
    // A session (step-up) or a trusted browser ("Continue as …") needs the store: Koa's route.
    if (jar.session !== undefined || jar.device !== undefined) return false;
    if (deps.counter(req, rc) !== undefined) return false;

    const query = queryOf(rc.query);
    const locales = deps.locales();
    const choice = negotiateLocale(
      {
        query: typeof query.lang === 'string' ? query.lang : undefined,
        cookie: jar.locale,
        acceptLanguage: req.headers['accept-language'],
      },
      locales.available,
      locales.defaultLocale,
    );
    const rd = safeReturnTo(query.rd, state.findApp);
    const headers = [REQUEST_ID_HEADER, requestId];
    // The language first, as Koa's locale middleware sets it before the route starts a flow.
    if (choice.chosen && jar.locale !== choice.locale)
      headers.push('Set-Cookie', deps.cookies.localeCookie(choice.locale));
    let flowId = deps.cookies.verifiedFlow(jar.flow);
    if (flowId === undefined) {
      const flow = deps.cookies.newFlow();
      flowId = flow.id;
      headers.push('Set-Cookie', flow.setCookie);
    }
    const page = prepare(locales.get(choice.locale), prefix, signInRule(state, rc.facts, rd));
    // The switch's href as the responder makes it: rd form-encoded, as URLSearchParams writes it.
    const parts: Parts = [csrfToken(deps.signer, flowId), rd, new URLSearchParams({ rd }).toString().slice(3)];
    let body = page.texts[0]!;
    for (let i = 0; i < page.slots.length; i++) body += escapeHtml(parts[page.slots[i]!]!) + page.texts[i + 1]!;
    headers.push(
      ...deps.headers,
      'Content-Type',
      'text/html; charset=utf-8',
      'Vary',
      'Accept-Language',
      'Content-Length',
      String(Buffer.byteLength(body)),
    );
    res.writeHead(200, headers);
    res.end(body);
    return true;
  };
}

/** ?rd= and ?lang= as Koa's ctx.query reads them: one value as text, several as a list. */
function queryOf(search: string): { rd?: string | string[] | undefined; lang?: string | string[] | undefined } {
  if (!search) return {};
  const params = new URLSearchParams(search);
  const one = (name: string) => {
    const all = params.getAll(name);
    return all.length <= 1 ? all[0] : all;
  };
  return { rd: one('rd'), lang: one('lang') };
}
