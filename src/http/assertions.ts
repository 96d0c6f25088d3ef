// The signed JWT (an "assertion") an app may ask for beside or instead of the identity headers,
// and the JWKS its verifiers read. Signed synchronously (shared/jwt.ts) and kept per session and
// app for half its lifetime, so a signed-in GET costs a cache look-up, not a signature.
import { LRUCache } from 'lru-cache';

import type { AppConfig, AssertionsConfig } from '../config/types.js';
import type { Factor } from '../policy/types.js';
import type { Proof, Session } from '../session/sessions.js';
import type { Clock } from '../shared/clock.js';
import type { SigningKey } from '../shared/jwt.js';
import { publicJwk, readSigningKey, signJwt } from '../shared/jwt.js';
import type { Identity } from './forward/upstream-headers.js';

/** What the header rewriter does with an app's assertion header. */
export interface UpstreamAssertion {
  /** Lower-case header name; a client-sent one is never passed on. */
  header: string;
  /** The header's value; undefined when there is nobody to vouch for (a bypass rule). */
  value: string | undefined;
  /** The identity headers are left out. */
  instead: boolean;
}

/** Who passed, as the authorizer saw it. */
export interface Passing {
  identity: Identity | undefined;
  /** The session that proved it; its proof gives `amr` and `auth_time`. */
  session?: Session | undefined;
}

export interface Assertions {
  /** The app's assertion for this request, or undefined when the app asks for none. Synchronous. */
  forApp(app: AppConfig, passing: Passing): UpstreamAssertion | undefined;
  /** The JWKS document (active and next keys), as the text served. */
  readonly jwks: string;
}

const AUTHORIZATION = 'authorization';
/** Assertions kept at once; past it the least recently used are signed again when next needed. */
const MAX_CACHED = 50_000;

export function createAssertions(config: AssertionsConfig | undefined, clock: Clock): Assertions {
  const keys = (config?.keys ?? []).flatMap((k): Array<SigningKey & { status: string }> => {
    const read = readSigningKey(k.privateKey, k.algorithm);
    // The schema checked every key; one that fails here is a bug, not a config problem.
    if (!read.ok) throw new Error(`assertions: key "${k.kid}" passed validation but ${read.reason}`);
    return [{ kid: k.kid, algorithm: k.algorithm, key: read.key, status: k.status }];
  });
  const signing = keys.find((k) => k.status === 'active');
  const jwks = JSON.stringify({ keys: keys.filter((k) => k.status !== 'retired').map(publicJwk) });
  const cache = new LRUCache<string, { jwt: string; renewAt: number }>({ max: MAX_CACHED });

  function sign(app: AppConfig, audience: string, identity: Identity, session: Session | undefined): string {
    if (!config || !signing) throw new Error(`assertions: app ${app.host} asks for one, but no key signs`);
    const now = clock.now();
    const cacheKey = session && `${session.id}\n${session.proof.at}\n${audience}`;
    const hit = cacheKey === undefined ? undefined : cache.get(cacheKey);
    if (hit && now < hit.renewAt) return hit.jwt;
    const iat = Math.floor(now / 1000);
    const jwt = signJwt(signing, {
      iss: config.issuer,
      sub: identity.user,
      aud: audience,
      iat,
      exp: iat + Math.ceil(config.lifetime / 1000),
      ...(session ? { auth_time: Math.floor(session.proof.at / 1000), amr: amrOf(session.proof) } : {}),
      name: identity.name,
      groups: identity.groups,
    });
    // Renewed at half its life: an app never receives one about to expire mid-request.
    if (cacheKey !== undefined) cache.set(cacheKey, { jwt, renewAt: now + config.lifetime / 2 });
    return jwt;
  }

  return {
    jwks,
    forApp(app, { identity, session }) {
      const wanted = app.assertion;
      if (!wanted) return undefined;
      const header = wanted.header.toLowerCase();
      const jwt = identity && sign(app, wanted.audience, identity, session);
      return {
        header,
        value: jwt === undefined ? undefined : header === AUTHORIZATION ? `Bearer ${jwt}` : jwt,
        instead: wanted.mode === 'instead',
      };
    },
  };
}

/**
 * RFC 8176 names for what was proven: a password is "pwd", a one-time code "otp" (+ "sms" by
 * text), a passkey or security key "hwk" (proof of a key the authenticator keeps), two or more "mfa".
 */
export function amrOf(proof: Pick<Proof, 'factors' | 'method'>): string[] {
  const names: Record<Factor, string> = { password: 'pwd', otp: 'otp', webauthn: 'hwk', passkey: 'hwk' };
  const amr = proof.factors.map((f) => names[f]);
  if (proof.method === 'sms') amr.push('sms');
  if (proof.factors.length >= 2) amr.push('mfa');
  return amr;
}
