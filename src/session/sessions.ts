// Session records on the Store, addressed by a signed cookie. Built once on top of the Store
// interface so every backend behaves the same: absolute lifetime, idle timeout, revocation
// by deleting the record, and a fresh id at every login (no fixation).
import { LRUCache } from 'lru-cache';

import type { SessionConfig } from '../config/types.js';
import type { Factor } from '../policy/types.js';
import type { Clock } from '../shared/clock.js';
import type { Store } from '../store/store.js';
import { guardStore } from '../store/store.js';
import type { Signer } from './signer.js';
import { randomId } from './signer.js';

export interface Session {
  id: string;
  user: string;
  /** When the session was created (the factor was proven), ms. */
  createdAt: number;
  /** Last time the session was seen, ms (idle timeout). */
  seenAt: number;
  /** What the person proved to get this session. */
  proof: Proof;
  /**
   * For an enrolled person (open enrolment; `user` is their number): their name and groups as of
   * sign-in, so the hot path needs no store read for who they are. Removing them revokes this session.
   */
  enrolled?: EnrolledIdentity;
}

/** Who an enrolled person is, as their session carries it. */
export interface EnrolledIdentity {
  name: string;
  groups: readonly string[];
}

/** What was proven at sign-in, recorded in the session so rules can ask for more (step-up). */
export interface Proof {
  /** The factors proven, e.g. ["password", "otp"]. */
  factors: readonly Factor[];
  /** When they were last proven, ms (a rule's max_session_age counts from here). */
  at: number;
  /** How the one-time code was proven: a channel name ("whatsapp", "totp") or "device" (a trusted browser). */
  method: string;
  /** For method "device": when that browser was trusted, ms (a rule honours it only within its own limit). */
  deviceTrustedAt?: number;
}

/**
 * A session as the Store holds it. The keys stay short: every live session is one value in Redis,
 * and during a rolling upgrade the instances still on the older release read these same keys.
 * Only toStored and fromStored use them.
 */
interface StoredSession {
  /** user */
  u: string;
  /** createdAt */
  c: number;
  /** seenAt */
  s: number;
  /** The proof: factors, at, method, deviceTrustedAt. Absent in records from before factors existed. */
  f?: Factor[];
  a?: number;
  m?: string;
  d?: number;
  /** enrolled: name and groups. */
  e?: { n: string; g: string[] };
}

export interface Sessions {
  /** Creates a session for a user and returns it with the cookie value to set. */
  create(
    user: string,
    proof?: Omit<Proof, 'at'>,
    enrolled?: EnrolledIdentity,
  ): Promise<{ session: Session; cookie: string }>;
  /**
   * The live session a cookie value names, or undefined when the cookie is absent, tampered,
   * expired, idle too long or revoked. Throws StoreError when the store fails (fail closed).
   */
  resolve(cookie: string | undefined): Promise<Session | undefined>;
  /**
   * The same answer without waiting, when this process verified the cookie within
   * session.verified_cache and no idle-time write is due; undefined means "ask resolve" (the hot path).
   */
  cached(cookie: string | undefined): Session | undefined;
  /** Ends one session everywhere. */
  revoke(id: string): Promise<void>;
  /** The session with this id, whoever's it is (for the admin CLI); no idle or lifetime check. */
  find(id: string): Promise<Session | undefined>;
  /** A user's live sessions, oldest first (for the admin CLI). */
  list(user: string): Promise<Session[]>;
  /** Ends every session of a user everywhere; returns how many there were. */
  revokeUser(user: string): Promise<number>;
}

const PURPOSE = 'session';
/** A sign-in with a one-time code alone, the gate's oldest and most common proof. */
const CODE_PROOF: Omit<Proof, 'at'> = { factors: ['otp'], method: 'code' };
const key = (id: string) => `session:${id}`;
/** Per-user index of session ids, so an admin can list and revoke a person's sessions. */
const userKey = (user: string) => `sessions-of:${user}`;

interface Verified {
  session: Session;
  /** clock.now() when the store last vouched for it. */
  at: number;
}

