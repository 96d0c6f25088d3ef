// Whether a session's proof is enough for a rule: lifetime, step-up, factors, trusted browsers.
import { describe, expect, it } from 'vitest';

import type { ProofFacts } from '../../src/policy/proof.js';
import { shortfall } from '../../src/policy/proof.js';
import { challenge, policy } from './builders.js';

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const rule = (fields: Parameters<typeof challenge>[0] = {}) => policy([challenge(fields)]).rules[0]!;
const proof = (fields: Partial<ProofFacts> = {}): ProofFacts => ({
  sessionAgeMs: MIN,
  provenAgeMs: MIN,
  factors: ['otp'],
  ...fields,
});

describe('shortfall', () => {
  it('a fresh one-time-code session is enough for a plain rule', () => {
    expect(shortfall(rule(), proof())).toBeUndefined();
  });

  it('a session past the rule lifetime falls short', () => {
    expect(shortfall(rule({ session_lifetime: '1h' }), proof({ sessionAgeMs: 61 * MIN }))).toBe('lifetime');
  });

  it('factors proven longer ago than max_session_age ask for a step-up', () => {
    expect(shortfall(rule({ max_session_age: '10m' }), proof({ provenAgeMs: 11 * MIN }))).toBe('stale');
  });

  it('factors proven within max_session_age pass', () => {
    expect(shortfall(rule({ max_session_age: '10m' }), proof({ provenAgeMs: 9 * MIN }))).toBeUndefined();
  });

  it('a code-only session falls short of a rule that wants a password too', () => {
    expect(shortfall(rule({ factors: ['password', 'otp'] }), proof())).toBe('factors');
  });

  it('a password-and-code session is enough for a code-only rule', () => {
    expect(shortfall(rule(), proof({ factors: ['password', 'otp'] }))).toBeUndefined();
  });

  it('a trusted browser is not honoured by a rule without trusted_device', () => {
    expect(shortfall(rule(), proof({ deviceAgeMs: DAY }))).toBe('device');
  });

  it('a trusted browser is honoured within the rule trusted_device', () => {
    expect(shortfall(rule({ trusted_device: '30d' }), proof({ deviceAgeMs: 29 * DAY }))).toBeUndefined();
  });

  it('a browser trusted longer ago than the rule allows is not honoured', () => {
    expect(shortfall(rule({ trusted_device: '7d' }), proof({ deviceAgeMs: 8 * DAY }))).toBe('device');
  });
});
