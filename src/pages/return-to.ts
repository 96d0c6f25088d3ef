// Where the browser may be sent after login: a path on the current host, or an absolute http(s)
// URL on a host the gate fronts. Anything else, however encoded, becomes "/": no open redirect.
import type { AppMatcher } from '../http/app-matcher.js';
import { normaliseHost, normalisePath } from '../policy/normalise-path.js';

const MAX_LENGTH = 4096;
// Browsers silently drop tabs and newlines from URLs ("/\t/evil" becomes "//evil") and treat
// "\" like "/": any control character, space or backslash makes a target unusable.
const UNSAFE = /[\x00-\x20\x7f\\]/;

export function safeReturnTo(target: unknown, findApp: AppMatcher): string {
  if (typeof target !== 'string' || target.length === 0 || target.length > MAX_LENGTH || UNSAFE.test(target))
    return '/';
  if (target.startsWith('/')) {
    if (target.startsWith('//')) return '/';
    return normalisePath(target).ok ? target : '/';
  }
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return '/';
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password) return '/';
  const host = normaliseHost(url.host);
  const path = normalisePath(url.pathname + url.search);
  if (host === undefined || !path.ok || !findApp(host, path.path)) return '/';
  return url.href;
}
