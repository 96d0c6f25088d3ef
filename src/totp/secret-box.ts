// Encrypts authenticator secrets at rest (AES-256-GCM), so a copy of the store (a Redis dump, a
// backup) does not let anyone make a person's codes. Keys rotate like session.secrets: the first
// encrypts, every one decrypts. A purpose other than the default derives keys of its own from the
// same texts (a code sealed for a pending fallback, under session.secrets).
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

export interface SecretBox {
  /** The secret encrypted for one user: text safe to store. */
  seal(secret: string, user: string): string;
  /** The secret, or undefined when the text is not one of ours, tampered with, under an unknown key or another user's. */
  open(sealed: string, user: string): string | undefined;
}

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Fixed per purpose, so the same configured text always gives the same key; distinct from any other use of that text. */
const keyInfo = (purpose: string) => `otp-gate ${purpose} v1 key`;
const idInfo = (purpose: string) => `otp-gate ${purpose} v1 key id`;
const TOTP_PURPOSE = 'totp secret-box';

interface BoxKey {
  /** Names the key in each ciphertext, so opening tries one key; derived apart from the key itself. */
  id: string;
  key: Buffer;
}

function deriveKey(text: string, purpose: string): BoxKey {
  const derive = (info: string, bytes: number) => Buffer.from(hkdfSync('sha256', text, '', info, bytes));
  return { id: derive(idInfo(purpose), 6).toString('base64url'), key: derive(keyInfo(purpose), 32) };
}

export function createSecretBox(keyTexts: readonly string[], purpose = TOTP_PURPOSE): SecretBox {
  const keys = keyTexts.map((text) => deriveKey(text, purpose));
  const sealing = keys[0];
  if (!sealing) throw new Error('totp: at least one key is needed to encrypt authenticator secrets');

  return {
    seal(secret, user) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', sealing.key, iv);
      // The user as associated data: a record copied onto another user's key does not open.
      cipher.setAAD(Buffer.from(user, 'utf8'));
      const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
      return [
        VERSION,
        sealing.id,
        iv.toString('base64url'),
        body.toString('base64url'),
        cipher.getAuthTag().toString('base64url'),
      ].join('.');
    },

    open(sealed, user) {
      const [version, id, iv, body, tag, ...rest] = sealed.split('.');
      const key = keys.find((k) => k.id === id)?.key;
      if (version !== VERSION || rest.length > 0 || !key || iv === undefined || body === undefined || tag === undefined)
        return undefined;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), {
          authTagLength: TAG_BYTES,
        });
        decipher.setAAD(Buffer.from(user, 'utf8'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        // A wrong tag, IV or length: not a secret we sealed for this user. Nothing of it is worth reporting.
        return undefined;
      }
    },
  };
}