export function createSessions(deps: { store: Store; signer: Signer; clock: Clock; config: SessionConfig }): Sessions {
  const { store, signer, clock, config } = deps;
  // Rewriting the record on every request would make the hot path a store write; a touch at
  // most every 1/10 of the idle timeout keeps idle expiry accurate to within 10%.
  const touchEvery = Math.max(1000, Math.floor(config.idleTimeout / 10));
  // The hot path: a cookie verified within session.verified_cache (500 ms by default) skips the
  // HMAC, the store round trip and the JSON parse. Lifetime and idle limits are still checked on
  // every request; a revocation here drops the entry at once, one on another instance is seen
  // once the window has passed (issue #4 asks for 1 s; 0 turns the cache off).
  // Freshness is checked here rather than with lru-cache's ttl option, whose bookkeeping cost more
  // than the check on every request. A clock that went back makes no entry fresh.
  const window = config.verifiedCache;
  const verified = new LRUCache<string, Verified>({ max: 50_000 });
  const freshlyVerified = (cookie: string, now: number): Verified | undefined => {
    const hit = verified.get(cookie);
    return hit !== undefined && now >= hit.at && now - hit.at < window ? hit : undefined;
  };
  const remember = (cookie: string, v: Verified) => {
    if (window > 0) verified.set(cookie, v);
  };
  const forget = (match: (v: Verified) => boolean) => {
    for (const [cookie, v] of verified.entries()) if (match(v)) verified.delete(cookie);
  };
  /** A store that fails may have lost revocations: nothing verified before is trusted. */
  const distrustCache = (err: unknown): never => {
    verified.clear();
    throw err;
  };
  const isOver = (session: Session, now: number) =>
    now - session.createdAt >= config.lifetime || now - session.seenAt >= config.idleTimeout;

  function cached(cookie: string | undefined): Session | undefined {
    if (!cookie) return undefined;
    const now = clock.now();
    const hit = freshlyVerified(cookie, now);
    if (hit === undefined) return undefined;
    return !isOver(hit.session, now) && now - hit.session.seenAt < touchEvery ? hit.session : undefined;
  }

  function ttlFor(session: Session, now: number): number {
    return Math.min(config.idleTimeout, session.createdAt + config.lifetime - now);
  }

  return {
    async create(user, proof = CODE_PROOF, enrolled) {
      const now = clock.now();
      const id = randomId();
      const session: Session = {
        id,
        user,
        createdAt: now,
        seenAt: now,
        proof: { ...proof, factors: [...proof.factors], at: now },
        ...(enrolled === undefined ? {} : { enrolled }),
      };
      await guardStore('creating session', async () => {
        // Index first: a session that exists is always findable by its user (a stale index
        // entry is pruned when listed; a missing one would hide a session from revocation).
        await store.setAdd(userKey(user), id, config.lifetime);
        await store.set(key(id), toStored(session), ttlFor(session, now));
      });
      return { session, cookie: signer.sign(PURPOSE, id) };
    },

    cached,

    async resolve(cookie) {
      if (!cookie) return undefined;
      const fresh = cached(cookie);
      if (fresh !== undefined) return fresh;
      const now = clock.now();
      const hit = freshlyVerified(cookie, now);
      if (hit !== undefined && isOver(hit.session, now)) {
        verified.delete(cookie);
        return undefined;
      }
      const id = hit?.session.id ?? signer.unsign(PURPOSE, cookie);
      if (id === undefined) return undefined;
      const raw = await guardStore('loading session', () => store.get(key(id))).catch(distrustCache);
      const session = fromStored(id, raw);
      if (session === undefined || isOver(session, now)) {
        verified.delete(cookie);
        return undefined;
      }
      if (now - session.seenAt >= touchEvery) {
        const touched: Session = { ...session, seenAt: now };
        // Only where the record still exists: a revocation on another instance between our
        // read and this write must not bring the session back.
        const kept = await guardStore('touching session', () =>
          store.replace(key(id), toStored(touched), ttlFor(touched, now)),
        ).catch(distrustCache);
        if (!kept) return undefined;
        remember(cookie, { session: touched, at: now });
        return touched;
      }
      remember(cookie, { session, at: now });
      return session;
    },

    async revoke(id) {
      forget((v) => v.session.id === id);
      await guardStore('revoking session', async () => {
        const raw = await store.get(key(id));
        await store.delete(key(id));
        const user = fromStored(id, raw)?.user;
        if (user !== undefined) await store.setRemove(userKey(user), id);
      });
    },

    async find(id) {
      const raw = await guardStore('finding session', () => store.get(key(id)));
      return fromStored(id, raw);
    },

    async list(user) {
      return guardStore('listing sessions', async () => {
        const ids = await store.setMembers(userKey(user));
        const found = await Promise.all(ids.map(async (id) => ({ id, raw: await store.get(key(id)) })));
        const sessions: Session[] = [];
        const gone: string[] = [];
        for (const { id, raw } of found) {
          const session = fromStored(id, raw);
          if (session?.user === user) sessions.push(session);
          else gone.push(id);
        }
        if (gone.length > 0) await store.setRemove(userKey(user), ...gone);
        return sessions.sort((a, b) => a.createdAt - b.createdAt);
      });
    },

    async revokeUser(user) {
      forget((v) => v.session.user === user);
      const ids = await guardStore('listing sessions to revoke', () => store.setMembers(userKey(user)));
      let count = 0;
      await guardStore(
        () => `revoking sessions (${count} of ${ids.length} done)`,
        async () => {
          for (const id of ids) {
            if (await store.delete(key(id))) count += 1;
            await store.setRemove(userKey(user), id);
          }
        },
      );
      return count;
    },
  };
}

function toStored(session: Session): string {
  const { user, createdAt, seenAt, proof, enrolled } = session;
  const stored: StoredSession = {
    u: user,
    c: createdAt,
    s: seenAt,
    f: [...proof.factors],
    a: proof.at,
    m: proof.method,
    ...(proof.deviceTrustedAt === undefined ? {} : { d: proof.deviceTrustedAt }),
    ...(enrolled === undefined ? {} : { e: { n: enrolled.name, g: [...enrolled.groups] } }),
  };
  return JSON.stringify(stored);
}

/** The session a stored value holds; undefined when absent or unreadable (no session: fail closed). */
function fromStored(id: string, raw: string | undefined): Session | undefined {
  if (raw === undefined) return undefined;
  let r: Partial<StoredSession>;
  try {
    r = JSON.parse(raw) as Partial<StoredSession>;
  } catch {
    return undefined;
  }
  if (typeof r.u !== 'string' || typeof r.c !== 'number' || typeof r.s !== 'number') return undefined;
  const proof: Proof = {
    // Records written before factors existed were one-time-code logins made at creation.
    factors: r.f ?? ['otp'],
    at: r.a ?? r.c,
    method: r.m ?? 'code',
    ...(r.d === undefined ? {} : { deviceTrustedAt: r.d }),
  };
  const session: Session = { id, user: r.u, createdAt: r.c, seenAt: r.s, proof };
  if (r.e !== undefined) session.enrolled = { name: r.e.n, groups: r.e.g };
  return session;
}
