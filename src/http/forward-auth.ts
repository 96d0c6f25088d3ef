// Forward-auth: a front proxy (nginx auth_request, Caddy forward_auth, Traefik ForwardAuth, Envoy
// ext_authz, HAProxy) asks whether the request it holds may pass. An adapter to admission: the
// original method, host and URI come from its own dialect's headers (front-proxy-dialects.ts),
// believed only from server.trusted_proxies. Whatever cannot be read is a deny (403), never a 200.
import type { IncomingMessage } from 'node:http';

import type { IdentityHeadersConfig } from '../config/types.js';
import type { GateMetrics } from '../ops/metrics.js';
import { encodePath } from '../policy/normalise-path.js';
import type { MaybePromise } from '../shared/maybe-promise.js';
import { andThen } from '../shared/maybe-promise.js';
import { canonicalPeer, socketPeer } from '../shared/net/unix-peer.js';
import type { Admission, Admit, ForwardVerdict } from './admission.js';
import type { UpstreamAssertion } from './assertions.js';
import { authenticateHeaders } from './authenticate-header.js';
import type { Verdict } from './authorize.js';
import { asHeaderValue } from './forward/upstream-headers.js';
import type { Dialect } from './front-proxy-dialects.js';
import { DIALECTS, readFrontProxy } from './front-proxy-dialects.js';
import type { GateState } from './gate-state.js';
import type { RequestContext } from './request-context.js';
import { chooseRequestId, REQUEST_ID_HEADER } from './request-id.js';

export type ForwardAuthAnswer = { requestId: string } &
  /** `identity`: the identity headers as name, value pairs in one flat list (written once, as they are). */
  (
    | { status: 200; identity: readonly string[]; verdict: Verdict; rc: RequestContext }
    | { status: 302; location: string; verdict: Verdict; rc: RequestContext }
    /** `bodyless`: a policy's answer to a proxy that reads the status alone (Dialect.relaysBody). */
    | {
        status: 401 | 403 | 503;
        error: string;
        message: string;
        verdict?: Verdict;
        rc?: RequestContext;
        location?: string;
        bodyless?: true;
        /** WWW-Authenticate lines other than the gate's own "OTP-Gate" (a token's Bearer, a rule's Basic). */
        authenticate?: readonly string[];
      }
  );

/**
 * Answers one front proxy's question; `dialect` undefined is the bare endpoint, which names the
 * others. At once when admission needs no store (a cookie verified moments ago: the hot path),
 * else a promise of the answer.
 */
export type ForwardAuth = (
  req: IncomingMessage,
  dialect: Dialect | undefined,
  tail: string,
) => MaybePromise<ForwardAuthAnswer>;

export interface ForwardAuthDeps {
  state: () => GateState;
  admit: Admit;
  metrics?: Pick<GateMetrics, 'decision'> | undefined;
}

