// Runs a gate from a loaded configuration: the assembled core (assemble-gate.ts) and the upstream
// proxy behind one node:http server, plus the Prometheus listener. Start-up checks run before
// listening; shutdown drains in-flight requests and WebSockets before closing the store.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Challenges } from '../challenge/challenges.js';
import type { ChannelHealth } from '../channels/channel-health.js';
import type { DeliveryLearning } from '../channels/delivery-learning.js';
import type { GateConfig, LoadedGate } from '../config/types.js';
import { httpServerOptions } from '../http/connection-limits.js';
import { createUpstreams } from '../http/forward/upstreams.js';
import { createHandlers } from '../http/handler.js';
import { REQUEST_ID_HEADER } from '../http/request-id.js';
import { createDrainer } from '../ops/drain.js';
import type { GateMetrics } from '../ops/metrics.js';
import type { MetricsServer } from '../ops/metrics-server.js';
import { startMetricsServer } from '../ops/metrics-server.js';
import type { Sessions } from '../session/sessions.js';
import type { Tokens } from '../session/tokens.js';
import { listen, listenOnSocket } from '../shared/listen.js';
import type { Logger } from '../shared/log.js';
import { markUnixConnection } from '../shared/net/unix-peer.js';
import type { Store } from '../store/store.js';
import type { GateOptions } from './assemble-gate.js';
import { assembleGate } from './assemble-gate.js';

export type { GateOptions } from './assemble-gate.js';

export interface RunningGate {
  server: http.Server;
  /** "http://127.0.0.1:PORT", or "unix:/path" on a Unix socket. */
  url: string;
  /** "http://127.0.0.1:PORT/metrics", or undefined when metrics.listen is "off". */
  metricsUrl: string | undefined;
  store: Store;
  sessions: Sessions;
  tokens: Tokens;
  challenges: Challenges;
  /** The delivery figures' counts (idle() once they are all written). */
  learning: DeliveryLearning;
  /** Which channels can send now. */
  health: ChannelHealth;
  metrics: GateMetrics;
  log: Logger;
  /** The configuration in use now (after any reload). */
  config(): GateConfig;
  /** Swaps in a newly loaded set without dropping connections; returns the restart-only settings it changes. */
  reload(loaded: LoadedGate): string[];
  /** Graceful: stop accepting, let requests and WebSockets finish up to the deadline, then close. */
  shutdown(timeoutMs?: number): Promise<void>;
  /** Immediate: drops open connections (tests). */
  close(): Promise<void>;
}

