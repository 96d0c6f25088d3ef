// What an Authorization header says to the gate. A Bearer token, or a Basic password, that is one
// of ours (token-format.ts) is the gate's to check; anything else belongs to the app behind it
// and passes by untouched (an app's own Basic login, its own API keys).
import { mentionsToken, TOKEN_PREFIX } from '../session/token-format.js';

export type Presented =
  | { scheme: 'bearer'; text: string }
  /** `text` undefined: Basic credentials whose password is not a token (an account password, or the app's). */
  | { scheme: 'basic'; username: string; text: string | undefined };

const BEARER = /^bearer +/i;
const BASIC = /^basic +/i;

/** The credentials in an Authorization header, when they are a token or Basic; else undefined. */
export function presentedCredentials(header: string | undefined): Presented | undefined {
  if (header === undefined || header.length < 7) return undefined;
  // Bearer first: the hot path of scripts, and a plain prefix test before any regex.
  if (header.startsWith('Bearer ') && header.startsWith(TOKEN_PREFIX, 7))
    return { scheme: 'bearer', text: header.slice(7).trim() };
  if (BEARER.test(header)) {
    const text = header.replace(BEARER, '').trim();
    return text.startsWith(TOKEN_PREFIX) ? { scheme: 'bearer', text } : undefined;
  }
  if (!BASIC.test(header)) return undefined;
  const decoded = Buffer.from(header.replace(BASIC, '').trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const password = decoded.slice(colon + 1);
  return {
    scheme: 'basic',
    username: decoded.slice(0, colon),
    text: password.startsWith(TOKEN_PREFIX) ? password : undefined,
  };
}

/** Whether a query string carries a token of ours, as written or percent-encoded (RFC 6750 §2.3 `access_token=` and any other name). */
export function tokenInQuery(query: string): boolean {
  if (query.length === 0) return false;
  if (mentionsToken(query)) return true;
  if (!query.includes('%')) return false;
  try {
    return mentionsToken(decodeURIComponent(query));
  } catch {
    return false;
  }
}
