// Builds the ioredis client for a redis store: one server by URL, a primary found through
// Sentinels, or a cluster. Every variant fails fast instead of queueing while Redis is away
// (the gate refuses rather than waits) and reconnects by itself within half a second.
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';

import type { ClusterOptions, RedisOptions } from 'ioredis';
import { Cluster, Redis } from 'ioredis';

import type { RedisStoreConfig, RedisTlsConfig } from '../config/types.js';
import { StoreError } from './store.js';

export type RedisClient = Redis | Cluster;

/** Longest pause between reconnection attempts: Redis coming back is noticed within this. */
export const RECONNECT_MAX_DELAY_MS = 500;

/** 50, 100, 150 … ms, then every RECONNECT_MAX_DELAY_MS, for ever: the gate never gives up on Redis. */
export function reconnectDelay(attempt: number): number {
  return Math.min(attempt * 50, RECONNECT_MAX_DELAY_MS);
}

/** Options shared by every connection: no offline queue, bounded commands, endless reconnection. */
export function connectionOptions(config: RedisStoreConfig): RedisOptions {
  return {
    // Commands issued while disconnected fail at once instead of waiting for a reconnection
    // that may never come; the request they serve is refused with 503 (fail closed).
    enableOfflineQueue: false,
    // Commands already sent when the connection drops fail instead of being resent later.
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: config.commandTimeout,
    connectTimeout: Math.max(2_000, config.commandTimeout),
    retryStrategy: reconnectDelay,
    // Many concurrent requests share round trips: the hot path's GETs pipeline together.
    enableAutoPipelining: true,
    keepAlive: 10_000,
    ...(config.username === undefined ? {} : { username: config.username }),
    ...(config.password === undefined ? {} : { password: config.password }),
    ...(config.tls === undefined ? {} : { tls: tlsOptions(config.tls) }),
  };
}

export function createRedisClient(config: RedisStoreConfig): RedisClient {
  const options = connectionOptions(config);
  const { address } = config;
  switch (address.kind) {
    case 'url':
      return new Redis(urlWithoutCredentials(address.url, config), options);
    case 'sentinel':
      return new Redis({
        ...options,
        name: address.masterName,
        sentinels: address.sentinels,
        db: address.db,
        ...(address.sentinelPassword === undefined ? {} : { sentinelPassword: address.sentinelPassword }),
        ...(options.tls === undefined ? {} : { enableTLSForSentinelMode: true, sentinelTLS: options.tls }),
        // Sentinels all down: ask them again soon, like a lost connection.
        sentinelRetryStrategy: reconnectDelay,
      });
    case 'cluster': {
      const { enableOfflineQueue, retryStrategy, ...perNode } = options;
      const clusterOptions: ClusterOptions = {
        enableOfflineQueue,
        clusterRetryStrategy: retryStrategy ?? reconnectDelay,
        enableAutoPipelining: true,
        maxRedirections: 16,
        slotsRefreshTimeout: Math.max(1_000, config.commandTimeout),
        redisOptions: perNode,
      };
      return new Cluster(address.nodes, clusterOptions);
    }
  }
}

/**
 * A password or user name set in the config wins over one written in the URL (ioredis would
 * prefer the URL's), so the URL's are dropped when the config gives its own.
 */
function urlWithoutCredentials(url: string, config: RedisStoreConfig): string {
  if (config.password === undefined && config.username === undefined) return url;
  const parsed = new URL(url);
  if (config.password !== undefined) parsed.password = '';
  if (config.username !== undefined) parsed.username = '';
  return parsed.toString();
}

function tlsOptions(tls: RedisTlsConfig): ConnectionOptions {
  const read = (what: string, file: string | undefined): Buffer | undefined => {
    if (file === undefined) return undefined;
    try {
      return readFileSync(file);
    } catch (err) {
      throw new StoreError(`reading the TLS ${what} file "${file}"`, err);
    }
  };
  const ca = read('CA', tls.caFile);
  const cert = read('certificate', tls.certFile);
  const key = read('key', tls.keyFile);
  return {
    rejectUnauthorized: tls.rejectUnauthorized,
    ...(ca ? { ca } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    ...(tls.serverName === undefined ? {} : { servername: tls.serverName }),
  };
}
