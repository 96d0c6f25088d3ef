// Forward-auth: a front proxy (nginx auth_request, Caddy forward_auth, Traefik ForwardAuth) asks
// whether the request it holds may pass. The original method, host and URI come from its headers,
// believed only from server.trusted_proxies, and go through the same resolution, policy and
// session check as proxied requests. Whatever cannot be read is a deny (403), never a 200.
import type { IncomingMessage } from 'node:http';
import type { IdentityHeadersConfig } from '../config/types.js';
import { canonicalAddress } from '../net/cidr.js';
import { encodePath } from '../policy/normalise-path.js';
import type { Authorize, Verdict } from './authorize.js';
import type { GateState } from './gate-state.js';
import type { RequestContext, RequestTarget } from './request-context.js';
import { resolveTarget } from './request-context.js';

/** nginx sends X-Original-URL and can only act on 2xx/401/403; the others relay a redirect. */
export type FrontProxyStyle = 'original-url' | 'forwarded';

export type ForwardAuthAnswer =
  | { status: 200; headers: Record<string, string>; verdict: Verdict; rc: RequestContext }
  | { status: 302; location: string; verdict: Verdict; rc: RequestContext }
  | { status: 401 | 403 | 503; error: string; message: string; verdict?: Verdict; rc?: RequestContext; location?: string };

const TOKEN_METHOD = /^[A-Za-z]{1,16}$/;

/** The original request as the front proxy describes it, or why it cannot be read. */
export function readFrontProxyHeaders(req: IncomingMessage):
  | { ok: true; style: FrontProxyStyle; origin: string; target: Omit<RequestTarget, 'peer' | 'forwardedFor' | 'encrypted'> }
  | { ok: false; reason: string } {
  const one = (name: string): string | undefined | null => {
    let count = 0;
    for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]!.toLowerCase() === name) count++;
    if (count > 1) return null;
    const v = req.headers[name];
    return typeof v === 'string' ? v : undefined;
  };
  const originalUrl = one('x-original-url');
  if (originalUrl === null) return { ok: false, reason: 'repeated X-Original-URL' };
  if (originalUrl !== undefined) {
    const method = one('x-original-method');
    if (!method || !TOKEN_METHOD.test(method)) return { ok: false, reason: 'X-Original-URL without a readable X-Original-Method' };
    const m = /^(https?):\/\/([^/?#\s]+)([/?][^\s#]*)?$/i.exec(originalUrl);
    if (!m) return { ok: false, reason: 'X-Original-URL is not an absolute http(s) URL' };
    const path = m[3] ?? '/';
    const proto = m[1]!.toLowerCase();
    return { ok: true, style: 'original-url', origin: `${proto}://${m[2]!}`, target: { host: m[2]!, url: path.startsWith('/') ? path : `/${path}`, method, forwardedProto: proto } };
  }
  const [method, proto, host, uri] = ['x-forwarded-method', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-uri'].map(one);
  if (method === null || proto === null || host === null || uri === null) return { ok: false, reason: 'repeated X-Forwarded-* header' };
  if (!method || !TOKEN_METHOD.test(method)) return { ok: false, reason: 'missing or unreadable X-Forwarded-Method' };
  if (proto !== 'http' && proto !== 'https') return { ok: false, reason: 'X-Forwarded-Proto must be http or https' };
  if (!host) return { ok: false, reason: 'missing X-Forwarded-Host' };
  if (!uri || !uri.startsWith('/')) return { ok: false, reason: 'missing X-Forwarded-Uri, or not starting with "/"' };
  return { ok: true, style: 'forwarded', origin: `${proto}://${host}`, target: { host, url: uri, method, forwardedProto: proto } };
}

export interface ForwardAuthDeps {
  state: () => GateState;
  authorize: Authorize;
}

export function createForwardAuth(deps: ForwardAuthDeps): (req: IncomingMessage) => Promise<ForwardAuthAnswer> {
  const deny = (message: string, extra: { verdict?: Verdict; rc?: RequestContext } = {}): ForwardAuthAnswer => ({ status: 403, error: 'forbidden', message, ...extra });

  return async function forwardAuth(req) {
    const state = deps.state();
    const peer = canonicalAddress(req.socket.remoteAddress ?? '') ?? '0.0.0.0';
    if (!state.isTrusted(peer)) return deny(`the caller ${peer} is not in server.trusted_proxies, so its headers are not believed`);
    const read = readFrontProxyHeaders(req);
    if (!read.ok) return deny(`cannot read the original request: ${read.reason}`);
    const resolved = resolveTarget(
      { ...read.target, peer, forwardedFor: req.headers['x-forwarded-for'], encrypted: false },
      { findApp: state.findApp, isTrusted: state.isTrusted, pathPrefix: state.config.server.pathPrefix },
    );
    if (!resolved.ok) return deny(`cannot read the original request: ${resolved.reason}`);
    const rc = resolved.rc;
    if (rc.isGateRoute) return deny(`${state.config.server.pathPrefix}/ must be routed to the gate itself, not through forward-auth`, { rc });
    if (!rc.app) return deny(`no app is configured for host ${rc.facts.host}`, { rc });

    const verdict = await deps.authorize(rc, req.headers.cookie);
    switch (verdict.kind) {
      case 'forward':
        return { status: 200, headers: identityHeaders(state.config.identityHeaders, verdict), verdict, rc };
      case 'deny':
        return deny(verdict.user ? `${verdict.user} may not open this page` : 'this page is not available through the gate', { verdict, rc });
      case 'unavailable':
        return { status: 503, error: 'unavailable', message: 'sessions cannot be checked right now', verdict, rc };
      case 'challenge': {
        const login = `${state.config.server.pathPrefix}/login?rd=${encodeURIComponent(encodePath(rc.facts.path) + rc.query)}`;
        const navigation = (rc.facts.method === 'GET' || rc.facts.method === 'HEAD') && (req.headers.accept ?? '').includes('text/html');
        if (read.style === 'forwarded' && navigation) return { status: 302, location: login, verdict, rc };
        // nginx can only pass a 401 on; its snippet turns this Location into the redirect
        // (error_page 401 =302 $otp_login). The origin was validated by resolveTarget above.
        const location = read.style === 'original-url' && navigation ? `${read.origin}${login}` : undefined;
        return { status: 401, error: 'unauthenticated', message: `sign in first: ${login}`, verdict, rc, ...(location ? { location } : {}) };
      }
    }
  };
}

function identityHeaders(config: IdentityHeadersConfig, verdict: Extract<Verdict, { kind: 'forward' }>): Record<string, string> {
  const identity = verdict.identity;
  // Present but empty for a bypass: Caddy 2.6's copy_headers would otherwise hand the upstream
  // its unreplaced placeholder text; nginx drops empty values, so nothing reaches the app there.
  if (!identity) return { [config.user]: '', [config.name]: '', [config.groups]: '' };
  const name = /^[\x20-\x7e]*$/.test(identity.name) ? identity.name : encodeURIComponent(identity.name);
  return { [config.user]: identity.user, [config.name]: name, [config.groups]: identity.groups.join(',') };
}
