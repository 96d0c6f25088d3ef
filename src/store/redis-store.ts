// The Store on Redis, shared by every gate instance and worker. Each method is one command or
// one Lua script on one key, so it is atomic on a single server, behind Sentinel and in a
// cluster alike (incrementAll's one script for several keys runs only where there is one server);
// the gate never holds a lock or a local copy that another instance could stale.
import { Cluster } from 'ioredis';

import type { Logger } from '../shared/log.js';
import type { RedisClient } from './redis-client.js';
import type { Counts, Store } from './store.js';
import { guardStore, StoreError } from './store.js';

/** INCR, and give the counter its TTL only when it has none: a fixed window from the first hit. */
export const INCREMENT_LUA = `
local n = redis.call('INCR', KEYS[1])
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`;

/** GET and DEL in one (GETDEL, which this script stands for, needs Redis 6.2). */
export const TAKE_LUA = `
local v = redis.call('GET', KEYS[1])
if v then redis.call('DEL', KEYS[1]) end
return v`;

/** INCREMENT_LUA for each key: the counts, in order. */
export const INCREMENT_ALL_LUA = `
local counts = {}
for i, key in ipairs(KEYS) do
  counts[i] = redis.call('INCR', key)
  if redis.call('PTTL', key) < 0 then redis.call('PEXPIRE', key, ARGV[1]) end
end
return counts`;

/** INCRBY, with the TTL given as INCREMENT_LUA gives it. */
export const INCREMENT_BY_LUA = `
local n = redis.call('INCRBY', KEYS[1], ARGV[2])
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`;

/** SET only while the key holds exactly ARGV[1] (compare and set): 1 when set. */
export const REPLACE_IF_LUA = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1`;

/** SADD, and keep the set at least ARGV[2] ms longer (never shorten what a longer member needs). */
export const SET_ADD_LUA = `
redis.call('SADD', KEYS[1], ARGV[1])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1`;

/**
 * Claims due members of a schedule (a sorted set scored by due time): ARGV[1] due by, ARGV[2]
 * lease until, ARGV[3] the most to claim, ARGV[4] one member alone (optional). Each claimed
 * member is re-scored to the lease's end in the same script, so two instances polling at once
 * never both get it.
 */
export const SCHEDULE_CLAIM_LUA = `
local members
if ARGV[4] then
  local at = redis.call('ZSCORE', KEYS[1], ARGV[4])
  if at and tonumber(at) <= tonumber(ARGV[1]) then members = {ARGV[4]} else members = {} end
else
  members = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[3])
