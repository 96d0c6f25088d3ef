// The upstream side: one http-proxy server and one keep-alive agent per app, bodies streamed
// in both directions, WebSocket upgrades piped. Failures become a callback, never a crash.
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

import type { ProxyServer } from 'http-proxy-3';
import { createProxyServer } from 'http-proxy-3';

import type { AppConfig } from '../../config/types.js';
import { createResponseDeadlines } from './response-deadlines.js';

export type UpstreamFailure = 'unreachable' | 'timeout';

export interface Upstreams {
  web(app: AppConfig, req: http.IncomingMessage, res: http.ServerResponse): void;
  ws(app: AppConfig, req: http.IncomingMessage, socket: Duplex, head: Buffer): void;
  close(): void;
}

/** Below the 5 s idle timeout of Node's and Apache's servers. */
const IDLE_SOCKET_MS = 4_000;

/**
 * The keep-alive agent options for every upstream (the bench's bare http-proxy baseline uses them
 * too). Node and Apache upstreams close an idle keep-alive connection after 5 s; reusing one just
 * as it closes fails with ECONNRESET, a 502 for a healthy app, so idle sockets are dropped first.
 * (A request in flight runs under the app's own timeout: response-deadlines.ts.)
 */
export const UPSTREAM_AGENT_OPTIONS = { keepAlive: true, timeout: IDLE_SOCKET_MS } as const satisfies http.AgentOptions;

export function createUpstreams(
  apps: readonly AppConfig[],
  onFailure: (failure: UpstreamFailure, err: Error, req: http.IncomingMessage, res: http.ServerResponse) => void,
): Upstreams {
  const deadlines = createResponseDeadlines();
  // Keyed by what the proxy is built from, not by the AppConfig object: a reload brings new
  // objects (and maybe new apps), and each must still find (or get) its proxy.
  const proxies = new Map<string, ProxyServer>();
  const agents: Array<http.Agent> = [];

  function build(app: AppConfig): ProxyServer {
    const isHttps = app.upstream.startsWith('https:');
    const agent = isHttps ? new https.Agent(UPSTREAM_AGENT_OPTIONS) : new http.Agent(UPSTREAM_AGENT_OPTIONS);
    const proxy = createProxyServer({
      target: app.upstream,
      agent,
      xfwd: false, // the gate writes X-Forwarded-* itself, believing only trusted peers
      ws: true,
    });
    agents.push(agent);
    // Server-level listeners only: nothing is attached to each request.
    proxy.on('proxyReq', (proxyReq, req) => deadlines.start(req, proxyReq, app.timeout));
    proxy.on('proxyRes', (_proxyRes, req) => deadlines.stop(req));
    proxy.on('error', (err, req, res) => {
      deadlines.stop(req);
      if (res instanceof http.ServerResponse) {
        onFailure(deadlines.expired(req) ? 'timeout' : 'unreachable', err, req, res);
      } else {
        (res as Socket).destroy();
      }
    });
    return proxy;
  }

  const proxyFor = (app: AppConfig) => {
    const key = `${app.upstream} ${app.timeout}`;
    let proxy = proxies.get(key);
    if (!proxy) proxies.set(key, (proxy = build(app)));
    return proxy;
  };
  for (const app of apps) proxyFor(app);

  return {
    web(app, req, res) {
      // http-proxy announces no proxyReq for "Expect: 100-continue" requests, so the sweep never
      // sees them: those few get its per-request socket timer (a timeout then reads as a 502).
      if (req.headers.expect === undefined) proxyFor(app).web(req, res);
      else proxyFor(app).web(req, res, { proxyTimeout: app.timeout });
    },
    ws(app, req, socket, head) {
      proxyFor(app).ws(req, socket, head);
    },
    close() {
      deadlines.close();
      for (const proxy of proxies.values()) proxy.close();
      for (const agent of agents) agent.destroy();
    },
  };
}
