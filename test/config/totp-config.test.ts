// The `totp:` section: absent by default, keys from the environment, problems at file:line:col.
import { describe, expect, it } from 'vitest';

import { compileConfigText, configProblems, MINIMAL_CONFIG } from '../helpers/config-text.js';

const KEY = 'a-totp-key-for-tests-only-0123456789-0123456789';
const BASE = MINIMAL_CONFIG;
const withTotp = (totp: string) => `${BASE}totp:\n${totp}\n`;
const problems = (totp: string, env: NodeJS.ProcessEnv = { TOTP_KEY: KEY }) => configProblems(withTotp(totp), env);
const compiled = (totp: string) => compileConfigText(withTotp(totp), { TOTP_KEY: KEY }).totp;

describe('totp config', () => {
  it('is off when the section is absent', () => {
    expect(compileConfigText(BASE).totp).toBeUndefined();
  });

  it('defaults the issuer to otp-gate and reauth_within to 5 minutes', () => {
    expect(compiled('  keys: ["${TOTP_KEY}"]')).toEqual({ issuer: 'otp-gate', keys: [KEY], reauthWithin: 5 * 60_000 });
  });

  it('compiles an issuer, several keys and reauth_within', () => {
    expect(compiled(`  issuer: ACME\n  keys: ["\${TOTP_KEY}", "${'b'.repeat(32)}"]\n  reauth_within: 90s`)).toEqual({
      issuer: 'ACME',
      keys: [KEY, 'b'.repeat(32)],
      reauthWithin: 90_000,
    });
  });

  it('requires keys', () => {
    expect(problems('  issuer: ACME')).toEqual([expect.stringMatching(/^gate\.yaml:\d+:\d+: .*\(totp\.keys\)$/)]);
  });

  it('refuses a key shorter than 32 characters at its line and column', () => {
    expect(problems('  keys: ["short"]')).toEqual([
      expect.stringMatching(/^gate\.yaml:10:10: must be at least 32 characters long.*\(totp\.keys\[0\]\)$/),
    ]);
  });

  it('refuses a key from an environment variable that is not set', () => {
    expect(problems('  keys: ["${TOTP_KEY}"]', {}).join('\n')).toContain('TOTP_KEY');
  });

  it('refuses reauth_within that is not a duration', () => {
    expect(problems('  keys: ["${TOTP_KEY}"]\n  reauth_within: soon')).toEqual([
      expect.stringMatching(/^gate\.yaml:11:18: expected a duration.*\(totp\.reauth_within\)$/),
    ]);
  });

  it('refuses an unknown option', () => {
    expect(problems('  keys: ["${TOTP_KEY}"]\n  algorithm: SHA256').join('\n')).toMatch(/gate\.yaml:11:3: .*algorithm/);
  });
});
