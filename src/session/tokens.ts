// Access tokens for scripts and apps, on the Store: service tokens (made by an admin with
// `otp-gate tokens create`, rules name them) and personal tokens (a signed-in person's own,
// carrying who they are). Only a digest of the secret is stored (token-format.ts). Revocation
// deletes the record; like sessions, an instance trusts a token it checked within
// session.verified_cache without asking the store again, so a revocation elsewhere is seen
// within that window. Failed checks are counted per client address and refused past a limit.
import { LRUCache } from 'lru-cache';

import type { Clock } from '../shared/clock.js';
import type { Store } from '../store/store.js';
import { guardStore } from '../store/store.js';
import { mintToken, parseToken, secretMatches } from './token-format.js';

export type TokenKind = 'service' | 'personal';

export interface AccessToken {
  id: string;
  kind: TokenKind;
  /** A service token's name (what rules and the CLI use), or the label a person gave theirs. */
  name: string;
  /** personal only: whose token it is (the username). */
  user: string | undefined;
  /** The apps (by name) it opens; no other. */
  apps: readonly string[];
  /** service only: its groups, for rules that admit by group. */
  groups: readonly string[];
  createdAt: number;
  expiresAt: number;
}

export type NewToken = Pick<AccessToken, 'kind' | 'name' | 'user' | 'apps' | 'groups'> & { lifetimeMs: number };

/** Why a presented token did not pass, as metrics and audit name it. */
export type TokenFailure = 'malformed' | 'unknown' | 'limited';

export type TokenCheck = { ok: true; token: AccessToken } | { ok: false; failure: TokenFailure };

export interface Tokens {
  /** Stores a new token; returns it with its text, which exists nowhere else afterwards. */
  create(spec: NewToken): Promise<{ token: AccessToken; text: string }>;
  /** Service tokens (owner undefined) or one person's tokens, oldest first. */
  list(user: string | undefined): Promise<AccessToken[]>;
  find(id: string): Promise<AccessToken | undefined>;
  /** Ends a token everywhere; false when there was none. */
  revoke(id: string): Promise<boolean>;
  /** Ends every personal token of a person; returns how many there were. */
  revokeUser(user: string): Promise<number>;
  /** The token a text names, when this instance checked it within the window (the hot path). */
  cached(text: string): AccessToken | undefined;
  /** Checks a token text against the store; `ip` is who presented it (failures are limited per address). */
  check(text: string, ip: string): Promise<TokenCheck>;
}

/** Failed checks one client address may make per window before every check from it is refused. */
export const FAILED_CHECKS_PER_WINDOW = 20;
export const FAILED_CHECK_WINDOW_MS = 10 * 60_000;

const key = (id: string) => `token:${id}`;
/** The index of service tokens, or of one person's. */
const indexKey = (user: string | undefined) => (user === undefined ? 'tokens-of:' : `tokens-of:${user}`);
const failKey = (ip: string, now: number) => `token-fails:${ip}:${Math.floor(now / FAILED_CHECK_WINDOW_MS)}`;

/** Stored with short keys, as sessions are: each live token is one value. */
interface StoredToken {
  k: TokenKind;
  n: string;
  u?: string;
  a: string[];
  g: string[];
  /** The secret's digest. */
  h: string;
  c: number;
  e: number;
}

interface Verified {
  token: AccessToken;
  at: number;
}

