// The WWW-Authenticate challenges of a 401 or 403 (RFC 9110 §11.6.1, RFC 6750 §3, RFC 7617), one
// header line each, shared by the gate's pages and forward-auth so both answer alike. A rule that
// takes Basic says so on its 401, so git, curl and WebDAV clients ask for a username and token.
import type { Verdict } from './authorize.js';

/** The challenges for a refusal; empty when none applies (a 429). */
export function authenticateHeaders(verdict: Verdict, realm: string): string[] {
  const quoted = `realm="${realm.replace(/["\\]/g, '')}"`;
  const basic = `Basic ${quoted}, charset="UTF-8"`;
  switch (verdict.kind) {
    case 'challenge':
      return verdict.rule.basic ? ['OTP-Gate', basic] : ['OTP-Gate'];
    case 'token-refused': {
      if (verdict.status === 429) return [];
      const description = verdict.message.replace(/["\\]/g, '');
      const bearer = `Bearer ${quoted}, error="${verdict.error === 'insufficient_scope' ? 'insufficient_scope' : 'invalid_token'}", error_description="${description}"`;
      return verdict.status === 401 && verdict.rule.basic ? [bearer, basic] : [bearer];
    }
    default:
      return [];
  }
}
