// What another instance needs to carry on a delivery whose sender is gone: who the code is for,
// what the code was asked for, and the code itself sealed under the gate's secret. Stored only
// while a fallback deadline is pending, and gone once it is acted on, the code is delivered or
// used. Pure helpers: keys, the schedule's member names and the record's stored form.

/** The schedule every instance polls for fallback deadlines. */
export const DEADLINES_KEY = 'delivery-deadlines';

/** A code's member in the schedule: "flowId:n" (flow ids are base64url, without ":"). */
export const deadlineMember = (flowId: string, n: number) => `${flowId}:${n}`;

export function parseDeadlineMember(member: string): { flowId: string; n: number } | undefined {
  const cut = member.lastIndexOf(':');
  const n = Number(member.slice(cut + 1));
  return cut > 0 && Number.isInteger(n) && n > 0 ? { flowId: member.slice(0, cut), n } : undefined;
}

export const pendingFallbackKey = (member: string) => `delivery-pending:${member}`;

/**
 * Encrypts the code for the store and opens it on any instance (AES-GCM under a key derived from
 * session.secrets, which every instance shares). `context` binds a sealed code to its flow and
 * code number: one copied onto another flow does not open.
 */
export interface CodeSeal {
  seal(code: string, context: string): string;
  open(sealed: string, context: string): string | undefined;
}

export interface PendingFallback {
  username: string;
  sealedCode: string;
  host: string;
  ip: string;
  rule: string;
  /** Masked destination, as the audit trail and messages show it. */
  destination: string;
  locale: string | undefined;
}

/** Short keys, like the other stored records: every instance of every release reads them. */
interface StoredPendingFallback {
  u: string;
  c: string;
  h: string;
  ip: string;
  r: string;
  d: string;
  l?: string;
}

export function encodePendingFallback(p: PendingFallback): string {
  const stored: StoredPendingFallback = {
    u: p.username,
    c: p.sealedCode,
    h: p.host,
    ip: p.ip,
    r: p.rule,
    d: p.destination,
    ...(p.locale === undefined ? {} : { l: p.locale }),
  };
  return JSON.stringify(stored);
}

export function decodePendingFallback(raw: string | undefined): PendingFallback | undefined {
  if (raw === undefined) return undefined;
  let s: StoredPendingFallback;
  try {
    s = JSON.parse(raw) as StoredPendingFallback;
  } catch {
    return undefined;
  }
  if (typeof s.u !== 'string' || typeof s.c !== 'string') return undefined;
  return { username: s.u, sealedCode: s.c, host: s.h, ip: s.ip, rule: s.r, destination: s.d, locale: s.l };
}
