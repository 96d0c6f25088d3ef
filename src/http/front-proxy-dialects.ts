// How each front proxy describes the request it holds, one endpoint per proxy
// (/_gate/auth/nginx, /caddy, /traefik, /envoy, /haproxy). A dialect reads only headers its proxy
// sets itself on every auth request, replacing whatever a client sent, and refuses the headers
// the other dialects read: present here, a client put them there and the proxy passed them on.
// Picking "whichever header is present" let a client's X-Original-URL through Caddy decide for
// a request to a denied path (issue 16).
import type { IncomingMessage } from 'node:http';

import type { RequestTarget } from './request-context.js';

export type DialectName = 'nginx' | 'caddy' | 'traefik' | 'envoy' | 'haproxy';

export type FrontTarget = Pick<RequestTarget, 'host' | 'url' | 'method' | 'forwardedProto'>;

/** The original request, and the scheme://host a 401's Location is built on. */
export type DialectRead = { ok: true; origin: string; target: FrontTarget } | { ok: false; reason: string };

export interface Dialect {
  name: DialectName;
  /** Headers another dialect reads: refused (403), never preferred. */
  refuses: readonly string[];
  /**
   * How "sign in first" travels: 'redirect' proxies relay a 302 as it is; 'location-on-401' ones act
   * only on 2xx/401/403, so the gate answers 401 with an absolute Location the snippet redirects to.
   */
  login: 'redirect' | 'location-on-401';
  /**
   * Whether the proxy hands a refusal's body on to the client. nginx and HAProxy act on the status
   * alone, and nginx closes a kept-alive connection whose body it did not read: they get none.
   */
  relaysBody: boolean;
  /**
   * Reads only headers the proxy sets on every auth request. `tail` is what follows the
   * endpoint's path (Envoy appends the original path there).
   */
  read(req: IncomingMessage, tail: string): DialectRead;
}

/** Set with proxy_set_header (nginx) or http-request set-header (HAProxy). */
const ORIGINAL = ['x-original-url', 'x-original-method'] as const;
/**
 * Set by Caddy's forward_auth and Traefik's ForwardAuth. X-Forwarded-Proto is read by them but not
 * refused elsewhere: load balancers in front of nginx or Envoy set it, and there it decides nothing.
 */
const FORWARDED_TARGET = ['x-forwarded-method', 'x-forwarded-host', 'x-forwarded-uri'] as const;

const TOKEN_METHOD = /^[A-Za-z]{1,16}$/;

/** The one value of a header; null when repeated (a client's copy beside the proxy's). */
function single(req: IncomingMessage, name: string): string | undefined | null {
  let count = 0;
  // The length first: lower-casing every header name for every header asked for allocates each time.
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const raw = req.rawHeaders[i]!;
    if (raw.length === name.length && raw.toLowerCase() === name) count++;
  }
  if (count > 1) return null;
  const v = req.headers[name];
  return typeof v === 'string' ? v : undefined;
}

function readOriginalUrl(req: IncomingMessage): DialectRead {
  const [url, method] = ORIGINAL.map((h) => single(req, h));
  if (url === null || method === null) return { ok: false, reason: 'repeated X-Original-URL or X-Original-Method' };
  if (!method || !TOKEN_METHOD.test(method)) return { ok: false, reason: 'missing or unreadable X-Original-Method' };
  const m = /^(https?):\/\/([^/?#\s]+)([/?][^\s#]*)?$/i.exec(url ?? '');
  if (!m) return { ok: false, reason: 'X-Original-URL is missing or not an absolute http(s) URL' };
  const path = m[3] ?? '/';
  const proto = m[1]!.toLowerCase();
  return {
    ok: true,
    origin: `${proto}://${m[2]!}`,
    target: { host: m[2]!, url: path.startsWith('/') ? path : `/${path}`, method, forwardedProto: proto },
  };
}

function readForwarded(req: IncomingMessage): DialectRead {
  const [method, host, uri, proto] = [...FORWARDED_TARGET, 'x-forwarded-proto'].map((h) => single(req, h));
  if (method === null || proto === null || host === null || uri === null)
    return { ok: false, reason: 'repeated X-Forwarded-* header' };
  if (!method || !TOKEN_METHOD.test(method)) return { ok: false, reason: 'missing or unreadable X-Forwarded-Method' };
  if (proto !== 'http' && proto !== 'https') return { ok: false, reason: 'X-Forwarded-Proto must be http or https' };
  if (!host) return { ok: false, reason: 'missing X-Forwarded-Host' };
  if (!uri || !uri.startsWith('/')) return { ok: false, reason: 'missing X-Forwarded-Uri, or not starting with "/"' };
  return { ok: true, origin: `${proto}://${host}`, target: { host, url: uri, method, forwardedProto: proto } };
}

/** Envoy's ext_authz HTTP service: original method, Host (:authority), path appended to ours. */
function readEnvoy(req: IncomingMessage, tail: string): DialectRead {
  const host = single(req, 'host');
  if (!host) return { ok: false, reason: 'missing or repeated Host' };
  if (!tail.startsWith('/'))
    return { ok: false, reason: 'no original path after the endpoint (http_service.path_prefix)' };
  const method = req.method ?? '';
  if (!TOKEN_METHOD.test(method)) return { ok: false, reason: 'unreadable method' };
  return { ok: true, origin: `http://${host}`, target: { host, url: tail, method, forwardedProto: undefined } };
}

const originalUrlDialect = (name: DialectName): Dialect => ({
  name,
  refuses: FORWARDED_TARGET,
  login: 'location-on-401',
  relaysBody: false,
  read: readOriginalUrl,
});
const forwardedDialect = (name: DialectName): Dialect => ({
  name,
  refuses: ORIGINAL,
  login: 'redirect',
  relaysBody: true,
  read: readForwarded,
});

export const DIALECTS: Readonly<Record<DialectName, Dialect>> = {
  nginx: originalUrlDialect('nginx'),
  caddy: forwardedDialect('caddy'),
  traefik: forwardedDialect('traefik'),
  envoy: {
    name: 'envoy',
    refuses: [...ORIGINAL, ...FORWARDED_TARGET],
    login: 'redirect',
    relaysBody: true,
    read: readEnvoy,
  },
  haproxy: originalUrlDialect('haproxy'),
};

/** Reads the original request in the dialect's own headers, refusing any other dialect's. */
export function readFrontProxy(dialect: Dialect, req: IncomingMessage, tail: string): DialectRead {
  const foreign = dialect.refuses.find((h) => req.headers[h] !== undefined);
  if (foreign)
    return {
      ok: false,
      reason: `${foreign} is not a ${dialect.name} header (a client added it, or the proxy uses another endpoint)`,
    };
  return dialect.read(req, tail);
}
