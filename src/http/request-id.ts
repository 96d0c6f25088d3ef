// One id per request, passed upstream as X-Request-Id and echoed to the client: a trusted front
// proxy's id is kept (so its logs and ours line up), anything else is replaced by our own.
import { randomUUID } from 'node:crypto';

export const REQUEST_ID_HEADER = 'x-request-id';
/** Printable, no spaces or separators that could split a log line or a header, at most 128. */
const ACCEPTABLE = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

export function chooseRequestId(given: string | string[] | undefined, peerTrusted: boolean): string {
  return peerTrusted && typeof given === 'string' && ACCEPTABLE.test(given) ? given : randomUUID();
}
