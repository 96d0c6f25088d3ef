// The gate as Koa middleware for a Koa app of one's own: `app.use(otpGate({ config: 'gate.yaml' }))`.
// Same resolution, policy, session check and pages as the proxy; a passing request continues to
// the app's own middleware with the identity in ctx.state.otpGate (and the identity headers set,
// client-sent ones removed). Everything else is answered by the gate's own Koa app.
import type { Middleware } from 'koa';
import type { AssembledGate, GateOptions } from './assemble-gate.js';
import { assembleGate } from './assemble-gate.js';
import { loadGate } from './config/load-gate.js';
import type { LoadedGate } from './config/types.js';
import type { Identity } from './forward/upstream-headers.js';
import { createHeaderRewriter } from './forward/upstream-headers.js';
import { resolveRequest } from './gate/request-context.js';
import { verdictLabel } from './ops/verdict-label.js';
import { assignRequestId } from './ops/request-id.js';
import { encodePath } from './policy/normalise-path.js';

export interface OtpGateOptions extends GateOptions {
  /** A config file path (loaded like `serve` does, with process.env) or an already loaded gate. */
  config: string | LoadedGate;
}

/** What a passing request carries in ctx.state.otpGate. */
export interface OtpGateState {
  /** Undefined when a bypass rule let the request through without a session. */
  identity: Identity | undefined;
  rule: string;
  requestId: string;
}

export interface OtpGateMiddleware extends Middleware {
  /** Resolves once the store and channels passed their start-up checks; rejects when they did not. */
  ready: Promise<AssembledGate>;
  reload(loaded: LoadedGate): Promise<void>;
  close(): Promise<void>;
}

export function otpGate(options: OtpGateOptions): OtpGateMiddleware {
  const ready = (async () => {
    const loaded = typeof options.config === 'string' ? (await loadGate(options.config, process.env)).gate : options.config;
    return assembleGate(loaded, options);
  })();
  // Don't let an early failure become an unhandled rejection; requests and `ready` still see it.
  ready.catch(() => {});
  const parts = ready.then((core) => {
    const { config } = core.state();
    return {
      core,
      gateCallback: core.gateApp.callback(),
      rewriter: createHeaderRewriter(config.identityHeaders, core.cookies.names),
    };
  });
  parts.catch(() => {});

  const middleware: Middleware = async function otpGateMiddleware(ctx, next) {
    const { core, gateCallback, rewriter } = await parts;
    const { req, res } = ctx;
    const toGate = (handoff: Parameters<AssembledGate['handoffs']['set']>[1]) => {
      core.handoffs.set(req, handoff);
      ctx.respond = false;
      gateCallback(req, res);
    };
    if (core.ops(req, res)) {
      ctx.respond = false;
      return;
    }
    const state = core.state();
    const resolved = resolveRequest(req, { findApp: state.findApp, isTrusted: state.isTrusted, pathPrefix: state.config.server.pathPrefix });
    if (!resolved.ok) return toGate({ outcome: { kind: 'bad-request', reason: resolved.reason } });
    const rc = resolved.rc;
    const requestId = assignRequestId(req, rc.peerTrusted);
    ctx.set('X-Request-Id', requestId);
    if (rc.isGateRoute) {
      req.url = encodePath(rc.facts.path) + rc.query;
      return toGate({ rc, outcome: rc.app ? undefined : { kind: 'unknown-host' } });
    }
    if (!rc.app) return toGate({ rc, outcome: { kind: 'unknown-host' } });
    const verdict = await core.authorize(rc, req.headers.cookie);
    core.metrics.decision(verdictLabel(verdict), 'middleware');
    if (verdict.kind !== 'forward') return toGate({ rc, outcome: { kind: 'verdict', verdict } });
    req.headers = rewriter.forUpstream(req.headers, { clientIp: rc.facts.ip, peerIp: rc.peerIp, peerTrusted: rc.peerTrusted, proto: rc.proto }, verdict.identity);
    const gateState: OtpGateState = { identity: verdict.identity, rule: verdict.rule.name, requestId };
    ctx.state.otpGate = gateState;
    await next();
  };

  return Object.assign(middleware, {
    ready,
    async reload(loaded: LoadedGate) {
      (await parts).core.reload(loaded);
    },
    async close() {
      const core = await ready.catch(() => undefined);
      await core?.close();
    },
  });
}
