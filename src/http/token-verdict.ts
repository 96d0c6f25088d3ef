// The verdict for a request that brings an access token instead of a session cookie, under a
// challenge rule. A token is never sent to sign in: it passes, or is refused with 401 (no valid
// token), 403 (a valid token this app or rule does not take) or 429 (too many failed checks).
// Pure given the checked token: the store work (tokens.check) happens before.
import type { AppConfig } from '../config/types.js';
import type { User } from '../directory/types.js';
import type { TokenBearer } from '../policy/token-admission.js';
import { TOKEN_SHORTFALL_TEXT, tokenShortfall } from '../policy/token-admission.js';
import type { CompiledRule } from '../policy/types.js';
import type { AccessToken, TokenCheck } from '../session/tokens.js';
import type { Presented } from './credentials.js';
import type { Identity } from './forward/upstream-headers.js';

/** What metrics count a token decision as. */
export type TokenResult =
  'ok' | 'malformed' | 'unknown' | 'limited' | 'not_a_token' | 'wrong_app' | 'wrong_user' | 'removed' | 'refused';

export interface TokenRefusal {
  kind: 'token-refused';
  rule: CompiledRule;
  status: 401 | 403 | 429;
  /** RFC 6750 error codes: invalid_token, insufficient_scope; invalid_request for a non-token Basic password. */
  error: 'invalid_token' | 'insufficient_scope' | 'invalid_request' | 'too_many_failures';
  message: string;
  result: TokenResult;
  /** Whose token it was, when it was one (audit). */
  token?: AccessToken;
}

export interface TokenPass {
  kind: 'forward';
  rule: CompiledRule;
  identity: Identity;
  /** The token that let the request through: its Authorization header was the gate's, not the app's. */
  token: AccessToken;
}

export function tokenVerdict(
  rule: CompiledRule,
  app: AppConfig,
  presented: Presented,
  check: TokenCheck,
  findUser: (username: string) => User | undefined,
): TokenPass | TokenRefusal {
  const refuse = (
    status: TokenRefusal['status'],
    error: TokenRefusal['error'],
    result: TokenResult,
    message: string,
    token?: AccessToken,
  ): TokenRefusal => ({ kind: 'token-refused', rule, status, error, message, result, ...(token ? { token } : {}) });

  if (presented.text === undefined)
    return refuse(
      401,
      'invalid_request',
      'not_a_token',
      'the password must be a personal access token (made on the account page), never the account password',
    );
  if (!check.ok) {
    if (check.failure === 'limited')
      return refuse(
        429,
        'too_many_failures',
        'limited',
        'too many failed token checks from this address; try again later',
      );
    return refuse(401, 'invalid_token', check.failure, 'the token is not valid: unknown, expired or revoked');
  }
  const token = check.token;
  if (!token.apps.includes(app.name))
    return refuse(403, 'insufficient_scope', 'wrong_app', `this token does not open the app "${app.name}"`, token);
  // A personal token speaks for its person as the users file has them now: removed is gone.
  const person = token.kind === 'personal' ? findUser(token.user!) : undefined;
  if (token.kind === 'personal' && !person)
    return refuse(401, 'invalid_token', 'removed', 'the token is not valid: unknown, expired or revoked', token);
  const identity: Identity = person
    ? { user: person.username, name: person.name, groups: person.groups }
    : { user: token.name, name: token.name, groups: token.groups };
  if (presented.scheme === 'basic' && presented.username.toLowerCase() !== identity.user.toLowerCase())
    return refuse(401, 'invalid_token', 'wrong_user', 'the username is not the token owner', token);
  const bearer: TokenBearer = {
    kind: token.kind,
    name: identity.user,
    groups: identity.groups,
    basic: presented.scheme === 'basic',
  };
  const short = tokenShortfall(rule, bearer);
  if (short !== undefined) return refuse(403, 'insufficient_scope', 'refused', TOKEN_SHORTFALL_TEXT[short], token);
  return { kind: 'forward', rule, identity, token };
}