end
for _, m in ipairs(members) do redis.call('ZADD', KEYS[1], 'XX', ARGV[2], m) end
return members`;

export interface RedisStoreOptions {
  client: RedisClient;
  /** Put before every key, so several gates (or other software) can share one Redis. */
  keyPrefix: string;
  /** How long start-up waits for the first connection before `check` fails, ms. */
  connectTimeout: number;
  log?: Logger;
}

/** Redis wants whole, positive milliseconds. */
const px = (ttlMs: number) => Math.max(1, Math.ceil(ttlMs));

export function createRedisStore(options: RedisStoreOptions): Store {
  const { client, keyPrefix, log } = options;
  const k = (key: string) => keyPrefix + key;
  const connection = watchConnection(client, log);

  const run = <T>(command: string, op: () => Promise<T>) => guardStore(`redis: ${command}`, op);

  return {
    get: (key) => run('GET', async () => (await client.get(k(key))) ?? undefined),
    set: (key, value, ttlMs) =>
      run('SET', async () => {
        await client.set(k(key), value, 'PX', px(ttlMs));
      }),
    delete: (key) => run('DEL', async () => (await client.del(k(key))) === 1),
    take: (key) => run('GETDEL', async () => ((await client.eval(TAKE_LUA, 1, k(key))) as string | null) ?? undefined),
    increment: (key, ttlMs) => run('INCR', async () => Number(await client.eval(INCREMENT_LUA, 1, k(key), px(ttlMs)))),
    // A cluster keeps unrelated keys on different slots, and one script may touch only one slot.
    incrementAll: (keys, ttlMs) =>
      run('INCR', async () => {
        const counts =
          client instanceof Cluster
            ? await Promise.all(keys.map((key) => client.eval(INCREMENT_LUA, 1, k(key), px(ttlMs))))
            : ((await client.eval(INCREMENT_ALL_LUA, keys.length, ...keys.map(k), px(ttlMs))) as unknown[]);
        return counts.map(Number) as Counts<typeof keys>;
      }),
    incrementBy: (key, amount, ttlMs) =>
      run('INCRBY', async () => Number(await client.eval(INCREMENT_BY_LUA, 1, k(key), px(ttlMs), Math.trunc(amount)))),
    replace: (key, value, ttlMs, expected) =>
      expected === undefined
        ? run('SET XX', async () => (await client.set(k(key), value, 'PX', px(ttlMs), 'XX')) === 'OK')
        : run(
            'SET (if unchanged)',
            async () => (await client.eval(REPLACE_IF_LUA, 1, k(key), expected, value, px(ttlMs))) === 1,
          ),
    setAdd: (key, member, ttlMs) =>
      run('SADD', async () => {
        await client.eval(SET_ADD_LUA, 1, k(key), member, px(ttlMs));
      }),
    setMembers: (key) => run('SMEMBERS', () => client.smembers(k(key))),
    setRemove: (key, ...members) =>
      run('SREM', async () => {
        if (members.length > 0) await client.srem(k(key), ...members);
      }),
    scheduleAdd: (key, member, at) =>
      run('ZADD', async () => {
        await client.zadd(k(key), at, member);
      }),
    scheduleClaim: (key, claim) =>
      run('ZADD (claim)', async () => {
        const which = 'member' in claim ? [1, claim.member] : [claim.limit];
        const args = [claim.dueBy, claim.leaseUntil, ...which];
        return (await client.eval(SCHEDULE_CLAIM_LUA, 1, k(key), ...args)) as string[];
      }),
    scheduleRemove: (key, member) => run('ZREM', async () => (await client.zrem(k(key), member)) === 1),

    async check() {
      // Start-up waits for the first connection; afterwards (readiness probes) a lost
      // connection is reported at once rather than after a timeout.
      if (!connection.everReady) await connection.firstReady(options.connectTimeout);
      if (client.status !== 'ready')
        throw new StoreError(`redis: not connected (${client.status})`, connection.lastError);
      await run('PING', () => client.ping());
    },

    async close() {
      connection.closing = true;
      try {
        await Promise.race([client.quit(), new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
      } catch {
        // Already disconnected: nothing to say goodbye to.
      } finally {
        client.disconnect();
      }
    },
  };
}

interface ConnectionWatch {
  everReady: boolean;
  closing: boolean;
  lastError: Error | undefined;
  firstReady(timeoutMs: number): Promise<void>;
}

/** Logs each outage once (not every failed reconnection) and when Redis is back. */
function watchConnection(client: RedisClient, log: Logger | undefined): ConnectionWatch {
  let down = false;
  let resolveReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    resolveReady = resolve;
  });
  const watch: ConnectionWatch = {
    everReady: false,
    closing: false,
    lastError: undefined,
    async firstReady(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([ready, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
      clearTimeout(timer);
    },
  };
  client.on('ready', () => {
    if (down) log?.info('store: redis connection restored');
    down = false;
    watch.everReady = true;
    watch.lastError = undefined;
    resolveReady();
  });
  // Without an 'error' listener ioredis prints every failed reconnection to stderr.
  client.on('error', (err: Error) => {
    watch.lastError = err;
    if (down || watch.closing) return;
    down = true;
    log?.error({ err }, 'store: redis connection failed; refusing protected requests until it is back');
  });
  client.on('close', () => {
    if (down || watch.closing || !watch.everReady) return;
    down = true;
    log?.error('store: redis connection lost; refusing protected requests until it is back');
  });
  return watch;
}
