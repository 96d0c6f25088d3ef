// The gate's cookies, written one way: HttpOnly, SameSite=Lax, Secure unless the config runs on
// plain HTTP. The session cookie carries a signed session id; the flow cookie a signed login-flow id;
// the language cookie the language a person picked on a page (not secret, only ever matched
// against the locale files).
import { parseCookie, stringifySetCookie } from 'cookie';
import type { Context } from 'koa';

import type { SessionConfig } from '../config/types.js';
import type { Signer } from '../session/signer.js';
import { randomId } from '../session/signer.js';

const FLOW_PURPOSE = 'flow';

export interface GateCookies {
  /** Every cookie the gate sets: the proxy strips them all before a request goes upstream. */
  readonly names: readonly string[];
  session(ctx: Context): string | undefined;
  setSession(ctx: Context, value: string): void;
  clearSession(ctx: Context): void;
  /** The current login flow's id, when its cookie is present and verifies. */
  flowId(ctx: Context): string | undefined;
  /** A fresh flow id, set as the flow cookie for FLOW_LIFETIME. */
  startFlow(ctx: Context): string;
  clearFlow(ctx: Context): void;
  /** The trusted-browser cookie (signed device id), when present. */
  device(ctx: Context): string | undefined;
  setDevice(ctx: Context, value: string, lifetimeMs: number): void;
  /** The language picked earlier with the page's switch, as sent (unchecked). */
  locale(ctx: Context): string | undefined;
  setLocale(ctx: Context, locale: string): void;
  /** The same cookies read from a raw Cookie header, for pages answered ahead of Koa. */
  jar(header: string | undefined): CookieJar;
  /** The flow id a flow cookie's value carries, when it verifies. */
  verifiedFlow(value: string | undefined): string | undefined;
  /** A fresh flow id and the Set-Cookie line that starts it. */
  newFlow(): { id: string; setCookie: string };
  /** The Set-Cookie line that remembers a picked language. */
  localeCookie(locale: string): string;
}

/** The gate's cookies in one request, as sent (unverified). */
export interface CookieJar {
  session: string | undefined;
  flow: string | undefined;
  device: string | undefined;
  locale: string | undefined;
}

/** How long a login flow lives: enough to identify, wait for a code and type it. */
export const FLOW_LIFETIME = 30 * 60_000;

/** A picked language is remembered for a year. */
const LANG_LIFETIME = 365 * 24 * 3_600_000;

export function createGateCookies(config: SessionConfig, signer: Signer, pathPrefix: string): GateCookies {
  const flowName = `${config.cookieName}_flow`;
  const langName = `${config.cookieName}_lang`;
  const deviceName = `${config.cookieName}_device`;
  const base = {
    httpOnly: true,
    secure: config.secure,
    sameSite: 'lax' as const,
    ...(config.domain ? { domain: config.domain } : {}),
  };
  // A request's steps read its cookies several times: the last header parsed is kept.
  let lastHeader = '';
  let lastJar: Record<string, string | undefined> = {};
  const parsed = (header: string | undefined) => {
    if (!header) return {};
    if (header !== lastHeader) [lastHeader, lastJar] = [header, parseCookie(header)];
    return lastJar;
  };
  const read = (ctx: Context, name: string) => parsed(ctx.get('cookie'))[name];
  const line = (name: string, value: string, path: string, maxAgeMs: number) =>
    stringifySetCookie(name, value, { ...base, path, maxAge: Math.floor(maxAgeMs / 1000) });
  /** One cookie's Set-Cookie lines: its attributes written (and checked) once, the value per line. */
  const setter = (name: string, path: string, maxAgeMs: number) => {
    const attributes = line(name, '', path, maxAgeMs).slice(name.length + 1);
    return (value: string) => `${name}=${encodeURIComponent(value)}${attributes}`;
  };
  const append = (ctx: Context, name: string, value: string, path: string, maxAgeMs: number) =>
    ctx.append('Set-Cookie', line(name, value, path, maxAgeMs));
  const sessionLine = setter(config.cookieName, '/', config.lifetime);
  const flowLine = setter(flowName, pathPrefix, FLOW_LIFETIME);
  // Path "/": the gate's pages also appear on the apps' paths (502/504, access denied).
  const localeCookie = setter(langName, '/', LANG_LIFETIME);
  // The lines that clear a cookie never change: written once.
  const clearSessionLine = line(config.cookieName, '', '/', 0);
  const clearFlowLine = line(flowName, '', pathPrefix, 0);
  const verifiedFlow = (value: string | undefined) =>
    value === undefined ? undefined : signer.unsign(FLOW_PURPOSE, value);
  const newFlow = () => {
    const id = randomId();
    return { id, setCookie: flowLine(signer.sign(FLOW_PURPOSE, id)) };
  };

  return {
    names: [config.cookieName, flowName, langName, deviceName],
    session: (ctx) => read(ctx, config.cookieName),
    setSession: (ctx, value) => ctx.append('Set-Cookie', sessionLine(value)),
    clearSession: (ctx) => ctx.append('Set-Cookie', clearSessionLine),
    flowId: (ctx) => verifiedFlow(read(ctx, flowName)),
    startFlow(ctx) {
      const { id, setCookie } = newFlow();
      ctx.append('Set-Cookie', setCookie);
      return id;
    },
    clearFlow: (ctx) => ctx.append('Set-Cookie', clearFlowLine),
    // Only the sign-in pages read it, so it never travels to the apps.
    device: (ctx) => read(ctx, deviceName),
    setDevice: (ctx, value, lifetimeMs) => append(ctx, deviceName, value, pathPrefix, lifetimeMs),
    locale: (ctx) => read(ctx, langName),
    setLocale: (ctx, locale) => ctx.append('Set-Cookie', localeCookie(locale)),
    jar(header) {
      const all = parsed(header);
      return { session: all[config.cookieName], flow: all[flowName], device: all[deviceName], locale: all[langName] };
    },
    verifiedFlow,
    newFlow,
    localeCookie,
  };
}
