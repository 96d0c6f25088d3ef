// How long a client may take to send its request: the node:http settings that stop slow clients
// (slowloris) from holding the gate's connections, from server.* options.
import type http from 'node:http';

import type { ServerConfig } from '../config/types.js';

type Limits = Pick<ServerConfig, 'headersTimeout' | 'requestTimeout' | 'keepAliveTimeout'>;

/** Options for http.createServer; the timeouts are enforced by a sweep every connectionsCheckingInterval. */
export function httpServerOptions(limits: Limits): http.ServerOptions {
  return {
    headersTimeout: limits.headersTimeout,
    requestTimeout: limits.requestTimeout,
    keepAliveTimeout: limits.keepAliveTimeout,
    // Node sweeps every 30 s by default, so a 10 s headers timeout could take 40 s to act; a
    // quarter of it (at most 5 s) keeps the limit close to what was configured.
    connectionsCheckingInterval: Math.max(100, Math.min(5_000, Math.floor(limits.headersTimeout / 4))),
  };
}
