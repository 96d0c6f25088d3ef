// Admission, written once: what the gate does with one request, from the facts the request gives
// about itself to an outcome. resolve → request id → gate route → unknown host → authorize →
// metric. The proxy, WebSocket upgrades, the Koa middleware and the forward-auth dialects are thin
// adapters that build a RequestTarget from what they hold and translate the outcome back out.
import type { DecisionVia, GateMetrics } from '../ops/metrics.js';
import type { MaybePromise } from '../shared/maybe-promise.js';
import { andThen } from '../shared/maybe-promise.js';
import { canonicalPeer } from '../shared/net/unix-peer.js';
import type { Authorize, Verdict } from './authorize.js';
import { tokenInQuery } from './credentials.js';
import type { GateState } from './gate-state.js';
import type { Handoff } from './handoff.js';
import type { RequestContext, RequestTarget } from './request-context.js';
import { resolveTarget } from './request-context.js';
import { chooseRequestId } from './request-id.js';
import { verdictLabel } from './verdict-label.js';
import { isPublicWebhook } from './webhook-host.js';

export type Admission = { requestId: string } & (
  | { kind: 'bad-request'; reason: string }
  /** One of the gate's own routes (login, code, webhooks …) on a host it serves. */
  | { kind: 'gate-route'; rc: RequestContext }
  | { kind: 'unknown-host'; rc: RequestContext }
  /** The gate answers instead of the app: a challenge, a denial, or sessions that cannot be checked. */
  | { kind: 'verdict'; rc: RequestContext; verdict: Exclude<Verdict, ForwardVerdict> }
  | { kind: 'forward'; rc: RequestContext; verdict: ForwardVerdict }
);

export const TOKEN_IN_QUERY =
  'an access token in the URL is refused: send it in an "Authorization: Bearer" header instead';

export type ForwardVerdict = Extract<Verdict, { kind: 'forward' }>;

export interface AdmissionInput {
  target: RequestTarget;
  cookie: string | undefined;
  /** The Authorization header: an access token (Bearer, or a Basic password) is the gate's to check. */
  authorization: string | undefined;
  /** The X-Request-Id the request came with: kept only from a trusted proxy. */
  requestId: string | string[] | undefined;
  via: DecisionVia;
}

/** An outcome at once when nothing needs the store (the signed-in hot path), else a promise of one. */
export type Admit = (input: AdmissionInput) => MaybePromise<Admission>;

export interface AdmissionDeps {
  state: () => GateState;
  authorize: Authorize;
  metrics?: Pick<GateMetrics, 'decision'> | undefined;
}

export function createAdmission(deps: AdmissionDeps): Admit {
  return function admit({ target, cookie, authorization, requestId: claimed, via }) {
    const state = deps.state();
    const resolved = resolveTarget(target, {
      findApp: state.findApp,
      isTrusted: state.isTrusted,
      pathPrefix: state.config.server.pathPrefix,
    });
    if (!resolved.ok) {
      const peerTrusted = state.isTrusted(canonicalPeer(target.peer));
      deps.metrics?.decision('bad_request', via);
      return { kind: 'bad-request', reason: resolved.reason, requestId: chooseRequestId(claimed, peerTrusted) };
    }
    const rc = resolved.rc;
    const requestId = chooseRequestId(claimed, rc.peerTrusted);
    if (rc.isGateRoute) {
      const known = rc.app !== undefined || isPublicWebhook(rc, state.config.server);
      return { kind: known ? 'gate-route' : 'unknown-host', rc, requestId };
    }
    if (!rc.app) return { kind: 'unknown-host', rc, requestId };
    // A token in a URL ends up in logs, histories and Referer headers: refused, never checked.
    if (tokenInQuery(rc.query)) {
      deps.metrics?.decision('bad_request', via);
      return { kind: 'bad-request', reason: TOKEN_IN_QUERY, requestId };
    }
    const answer = deps.authorize(rc, cookie, authorization);
    const judged = (verdict: Verdict): Admission => {
      deps.metrics?.decision(verdictLabel(verdict), via);
      return verdict.kind === 'forward'
        ? { kind: 'forward', rc, verdict, requestId }
        : { kind: 'verdict', rc, verdict, requestId };
    };
    return andThen(answer, judged);
  };
}

/** What the gate's pages need to answer an admission that does not go upstream. */
export function handoffFor(admission: Exclude<Admission, { kind: 'forward' }>): Handoff {
  switch (admission.kind) {
    case 'bad-request':
      return { outcome: { kind: 'bad-request', reason: admission.reason } };
    case 'gate-route':
      return { rc: admission.rc };
    case 'unknown-host':
      return { rc: admission.rc, outcome: { kind: 'unknown-host' } };
    case 'verdict':
      return { rc: admission.rc, outcome: { kind: 'verdict', verdict: admission.verdict } };
  }
}
