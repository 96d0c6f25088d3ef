// The gate's verdict for a request to a protected app, shared by plain requests and WebSocket
// upgrades: policy first, then the session. Any failure to verify a session is a refusal.
import { parseCookie } from 'cookie';

import { admits, decide } from '../policy/decide.js';
import type { ProofFacts } from '../policy/proof.js';
import { shortfall } from '../policy/proof.js';
import type { CompiledRule, Subject } from '../policy/types.js';
import type { Session, Sessions } from '../session/sessions.js';
import type { AccessToken, TokenCheck, Tokens } from '../session/tokens.js';
import type { Clock } from '../shared/clock.js';
import type { Presented } from './credentials.js';
import { presentedCredentials } from './credentials.js';
import type { Identity } from './forward/upstream-headers.js';
import type { GateState } from './gate-state.js';
import type { RequestContext } from './request-context.js';
import type { TokenRefusal } from './token-verdict.js';
import { tokenVerdict } from './token-verdict.js';

export type Verdict =
  /**
   * `session`: the one that proved the identity (absent for a bypass), for the app's assertion;
   * `token`: the access token that let it through (its Authorization header was the gate's).
   */
  | { kind: 'forward'; rule: CompiledRule; identity: Identity | undefined; session?: Session; token?: AccessToken }
  | { kind: 'deny'; rule: CompiledRule | undefined; user?: string }
  | { kind: 'challenge'; rule: CompiledRule }
  | TokenRefusal
  | { kind: 'unavailable'; error: unknown };

/** Told of each token decision: counted always, audited when the store was asked (`checked`). */
export type TokenObserver = (rc: RequestContext, verdict: Verdict, checked: boolean) => void;

/**
 * A verdict at once when nothing needs the store (policy alone decides, or the session was
 * verified moments ago: the hot path), else a promise of one. `await` takes either.
 */
export type Authorize = (
  rc: RequestContext,
  cookieHeader: string | undefined,
  authorization?: string | undefined,
) => Verdict | Promise<Verdict>;

export function createAuthorizer(deps: {
  state: () => GateState;
  sessions: Sessions;
  clock: Clock;
  tokens?: Tokens | undefined;
  onToken?: TokenObserver | undefined;
}): Authorize {
  /** A token, not a cookie, decides: at once when this instance checked it moments ago, else after the store. */
  function byToken(state: GateState, rule: CompiledRule, rc: RequestContext, presented: Presented) {
    const judge = (check: TokenCheck, checked: boolean): Verdict => {
      const verdict = tokenVerdict(rule, rc.app!, presented, check, state.directory.find);
      deps.onToken?.(rc, verdict, checked);
      return verdict;
    };
    const hit = presented.text === undefined ? undefined : deps.tokens?.cached(presented.text);
    if (hit !== undefined || presented.text === undefined || deps.tokens === undefined)
      return judge(hit ? { ok: true, token: hit } : { ok: false, failure: 'unknown' }, false);
    return deps.tokens.check(presented.text, rc.facts.ip).then(
      (check) => judge(check, true),
      (error: unknown): Verdict => ({ kind: 'unavailable', error }),
    );
  }

  function judge(state: GateState, rule: CompiledRule, session: Session | undefined): Verdict {
    const subject = session && subjectOf(state, session);
    if (!session || !subject) return { kind: 'challenge', rule };
    if (shortfall(rule, proofFacts(session, deps.clock.now())) !== undefined) return { kind: 'challenge', rule };
    if (!admits(rule, subject)) return { kind: 'deny', rule, user: subject.user };
    return {
      kind: 'forward',
      rule,
      identity: { user: subject.user, name: subject.name, groups: subject.groups },
      session,
    };
  }

  return (rc, cookieHeader, authorization) => {
    const state = deps.state();
    const decision = decide(state.policy, rc.facts);
    if (decision.action === 'bypass') return { kind: 'forward', rule: decision.rule, identity: undefined };
    if (decision.action === 'deny') return { kind: 'deny', rule: decision.rule };
    const rule = decision.rule;
    const presented = presentedCredentials(authorization);
    // Basic credentials with no token for a password are the app's, except where the rule takes Basic.
    if (presented !== undefined && (presented.text !== undefined || rule.basic))
      return byToken(state, rule, rc, presented);
    const cookie = sessionCookie(cookieHeader, state.config.session.cookieName);
    const cached = deps.sessions.cached(cookie);
    if (cached !== undefined) return judge(state, rule, cached);
    return deps.sessions.resolve(cookie).then(
      (session) => judge(state, rule, session),
      (error: unknown): Verdict => ({ kind: 'unavailable', error }),
    );
  };
}

/**
 * Who a session is now. The directory is the source of truth for who exists: a removed user's
 * session ends, and an enrolled person's number promoted to the users file is that user from then
 * on. Otherwise an enrolled person is who their session says (removing them revokes it).
 */
function subjectOf(state: GateState, session: Session): (Subject & { name: string }) | undefined {
  const user = state.directory.find(session.user);
  if (user) return { user: user.username, name: user.name, groups: user.groups };
  const { enrolled } = session;
  return enrolled && { user: session.user, name: enrolled.name, groups: enrolled.groups, enrolled: true };
}

export function sessionCookie(cookieHeader: string | undefined, name: string): string | undefined {
  if (!cookieHeader || !cookieHeader.includes(name)) return undefined;
  return parseCookie(cookieHeader)[name];
}

export function proofFacts(session: Session, now: number): ProofFacts {
  const { proof } = session;
  return {
    sessionAgeMs: now - session.createdAt,
    provenAgeMs: now - proof.at,
    factors: proof.factors,
    deviceAgeMs: proof.deviceTrustedAt === undefined ? undefined : now - proof.deviceTrustedAt,
  };
}
