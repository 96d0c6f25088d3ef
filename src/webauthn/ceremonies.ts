// The two WebAuthn ceremonies, adding a credential and signing in with one, on
// @simplewebauthn/server: options for the browser, and checking what it sends back against the
// challenge (single-use, kept in the store), this gate's RP ID, the page's origin and, at sign-in,
// the credential's public key, user verification and sign counter (clone detection).
import type {
  AuthenticationResponseJSON,
  AuthenticatorTransportFuture,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';

import type { WebauthnConfig } from '../config/types.js';
import type { Store } from '../store/store.js';
import { guardStore } from '../store/store.js';
import type { Credential } from './credentials.js';

export type UserVerification = 'required' | 'preferred';

/** Why a ceremony's answer was refused, for the page and the audit trail (never the details of a key). */
export type Refusal = 'expired' | 'unreadable' | 'rp_id' | 'origin' | 'user_verification' | 'invalid' | 'cloned';

export interface Ceremonies {
  registrationOptions(input: {
    /** What the challenge is kept under: one ceremony per session. */
    bind: string;
    user: string;
    displayName: string;
    /** A stable, opaque handle for the person (no name in it: authenticators may show or sync it). */
    userHandle: Uint8Array;
    existing: readonly Credential[];
  }): Promise<PublicKeyCredentialCreationOptionsJSON>;
  verifyRegistration(input: {
    bind: string;
    response: string;
    origin: string;
    name: string;
    now: number;
  }): Promise<{ ok: true; credential: Credential } | { ok: false; refusal: Refusal }>;
  authenticationOptions(input: {
    bind: string;
    /** The person's credentials; none for a passkey sign-in that starts without a name. */
    allow: readonly Pick<Credential, 'id' | 'transports'>[];
    userVerification: UserVerification;
  }): Promise<PublicKeyCredentialRequestOptionsJSON>;
  verifyAuthentication(input: {
    bind: string;
    response: AuthenticationResponseJSON;
    origin: string;
    credential: Credential;
    userVerification: UserVerification;
  }): Promise<{ ok: true; counter: number; userVerified: boolean } | { ok: false; refusal: Refusal }>;
}

const challengeKey = (bind: string) => `webauthn-challenge:${bind}`;

/** The credential id of a sign-in answer, to find its key; undefined when unreadable. */
export function parseAuthentication(text: string): AuthenticationResponseJSON | undefined {
  const parsed = parseJson(text) as Partial<AuthenticationResponseJSON> | undefined;
  return typeof parsed?.id === 'string' && typeof parsed.response === 'object' && parsed.response !== null
    ? (parsed as AuthenticationResponseJSON)
    : undefined;
}

/**
 * A counter that did not move forward means two authenticators hold the same key: a clone. An
 * authenticator that keeps no counter reports 0 every time, and that is no sign of one.
 */
export function counterWentBack(stored: number, received: number): boolean {
  return (stored > 0 || received > 0) && received <= stored;
}

/** The library's error, read as which check refused (its messages name the field). */
function refusalOf(err: unknown): Refusal {
  const message = err instanceof Error ? err.message : '';
  if (/RP ID/i.test(message)) return 'rp_id';
  if (/origin/i.test(message)) return 'origin';
  if (/user.*verif/i.test(message)) return 'user_verification';
  return 'invalid';
}

export function createCeremonies(deps: { store: Store; config: () => WebauthnConfig }): Ceremonies {
  const { store } = deps;
  const keep = (bind: string, challenge: string) =>
    guardStore('saving a passkey challenge', () =>
      store.set(challengeKey(bind), challenge, deps.config().timeout + 60_000),
    );
  /** The challenge, once: a second answer to the same one finds nothing. */
  const take = (bind: string) => guardStore('using up a passkey challenge', () => store.take(challengeKey(bind)));

  return {
    async registrationOptions({ bind, user, displayName, userHandle, existing }) {
      const config = deps.config();
      const options = await generateRegistrationOptions({
        rpName: config.rpName,
        rpID: config.rpId,
        userName: user,
        userID: new Uint8Array(userHandle),
        userDisplayName: displayName,
        timeout: config.timeout,
        attestationType: config.attestation,
        excludeCredentials: existing.map(descriptor),
        authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
      });
      await keep(bind, options.challenge);
      return options;
    },

    async verifyRegistration({ bind, response, origin, name, now }) {
      const parsed = parseJson(response) as RegistrationResponseJSON | undefined;
      if (parsed === undefined) return { ok: false, refusal: 'unreadable' };
      const challenge = await take(bind);
      if (challenge === undefined) return { ok: false, refusal: 'expired' };
      try {
        const verified = await verifyRegistrationResponse({
          response: parsed,
          expectedChallenge: challenge,
          expectedOrigin: origin,
          expectedRPID: deps.config().rpId,
          requireUserVerification: false,
        });
        if (!verified.verified) return { ok: false, refusal: 'invalid' };
        const { credential } = verified.registrationInfo;
        return {
          ok: true,
          credential: {
            id: credential.id,
            publicKey: Buffer.from(credential.publicKey).toString('base64url'),
            counter: credential.counter,
            transports: credential.transports ?? [],
            name,
            createdAt: now,
            lastUsedAt: undefined,
          },
        };
      } catch (err) {
        return { ok: false, refusal: refusalOf(err) };
      }
    },

    async authenticationOptions({ bind, allow, userVerification }) {
      const config = deps.config();
      const options = await generateAuthenticationOptions({
        rpID: config.rpId,
        allowCredentials: allow.map(descriptor),
        timeout: config.timeout,
        userVerification,
      });
      await keep(bind, options.challenge);
      return options;
    },

    async verifyAuthentication({ bind, response, origin, credential, userVerification }) {
      const challenge = await take(bind);
      if (challenge === undefined) return { ok: false, refusal: 'expired' };
      try {
        const verified = await verifyAuthenticationResponse({
          response,
          expectedChallenge: challenge,
          expectedOrigin: origin,
          expectedRPID: deps.config().rpId,
          // The library's own counter check is off (counter 0): ours tells a clone from other failures.
          credential: {
            id: credential.id,
            publicKey: new Uint8Array(Buffer.from(credential.publicKey, 'base64url')),
            counter: 0,
            transports: credential.transports as AuthenticatorTransportFuture[],
          },
          requireUserVerification: userVerification === 'required',
        });
        if (!verified.verified) return { ok: false, refusal: 'invalid' };
        const { newCounter, userVerified } = verified.authenticationInfo;
        if (counterWentBack(credential.counter, newCounter)) return { ok: false, refusal: 'cloned' };
        return { ok: true, counter: newCounter, userVerified };
      } catch (err) {
        return { ok: false, refusal: refusalOf(err) };
      }
    },
  };
}

const descriptor = (c: Pick<Credential, 'id' | 'transports'>) => ({
  id: c.id,
  transports: c.transports as AuthenticatorTransportFuture[],
});

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * The origin a ceremony on this page must report: the page's own scheme and Host. Undefined when
 * that host is not the RP ID or below it (a page the gate should never be serving a ceremony on).
 */
export function pageOrigin(proto: string, hostHeader: string, rpId: string): string | undefined {
  const host = hostHeader.toLowerCase().replace(/:\d+$/, '');
  if (host !== rpId && !host.endsWith(`.${rpId}`)) return undefined;
  return `${proto}://${hostHeader.toLowerCase()}`;
}
