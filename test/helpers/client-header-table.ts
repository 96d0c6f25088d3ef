// What a client may add to a request to a forward-auth front proxy, hoping to change the gate's
// decision or the identity the app sees: every dialect's description of the original request
// (pointing at a bypass path), every spelling of identity, repeated headers and odd case. The
// forward-auth suites send each set on deny, challenge and bypass paths, with and without a
// session, and check the app gets exactly what the policy allows (issue 16).
import http from 'node:http';

import { expect, it } from 'vitest';

import type { SeenRequest } from './upstream.js';

/** Raw header lines: names keep their case, a name may repeat. */
export type HeaderLines = readonly (readonly [string, string])[];

/** Every value a client claims carries this, so the app must never see it anywhere. */
export const CLAIMED = 'mallory';

const dialects = (host: string): HeaderLines => [
  ['X-Original-URL', `http://${host}/public/${CLAIMED}`],
  ['X-Original-Method', 'GET'],
  ['X-Forwarded-Method', 'GET'],
  ['X-Forwarded-Proto', 'https'],
  ['X-Forwarded-Host', host],
  ['X-Forwarded-Uri', `/public/${CLAIMED}`],
];

const oddCaseAndRepeated = (host: string): HeaderLines => [
  ['x-oRiGiNaL-uRl', `http://${host}/public/${CLAIMED}`],
  ['X-ORIGINAL-METHOD', 'GET'],
  ['x-forwarded-uri', `/public/${CLAIMED}`],
  ['X-Forwarded-URI', `/public/${CLAIMED}2`],
  ['x-forwarded-method', 'GET'],
  ['X-FORWARDED-HOST', host],
  ['REMOTE-USER', CLAIMED],
  ['remote-user', CLAIMED],
  ['Remote-Groups', 'admins'],
  ['remote-groups', 'admins'],
];

const identities: HeaderLines = [
  ['Remote-User', CLAIMED],
  ['Remote_User', CLAIMED],
  ['HTTP_REMOTE_USER', CLAIMED],
  ['X-Remote-User', CLAIMED],
  ['Remote-Name', CLAIMED],
  ['Remote_Name', CLAIMED],
  ['X-Remote-Name', CLAIMED],
  ['Remote-Groups', `admins,${CLAIMED}`],
  ['Remote_Groups', `admins,${CLAIMED}`],
  ['X-Remote-Groups', `admins,${CLAIMED}`],
  ['X-Forwarded-User', CLAIMED],
  ['X-Forwarded-Email', `${CLAIMED}@example.com`],
  ['X-Forwarded-Groups', `admins,${CLAIMED}`],
  ['X-Auth-Request-User', CLAIMED],
  ['X-Auth-Request-Email', `${CLAIMED}@example.com`],
];

/** The sets a client adds; `host` is the app's host, so a believed claim would name a real app. */
export function clientHeaderSets(host: string): Record<string, HeaderLines> {
  return {
    "every dialect's headers": dialects(host),
    'odd case and repeated headers': oddCaseAndRepeated(host),
    'every spelling of identity': identities,
    'all of them at once': [...dialects(host), ...oddCaseAndRepeated(host), ...identities],
  };
}

/** A path per rule of DEFAULT_POLICY, with the status an API client gets without and with alice's session. */
export const PATHS = [
  { rule: 'deny', path: '/blocked/x', without: 403, with: 403 },
  { rule: 'challenge (admins)', path: '/admin/x', without: 401, with: 200 },
  { rule: 'challenge', path: '/docs/x', without: 401, with: 200 },
  { rule: 'bypass', path: '/public/x', without: 200, with: 200 },
] as const;

/** The table: one case per header set, path and session. */
export function clientHeaderCases(host: string) {
  return Object.entries(clientHeaderSets(host)).flatMap(([set, headers]) =>
    PATHS.flatMap((p) =>
      [false, true].map((session) => ({ set, headers, ...p, session, status: session ? p.with : p.without })),
    ),
  );
}

/** A GET with exactly these header lines (plus Host), as an API client: 401, never a redirect. */
export function sendLines(
  url: string,
  path: string,
  lines: HeaderLines,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(path, url), {
      headers: ['Host', new URL(url).host, ...lines.flat(), 'Accept', 'application/json'],
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

export interface TableTarget {
  /** The front proxy's URL. */
  url: string;
  /** alice's session cookie, "otp_gate=…". */
  cookie: string;
  /** Requests the app received. */
  seen: readonly SeenRequest[];
  logs(): string;
}

/**
 * Runs the table through a front proxy: the status is the policy's, the app is reached only when
 * the policy passes, at the path asked for, and never sees a claimed identity or the gate's cookie.
 */
export function itRefusesClientClaims(target: () => TableTarget): void {
  const cases = clientHeaderCases('127.0.0.1').map((c, i) => ({ ...c, path: `${c.path}-${i}` }));
  it.each(cases)('$set on $rule, session: $session → $status', async (c) => {
    const t = target();
    const lines: HeaderLines = c.session ? [...c.headers, ['Cookie', `theme=dark; ${t.cookie}; lang=it`]] : c.headers;
    const before = t.seen.length;
    const res = await sendLines(t.url, c.path, lines);
    expect(res.status, `${res.body}\n${t.logs().slice(-2000)}`).toBe(c.status);
    const reached = t.seen.slice(before);
    if (c.status !== 200) return expect(reached).toEqual([]);
    expect(reached.map((r) => r.url)).toEqual([c.path]);
    const app = reached[0]!.headers;
    expect(JSON.stringify(app)).not.toContain(CLAIMED);
    expect(app['remote-user'] || undefined).toBe(c.session && c.rule !== 'bypass' ? 'alice' : undefined);
    expect(app['remote-groups'] || undefined).toBe(c.session && c.rule !== 'bypass' ? 'admins,staff' : undefined);
    expect(app.cookie).toBe(c.session ? 'theme=dark; lang=it' : undefined);
  });
}
