// Checking that a status report really comes from the provider: Meta's X-Hub-Signature-256
// (HMAC-SHA256 of the raw body with the app secret) and Twilio's X-Twilio-Signature (HMAC-SHA1 of
// the public URL plus the sorted form parameters, with the auth token). Compared in constant time.
import { createHmac, timingSafeEqual } from 'node:crypto';

function equalText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function metaSignature(appSecret: string, rawBody: Buffer | string): string {
  return `sha256=${createHmac('sha256', appSecret).update(rawBody).digest('hex')}`;
}

/** True when `header` ("sha256=<hex>") signs exactly these raw bytes. */
export function isValidMetaSignature(appSecret: string, rawBody: Buffer, header: string | undefined): boolean {
  if (!header || !/^sha256=[0-9a-fA-F]{64}$/.test(header)) return false;
  return equalText(metaSignature(appSecret, rawBody), `sha256=${header.slice(7).toLowerCase()}`);
}

/** Twilio's scheme: URL, then each parameter name and value, sorted by name, no separators. */
export function twilioSignature(authToken: string, url: string, params: Record<string, string>): string {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, key) => acc + key + params[key], url);
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
}

export function isValidTwilioSignature(
  authToken: string,
  url: string,
  params: Record<string, string>,
  header: string | undefined,
): boolean {
  if (!header) return false;
  return equalText(twilioSignature(authToken, url, params), header);
}