export function createTokens(deps: { store: Store; clock: Clock; verifiedCacheMs: number }): Tokens {
  const { store, clock } = deps;
  const window = deps.verifiedCacheMs;
  const verified = new LRUCache<string, Verified>({ max: 10_000 });
  const forget = (match: (t: AccessToken) => boolean) => {
    for (const [text, v] of verified.entries()) if (match(v.token)) verified.delete(text);
  };

  function cached(text: string): AccessToken | undefined {
    const hit = verified.get(text);
    if (hit === undefined) return undefined;
    const now = clock.now();
    return now >= hit.at && now - hit.at < window && now < hit.token.expiresAt ? hit.token : undefined;
  }

  async function load(id: string): Promise<{ token: AccessToken; digest: string } | undefined> {
    const raw = await store.get(key(id));
    return raw === undefined ? undefined : fromStored(id, raw);
  }

  async function list(user: string | undefined): Promise<AccessToken[]> {
    return guardStore('listing tokens', async () => {
      const ids = await store.setMembers(indexKey(user));
      const found = await Promise.all(ids.map(async (id) => ({ id, record: await load(id) })));
      const live: AccessToken[] = [];
      const gone: string[] = [];
      for (const { id, record } of found) {
        if (record && record.token.user === user) live.push(record.token);
        else gone.push(id);
      }
      if (gone.length > 0) await store.setRemove(indexKey(user), ...gone);
      return live.sort((a, b) => a.createdAt - b.createdAt);
    });
  }

  async function revoke(id: string): Promise<boolean> {
    forget((t) => t.id === id);
    return guardStore('revoking token', async () => {
      const record = await load(id);
      const removed = await store.delete(key(id));
      if (record) await store.setRemove(indexKey(record.token.user), id);
      return removed;
    });
  }

  return {
    async create(spec) {
      const taken = (await list(spec.user)).some((t) => t.name === spec.name);
      if (taken) throw new TokenNameTaken(spec.name, spec.user);
      const now = clock.now();
      const minted = mintToken();
      const token: AccessToken = {
        id: minted.id,
        kind: spec.kind,
        name: spec.name,
        user: spec.user,
        apps: [...spec.apps],
        groups: spec.kind === 'service' ? [...spec.groups] : [],
        createdAt: now,
        expiresAt: now + spec.lifetimeMs,
      };
      await guardStore('creating token', async () => {
        // Index first, as for sessions: a token that exists can always be listed and revoked.
        await store.setAdd(indexKey(spec.user), token.id, spec.lifetimeMs);
        await store.set(key(token.id), toStored(token, minted.digest), spec.lifetimeMs);
      });
      return { token, text: minted.text };
    },

    list,

    async find(id) {
      return (await guardStore('finding token', () => load(id)))?.token;
    },

    revoke,

    async revokeUser(user) {
      forget((t) => t.user === user);
      let count = 0;
      for (const token of await list(user)) if (await revoke(token.id)) count += 1;
      return count;
    },

    cached,

    async check(text, ip) {
      const hit = cached(text);
      if (hit) return { ok: true, token: hit };
      const now = clock.now();
      const fails = await guardStore('reading failed token checks', () => store.get(failKey(ip, now)));
      if (Number(fails ?? 0) >= FAILED_CHECKS_PER_WINDOW) return { ok: false, failure: 'limited' };
      const parsed = parseToken(text);
      const record = parsed && (await guardStore('loading token', () => load(parsed.id)));
      // The digest is compared even for an unknown id, so both answers take the same time.
      const matches = secretMatches(parsed?.secret ?? '', record?.digest ?? '');
      if (parsed && record && matches && now < record.token.expiresAt) {
        verified.set(text, { token: record.token, at: now });
        return { ok: true, token: record.token };
      }
      verified.delete(text);
      await guardStore('counting failed token checks', () => store.increment(failKey(ip, now), FAILED_CHECK_WINDOW_MS));
      return { ok: false, failure: parsed ? 'unknown' : 'malformed' };
    },
  };
}

/** A second token of the same name for the same owner: names must tell them apart. */
export class TokenNameTaken extends Error {
  constructor(name: string, user: string | undefined) {
    super(
      user === undefined
        ? `a service token named "${name}" exists already; revoke it first or choose another name`
        : `you have a token named "${name}" already; choose another name`,
    );
    this.name = 'TokenNameTaken';
  }
}

function toStored(token: AccessToken, digest: string): string {
  const stored: StoredToken = {
    k: token.kind,
    n: token.name,
    ...(token.user === undefined ? {} : { u: token.user }),
    a: [...token.apps],
    g: [...token.groups],
    h: digest,
    c: token.createdAt,
    e: token.expiresAt,
  };
  return JSON.stringify(stored);
}

/** The token a stored value holds; undefined when unreadable (no token: fail closed). */
function fromStored(id: string, raw: string): { token: AccessToken; digest: string } | undefined {
  let r: Partial<StoredToken>;
  try {
    r = JSON.parse(raw) as Partial<StoredToken>;
  } catch {
    return undefined;
  }
  if (
    (r.k !== 'service' && r.k !== 'personal') ||
    typeof r.n !== 'string' ||
    typeof r.h !== 'string' ||
    typeof r.c !== 'number' ||
    typeof r.e !== 'number' ||
    !Array.isArray(r.a)
  )
    return undefined;
  if (r.k === 'personal' && typeof r.u !== 'string') return undefined;
  const token: AccessToken = {
    id,
    kind: r.k,
    name: r.n,
    user: r.k === 'personal' ? r.u : undefined,
    apps: r.a,
    groups: r.g ?? [],
    createdAt: r.c,
    expiresAt: r.e,
  };
  return { token, digest: r.h };
}
