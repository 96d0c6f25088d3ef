// The upstream side: one undici connection pool per app, bodies streamed in both directions with
// backpressure, WebSocket upgrades piped. Failures become callbacks, never a crash.
// undici's dispatcher, not node:http with http-proxy: a request costs about a third less CPU there
// (issue #24), and its per-connection headers timeout replaces a timer per request.
import type http from 'node:http';
import type { Duplex } from 'node:stream';

import type { Dispatcher } from 'undici';
import { Pool } from 'undici';

import type { AppConfig } from '../../config/types.js';
import { requestHeadersForUpstream, responseHeadersForClient } from './hop-by-hop.js';
import { WebSocketTunnel } from './websocket-tunnel.js';

export type UpstreamFailure = 'unreachable' | 'timeout';

export interface Upstreams {
  web(app: AppConfig, req: http.IncomingMessage, res: http.ServerResponse): void;
  ws(app: AppConfig, req: http.IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Tells every open WebSocket the gate is going away (close frame 1001) and ends it. */
  goAway(): void;
  /** After a reload: closes the pools of upstreams no app uses any more, once their requests finish. */
  retain(apps: readonly AppConfig[]): void;
  close(): void;
}

export interface UpstreamEvents {
  /** No response came: the gate answers instead (502, 504). */
  onFailure(failure: UpstreamFailure, err: Error, req: http.IncomingMessage, res: http.ServerResponse): void;
  /** The upstream failed after its response had begun: the client's connection was closed at once. */
  onCut(err: Error, req: http.IncomingMessage, res: http.ServerResponse): void;
  /** A request header repeated on the response (the request id), written with the upstream's headers in one go. */
  echoHeader: string;
}

/**
 * Below the 5 s idle timeout of Node's and Apache's servers: reusing a connection just as the
 * upstream closes it fails, a 502 for a healthy app, so idle connections are dropped first (or
 * 2 s before the time an upstream's own Keep-Alive header gives). A request in flight runs under
 * the app's timeout instead.
 */
const IDLE_SOCKET_MS = 4_000;

const TIMEOUTS = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/** An app's upstream: its pool, and the path its URL puts before every request's. */
interface Upstream {
  pool: Pool;
  basePath: string;
}

export function createUpstreams(apps: readonly AppConfig[], events: UpstreamEvents): Upstreams {
  // Keyed by what the pool is built from, not by the AppConfig object: a reload brings new
  // objects (and maybe new apps), and each must still find (or get) its pool.
  const upstreams = new Map<string, Upstream>();
  const tunnels = new Set<WebSocketTunnel>();

  function build(app: AppConfig): Upstream {
    const url = new URL(app.upstream);
    const pool = new Pool(url.origin, {
      // The app's timeout for response headers, counted from the end of the request, connecting included.
      headersTimeout: app.timeout,
      connectTimeout: app.timeout,
      // Streams (downloads, server-sent events) may pause as long as they like, as before.
      bodyTimeout: 0,
      keepAliveTimeout: IDLE_SOCKET_MS,
    });
    return { pool, basePath: url.pathname.replace(/\/$/, '') };
  }

  const keyOf = (app: AppConfig) => `${app.upstream} ${app.timeout}`;
  const upstreamFor = (app: AppConfig) => {
    const key = keyOf(app);
    let upstream = upstreams.get(key);
    if (!upstream) upstreams.set(key, (upstream = build(app)));
    return upstream;
  };
  for (const app of apps) upstreamFor(app);

  return {
    web(app, req, res) {
      const { pool, basePath } = upstreamFor(app);
      const { headers, hasBody } = requestHeadersForUpstream(req.headers);
      const exchange = new Exchange(req, res, events);
      pool.dispatch({ path: basePath + req.url, method: req.method!, headers, body: hasBody ? req : null }, exchange);
    },
    ws(app, req, socket, head) {
      // A handshake is a GET asking for "websocket" (RFC 6455 §4.1); other upgrades are dropped.
      if (req.method !== 'GET' || req.headers.upgrade?.toLowerCase() !== 'websocket') return void socket.destroy();
      const { pool, basePath } = upstreamFor(app);
      const { headers } = requestHeadersForUpstream(req.headers);
      const handshake = new Handshake(socket, head, events.echoHeader, req.headers[events.echoHeader], (tunnel) => {
        tunnels.add(tunnel);
        return () => tunnels.delete(tunnel);
      });
      pool.dispatch({ path: basePath + req.url, method: 'GET', headers, upgrade: 'websocket' }, handshake);
    },
    goAway() {
      for (const tunnel of tunnels) tunnel.goAway();
    },
    retain(apps) {
      const inUse = new Set(apps.map(keyOf));
      for (const [key, { pool }] of upstreams) {
        if (inUse.has(key)) continue;
        upstreams.delete(key);
        void pool.close();
      }
    },
    close() {
      for (const tunnel of tunnels) tunnel.destroy();
      for (const { pool } of upstreams.values()) void pool.destroy();
    },
  };
}

/** The client was gone before the upstream's answer was: nobody to tell. */
class ClientGone extends Error {}

/**
 * One request and its response, on undici's dispatcher (its lowest-level interface: raw header
 * buffers, no stream objects), written to the client as they come.
 */
class Exchange implements Dispatcher.DispatchHandler {
  private abort: ((err: Error) => void) | undefined;
  private resume: (() => void) | undefined;
  private done = false;

