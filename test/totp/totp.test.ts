// The TOTP primitives against the RFCs' own test vectors, with otpauth set up as the gate sets it up.
import { readFileSync } from 'node:fs';

import { HOTP, Secret, TOTP } from 'otpauth';
import { describe, expect, it } from 'vitest';

import {
  newTotpSecret,
  normaliseTotpCode,
  otpauthUri,
  TOTP_PARAMS,
  TOTP_PERIOD_MS,
  verifyTotp,
} from '../../src/totp/totp.js';

interface Vectors {
  step: number;
  seeds: Record<'SHA1' | 'SHA256' | 'SHA512', string>;
  digits: number;
  vectors: Array<{ time: number } & Record<'SHA1' | 'SHA256' | 'SHA512', string>>;
  hotp: { secret: string; digits: number; codes: string[] };
}

// Copied from RFC 6238 Appendix B and RFC 4226 Appendix D (each named in the file), kept in the tree.
const rfc = JSON.parse(readFileSync(new URL('../fixtures/rfc6238-vectors.json', import.meta.url), 'utf8')) as Vectors;
const ALGORITHMS = ['SHA1', 'SHA256', 'SHA512'] as const;
const base32Of = (latin1: string) => Secret.fromLatin1(latin1).base32;

describe('RFC 6238 appendix B vectors', () => {
  it.each(rfc.vectors.flatMap((v) => ALGORITHMS.map((algorithm) => ({ algorithm, time: v.time, code: v[algorithm] }))))(
    '$algorithm at $time s gives $code',
    ({ algorithm, time, code }) => {
      const secret = Secret.fromLatin1(rfc.seeds[algorithm]);
      expect(
        TOTP.generate({ secret, algorithm, digits: rfc.digits, period: TOTP_PARAMS.period, timestamp: time * 1000 }),
      ).toBe(code);
    },
  );

  it.each(rfc.vectors)('verifyTotp accepts the six-digit SHA-1 code at $time s as its own step', ({ time, SHA1 }) => {
    // Six digits are the last six of the eight (truncation is modulo 10^digits).
    expect(verifyTotp(base32Of(rfc.seeds.SHA1), SHA1.slice(-6), time * 1000)).toBe(Math.floor(time / rfc.step));
  });
});

describe('RFC 4226 appendix D vectors', () => {
  it.each(rfc.hotp.codes.map((code, counter) => ({ code, counter })))(
    'counter $counter gives $code',
    ({ code, counter }) => {
      const secret = Secret.fromLatin1(rfc.hotp.secret);
      expect(HOTP.generate({ secret, algorithm: TOTP_PARAMS.algorithm, digits: rfc.hotp.digits, counter })).toBe(code);
    },
  );

  it.each(rfc.hotp.codes.map((code, counter) => ({ code, counter })))(
    'verifyTotp finds counter $counter for $code',
    ({ code, counter }) => {
      expect(verifyTotp(base32Of(rfc.hotp.secret), code, counter * TOTP_PERIOD_MS, 0)).toBe(counter);
    },
  );
});

describe('verifyTotp', () => {
  const secret = newTotpSecret();
  const now = Date.UTC(2026, 0, 1, 12, 0, 15);
  const codeAt = (stepOffset: number) =>
    TOTP.generate({ ...TOTP_PARAMS, secret: Secret.fromBase32(secret), timestamp: now + stepOffset * TOTP_PERIOD_MS });
  const step = Math.floor(now / TOTP_PERIOD_MS);

  it('accepts the current code as the current step', () => {
    expect(verifyTotp(secret, codeAt(0), now)).toBe(step);
  });

  it.each([-1, 1])('accepts a code %i step away, returning that step', (offset) => {
    expect(verifyTotp(secret, codeAt(offset), now)).toBe(step + offset);
  });

  it.each([-2, 2])('refuses a code %i steps away', (offset) => {
    expect(verifyTotp(secret, codeAt(offset), now)).toBeUndefined();
  });

  it('accepts a code typed with spaces or a dash', () => {
    const code = codeAt(0);
    expect(verifyTotp(secret, ` ${code.slice(0, 3)} ${code.slice(3)} `, now)).toBe(step);
    expect(verifyTotp(secret, `${code.slice(0, 3)}-${code.slice(3)}`, now)).toBe(step);
  });

  it('refuses a code of the wrong secret', () => {
    expect(verifyTotp(newTotpSecret(), codeAt(0), now)).toBeUndefined();
  });
});

describe('normaliseTotpCode', () => {
  it.each(['12345', '1234567', '12a456', '', '１２３４５６'])('refuses %j', (input) => {
    expect(normaliseTotpCode(input)).toBeUndefined();
  });
});

describe('newTotpSecret', () => {
  it('makes 160 random bits as base32', () => {
    const secret = newTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(Secret.fromBase32(secret).bytes.length).toBe(20);
    expect(newTotpSecret()).not.toBe(secret);
  });
});

describe('otpauthUri', () => {
  it('names issuer, account, secret and SHA-1/6 digits/30 s for the app', () => {
    const uri = new URL(otpauthUri({ issuer: 'ACME Gate', account: 'alice', secret: 'JBSWY3DPEHPK3PXP' }));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe('/ACME Gate:alice');
    expect(Object.fromEntries(uri.searchParams)).toEqual({
      issuer: 'ACME Gate',
      secret: 'JBSWY3DPEHPK3PXP',
      algorithm: 'SHA1',
      digits: '6',
      period: '30',
    });
  });
});
