// The HTTP entry point. Facts are resolved once; a request that may pass is proxied straight
// away without entering Koa (the hot path); everything else is handed to the Koa app with what
// was learned. WebSocket upgrades never pass through Koa, so they get the same check here.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { HeaderRewriter, Identity } from '../forward/upstream-headers.js';
import type { Upstreams } from '../forward/upstreams.js';
import type { GateMetrics } from '../ops/metrics.js';
import { assignRequestId } from '../ops/request-id.js';
import { verdictLabel } from '../ops/verdict-label.js';
import { encodePath } from '../policy/normalise-path.js';
import type { Handoff } from './app.js';
import type { Authorize } from './authorize.js';
import type { GateState } from './gate-state.js';
import type { OpsRoutes } from './ops-routes.js';
import type { RequestContext } from './request-context.js';
import { resolveRequest } from './request-context.js';
import { isPublicWebhook } from './webhook-host.js';

export interface HandlerDeps {
  state: () => GateState;
  authorize: Authorize;
  upstreams: Upstreams;
  rewriter: HeaderRewriter;
  /** Koa's callback. */
  gateApp: (req: IncomingMessage, res: ServerResponse) => void;
  handoffs: WeakMap<IncomingMessage, Handoff>;
  /** healthz, readyz and forward-auth: answered on any Host, before anything else. */
  ops?: OpsRoutes;
  metrics?: GateMetrics;
}

export interface Handlers {
  request(req: IncomingMessage, res: ServerResponse): Promise<void>;
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void>;
}

export function createHandlers(deps: HandlerDeps): Handlers {
  const toGate = (req: IncomingMessage, res: ServerResponse, handoff: Handoff) => {
    deps.handoffs.set(req, handoff);
    deps.gateApp(req, res);
  };

  /** Points the request at the path the rule saw and rewrites headers for the upstream. */
  function prepare(req: IncomingMessage, rc: RequestContext, identity: Identity | undefined): void {
    req.url = encodePath(rc.facts.path) + rc.query;
    req.headers = deps.rewriter.forUpstream(req.headers, { clientIp: rc.facts.ip, peerIp: rc.peerIp, peerTrusted: rc.peerTrusted, proto: rc.proto }, identity);
  }

  return {
    async request(req, res) {
      if (deps.ops?.(req, res)) return;
      const state = deps.state();
      const resolved = resolveRequest(req, { findApp: state.findApp, isTrusted: state.isTrusted, pathPrefix: state.config.server.pathPrefix });
      if (!resolved.ok) {
        res.setHeader('x-request-id', assignRequestId(req, false));
        deps.metrics?.decision('bad_request', 'proxy');
        return toGate(req, res, { outcome: { kind: 'bad-request', reason: resolved.reason } });
      }
      const rc = resolved.rc;
      res.setHeader('x-request-id', assignRequestId(req, rc.peerTrusted));
      if (rc.isGateRoute) {
        req.url = encodePath(rc.facts.path) + rc.query;
        const known = rc.app !== undefined || isPublicWebhook(rc, state.config.server);
        return toGate(req, res, { rc, outcome: known ? undefined : { kind: 'unknown-host' } });
      }
      if (!rc.app) return toGate(req, res, { rc, outcome: { kind: 'unknown-host' } });

      const answer = deps.authorize(rc, req.headers.cookie);
      // Awaiting only a real promise keeps a signed-in request free of a microtask hop.
      const verdict = answer instanceof Promise ? await answer : answer;
      deps.metrics?.decision(verdictLabel(verdict), 'proxy');
      if (verdict.kind !== 'forward') return toGate(req, res, { rc, outcome: { kind: 'verdict', verdict } });
      prepare(req, rc, verdict.identity);
      deps.upstreams.web(rc.app, req, res);
    },

    async upgrade(req, socket, head) {
      const state = deps.state();
      const resolved = resolveRequest(req, { findApp: state.findApp, isTrusted: state.isTrusted, pathPrefix: state.config.server.pathPrefix });
      if (!resolved.ok || resolved.rc.isGateRoute || !resolved.rc.app) return refuseUpgrade(socket, 404, 'Not Found');
      const rc = resolved.rc;
      assignRequestId(req, rc.peerTrusted);
      const verdict = await deps.authorize(rc, req.headers.cookie);
      deps.metrics?.decision(verdictLabel(verdict), 'websocket');
      switch (verdict.kind) {
        case 'forward':
          prepare(req, rc, verdict.identity);
          return deps.upstreams.ws(rc.app!, req, socket, head);
        case 'challenge':
          return refuseUpgrade(socket, 401, 'Unauthorized');
        case 'deny':
          return refuseUpgrade(socket, 403, 'Forbidden');
        case 'unavailable':
          return refuseUpgrade(socket, 503, 'Service Unavailable');
      }
    },
  };
}

function refuseUpgrade(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
