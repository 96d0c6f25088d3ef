// Reads a file of sample requests for policy-diff, one per line:
//   METHOD URL [IP|-] [USER|-]      e.g. "POST https://wiki.example.com/admin/users 10.0.0.7 alice"
//   URL [IP|-] [USER|-]             method GET
//   {"host": ..., "path": ..., ...} a line of the gate's audit log (method GET unless it has one)
// Blank lines and lines starting with "#" are skipped, as are audit lines without host and path
// (code_sent, login, ...). Pure: text in, requests and file:line:col problems out.
import type { Problem } from '../shared/problem.js';
import type { SampleRequest } from './sample-request.js';
import { DEFAULT_IP } from './sample-request.js';

export interface RequestLine {
  sample: SampleRequest;
  /** From an audit line: its user may have left the users file since, which is not an error. */
  fromAudit: boolean;
  /** Columns of the URL, address and user on a plain line, so problems point at them. */
  cols: Partial<Record<'url' | 'ip' | 'user', number>>;
}

export interface ParsedRequests {
  requests: RequestLine[];
  problems: Problem[];
  /** Audit lines that name no request (no host and path). */
  skipped: number;
}

const METHOD = /^[A-Za-z]+(?:-[A-Za-z]+)*$/;

export function parseRequestsFile(file: string, text: string): ParsedRequests {
  const out: ParsedRequests = { requests: [], problems: [], skipped: 0 };
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const col = raw.indexOf(trimmed) + 1;
    const problem = (at: number, message: string) =>
      out.problems.push({ file, line, col: at, path: '', message, severity: 'error' });
    if (trimmed.startsWith('{')) return auditLine(trimmed, { file, line, col }, out, (m) => problem(col, m));
    const tokens = [...raw.matchAll(/\S+/g)].map((m) => ({ text: m[0], col: m.index + 1 }));
    const [first] = tokens;
    const hasMethod = first !== undefined && !first.text.includes('://');
    if (hasMethod && !METHOD.test(first.text))
      return problem(first.col, `"${first.text}" is not an HTTP method; write "METHOD URL [IP] [USER]"`);
    const [url, ip, user, extra] = hasMethod ? tokens.slice(1) : tokens;
    if (url === undefined) return problem(col, 'a URL is missing; write "METHOD URL [IP] [USER]"');
    if (extra !== undefined) return problem(extra.col, `unexpected "${extra.text}"; write "METHOD URL [IP] [USER]"`);
    const given = (t: { text: string } | undefined) => (t === undefined || t.text === '-' ? undefined : t.text);
    out.requests.push({
      sample: {
        method: hasMethod ? first.text.toUpperCase() : 'GET',
        url: url.text,
        ip: given(ip) ?? DEFAULT_IP,
        user: given(user),
        sessionAgeMs: 0,
        at: { file, line, col },
      },
      fromAudit: false,
      cols: { url: url.col, ip: ip?.col, user: user?.col },
    });
  });
  return out;
}

function auditLine(
  text: string,
  at: SampleRequest['at'],
  out: ParsedRequests,
  problem: (message: string) => void,
): void {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return problem('not valid JSON (a line starting with "{" is read as an audit log line)');
  }
  const record = value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  const str = (key: string) =>
    typeof record[key] === 'string' && record[key] !== '' ? (record[key] as string) : undefined;
  const host = str('host');
  const path = str('path');
  if (host === undefined || path === undefined) {
    out.skipped++;
    return;
  }
  if (!path.startsWith('/')) return problem(`audit line path "${path}" does not start with "/"`);
  // Audit paths are already decoded and normalised: encode each segment so that decoding once
  // (as the gate does) gives the same path back, "?" and "#" included.
  const encoded = path.split('/').map(encodeURIComponent).join('/');
  out.requests.push({
    sample: {
      method: (str('method') ?? 'GET').toUpperCase(),
      url: `https://${host}${encoded}`,
      ip: str('ip') ?? DEFAULT_IP,
      user: str('user'),
      sessionAgeMs: 0,
      at,
    },
    fromAudit: true,
    cols: {},
  });
}
