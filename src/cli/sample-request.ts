// A request written by a person (a policy test case, a line of a requests file) turned into the
// facts the policy engine decides on, the way the gate computes them for a live request, and
// shown back in one line. Shared by policy-test and policy-diff.
import type { Directory } from '../directory/types.js';
import { normaliseHost, normalisePath } from '../policy/normalise-path.js';
import type { Visitor } from '../policy/outcome.js';
import type { Factor } from '../policy/types.js';
import type { RequestFacts } from '../policy/types.js';
import { formatDuration } from '../shared/duration.js';
import { canonicalAddress } from '../shared/net/cidr.js';

export const DEFAULT_IP = '127.0.0.1';

/** Where a request was written, for file:line:col messages. */
export interface Written {
  file: string;
  line: number;
  col: number;
}

export interface SampleRequest {
  method: string;
  url: string;
  ip: string;
  /** Username as written; undefined for someone without a session. */
  user: string | undefined;
  sessionAgeMs: number;
  /** What the session proved; a one-time code when absent. */
  factors?: readonly Factor[] | undefined;
  /** A service token instead of a session: its name and groups. */
  token?: { name: string; groups: readonly string[] } | undefined;
  /** How a token is sent; with `user` and no `token`, the user's personal token replaces the session. */
  via?: 'bearer' | 'basic' | undefined;
  at: Written;
}

export interface ResolvedRequest {
  sample: SampleRequest;
  facts: RequestFacts;
  visitor: Visitor | undefined;
}

export type Resolution =
  { ok: true; request: ResolvedRequest } | { ok: false; field: 'url' | 'ip' | 'user'; reason: string };

export function resolveRequest(sample: SampleRequest, directory: Directory): Resolution {
  let url: URL;
  try {
    url = new URL(sample.url);
  } catch {
    return {
      ok: false,
      field: 'url',
      reason: `"${sample.url}" is not an absolute URL (e.g. https://wiki.example.com/admin/)`,
    };
  }
  const host = normaliseHost(url.host);
  if (host === undefined) return { ok: false, field: 'url', reason: `the host of "${sample.url}" is unreadable` };
  const path = normalisePath(url.pathname + url.search);
  if (!path.ok)
    return { ok: false, field: 'url', reason: `the gate would refuse "${sample.url}" with 400: ${path.reason}` };
  const ip = canonicalAddress(sample.ip);
  if (ip === undefined) return { ok: false, field: 'ip', reason: `"${sample.ip}" is not an IP address` };
  let visitor: Visitor | undefined;
  const basic = sample.via === 'basic';
  if (sample.token !== undefined) {
    const { name, groups } = sample.token;
    visitor = { user: name, groups: [...groups], sessionAgeMs: 0, token: { kind: 'service', basic } };
  } else if (sample.user !== undefined) {
    const user = directory.find(sample.user);
    if (!user) return { ok: false, field: 'user', reason: `user "${sample.user}" is not in the users file` };
    visitor = {
      user: user.username,
      groups: user.groups,
      sessionAgeMs: sample.sessionAgeMs,
      ...(sample.factors ? { factors: sample.factors } : {}),
      ...(sample.via ? { token: { kind: 'personal' as const, basic } } : {}),
    };
  }
  return { ok: true, request: { sample, facts: { host, path: path.path, method: sample.method, ip }, visitor } };
}

/** "GET https://wiki.example.com/admin/ from 127.0.0.1 as bob (session 20m old)". */
export function describeRequest(sample: SampleRequest): string {
  const proved = sample.factors ? `, proved ${sample.factors.join(' + ')}` : '';
  const sent = sample.via === 'basic' ? 'as a Basic password' : 'as Bearer';
  const who = sample.token
    ? `with service token ${sample.token.name} (groups [${sample.token.groups.join(', ')}]) ${sent}`
    : sample.user === undefined
      ? 'without a session'
      : sample.via
        ? `as ${sample.user} with a personal token ${sent}`
        : `as ${sample.user} (session ${formatDuration(sample.sessionAgeMs)} old${proved})`;
  return `${sample.method} ${sample.url} from ${sample.ip} ${who}`;
}

/** The same request asked twice (audit logs repeat) is compared once. */
export function requestKey(sample: SampleRequest): string {
  return JSON.stringify([
    sample.method,
    sample.url,
    sample.ip,
    sample.user ?? null,
    sample.sessionAgeMs,
    sample.factors ?? null,
    sample.token ?? null,
    sample.via ?? null,
  ]);
}
