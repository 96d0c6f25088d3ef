// Forward-auth: a front proxy (nginx auth_request, Caddy forward_auth, Traefik ForwardAuth, Envoy
// ext_authz, HAProxy) asks whether the request it holds may pass. The original method, host and
// URI come from its own dialect's headers (front-proxy-dialects.ts), believed only from
// server.trusted_proxies, and go through the same resolution, policy and session check as
// proxied requests. Whatever cannot be read is a deny (403), never a 200.
import type { IncomingMessage } from 'node:http';
import type { IdentityHeadersConfig } from '../config/types.js';
import { canonicalAddress } from '../net/cidr.js';
import { encodePath } from '../policy/normalise-path.js';
import type { Authorize, Verdict } from './authorize.js';
import type { Dialect } from './front-proxy-dialects.js';
import { DIALECTS, readFrontProxy } from './front-proxy-dialects.js';
import type { GateState } from './gate-state.js';
import type { RequestContext } from './request-context.js';
import { resolveTarget } from './request-context.js';

export type ForwardAuthAnswer =
  | { status: 200; headers: Record<string, string>; verdict: Verdict; rc: RequestContext }
  | { status: 302; location: string; verdict: Verdict; rc: RequestContext }
  | { status: 401 | 403 | 503; error: string; message: string; verdict?: Verdict; rc?: RequestContext; location?: string };

/** Answers one front proxy's question; `dialect` undefined is the bare endpoint, which names the others. */
export type ForwardAuth = (req: IncomingMessage, dialect: Dialect | undefined, tail: string) => Promise<ForwardAuthAnswer>;

export interface ForwardAuthDeps {
  state: () => GateState;
  authorize: Authorize;
}

export function createForwardAuth(deps: ForwardAuthDeps): ForwardAuth {
  const deny = (message: string, extra: { verdict?: Verdict; rc?: RequestContext } = {}): ForwardAuthAnswer => ({ status: 403, error: 'forbidden', message, ...extra });

  return async function forwardAuth(req, dialect, tail) {
    const state = deps.state();
    const prefix = state.config.server.pathPrefix;
    if (!dialect) return deny(`name the front proxy: ${Object.keys(DIALECTS).map((d) => `${prefix}/auth/${d}`).join(', ')}`);
    const peer = canonicalAddress(req.socket.remoteAddress ?? '') ?? '0.0.0.0';
    if (!state.isTrusted(peer)) return deny(`the caller ${peer} is not in server.trusted_proxies, so its headers are not believed`);
    const read = readFrontProxy(dialect, req, tail);
    if (!read.ok) return deny(`cannot read the original request: ${read.reason}`);
    const resolved = resolveTarget(
      { ...read.target, peer, forwardedFor: req.headers['x-forwarded-for'], encrypted: false },
      { findApp: state.findApp, isTrusted: state.isTrusted, pathPrefix: prefix },
    );
    if (!resolved.ok) return deny(`cannot read the original request: ${resolved.reason}`);
    const rc = resolved.rc;
    if (rc.isGateRoute) return deny(`${prefix}/ must be routed to the gate itself, not through forward-auth`, { rc });
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
        const login = `${prefix}/login?rd=${encodeURIComponent(encodePath(rc.facts.path) + rc.query)}`;
        const navigation = (rc.facts.method === 'GET' || rc.facts.method === 'HEAD') && (req.headers.accept ?? '').includes('text/html');
        if (dialect.login === 'redirect' && navigation) return { status: 302, location: login, verdict, rc };
        // nginx and HAProxy can only pass a 401 on; their snippets turn this Location into the
        // redirect (error_page 401 → return 302 $otp_login). resolveTarget above validated the origin.
        const location = dialect.login === 'location-on-401' && navigation ? `${read.origin}${login}` : undefined;
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
