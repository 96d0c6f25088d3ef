// The `push:` section as written: the VAPID key pair the gate signs Web Push requests with
// (RFC 8292), who to contact about them, and how many browsers a person may register.
// compile-config.ts turns it into PushConfig.
import { createECDH } from 'node:crypto';

import { z } from 'zod';

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const GENERATE = 'generate a pair with: npx web-push generate-vapid-keys';

const base64url = (what: string, bytes: number) =>
  z.string().refine((v) => BASE64URL.test(v) && Buffer.from(v, 'base64url').length === bytes, {
    error: `expected ${what}: ${bytes} bytes in base64url; ${GENERATE}`,
  });

/** The uncompressed P-256 public key of a private key, or undefined when it is not one. */
function publicKeyOf(privateKey: string): string | undefined {
  if (Buffer.from(privateKey, 'base64url').length !== 32) return undefined;
  try {
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(Buffer.from(privateKey, 'base64url'));
    return ecdh.getPublicKey('base64url', 'uncompressed');
  } catch {
    return undefined;
  }
}

/** RFC 8292 §2.1: a contact the push service can reach, mailto: or https:. */
const SUBJECT = /^(?:mailto:[^\s@]+@[^\s@]+|https:\/\/[^\s/]+(?:\/\S*)?)$/;

/** The push services of the browsers people use (each browser picks its own; none is configurable). */
export const DEFAULT_PUSH_SERVICES = [
  'https://fcm.googleapis.com',
  'https://updates.push.services.mozilla.com',
  'https://web.push.apple.com',
  'https://*.notify.windows.com',
] as const;

/** An origin: http or https, a host whose first label may be "*", an optional port. */
const SERVICE = /^https?:\/\/(?:\*\.)?[A-Za-z0-9.-]+(?::\d{1,5})?$/;

export const pushSchema = z
  .strictObject({
    vapid_public_key: base64url('a P-256 public key', 65)
      .refine((v) => Buffer.from(v, 'base64url')[0] === 4, {
        error: `expected an uncompressed P-256 public key (it starts with "B"); ${GENERATE}`,
      })
      .describe('The VAPID public key, base64url: browsers subscribe with it (RFC 8292 "k").'),
    vapid_private_key: base64url('a P-256 private key', 32).describe(
      'The VAPID private key, base64url: signs each request to a push service. Keep it secret.',
    ),
    subject: z
      .string()
      .regex(SUBJECT, { error: 'expected a contact for push services: "mailto:ops@example.com" or an https:// URL' })
      .describe('Who push services may contact about this gate\'s notifications (RFC 8292 "sub").'),
    services: z
      .array(
        z.string().regex(SERVICE, {
          error: 'expected a push service origin like "https://fcm.googleapis.com" or "https://*.notify.windows.com"',
        }),
      )
      .min(1)
      .default([...DEFAULT_PUSH_SERVICES])
      .describe(
        'Push services the gate sends to, as origins ("*." for any subdomain): a browser\'s subscription elsewhere is refused, so nobody can make the gate POST to an address of their choosing. The default: Chrome and Edge (FCM), Firefox, Safari, Windows.',
      ),
    max_devices: z
      .int()
      .min(1)
      .max(50)
      .default(10)
      .describe('Most browsers a person may register for sign-in approvals; the oldest goes when one more is added.'),
  })
  .superRefine((value, ctx) => {
    if (typeof value.vapid_private_key !== 'string' || typeof value.vapid_public_key !== 'string') return;
    // A key malformed on its own is reported by its own check.
    const derived = publicKeyOf(value.vapid_private_key);
    if (derived === undefined || derived === value.vapid_public_key || !BASE64URL.test(value.vapid_private_key)) return;
    ctx.addIssue({
      code: 'custom',
      path: ['vapid_public_key'],
      input: value.vapid_public_key,
      message: `is not the public key of vapid_private_key: push services would refuse every notification; ${GENERATE}`,
    });
  })
  .describe(
    'Web Push (a channel named "push"): sign-in requests sent to browsers the person registered on their account page, approved there with a matching number.',
  );