export async function startGate(loaded: LoadedGate, options: GateOptions = {}): Promise<RunningGate> {
  const { config } = loaded;
  const core = await assembleGate(loaded, options);
  const { log, handoffs } = core;
  const gateCallback = core.gateApp.callback();
  const upstreams = createUpstreams(config.apps, {
    onFailure(failure, err, req, res) {
      log.warn({ err, failure, host: req.headers.host, requestId: req.headers[REQUEST_ID_HEADER] }, 'upstream failed');
      core.metrics.upstreamFailure(failure);
      handoffs.set(req, { ...handoffs.get(req), outcome: { kind: 'upstream-failed', failure } });
      gateCallback(req, res);
    },
    onCut(err, req) {
      log.warn(
        { err, host: req.headers.host, requestId: req.headers[REQUEST_ID_HEADER] },
        'upstream broke off its response; closed the client connection',
      );
      core.metrics.upstreamFailure('cut');
    },
    echoHeader: REQUEST_ID_HEADER,
  });
  const handlers = createHandlers({
    admit: core.admit,
    upstreams,
    upstreamSide: () => core.state(),
    gateApp: gateCallback,
    handoffs,
    ops: core.ops,
    gatePage: core.loginPage,
  });

  const accessLog = log.isLevelEnabled('debug');
  const server = http.createServer(httpServerOptions(config.server), (req, res) => {
    if (accessLog) logWhenDone(log, req, res);
    const failed = (err: unknown) => {
      log.error({ err, requestId: req.headers['x-request-id'] }, 'request handler failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error');
    };
    // Most requests are answered at once (the hot path has no promise to wait on).
    try {
      const answered = handlers.request(req, res);
      if (answered instanceof Promise) answered.catch(failed);
    } catch (err) {
      failed(err);
    }
  });
  // Beyond this, new connections are closed at once: slow clients cannot exhaust descriptors.
  server.maxConnections = config.server.maxConnections;
  const drainer = createDrainer(server, () => upstreams.goAway());
  server.on('upgrade', (req, socket, head) => {
    drainer.trackUpgrade(socket);
    handlers.upgrade(req, socket, head).catch((err: unknown) => {
      log.error({ err }, 'upgrade handler failed');
      socket.destroy();
    });
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    // Too slow (server.headers_timeout / request_timeout) is 408, as Node itself would answer.
    const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    else socket.destroy(err);
  });

  let metricsServer: MetricsServer | undefined;
  try {
    const { socket, socketMode } = config.server;
    if (socket) {
      server.on('connection', markUnixConnection);
      const hint = 'set server.listen to a path in a folder the gate may write';
      await listenOnSocket(server, { path: socket, mode: socketMode }, hint);
    } else await listen(server, config.server, 'set server.listen to a free address');
    if (config.metrics.listen) metricsServer = await startMetricsServer(core.metrics.registry, config.metrics.listen);
  } catch (err) {
    // Close what was opened (store connections, timers, agents), so the process can exit.
    await new Promise<void>((resolve) => server.close(() => resolve()));
    upstreams.close();
    await core.close();
    throw err;
  }
  const url = listeningUrl(server);
  log.info({ url, metrics: metricsServer?.url }, 'otp-gate listening');

  let closing: Promise<void> | undefined;
  const finish = async () => {
    upstreams.close();
    await metricsServer?.close();
    await core.close();
  };
  return {
    server,
    url,
    metricsUrl: metricsServer?.url,
    store: core.store,
    sessions: core.sessions,
    tokens: core.tokens,
    challenges: core.challenges,
    learning: core.learning,
    health: core.health,
    metrics: core.metrics,
    log,
    config: () => core.state().config,
    reload(loaded) {
      const kept = core.reload(loaded);
      upstreams.retain(core.state().config.apps);
      return kept;
    },
    shutdown(timeoutMs = core.state().config.server.shutdownTimeout) {
      closing ??= (async () => {
        const { cut } = await drainer.drain(timeoutMs);
        if (cut > 0) log.warn({ cut, timeoutMs }, 'shutdown deadline reached; cut the connections still open');
        await finish();
      })();
      return closing;
    },
    close() {
      // Also cuts a drain in progress short.
      drainer.cut();
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await finish();
      })();
      return closing;
    },
  };
}

/**
 * One debug line per request with its id, outcome and time; off unless log.level is debug or trace.
 * A response that never finished (its connection closed part-way) says so: incomplete.
 */
function logWhenDone(log: Logger, req: http.IncomingMessage, res: http.ServerResponse): void {
  const started = process.hrtime.bigint();
  res.once('close', () => {
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    log.debug(
      {
        requestId: req.headers[REQUEST_ID_HEADER],
        method: req.method,
        host: req.headers.host,
        path: req.url?.split('?')[0],
        status: res.statusCode,
        ms,
        incomplete: res.writableFinished ? undefined : true,
      },
      'request',
    );
  });
}

/** "http://127.0.0.1:8080", or "unix:/run/otp-gate/gate.sock" (as nginx's upstream names it). */
function listeningUrl(server: http.Server): string {
  const address = server.address();
  if (typeof address === 'string') return `unix:${address}`;
  const { address: ip, family, port } = address as AddressInfo;
  return `http://${family === 'IPv6' ? `[${ip}]` : ip}:${port}`;
}
