// Request targets and Host headers turned into the one form rules match on, and the path
// re-encoded for the upstream so that it sees exactly what the rules saw. Anything that could be
// read two ways (double encoding, "..;", backslashes, control characters) is refused instead.
import { parseIPv6 } from '../shared/net/ip-networks.js';

export type NormalisedPath = { ok: true; path: string; query: string } | { ok: false; reason: string };

const MAX_PATH = 8192;
// A percent-encoded path is at most three times as long as what it decodes to.
const MAX_RAW_PATH = MAX_PATH * 3;

// Raw targets must be ASCII: Node hands non-ASCII bytes over as latin1, which would decode to
// something other than what a UTF-8 upstream reads.
const RAW_UNSAFE = /[^\x21-\x7e]/;
// After one decode: control characters confuse logs and upstream parsers; a backslash is a
// separator to some servers (IIS, Tomcat on Windows) and not to our rules.
const DECODED_UNSAFE = /[\x00-\x1f\x7f\\]/;
// Still encoded after one decode: "%252e%252e" means ".." to a server that decodes twice.
const STILL_ENCODED = /%[0-9a-fA-F]{2}/;

/**
 * Splits req.url into its path (decoded once, dot segments resolved, duplicate slashes
 * collapsed) and its raw query ("?a=1", or "" when there is none).
 */
export function normalisePath(rawTarget: string): NormalisedPath {
  const hash = rawTarget.indexOf('#');
  const target = hash === -1 ? rawTarget : rawTarget.slice(0, hash);
  const q = target.indexOf('?');
  const rawPath = q === -1 ? target : target.slice(0, q);
  const query = q === -1 || q === target.length - 1 ? '' : target.slice(q);

  if (!rawPath.startsWith('/')) return refuse('path does not start with "/"');
  if (rawPath.length > MAX_RAW_PATH) return refuse('path is too long');
  if (RAW_UNSAFE.test(rawPath)) return refuse('path has characters that must be percent-encoded');

  let decoded: string;
  try {
    decoded = rawPath.includes('%') ? decodeURIComponent(rawPath) : rawPath;
  } catch {
    return refuse('path has a malformed percent-encoding or invalid UTF-8');
  }
  if (decoded.length > MAX_PATH) return refuse('path is too long');
  if (DECODED_UNSAFE.test(decoded)) return refuse('path has a control character or backslash');
  if (STILL_ENCODED.test(decoded)) return refuse('path is percent-encoded twice');

  const resolved = resolveSegments(decoded);
  if (resolved === undefined) return refuse('path has a dot segment with parameters ("..;")');
  return { ok: true, path: resolved, query };
}

function refuse(reason: string): NormalisedPath {
  return { ok: false, reason };
}

/** RFC 3986 remove_dot_segments plus slash collapsing; undefined for "..;x"-style segments. */
function resolveSegments(decoded: string): string | undefined {
  // Fast path: nothing to resolve in the common case.
  if (!decoded.includes('//') && !decoded.includes('/.')) return decoded;
  const out: string[] = [];
  let trailing = false;
  let start = 1;
  while (start <= decoded.length) {
    let end = decoded.indexOf('/', start);
    if (end === -1) end = decoded.length;
    const segment = decoded.slice(start, end);
    trailing = end < decoded.length || segment === '' || segment === '.' || segment === '..';
    if (segment === '..') out.pop();
    else if (segment !== '.' && segment !== '') {
      // Tomcat and Jetty drop ";params" before resolving, so "..;x" climbs a directory there.
      if (isDotWithParams(segment)) return undefined;
      out.push(segment);
    }
    start = end + 1;
  }
  if (out.length === 0) return '/';
  return `/${out.join('/')}${trailing ? '/' : ''}`;
}

function isDotWithParams(segment: string): boolean {
  const semi = segment.indexOf(';');
  if (semi === -1) return false;
  const head = segment.slice(0, semi);
  return head === '.' || head === '..';
}

// Sub-delims and ":" "@" are legal in a path segment (RFC 3986 pchar) and mean themselves to every
// upstream; encodeURIComponent escapes some of them, which is harmless but noisy in upstream logs.
const PCHAR_KEEP: Readonly<Record<string, string>> = {
  '%2F': '/',
  '%3A': ':',
  '%40': '@',
  '%24': '$',
  '%26': '&',
  '%2B': '+',
  '%2C': ',',
  '%3B': ';',
  '%3D': '=',
};
const KEEP_ESCAPES = /%(?:2F|3A|40|24|26|2B|2C|3B|3D)/g;
const NOTHING_TO_ENCODE = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/]*$/;

/**
 * Re-encodes a normalised path for the upstream: each segment percent-encoded, "/" kept as the
 * separator. normalisePath(encodePath(p)).path === p for every normalised p.
 */
export function encodePath(path: string): string {
  if (NOTHING_TO_ENCODE.test(path)) return path;
  // A normalised path has no "/" inside a segment, so every encoded "/" was a separator.
  return encodeURIComponent(path).replace(KEEP_ESCAPES, (escape) => PCHAR_KEEP[escape]!);
}

const HOSTNAME = /^[a-z0-9.-]+$/;
const PORT = /^\d{0,5}$/;
const hostScratch = new Uint16Array(8);

/**
 * The Host header as rules see it: lower-case, no port, no trailing dot; IPv6 literals keep
 * their brackets ("[::1]"). Undefined when empty or not a hostname or IP literal.
 */
export function normaliseHost(hostHeader: string): string | undefined {
  const host = hostHeader.toLowerCase();
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    if (close === -1 || !isPortSuffix(host.slice(close + 1))) return undefined;
    const body = host.slice(1, close);
    return parseIPv6(body, hostScratch) ? `[${body}]` : undefined;
  }
  const colon = host.indexOf(':');
  let name = colon === -1 ? host : host.slice(0, colon);
  if (colon !== -1 && !isPortSuffix(host.slice(colon))) return undefined;
  if (name.endsWith('.')) name = name.slice(0, -1);
  // Empty labels ("a..b", ".a") are not names any resolver agrees on.
  if (!HOSTNAME.test(name) || name.startsWith('.') || name.endsWith('.') || name.includes('..')) return undefined;
  return name;
}

/** "" or ":<port>". */
function isPortSuffix(rest: string): boolean {
  return rest === '' || (rest.startsWith(':') && PORT.test(rest.slice(1)));
}
