// Which rule a sign-in answers to, and what it asks for. The rule that will judge where the person
// is going decides the factors, the channels and whether a trusted browser stands in for the code;
// a sign-in for anywhere else asks for a code on every channel and trusts no browser.
// Pure: the sign-in routes call it with the request's facts.
import { decide } from './decide.js';
import { normaliseHost, normalisePath } from './normalise-path.js';
import type { CompiledPolicy, CompiledRule, PossessionFactor } from './types.js';
import { APPROVAL_CHANNELS, WEBAUTHN } from './types.js';

export type LoginRule = Pick<CompiledRule, 'name' | 'channels' | 'factors' | 'trustedDevice' | 'enrol'>;

/** The rule name a sign-in that no challenge rule judges is recorded under. */
export const FALLBACK_LOGIN_RULE = '(login)';

export interface LoginRequest {
  /** Where the person goes after signing in, already made safe: a path on this host or a URL of a known app. */
  returnTo: string;
  /** The sign-in request's host: a path-only target is on it. */
  host: string;
  ip: string;
  /** Every configured channel: what a sign-in that no rule judges may send a code over. */
  channels: readonly string[];
}

export function loginRule(policy: CompiledPolicy, login: LoginRequest): LoginRule {
  const url = new URL(login.returnTo, 'http://placeholder.invalid');
  const host = login.returnTo.startsWith('/') ? login.host : normaliseHost(url.host);
  const path = normalisePath(url.pathname + url.search);
  if (host !== undefined && path.ok) {
    const decision = decide(policy, { host, path: path.path, method: 'GET', ip: login.ip });
    if (decision.action === 'challenge') return decision.rule;
  }
  return {
    name: FALLBACK_LOGIN_RULE,
    channels: login.channels,
    factors: ['otp'],
    trustedDevice: undefined,
    enrol: undefined,
  };
}

/** The sign-in form asks for the password (before any code). */
export function asksPassword(rule: LoginRule): boolean {
  return rule.factors.includes('password');
}

/**
 * How a trusted browser signs in without a code: with no more ("Continue as …"), or after the
 * password under a rule that asks for one.
 */
export type TrustedSignIn = 'continue-as' | 'after-password';

/**
 * How a browser this rule honours signs in; undefined when the rule honours none (no
 * trusted_device, or it asks for a passkey or security key, for which a cookie never stands in).
 */
export function trustedSignIn(rule: LoginRule): TrustedSignIn | undefined {
  if (rule.trustedDevice === undefined || possessionOf(rule) !== 'otp') return undefined;
  return asksPassword(rule) ? 'after-password' : 'continue-as';
}

/** Whether the rule honours a browser trusted `trustedAgeMs` ago: within its trusted_device. */
export function honoursTrust(rule: LoginRule, trustedAgeMs: number): boolean {
  return rule.trustedDevice !== undefined && trustedAgeMs < rule.trustedDevice;
}

/** What the rule asks the person to show they have, after any password: its last factor. */
export function possessionOf(rule: LoginRule): PossessionFactor {
  const last = rule.factors[rule.factors.length - 1];
  return last === undefined || last === 'password' ? 'otp' : last;
}

/**
 * Whether a passkey or security key signs in here: the rule asks for one, or takes one in place
 * of a code (it lists the "webauthn" channel).
 */
export function offersWebauthn(rule: LoginRule): boolean {
  return possessionOf(rule) !== 'otp' || rule.channels.includes(WEBAUTHN);
}

/** Whether a code may be sent: the rule asks for a code, not for a passkey or security key. */
export function takesCodes(rule: LoginRule): boolean {
  return possessionOf(rule) === 'otp';
}

/**
 * User verification (fingerprint, face, PIN on the authenticator): required where the passkey is
 * the only factor (passwordless), preferred where it follows something else.
 */
export function userVerification(rule: LoginRule): 'required' | 'preferred' {
  return possessionOf(rule) === 'passkey' ? 'required' : 'preferred';
}

/** The rule's channels by which a phone approves instead of a typed code (scan, whatsapp_reply, push), in its order. */
export function approvalChannels(rule: LoginRule): string[] {
  return takesCodes(rule) ? rule.channels.filter((c) => APPROVAL_CHANNELS.includes(c)) : [];
}

/**
 * Whether the sign-in waits for approval from a phone before any code is sent: the rule lists an
 * approval channel first (a code stays one button away where it lists a code channel too).
 */
export function approvalFirst(rule: LoginRule): boolean {
  const first = rule.channels[0];
  return first !== undefined && approvalChannels(rule).includes(first);
}
