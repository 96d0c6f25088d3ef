// HMAC-SHA256 signatures over short values with a rotating key list: the first key signs,
// every key verifies. A purpose string separates uses, so a CSRF token can never pass as a
// session cookie and the other way round.
import { createHmac, timingSafeEqual } from 'node:crypto';

import { randomText } from '../shared/random-text.js';

export interface Signer {
  /** `value.signature`, both base64url. */
  sign(purpose: string, value: string): string;
  /** The value when the signature verifies under any key, else undefined. */
  unsign(purpose: string, signed: string): string | undefined;
  /** A keyed digest of a value, e.g. a code bound to its challenge; not reversible. */
  digest(purpose: string, value: string): Buffer;
}

/** HMAC-SHA256 is 32 bytes: 43 base64url characters. */
const SIGNATURE_CHARS = 43;

export function createSigner(secrets: readonly string[]): Signer {
  if (secrets.length === 0) throw new Error('signer: at least one secret is required');
  const keys = secrets.map((s) => Buffer.from(s, 'utf8'));
  const mac = (key: Buffer, purpose: string, value: string) =>
    createHmac('sha256', key).update(purpose).update('\0').update(value).digest();

  return {
    sign(purpose, value) {
      return `${value}.${mac(keys[0]!, purpose, value).toString('base64url')}`;
    },
    unsign(purpose, signed) {
      const dot = signed.lastIndexOf('.');
      if (dot <= 0) return undefined;
      const value = signed.slice(0, dot);
      // Compare the text, not decoded bytes: base64url decoding ignores the spare bits of the
      // last character, so "…A" and "…B" can decode alike, and a changed cookie must not pass.
      const given = Buffer.from(signed.slice(dot + 1));
      if (given.length !== SIGNATURE_CHARS) return undefined;
      for (const key of keys) {
        if (timingSafeEqual(given, Buffer.from(mac(key, purpose, value).toString('base64url')))) return value;
      }
      return undefined;
    },
    digest(purpose, value) {
      return mac(keys[0]!, purpose, value);
    },
  };
}

/** An unguessable id: 144 bits from the CSPRNG, base64url (OWASP asks for at least 64). */
export function randomId(): string {
  return randomText(18, 'base64url');
}
