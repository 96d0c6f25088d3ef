// The `channels.email` section as written: an SMTP server (host, port, how TLS is used, login),
// the sender, optional DKIM signing. compile-channels.ts turns it into EmailChannelConfig.
import { createPrivateKey } from 'node:crypto';

import { z } from 'zod';

import { normaliseEmail } from '../directory/email-address.js';
import type { durationSchema as DurationSchema } from './schema.js';

const secret = (what: string) => z.string().min(1, { error: `${what} must not be empty` });

/** A host name or an IPv4/IPv6 address, without scheme or port. */
const HOST =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|[0-9A-Fa-f:.]+)$/;

const address = (what: string) =>
  z.string().refine((v) => normaliseEmail(v) !== undefined, {
    error: `expected ${what} as a plain e-mail address, like "sign-in@example.com"`,
  });

/** Whether a PEM text is a private key DKIM can sign with (RSA or Ed25519). */
function isSigningKey(pem: string): boolean {
  try {
    const type = createPrivateKey(pem).asymmetricKeyType;
    return type === 'rsa' || type === 'ed25519';
  } catch {
    return false;
  }
}

/** The port each TLS mode conventionally listens on (RFC 8314: 465 implicit TLS, 587 submission). */
export const DEFAULT_SMTP_PORT = { implicit: 465, starttls: 587, opportunistic: 25 } as const;

export function emailChannelSchemaFor(durationSchema: typeof DurationSchema) {
  return z
    .strictObject({
      host: z
        .string()
        .regex(HOST, { error: 'expected the SMTP server\'s host name or address, like "smtp.example.com"' })
        .describe('SMTP server host name or address.'),
      port: z
        .number()
        .int()
        .min(1)
        .max(65535)
        .optional()
        .describe('SMTP port. Default: 465 with tls: implicit, 587 with starttls, 25 with opportunistic.'),
      tls: z
        .enum(['implicit', 'starttls', 'opportunistic'])
        .default('starttls')
        .describe(
          'implicit: TLS from the first byte (port 465); starttls: STARTTLS is required, no send without it; opportunistic: STARTTLS when offered, else plain text (a relay on the same host).',
        ),
      ca: z
        .string()
        .min(1)
        .optional()
        .describe("PEM certificate(s) to trust for the server, besides the system's (a relay with a private CA)."),
      auth: z
        .strictObject({
          user: z.string().min(1).describe('SMTP login name.'),
          password: secret('auth.password').describe('SMTP password (use ${ENV}); never logged.'),
        })
        .optional()
        .describe('SMTP login (AUTH PLAIN or LOGIN); leave out for a relay that trusts the gate by address.'),
      from: address('from').describe('Sender address of the code e-mails (the envelope sender too).'),
      from_name: z.string().min(1).optional().describe('Display name of the sender, like "Example sign-in".'),
      dkim: z
        .strictObject({
          domain: z
            .string()
            .regex(HOST, { error: 'expected the signing domain, like "example.com"' })
            .describe('Signing domain (d=), normally the domain of from.'),
          selector: z
            .string()
            .regex(/^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/, { error: 'expected a DNS label like "otp2026"' })
            .describe('Selector (s=): the public key is published at <selector>._domainkey.<domain>.'),
          private_key: secret('dkim.private_key')
            .refine(isSigningKey, { error: 'expected an RSA or Ed25519 private key in PEM form' })
            .describe('PEM private key (use ${ENV}); never logged.'),
        })
        .optional()
        .describe('DKIM-sign every code e-mail, for servers that do not sign outgoing mail themselves.'),
      timeout: durationSchema()
        .default('10s')
        .describe('How long to wait to connect, for the greeting, and for each answer of the server.'),
    })
    .refine((v) => v.tls !== 'opportunistic' || v.auth === undefined, {
      error: 'auth needs tls: implicit or starttls; with opportunistic the password could cross the network in clear',
      path: ['auth'],
    })
    .describe('E-mail over SMTP: the code in the subject and in a text and an HTML part.');
}
