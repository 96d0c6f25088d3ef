// Session records on the Store, addressed by a signed cookie. Built once on top of the Store
// interface so every backend behaves the same: absolute lifetime, idle timeout, revocation
// by deleting the record, and a fresh id at every login (no fixation).
import { LRUCache } from 'lru-cache';

import type { SessionConfig } from '../config/types.js';
import type { Factor } from '../policy/types.js';
import type { Clock } from '../shared/clock.js';
import type { Store } from '../store/store.js';
import { StoreError } from '../store/store.js';
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

interface SessionRecord {
  u: string;
  c: number;
  s: number;
  /** Proof: factors, when, method, device trusted at. Absent in records from before factors existed. */
  f?: Factor[];
  a?: number;
  m?: string;
  d?: number;
}

export interface Sessions {
  /** Creates a session for a user and returns it with the cookie value to set. */
  create(user: string, proof?: Omit<Proof, 'at'>): Promise<{ session: Session; cookie: string }>;
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
  id: string;
  record: SessionRecord;
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
  const isOver = (record: SessionRecord, now: number) =>
    now - record.c >= config.lifetime || now - record.s >= config.idleTimeout;

  function cached(cookie: string | undefined): Session | undefined {
    if (!cookie) return undefined;
    const now = clock.now();
    const hit = freshlyVerified(cookie, now);
    if (hit === undefined) return undefined;
    return !isOver(hit.record, now) && now - hit.record.s < touchEvery ? toSession(hit.id, hit.record) : undefined;
  }

  function ttlFor(record: SessionRecord, now: number): number {
    return Math.min(config.idleTimeout, record.c + config.lifetime - now);
  }

  return {
    async create(user, proof = CODE_PROOF) {
      const now = clock.now();
      const id = randomId();
      const record: SessionRecord = {
        u: user,
        c: now,
        s: now,
        f: [...proof.factors],
        a: now,
        m: proof.method,
        ...(proof.deviceTrustedAt === undefined ? {} : { d: proof.deviceTrustedAt }),
      };
      try {
        // Index first: a session that exists is always findable by its user (a stale index
        // entry is pruned when listed; a missing one would hide a session from revocation).
        await store.setAdd(userKey(user), id, config.lifetime);
        await store.set(key(id), JSON.stringify(record), ttlFor(record, now));
      } catch (err) {
        throw new StoreError('creating session', err);
      }
      return { session: toSession(id, record), cookie: signer.sign(PURPOSE, id) };
    },

    cached,

    async resolve(cookie) {
      if (!cookie) return undefined;
      const fresh = cached(cookie);
      if (fresh !== undefined) return fresh;
      const now = clock.now();
      const hit = freshlyVerified(cookie, now);
      if (hit !== undefined && isOver(hit.record, now)) {
        verified.delete(cookie);
        return undefined;
      }
      const id = hit?.id ?? signer.unsign(PURPOSE, cookie);
      if (id === undefined) return undefined;
      let raw: string | undefined;
      try {
        raw = await store.get(key(id));
      } catch (err) {
        // A store that fails may have lost revocations: trust nothing cached from before.
        verified.clear();
        throw new StoreError('loading session', err);
      }
      const record = raw === undefined ? undefined : parseRecord(raw);
      if (record === undefined || isOver(record, now)) {
        verified.delete(cookie);
        return undefined;
      }
      if (now - record.s >= touchEvery) {
        const touched: SessionRecord = { ...record, s: now };
        let kept: boolean;
        try {
          // Only where the record still exists: a revocation on another instance between our
          // read and this write must not bring the session back.
          kept = await store.replace(key(id), JSON.stringify(touched), ttlFor(touched, now));
        } catch (err) {
          verified.clear();
          throw new StoreError('touching session', err);
        }
        if (!kept) return undefined;
        remember(cookie, { id, record: touched, at: now });
        return toSession(id, touched);
      }
      remember(cookie, { id, record, at: now });
      return toSession(id, record);
    },

    async revoke(id) {
      forget((v) => v.id === id);
      try {
        const raw = await store.get(key(id));
        await store.delete(key(id));
        const user = raw === undefined ? undefined : parseRecord(raw)?.u;
        if (user !== undefined) await store.setRemove(userKey(user), id);
      } catch (err) {
        throw new StoreError('revoking session', err);
      }
    },

    async find(id) {
      let raw: string | undefined;
      try {
        raw = await store.get(key(id));
      } catch (err) {
        throw new StoreError('finding session', err);
      }
      const record = raw === undefined ? undefined : parseRecord(raw);
      return record && toSession(id, record);
    },

    async list(user) {
      try {
        const ids = await store.setMembers(userKey(user));
        const found = await Promise.all(ids.map(async (id) => ({ id, raw: await store.get(key(id)) })));
        const sessions: Session[] = [];
        const gone: string[] = [];
        for (const { id, raw } of found) {
          const record = raw === undefined ? undefined : parseRecord(raw);
          if (record && record.u === user) sessions.push(toSession(id, record));
          else gone.push(id);
        }
        if (gone.length > 0) await store.setRemove(userKey(user), ...gone);
        return sessions.sort((a, b) => a.createdAt - b.createdAt);
      } catch (err) {
        throw new StoreError('listing sessions', err);
      }
    },

    async revokeUser(user) {
      forget((v) => v.record.u === user);
      let ids: string[];
      try {
        ids = await store.setMembers(userKey(user));
      } catch (err) {
        throw new StoreError('listing sessions to revoke', err);
      }
      let count = 0;
      for (const id of ids) {
        try {
          if (await store.delete(key(id))) count += 1;
          await store.setRemove(userKey(user), id);
        } catch (err) {
          throw new StoreError(`revoking sessions (${count} of ${ids.length} done)`, err);
        }
      }
      return count;
    },
  };
}

function toSession(id: string, record: SessionRecord): Session {
  const proof: Proof = {
    // Records written before factors existed were one-time-code logins made at creation.
    factors: record.f ?? ['otp'],
    at: record.a ?? record.c,
    method: record.m ?? 'code',
    ...(record.d === undefined ? {} : { deviceTrustedAt: record.d }),
  };
  return { id, user: record.u, createdAt: record.c, seenAt: record.s, proof };
}

function parseRecord(raw: string): SessionRecord | undefined {
  try {
    const r = JSON.parse(raw) as Partial<SessionRecord>;
    if (typeof r.u === 'string' && typeof r.c === 'number' && typeof r.s === 'number') return r as SessionRecord;
  } catch {
    // A record we cannot read is no session: fail closed.
  }
  return undefined;
}
