// The `totp:` section: absent by default, keys from the environment, problems at file:line:col.
import { describe, expect, it } from 'vitest';

import { compileConfig } from '../../src/config/compile-config.js';
import { configSchema } from '../../src/config/schema.js';
import { formatProblem } from '../../src/shared/problem.js';
import { loadYaml } from '../../src/shared/yaml-file.js';
import { MINIMAL_CONFIG } from '../helpers/config-text.js';

const KEY = 'a-totp-key-for-tests-only-0123456789-0123456789';
const BASE = MINIMAL_CONFIG;
const load = (totp: string, env: NodeJS.ProcessEnv = { TOTP_KEY: KEY }) =>
  loadYaml('gate.yaml', `${BASE}totp:\n${totp}\n`, configSchema, env);
const problems = (totp: string, env?: NodeJS.ProcessEnv) => load(totp, env).problems.map(formatProblem);
const compiled = (totp: string) => {
  const out = load(totp);
  expect(out.problems.map(formatProblem)).toEqual([]);
  return compileConfig(out.value!, { source: '/etc/gate.yaml', baseDir: '/etc' }).totp;
};

describe('totp config', () => {
  it('is off when the section is absent', () => {
    const out = loadYaml('gate.yaml', BASE, configSchema, {});
    expect(compileConfig(out.value!, { source: '/etc/gate.yaml', baseDir: '/etc' }).totp).toBeUndefined();
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
