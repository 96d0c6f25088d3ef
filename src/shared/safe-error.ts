// Errors from clients we did not write (ioredis, fetch/undici, TLS) carry whatever they were
// given: ioredis puts the failed command on its ReplyError, AUTH password included (issue 16).
// Before an error reaches any output it is reduced to fields known to be safe; everything else
// is dropped, whatever its name or depth.

export interface SafeError {
  type: string;
  message: string;
  /**
   * Node's and the clients' machine-readable code: ECONNREFUSED, ERR_TLS_CERT_ALTNAME_INVALID …
   * (not `code`: the logger redacts every field of that name, the one-time code's).
   */
  errorCode?: string;
  syscall?: string;
  address?: string;
  port?: number;
  /** The provider's error code on a ChannelError. */
  providerCode?: string;
  /** ChannelError's failure kind, GateError's status. */
  kind?: string;
  status?: number;
  cause?: SafeError;
}

/** How deep a cause chain is followed; deeper links are summarised by the last one kept. */
const MAX_CAUSES = 4;

export function safeError(err: unknown, depth = 0): SafeError {
  if (!(err instanceof Error))
    return { type: typeof err, message: typeof err === 'string' ? err : 'a non-Error value was thrown' };
  const e = err as Error & Record<string, unknown>;
  const safe: SafeError = { type: e.name || e.constructor.name, message: e.message };
  if (typeof e.code === 'string' || typeof e.code === 'number') safe.errorCode = String(e.code);
  if (typeof e.syscall === 'string') safe.syscall = e.syscall;
  if (typeof e.address === 'string') safe.address = e.address;
  if (typeof e.port === 'number') safe.port = e.port;
  if (typeof e.providerCode === 'string') safe.providerCode = e.providerCode;
  if (typeof e.kind === 'string') safe.kind = e.kind;
  if (typeof e.status === 'number') safe.status = e.status;
  if (e.cause !== undefined && depth < MAX_CAUSES) safe.cause = safeError(e.cause, depth + 1);
  return safe;
}

/** One line a person can read: each message of the cause chain that adds something, joined by ": ". */
export function describeError(err: unknown): string {
  const parts: string[] = [];
  for (let at: SafeError | undefined = safeError(err); at; at = at.cause) {
    const text = at.errorCode && !at.message.includes(at.errorCode) ? `${at.message} (${at.errorCode})` : at.message;
    if (text && !parts.some((p) => p.includes(text))) parts.push(text);
  }
  return parts.join(': ');
}