export function createForwardAuth(deps: ForwardAuthDeps): ForwardAuth {
  /** A question admission never sees is still counted, as a request the gate could not read. */
  function refuse(message: string, requestId: string, rc?: RequestContext): ForwardAuthAnswer {
    deps.metrics?.decision('bad_request', 'forward_auth');
    return { status: 403, error: 'forbidden', message, requestId, ...(rc ? { rc } : {}) };
  }

  function answer(
    req: IncomingMessage,
    dialect: Dialect,
    origin: string,
    state: GateState,
    admission: Admission,
  ): ForwardAuthAnswer {
    const { requestId } = admission;
    const prefix = state.config.server.pathPrefix;
    switch (admission.kind) {
      case 'bad-request':
        // Counted by admission already.
        return {
          status: 403,
          error: 'forbidden',
          message: `cannot read the original request: ${admission.reason}`,
          requestId,
        };
      case 'gate-route':
        return refuse(
          `${prefix}/ must be routed to the gate itself, not through forward-auth`,
          requestId,
          admission.rc,
        );
      case 'unknown-host':
        return refuse(`no app is configured for host ${admission.rc.facts.host}`, requestId, admission.rc);
      case 'forward':
        return {
          status: 200,
          identity: identityHeaders(
            state.config.identityHeaders,
            admission.verdict,
            admission.rc.app && state.assertions.forApp(admission.rc.app, admission.verdict),
          ),
          verdict: admission.verdict,
          rc: admission.rc,
          requestId,
        };
    }
    const { rc, verdict } = admission;
    const bodyless = dialect.relaysBody ? {} : { bodyless: true as const };
    switch (verdict.kind) {
      case 'deny':
        return {
          status: 403,
          error: 'forbidden',
          message: verdict.user
            ? `${verdict.user} may not open this page`
            : 'this page is not available through the gate',
          verdict,
          rc,
          requestId,
          ...bodyless,
        };
      case 'token-refused':
        // Front proxies relay only 401 and 403 from an auth answer; a 429 becomes a 401 here.
        return {
          status: verdict.status === 403 ? 403 : 401,
          error: verdict.error,
          message: verdict.message,
          verdict,
          rc,
          requestId,
          authenticate: authenticateHeaders(verdict, rc.app?.name ?? 'otp-gate'),
        };
      case 'unavailable':
        return {
          status: 503,
          error: 'unavailable',
          message: 'sessions cannot be checked right now',
          verdict,
          rc,
          requestId,
        };
      case 'challenge': {
        const login = `${prefix}/login?rd=${encodeURIComponent(encodePath(rc.facts.path) + rc.query)}`;
        const navigation =
          (rc.facts.method === 'GET' || rc.facts.method === 'HEAD') && (req.headers.accept ?? '').includes('text/html');
        if (dialect.login === 'redirect' && navigation) return { status: 302, location: login, verdict, rc, requestId };
        // nginx and HAProxy can only pass a 401 on; their snippets turn this Location into the
        // redirect (error_page 401 → return 302 $otp_login). Admission validated the origin's host.
        const location = dialect.login === 'location-on-401' && navigation ? `${origin}${login}` : undefined;
        return {
          status: 401,
          error: 'unauthenticated',
          message: `sign in first: ${login}`,
          verdict,
          rc,
          requestId,
          ...bodyless,
          ...(location ? { location } : {}),
          ...(verdict.rule.basic ? { authenticate: authenticateHeaders(verdict, rc.app?.name ?? 'otp-gate') } : {}),
        };
      }
    }
  }

  return function forwardAuth(req, dialect, tail) {
    const state = deps.state();
    const peer = canonicalPeer(socketPeer(req.socket));
    const trusted = state.isTrusted(peer);
    if (!dialect)
      return refuse(
        `name the front proxy: ${Object.keys(DIALECTS)
          .map((d) => `${state.config.server.pathPrefix}/auth/${d}`)
          .join(', ')}`,
        idOf(req, trusted),
      );
    if (!trusted)
      return refuse(
        `the caller ${peer} is not in server.trusted_proxies, so its headers are not believed`,
        idOf(req, trusted),
      );
    const read = readFrontProxy(dialect, req, tail);
    if (!read.ok) return refuse(`cannot read the original request: ${read.reason}`, idOf(req, trusted));

    const { host, url, method, forwardedProto } = read.target;
    const admission = deps.admit({
      target: {
        host,
        url,
        method,
        forwardedProto,
        peer,
        forwardedFor: req.headers['x-forwarded-for'],
        encrypted: false,
      },
      cookie: req.headers.cookie,
      authorization: req.headers.authorization,
      requestId: req.headers[REQUEST_ID_HEADER],
      via: 'forward_auth',
    });
    return andThen(admission, (a) => answer(req, dialect, read.origin, state, a));
  };
}

const idOf = (req: IncomingMessage, peerTrusted: boolean) =>
  chooseRequestId(req.headers[REQUEST_ID_HEADER], peerTrusted);

function identityHeaders(
  config: IdentityHeadersConfig,
  verdict: ForwardVerdict,
  assertion: UpstreamAssertion | undefined,
): readonly string[] {
  const identity = assertion?.instead ? undefined : verdict.identity;
  // Present but empty for a bypass (or an app taking the assertion instead): Caddy 2.6's copy_headers
  // would otherwise hand the upstream its unreplaced placeholder text; nginx drops empty values.
  const headers = identity
    ? [config.user, identity.user, config.name, asHeaderValue(identity.name), config.groups, identity.groups.join(',')]
    : [config.user, '', config.name, '', config.groups, ''];
  return assertion ? [...headers, assertion.header, assertion.value ?? ''] : headers;
}
