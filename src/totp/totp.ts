// RFC 6238 time-based codes from an authenticator app: new secrets, the otpauth:// URI the app
// scans, and checking a typed code. Time is passed in (the gate's Clock), never read here.
import { randomBytes } from 'node:crypto';

import { Secret, TOTP } from 'otpauth';

/**
 * SHA-1, six digits, 30-second steps: the only parameters every authenticator app honours
 * (several ignore algorithm/digits/period in the URI and show SHA-1/6/30 codes regardless).
 */
export const TOTP_PARAMS = { algorithm: 'SHA1', digits: 6, period: 30 } as const;

/** A step is TOTP_PARAMS.period seconds; used for how long a used code must stay remembered. */
export const TOTP_PERIOD_MS = TOTP_PARAMS.period * 1000;

/** 160 bits, the HMAC-SHA1 block-size recommendation of RFC 4226 §4, as base32 (what apps accept). */
export function newTotpSecret(): string {
  // Copied into its own ArrayBuffer: a Buffer's .buffer may be a larger shared pool.
  return new Secret({ buffer: new Uint8Array(randomBytes(20)).buffer }).base32;
}

/** The otpauth:// URI an app scans from the QR code (or takes as a link on the phone itself). */
export function otpauthUri(input: { issuer: string; account: string; secret: string }): string {
  return new TOTP({
    ...TOTP_PARAMS,
    issuer: input.issuer,
    label: input.account,
    secret: Secret.fromBase32(input.secret),
  }).toString();
}

/** People type "123 456" or "123-456" as the app shows it; anything but six digits is no code. */
export function normaliseTotpCode(token: string): string | undefined {
  const digits = token.replace(/[\s-]/g, '');
  return new RegExp(`^[0-9]{${TOTP_PARAMS.digits}}$`).test(digits) ? digits : undefined;
}

/**
 * The time step (counter) a code belongs to, or undefined when it matches none within `window`
 * steps of now either side (one step covers a phone clock a little off and a code typed as it
 * changes). The counter is what makes a code single-use: callers remember it once accepted.
 */
export function verifyTotp(secret: string, token: string, nowMs: number, window = 1): number | undefined {
  const code = normaliseTotpCode(token);
  if (code === undefined) return undefined;
  const delta = TOTP.validate({
    ...TOTP_PARAMS,
    token: code,
    secret: Secret.fromBase32(secret),
    timestamp: nowMs,
    window,
  });
  return delta === null ? undefined : TOTP.counter({ period: TOTP_PARAMS.period, timestamp: nowMs }) + delta;
}
