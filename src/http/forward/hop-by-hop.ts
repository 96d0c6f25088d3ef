// Headers that describe one connection, not the message (RFC 9110 §7.6.1): the gate's connection
// with its client and its connection with the upstream are two, so none of these cross it. The
// upstream client frames requests itself; Node frames responses and says what is true of the
// client's connection (its own Keep-Alive timeout, not the upstream's).
import type { IncomingHttpHeaders } from 'node:http';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  // Node answered "100 Continue" itself before the request reached the gate.
  'expect',
]);

/** What nearly every Connection header says, and names no other header. */
const PLAIN_CONNECTION = new Set(['keep-alive', 'Keep-Alive', 'close', 'Close', 'Upgrade', 'upgrade']);
const NONE: readonly string[] = [];

/** Names a Connection header lists beyond the usual options: they are hop-by-hop too. */
function listedIn(connection: string): readonly string[] {
  if (PLAIN_CONNECTION.has(connection)) return NONE;
  const names = [];
  for (const token of connection.split(',')) {
    const name = token.trim().toLowerCase();
    if (name !== 'keep-alive' && name !== 'close' && name !== 'upgrade' && name !== '') names.push(name);
  }
  return names;
}

/**
 * A request's headers as a flat [name, value, ...] list for the upstream, without hop-by-hop ones,
 * and whether a body follows (Content-Length or Transfer-Encoding, RFC 9112 §6.3).
 */
export function requestHeadersForUpstream(headers: IncomingHttpHeaders): { headers: string[]; hasBody: boolean } {
  const out: string[] = [];
  const listed = typeof headers.connection === 'string' ? listedIn(headers.connection) : NONE;
  for (const name in headers) {
    if (HOP_BY_HOP.has(name) || (listed.length > 0 && listed.includes(name))) continue;
    const value = headers[name]!;
    if (typeof value === 'string') out.push(name, value);
    else for (const v of value) out.push(name, v);
  }
  const length = headers['content-length'];
  return {
    headers: out,
    hasBody: headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0'),
  };
}

/**
 * An upstream response's raw headers (name and value buffers in turn, as received) as a flat list
 * for `writeHead`, without hop-by-hop ones, or with them for a WebSocket's 101.
 */
export function responseHeadersForClient(raw: readonly Buffer[], keepUpgrade = false): string[] {
  const out: string[] = [];
  let listed = NONE;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toString('latin1');
    const lower = name.toLowerCase();
    if (lower === 'connection') listed = listedIn(raw[i + 1]!.toString('latin1'));
    if (HOP_BY_HOP.has(lower) && !(keepUpgrade && (lower === 'connection' || lower === 'upgrade'))) continue;
    out.push(name, raw[i + 1]!.toString('latin1'));
  }
  if (listed.length === 0) return out;
  return out.filter((_, i) => !listed.includes(out[i - (i % 2)]!.toLowerCase()));
}
