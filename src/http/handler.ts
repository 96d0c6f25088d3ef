// The HTTP entry point: an adapter from Node's request and upgrade events to admission. A request
// that may pass is proxied straight away without entering Koa (the hot path); everything else is
// handed to the gate's pages with what admission learned. WebSocket upgrades never pass through
// Koa: what would be a page for a request is a bare status line for them.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

import type { DecisionVia } from '../ops/metrics.js';
import { encodePath } from '../policy/normalise-path.js';
import type { MaybePromise } from '../shared/maybe-promise.js';
import { andThen } from '../shared/maybe-promise.js';
import type { Admission, AdmissionInput, Admit, ForwardVerdict } from './admission.js';
import { handoffFor } from './admission.js';
import type { Assertions } from './assertions.js';
import type { HeaderRewriter } from './forward/upstream-headers.js';
import type { Upstreams } from './forward/upstreams.js';
import type { Handoff } from './handoff.js';
import type { OpsRoutes } from './ops-routes.js';
import type { RequestContext } from './request-context.js';
import { targetOf } from './request-context.js';
import { REQUEST_ID_HEADER } from './request-id.js';

export interface HandlerDeps {
  admit: Admit;
  upstreams: Upstreams;
  /** The header rewriter and assertions of the set in use (they change on reload). */
  upstreamSide: () => UpstreamSide;
  /** The gate's pages: Koa's callback. */
  gateApp: (req: IncomingMessage, res: ServerResponse) => void;
  handoffs: WeakMap<IncomingMessage, Handoff>;
  /** healthz, readyz and forward-auth: answered on any Host, before anything else. */
  ops?: OpsRoutes;
  /** A gate page answered ahead of Koa (the sign-in page for someone not signed in); false leaves it to Koa. */
  gatePage?: (req: IncomingMessage, res: ServerResponse, rc: RequestContext, requestId: string) => boolean;
}

export interface Handlers {
  /** At once for a verified cookie, a bypass or an operational route; a promise when admission reads the store. */
  request(req: IncomingMessage, res: ServerResponse): MaybePromise<void>;
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void>;
}

/** Points the request at the path the rule saw and, going upstream, rewrites its headers. */
function pointAtRulePath(req: IncomingMessage, rc: RequestContext): void {
  req.url = encodePath(rc.facts.path) + rc.query;
}

/** What turns a passing request's headers into the upstream's: parts of the GateState in use. */
export interface UpstreamSide {
  rewriter: HeaderRewriter;
  assertions: Assertions;
}

export function forUpstream(
  { rewriter, assertions }: UpstreamSide,
  req: IncomingMessage,
  { rc, verdict }: { rc: RequestContext; verdict: ForwardVerdict },
): void {
  pointAtRulePath(req, rc);
  req.headers = rewriter.forUpstream(
    req.headers,
    {
      clientIp: rc.facts.ip,
      peerIp: rc.peerIp,
      peerTrusted: rc.peerTrusted,
      proto: rc.proto,
      dropAuthorization: verdict.token !== undefined && rc.app?.passAuthorization !== true,
    },
    verdict.identity,
    rc.app && assertions.forApp(rc.app, verdict),
  );
}

/** What a raw Node request brings to admission. */
export function admissionInput(req: IncomingMessage, via: DecisionVia): AdmissionInput {
  return {
    target: targetOf(req),
    cookie: req.headers.cookie,
    authorization: req.headers.authorization,
    requestId: req.headers[REQUEST_ID_HEADER],
    via,
  };
}

/** Hands a request the gate answers itself to its pages (Koa), with what admission learned. */
export function toPages(
  pages: Pick<HandlerDeps, 'handoffs' | 'gateApp'>,
  req: IncomingMessage,
  res: ServerResponse,
  admission: Exclude<Admission, { kind: 'forward' }>,
): void {
  if (admission.kind === 'gate-route') pointAtRulePath(req, admission.rc);
  pages.handoffs.set(req, handoffFor(admission));
  pages.gateApp(req, res);
}

export function createHandlers(deps: HandlerDeps): Handlers {
  const admitted = (req: IncomingMessage, via: 'proxy' | 'websocket'): MaybePromise<Admission> =>
    deps.admit(admissionInput(req, via));

  function answer(req: IncomingMessage, res: ServerResponse, admission: Admission): void {
    req.headers[REQUEST_ID_HEADER] = admission.requestId;
    if (admission.kind === 'forward') {
      // The upstream side echoes the id with the app's headers: one writeHead, no header object.
      forUpstream(deps.upstreamSide(), req, admission);
      return deps.upstreams.web(admission.rc.app!, req, res);
    }
    if (admission.kind === 'gate-route' && deps.gatePage?.(req, res, admission.rc, admission.requestId)) return;
    res.setHeader(REQUEST_ID_HEADER, admission.requestId);
    toPages(deps, req, res, admission);
  }

  return {
    request(req, res) {
      if (deps.ops?.(req, res)) return;
      return andThen(admitted(req, 'proxy'), (admission) => answer(req, res, admission));
    },

    async upgrade(req, socket, head) {
      const admission = await admitted(req, 'websocket');
      req.headers[REQUEST_ID_HEADER] = admission.requestId;
      switch (admission.kind) {
        case 'forward':
          forUpstream(deps.upstreamSide(), req, admission);
          return deps.upstreams.ws(admission.rc.app!, req, socket, head);
        case 'verdict': {
          const verdict = admission.verdict;
          const [status, text] =
            verdict.kind === 'token-refused' ? TOKEN_REFUSALS[verdict.status] : UPGRADE_REFUSALS[verdict.kind];
          return refuseUpgrade(socket, status, text);
        }
        default:
          return refuseUpgrade(socket, 404, 'Not Found');
      }
    },
  };
}

const UPGRADE_REFUSALS = {
  challenge: [401, 'Unauthorized'],
  deny: [403, 'Forbidden'],
  unavailable: [503, 'Service Unavailable'],
} as const;

const TOKEN_REFUSALS = {
  401: [401, 'Unauthorized'],
  403: [403, 'Forbidden'],
  429: [429, 'Too Many Requests'],
} as const;

function refuseUpgrade(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
