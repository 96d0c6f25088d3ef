// Whether a challenge rule lets a request carrying an access token through. Pure, shared by the
// gate's authorizer and the policy tools (explain, policy-test), so both say the same.
// A token is never asked to sign in: it passes, or it is refused (401/403).
import { admits } from './decide.js';
import type { CompiledRule } from './types.js';

/** Who a token speaks for, as rules see it. */
export interface TokenBearer {
  /** service: made by an admin, rules name it; personal: a person's own, carrying who they are. */
  kind: 'service' | 'personal';
  /** service: the token's name; personal: the person's username. */
  name: string;
  /** service: the token's groups; personal: the person's groups in the users file now. */
  groups: readonly string[];
  /** Sent as a Basic password rather than "Authorization: Bearer". */
  basic: boolean;
}

/** Why a rule does not take this token. */
export type TokenShortfall = 'basic' | 'step-up' | 'password' | 'not-admitted';

export function tokenShortfall(rule: CompiledRule, bearer: TokenBearer): TokenShortfall | undefined {
  if (bearer.basic && !rule.basic) return 'basic';
  // A token proves possession of a secret made earlier, not a sign-in just now or a password.
  if (rule.maxSessionAge !== undefined) return 'step-up';
  if (rule.factors.includes('password')) return 'password';
  return admitsToken(rule, bearer) ? undefined : 'not-admitted';
}

/**
 * A personal token is admitted as its person is. A service token only where the rule names it
 * in `tokens:` or lists one of its groups: a rule admitting "any known user" admits no service token.
 */
function admitsToken(rule: CompiledRule, bearer: TokenBearer): boolean {
  if (bearer.kind === 'personal') return admits(rule, { user: bearer.name, groups: bearer.groups });
  if (rule.tokens?.has(bearer.name)) return true;
  return rule.groups !== undefined && bearer.groups.some((g) => rule.groups!.has(g));
}

/** In words, for explain, policy-test and the JSON body of a 403. */
export const TOKEN_SHORTFALL_TEXT: Record<TokenShortfall, string> = {
  basic: 'this rule does not accept Basic credentials (it has no "basic: true"); send the token as a Bearer token',
  'step-up': 'this rule asks for a recent sign-in (max_session_age), which a token cannot give',
  password: 'this rule asks for a password, which a token does not prove',
  'not-admitted': 'the rule does not admit this token',
};

/** "service token \"monitor\" (groups [readers])" or "personal token of alice (groups [staff])". */
export function describeBearer(bearer: TokenBearer): string {
  const who =
    bearer.kind === 'service' ? `service token ${JSON.stringify(bearer.name)}` : `personal token of ${bearer.name}`;
  return `${who} (groups [${bearer.groups.join(', ')}]) sent as ${bearer.basic ? 'Basic' : 'Bearer'}`;
}
