// Whether what a person proved when signing in is still enough for a challenge rule: the session
// is within the rule's lifetime, the factors were proven recently enough (step-up), every factor
// the rule asks for was proven, and a code skipped by a trusted browser is honoured here.
// Pure, shared by the gate's authorizer and the policy tools.
import type { CompiledRule, Factor } from './types.js';

export interface ProofFacts {
  /** ms since the session was made. */
  sessionAgeMs: number;
  /** ms since the factors were last proven. */
  provenAgeMs: number;
  factors: readonly Factor[];
  /** When a trusted browser stood in for the one-time code: ms since that browser was trusted. */
  deviceAgeMs?: number | undefined;
}

/** Why a session is not enough: each means "challenge again", with the person's place kept. */
export type Shortfall = 'lifetime' | 'stale' | 'factors' | 'device';

/** What of a rule judges a session's proof. */
export type ProofRule = Pick<CompiledRule, 'sessionLifetime' | 'maxSessionAge' | 'factors' | 'trustedDevice'>;

export function shortfall(rule: ProofRule, proof: ProofFacts): Shortfall | undefined {
  if (proof.sessionAgeMs >= rule.sessionLifetime) return 'lifetime';
  if (rule.maxSessionAge !== undefined && proof.provenAgeMs >= rule.maxSessionAge) return 'stale';
  for (let i = 0; i < rule.factors.length; i++) if (!isProven(rule.factors[i]!, proof.factors)) return 'factors';
  if (proof.deviceAgeMs !== undefined && (rule.trustedDevice === undefined || proof.deviceAgeMs >= rule.trustedDevice))
    return 'device';
  return undefined;
}

/**
 * What stands in for what: a passkey or security key shows possession at least as well as a code
 * (and cannot be phished), and a passkey with user verification is also a security key sign-in.
 * A password is only ever proven by the password.
 */
const PROVEN_BY: Record<Factor, readonly Factor[]> = {
  password: ['password'],
  otp: ['otp', 'webauthn', 'passkey'],
  webauthn: ['webauthn', 'passkey'],
  passkey: ['passkey'],
};

export function isProven(required: Factor, proven: readonly Factor[]): boolean {
  const by = PROVEN_BY[required];
  for (let i = 0; i < proven.length; i++) if (by.includes(proven[i]!)) return true;
  return false;
}

/**
 * A session as the policy tools describe one: a one-time code proven when the session was made,
 * unless the description says otherwise.
 */
export function describedProof(session: {
  sessionAgeMs: number;
  provenAgeMs?: number;
  factors?: readonly Factor[];
  deviceAgeMs?: number;
}): ProofFacts {
  return {
    sessionAgeMs: session.sessionAgeMs,
    provenAgeMs: session.provenAgeMs ?? session.sessionAgeMs,
    factors: session.factors ?? ['otp'],
    deviceAgeMs: session.deviceAgeMs,
  };
}

/** In words, for explain and policy-test. */
export const SHORTFALL_TEXT: Record<Shortfall, string> = {
  lifetime: "session older than the rule's session lifetime: asked for a new code",
  stale: "factors proven longer ago than the rule's max_session_age: asked again (step-up)",
  factors: 'the session lacks a factor the rule requires: asked for it',
  device: 'a trusted browser stood in for the code, which this rule does not honour: asked for a code',
};