  constructor(
    private readonly req: http.IncomingMessage,
    private readonly res: http.ServerResponse,
    private readonly events: UpstreamEvents,
  ) {
    res.on('close', this.clientClosed);
  }

  private readonly clientClosed = () => {
    if (!this.done) this.abort?.(new ClientGone());
  };

  onConnect(abort: (err?: Error) => void): void {
    this.abort = abort;
    if (this.res.destroyed) abort(new ClientGone());
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    // 1xx informational answers (103 Early Hints) are not passed on.
    if (statusCode < 200) return true;
    this.resume = resume;
    const headers = responseHeadersForClient(rawHeaders);
    const echoed = this.req.headers[this.events.echoHeader];
    if (typeof echoed === 'string') headers.push(this.events.echoHeader, echoed);
    if (statusText) this.res.writeHead(statusCode, statusText, headers);
    else this.res.writeHead(statusCode, headers);
    return true;
  }

  onData(chunk: Buffer): boolean {
    // undici hands an empty chunk on each resume after a pause; writing it costs an empty write(2).
    if (chunk.length === 0) return true;
    if (this.res.write(chunk)) return true;
    this.res.once('drain', this.resume!);
    return false;
  }

  onComplete(): void {
    this.done = true;
    this.res.end();
  }

  onError(err: Error): void {
    this.done = true;
    if (err instanceof ClientGone) return;
    const { req, res, events } = this;
    if (!res.headersSent) {
      const echoed = req.headers[events.echoHeader];
      if (echoed !== undefined) res.setHeader(events.echoHeader, echoed);
      return events.onFailure(
        TIMEOUTS.has((err as NodeJS.ErrnoException).code ?? '') ? 'timeout' : 'unreachable',
        err,
        req,
        res,
      );
    }
    // Part of the body went out: ending normally would pass a truncated body for a whole one, and
    // keeping the connection would leave the client waiting for bytes that never come.
    res.destroy(err);
    events.onCut(err, req, res);
  }
}

/**
 * A WebSocket handshake: the upstream's 101 starts a tunnel; any other answer is passed to the
 * client as it came, and the connection closed after it.
 */
class Handshake implements Dispatcher.DispatchHandler {
  constructor(
    private readonly client: Duplex,
    private readonly head: Buffer,
    private readonly echoHeader: string,
    private readonly echoed: string | string[] | undefined,
    private readonly opened: (tunnel: WebSocketTunnel) => () => void,
  ) {
    // Until the tunnel has its own, a client error only ends the handshake.
    client.on('error', () => client.destroy());
  }

  onConnect(abort: (err?: Error) => void): void {
    if (this.client.destroyed) abort(new ClientGone());
    else this.client.once('close', () => abort());
  }

  onUpgrade(statusCode: number, rawHeaders: Buffer[] | string[] | null, upstream: Duplex): void {
    // The client left during the handshake: its close already passed, nothing would end the upstream.
    if (this.client.destroyed) return void upstream.destroy();
    this.client.write(
      this.statusAndHeaders(
        statusCode,
        'Switching Protocols',
        responseHeadersForClient((rawHeaders ?? []) as Buffer[], true),
      ),
    );
    if (this.head.length > 0) upstream.write(this.head);
    const tunnel = new WebSocketTunnel(this.client, upstream, () => closed());
    const closed = this.opened(tunnel);
    upstream.resume();
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], _resume: () => void, statusText: string): boolean {
    if (statusCode < 200) return true;
    // No length known: the body ends when the connection does, as it will after this answer.
    this.client.write(
      this.statusAndHeaders(statusCode, statusText, [...responseHeadersForClient(rawHeaders), 'connection', 'close']),
    );
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.client.write(chunk);
    return true;
  }

  onComplete(): void {
    this.client.end();
  }

  onError(): void {
    this.client.destroy();
  }

  private statusAndHeaders(statusCode: number, statusText: string, headers: string[]): string {
    if (typeof this.echoed === 'string') headers.push(this.echoHeader, this.echoed);
    let text = `HTTP/1.1 ${statusCode} ${statusText}\r\n`;
    for (let i = 0; i < headers.length; i += 2) text += `${headers[i]}: ${headers[i + 1]}\r\n`;
    return `${text}\r\n`;
  }
}
