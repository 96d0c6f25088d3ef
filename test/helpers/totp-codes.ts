// What a person's authenticator app would show, for tests that enrol and sign in with TOTP.
import { Secret, TOTP } from 'otpauth';

import { TOTP_PARAMS } from '../../src/totp/totp.js';

export function codeFor(secret: string, at: number): string {
  return TOTP.generate({ ...TOTP_PARAMS, secret: Secret.fromBase32(secret), timestamp: at });
}

/** A six-digit code that is certainly not `right`. */
export function wrongCode(right: string): string {
  return right === '000000' ? '111111' : '000000';
}
