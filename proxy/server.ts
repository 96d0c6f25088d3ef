// Builds a running gate from a loaded configuration: store, sessions, challenges, channels,
// the Koa app and the proxy, behind one node:http server. Start-up checks run before listening.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Writable } from 'node:stream';
import type { Context } from 'koa';
import { createAuditLog } from './audit/audit-log.js';
import { createChallenges } from './challenge/challenges.js';
import type { Challenges } from './challenge/challenges.js';
import { createChannels } from './channels/create-channel.js';
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import { SHIPPED_TEMPLATES_DIR } from './config/compile-config.js';
import type { LoadedGate } from './config/types.js';
import { createHeaderRewriter } from './forward/upstream-headers.js';
import { createUpstreams } from './forward/upstreams.js';
import type { Handoff } from './gate/app.js';
import { createGateApp } from './gate/app.js';
import { createAuthorizer } from './gate/authorize.js';
import { createGateCookies } from './gate/cookies.js';
import { createGateState } from './gate/gate-state.js';
import type { GateState } from './gate/gate-state.js';
import { createHandlers } from './gate/handler.js';
import { createResponder } from './gate/respond.js';
import { loadTemplates } from './gate/templates.js';
import type { Logger } from './log.js';
import { createLogger } from './log.js';
import { createSessions } from './session/sessions.js';
import type { Sessions } from './session/sessions.js';
import { createSigner } from './session/signer.js';
import { createStore } from './store/create-store.js';
import type { Store } from './store/store.js';

export interface GateOptions {
  clock?: Clock;
  /** Where the console channel prints codes (tests read them here). */
  consoleOut?: Writable;
  /** Where audit lines go instead of the configured file. */
  auditOut?: Writable;
  log?: Logger;
  /** A store to use instead of creating one from the config (tests share one between gates). */
  store?: Store;
}

export interface RunningGate {
  server: http.Server;
  /** "http://127.0.0.1:PORT" */
  url: string;
  store: Store;
  sessions: Sessions;
  challenges: Challenges;
  log: Logger;
  /** Swaps in a newly loaded policy/directory set without dropping connections. */
  reload(loaded: LoadedGate): void;
  close(): Promise<void>;
}

export async function startGate(loaded: LoadedGate, options: GateOptions = {}): Promise<RunningGate> {
  const { config } = loaded;
  const clock = options.clock ?? systemClock;
  const log = options.log ?? createLogger(config.log);
  let state: GateState = createGateState(loaded);
  const current = () => state;

  const store = options.store ?? createStore(config.store, clock);
  const signer = createSigner(config.session.secrets);
  const audit = createAuditLog(config.audit, { clock, out: options.auditOut, onError: (err) => log.error({ err }, 'audit write failed') });
  const channels = createChannels(config.channels, { consoleOut: options.consoleOut });
  const templates = loadTemplates(config.templatesDir, SHIPPED_TEMPLATES_DIR);

  // Start-up checks: a gate that can't reach its store or channels must not start serving.
  await store.check();
  for (const channel of channels.values()) await channel.check();

  const sessions = createSessions({ store, signer, clock, config: config.session });
  const challenges = createChallenges({
    store, signer, clock, config: config.otp, directory: () => state.directory, defaultCountry: config.defaultCountry, channels, audit, log,
  });
  const cookies = createGateCookies(config.session, signer, config.server.pathPrefix);
  const respond = createResponder(() => templates, 'otp-gate');
  const handoffs = new WeakMap<http.IncomingMessage, Handoff>();
  const gateApp = createGateApp({
    state: current, challenges, sessions, cookies, signer, respond, audit, clock, log,
    handoff: (ctx: Context) => handoffs.get(ctx.req) ?? {},
  });
  const gateCallback = gateApp.callback();
  const upstreams = createUpstreams(config.apps, (failure, err, req, res) => {
    log.warn({ err, failure, host: req.headers.host }, 'upstream failed');
    handoffs.set(req, { ...handoffs.get(req), outcome: { kind: 'upstream-failed', failure } });
    gateCallback(req, res);
  });
  const handlers = createHandlers({
    state: current,
    authorize: createAuthorizer({ state: current, sessions, clock }),
    upstreams,
    rewriter: createHeaderRewriter(config.identityHeaders, [config.session.cookieName, cookies.flowName]),
    gateApp: gateCallback,
    handoffs,
  });

  const server = http.createServer((req, res) => {
    handlers.request(req, res).catch((err: unknown) => {
      log.error({ err }, 'request handler failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error');
    });
  });
  server.on('upgrade', (req, socket, head) => {
    handlers.upgrade(req, socket, head).catch((err: unknown) => {
      log.error({ err }, 'upgrade handler failed');
      socket.destroy();
    });
  });
  server.on('clientError', (err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy(err);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.server.port, config.server.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  log.info({ address: address.address, port: address.port }, 'otp-gate listening');

  return {
    server,
    url: `http://${host}:${address.port}`,
    store,
    sessions,
    challenges,
    log,
    reload(next) {
      state = createGateState(next);
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      upstreams.close();
      await challenges.idle();
      await audit.close();
      if (!options.store) await store.close();
    },
  };
}
