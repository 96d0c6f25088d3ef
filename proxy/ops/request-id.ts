// One id per request, passed upstream as X-Request-Id and echoed to the client: a trusted front
// proxy's id is kept (so its logs and ours line up), anything else is replaced by our own.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const REQUEST_ID_HEADER = 'x-request-id';
/** Printable, no spaces or separators that could split a log line or a header, at most 128. */
const ACCEPTABLE = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/** Sets req.headers['x-request-id'] and returns it. */
export function assignRequestId(req: IncomingMessage, peerTrusted: boolean): string {
  const given = req.headers[REQUEST_ID_HEADER];
  const id = peerTrusted && typeof given === 'string' && ACCEPTABLE.test(given) ? given : randomUUID();
  req.headers[REQUEST_ID_HEADER] = id;
  return id;
}
