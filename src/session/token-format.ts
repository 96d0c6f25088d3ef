// The text of an access token: `otpg_<id>_<secret>`. The id (public, 16 hex digits) finds the
// record in one store read; the secret (256 random bits, base64url) is kept only as its SHA-256
// digest and compared in constant time. A plain hash is enough: the secret is random and long, so
// there is nothing to guess or precompute, and a fast digest keeps a check off the slow path.
// The fixed prefix lets secret scanners and the gate itself recognise one anywhere (a URL query).
import { createHash, timingSafeEqual } from 'node:crypto';

import { randomText } from '../shared/random-text.js';

export const TOKEN_PREFIX = 'otpg_';
const SHAPE = /^otpg_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export interface TokenText {
  id: string;
  secret: string;
}

/** A fresh token: its text, shown once, and the digest the store keeps. */
export function mintToken(): { text: string; id: string; digest: string } {
  const id = Buffer.from(randomText(8, 'base64'), 'base64').toString('hex');
  const secret = randomText(32, 'base64url');
  return { text: `${TOKEN_PREFIX}${id}_${secret}`, id, digest: digestOf(secret) };
}

/** The id and secret of a well-formed token text, else undefined. */
export function parseToken(text: string): TokenText | undefined {
  const m = SHAPE.exec(text);
  return m ? { id: m[1]!, secret: m[2]! } : undefined;
}

export function digestOf(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}

/** Whether a secret is the one a stored digest was made from; constant time whatever the input. */
export function secretMatches(secret: string, storedDigest: string): boolean {
  const given = Buffer.from(digestOf(secret));
  const stored = Buffer.from(storedDigest);
  return given.length === stored.length && timingSafeEqual(given, stored);
}

/** Whether some text carries a token of ours (a query string, a log line). */
export function mentionsToken(text: string): boolean {
  return text.includes(TOKEN_PREFIX);
}
