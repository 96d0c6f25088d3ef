// Compact JWS (RFC 7515) signing with node:crypto, synchronously: the proxy's signed-in path has
// no await, and a JWT library's sign is a promise. EdDSA (Ed25519) and ES256 (P-256) only.
import type { KeyObject } from 'node:crypto';
import { createPrivateKey, createPublicKey, sign } from 'node:crypto';

export const JWT_ALGORITHMS = ['EdDSA', 'ES256'] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

/** What each algorithm's key must be, as node:crypto names it (KeyObject.asymmetricKeyType, curve). */
const KEY_SHAPE: Record<JwtAlgorithm, { type: string; curve?: string; words: string }> = {
  EdDSA: { type: 'ed25519', words: 'an Ed25519 private key' },
  ES256: { type: 'ec', curve: 'prime256v1', words: 'a P-256 (prime256v1) EC private key' },
};

export interface SigningKey {
  kid: string;
  algorithm: JwtAlgorithm;
  key: KeyObject;
}

/** A PEM private key checked against its algorithm; the reason never repeats the key's text. */
export function readSigningKey(
  pem: string,
  algorithm: JwtAlgorithm,
): { ok: true; key: KeyObject } | { ok: false; reason: string } {
  const shape = KEY_SHAPE[algorithm];
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    return { ok: false, reason: `is not a PEM private key; ${algorithm} needs ${shape.words}` };
  }
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (key.asymmetricKeyType !== shape.type || (shape.curve !== undefined && curve !== shape.curve)) {
    const got = [key.asymmetricKeyType, curve].filter(Boolean).join(' ');
    return { ok: false, reason: `is a key of type ${got}; ${algorithm} needs ${shape.words}` };
  }
  return { ok: true, key };
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/** A signed JWT of the claims, with `kid` in its header so a verifier picks the key from the JWKS. */
export function signJwt(signing: SigningKey, claims: Record<string, unknown>): string {
  const header = b64url(JSON.stringify({ alg: signing.algorithm, typ: 'JWT', kid: signing.kid }));
  const input = `${header}.${b64url(JSON.stringify(claims))}`;
  const signature =
    signing.algorithm === 'EdDSA'
      ? sign(null, Buffer.from(input), signing.key)
      : // JWS wants r||s (IEEE P1363), not node's default DER.
        sign('sha256', Buffer.from(input), { key: signing.key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${b64url(signature)}`;
}

/** The public half as a JWK (RFC 7517), for the JWKS. */
export function publicJwk(signing: SigningKey): Record<string, string> {
  const jwk = createPublicKey(signing.key).export({ format: 'jwk' }) as Record<string, string>;
  return { ...jwk, kid: signing.kid, alg: signing.algorithm, use: 'sig' };
}
