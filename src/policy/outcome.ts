// What a decision means for one person: pass, challenge (sign in, or sign in again because the
// session is older than the rule allows) or deny (a deny rule, or a rule that does not admit
// them). The same order of questions as the gate's authorizer; pure, for policy-test and policy-diff.
import { admits } from './decide.js';
import { describedProof, shortfall, SHORTFALL_TEXT } from './proof.js';
import type { TokenBearer } from './token-admission.js';
import { TOKEN_SHORTFALL_TEXT, tokenShortfall } from './token-admission.js';
import type { Decision, Factor, Subject } from './types.js';

/** A visitor who sends a token instead of a cookie: `user` is the service token's name or the person's username. */
export type TokenVisit = Pick<TokenBearer, 'kind' | 'basic'>;

export type Outcome = 'pass' | 'challenge' | 'deny';

export interface Visitor extends Subject {
  /** How old the person's session is, ms; 0 for one just made. */
  sessionAgeMs: number;
  /** What the session proved; a one-time code when absent. */
  factors?: readonly Factor[];
  /** ms since the factors were proven; the session's age when absent. */
  provenAgeMs?: number;
  /** When a trusted browser stood in for the code: ms since it was trusted. */
  deviceAgeMs?: number;
  /** Present when the request carries a token rather than a session cookie. */
  token?: TokenVisit;
}

export interface OutcomeResult {
  outcome: Outcome;
  /** Why, in words: "session 2h old is past the rule's 1h", "not admitted". */
  reason: string;
}

/** `visitor` undefined is someone without a session. */
export function outcomeOf(decision: Decision, visitor: Visitor | undefined): OutcomeResult {
  if (decision.action === 'bypass') return { outcome: 'pass', reason: 'no sign-in needed' };
  if (decision.action === 'deny')
    return { outcome: 'deny', reason: decision.rule ? 'a deny rule' : 'no rule matched (default deny)' };
  const rule = decision.rule;
  if (visitor === undefined) return { outcome: 'challenge', reason: 'no session: asked for a code' };
  if (visitor.token) {
    // A token is never asked to sign in: it passes or is refused.
    const short = tokenShortfall(rule, { ...visitor.token, name: visitor.user, groups: visitor.groups });
    return short === undefined
      ? { outcome: 'pass', reason: 'token admitted' }
      : { outcome: 'deny', reason: TOKEN_SHORTFALL_TEXT[short] };
  }
  const short = shortfall(rule, describedProof(visitor));
  if (short !== undefined) return { outcome: 'challenge', reason: SHORTFALL_TEXT[short] };
  if (!admits(rule, visitor)) return { outcome: 'deny', reason: 'signed in but not admitted by the rule' };
  return { outcome: 'pass', reason: 'signed in and admitted' };
}
