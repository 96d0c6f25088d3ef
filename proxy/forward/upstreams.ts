// The upstream side: one http-proxy server and one keep-alive agent per app, bodies streamed
// in both directions, WebSocket upgrades piped. Failures become a callback, never a crash.
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createProxyServer } from 'http-proxy-3';
import type { ProxyServer } from 'http-proxy-3';
import type { AppConfig } from '../config/types.js';

export type UpstreamFailure = 'unreachable' | 'timeout';

export interface Upstreams {
  web(app: AppConfig, req: http.IncomingMessage, res: http.ServerResponse): void;
  ws(app: AppConfig, req: http.IncomingMessage, socket: Duplex, head: Buffer): void;
  close(): void;
}

/** Below the 5 s idle timeout of Node's and Apache's servers. */
export const IDLE_SOCKET_MS = 4_000;

export function createUpstreams(
  apps: readonly AppConfig[],
  onFailure: (failure: UpstreamFailure, err: Error, req: http.IncomingMessage, res: http.ServerResponse) => void,
): Upstreams {
  const timedOut = new WeakSet<http.IncomingMessage>();
  // Keyed by what the proxy is built from, not by the AppConfig object: a reload brings new
  // objects (and maybe new apps), and each must still find (or get) its proxy.
  const proxies = new Map<string, ProxyServer>();
  const agents: Array<http.Agent> = [];

  function build(app: AppConfig): ProxyServer {
    const isHttps = app.upstream.startsWith('https:');
    // Node and Apache upstreams close an idle keep-alive connection after 5 s; reusing one just as
    // it closes fails with ECONNRESET, a 502 for a healthy app. Idle sockets are dropped first.
    // (A request in flight runs under the app's own timeout, which http-proxy sets per request.)
    const agentOptions = { keepAlive: true, timeout: IDLE_SOCKET_MS };
    const agent = isHttps ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
    const proxy = createProxyServer({
      target: app.upstream,
      agent,
      xfwd: false, // the gate writes X-Forwarded-* itself, believing only trusted peers
      proxyTimeout: app.timeout,
      ws: true,
    });
    agents.push(agent);
    proxy.on('proxyReq', (proxyReq, req) => {
      proxyReq.on('timeout', () => timedOut.add(req));
    });
    proxy.on('error', (err, req, res) => {
      if (res instanceof http.ServerResponse) {
        onFailure(timedOut.has(req) ? 'timeout' : 'unreachable', err, req, res);
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
      proxyFor(app).web(req, res);
    },
    ws(app, req, socket, head) {
      proxyFor(app).ws(req, socket, head);
    },
    close() {
      for (const proxy of proxies.values()) proxy.close();
      for (const agent of agents) agent.destroy();
    },
  };
}
