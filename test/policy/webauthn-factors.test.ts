// Rules that ask for a passkey or security key: the factors they compile to, what the login page
// does with them, and which proofs satisfy them (step-up from a code to a key).
import { describe, expect, it } from 'vitest';

import type { CompileContext } from '../../src/policy/compile-policy.js';
import {
  offersWebauthn,
  possessionOf,
  takesCodes,
  trustedSignIn,
  userVerification,
} from '../../src/policy/login-rule.js';
import { isProven, shortfall } from '../../src/policy/proof.js';
import type { Factor } from '../../src/policy/types.js';
import { challenge, CTX, policy, problems } from './builders.js';

const WITH_WEBAUTHN: CompileContext = { ...CTX, channels: [...CTX.channels, 'webauthn'] };
const rule = (raw: Parameters<typeof challenge>[0]) => policy([challenge(raw)], WITH_WEBAUTHN).rules[0]!;
const messages = (raw: Parameters<typeof challenge>[0], ctx = WITH_WEBAUTHN) =>
  problems([challenge(raw)], ctx).map((p) => `${p.severity} ${p.path}: ${p.message}`);

describe('webauthn factors', () => {
  it('require: phishing_resistant turns the code into a passkey or security key', () => {
    expect(rule({ require: 'phishing_resistant' }).factors).toEqual(['webauthn']);
    expect(rule({ factors: ['password', 'otp'], require: 'phishing_resistant' }).factors).toEqual([
      'password',
      'webauthn',
    ]);
  });

  it('a passkey alone stays passwordless under require: phishing_resistant', () => {
    expect(rule({ factors: ['passkey'], require: 'phishing_resistant' }).factors).toEqual(['passkey']);
  });

  it('a passkey or key without the webauthn section is an error at the rule', () => {
    expect(messages({ factors: ['password', 'webauthn'] }, CTX)).toEqual([
      'error rules[0].factors: a passkey or security key needs the webauthn: section in the config',
    ]);
    expect(messages({ require: 'phishing_resistant' }, CTX)).toEqual([
      'error rules[0].require: a passkey or security key needs the webauthn: section in the config',
    ]);
  });

  it('a code and a key together, or a password with a passkey, are errors', () => {
    expect(messages({ factors: ['otp', 'webauthn'] })[0]).toContain('factors lists otp and webauthn');
    expect(messages({ factors: ['password', 'passkey'] })[0]).toContain('"passkey" signs in without a password');
  });

  it('trusted_device on a rule asking for a key is a warning, and no browser stands in for the key', () => {
    expect(messages({ factors: ['webauthn'], trusted_device: '30d' })).toEqual([
      expect.stringMatching(/^warning rules\[0\]\.trusted_device: a trusted browser stands in for a code only/),
    ]);
    expect(trustedSignIn(rule({ factors: ['webauthn'], trusted_device: '30d' }))).toBeUndefined();
  });

  it('the login page offers a key where the rule asks for one or lists the webauthn channel', () => {
    expect(offersWebauthn(rule({ channels: ['console'] }))).toBe(false);
    // Without channels a rule has every configured one, webauthn among them (like totp).
    expect(offersWebauthn(rule({}))).toBe(true);
    expect(offersWebauthn(rule({ channels: ['webauthn', 'console'] }))).toBe(true);
    expect(takesCodes(rule({ channels: ['webauthn', 'console'] }))).toBe(true);
    expect(takesCodes(rule({ factors: ['password', 'webauthn'] }))).toBe(false);
  });

  it('user verification is required only where the passkey is the only factor', () => {
    expect(possessionOf(rule({ factors: ['passkey'] }))).toBe('passkey');
    expect(userVerification(rule({ factors: ['passkey'] }))).toBe('required');
    expect(userVerification(rule({ factors: ['password', 'webauthn'] }))).toBe('preferred');
  });

  it.each<[Factor, Factor[], boolean]>([
    ['otp', ['webauthn'], true],
    ['otp', ['passkey'], true],
    ['webauthn', ['otp'], false],
    ['webauthn', ['passkey'], true],
    ['passkey', ['webauthn'], false],
    ['password', ['passkey'], false],
  ])('%s is proven by %j: %s', (required, proven, expected) => {
    expect(isProven(required, proven)).toBe(expected);
  });

  it('a session signed in with a code is asked again (step-up) where phishing resistance is required', () => {
    const admin = rule({ require: 'phishing_resistant' });
    const proof = (factors: Factor[]) => ({ sessionAgeMs: 1000, provenAgeMs: 1000, factors });
    expect(shortfall(admin, proof(['otp']))).toBe('factors');
    expect(shortfall(admin, proof(['webauthn']))).toBeUndefined();
  });
});
