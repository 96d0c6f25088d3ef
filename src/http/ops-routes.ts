// The gate's operational endpoints, answered on any Host and before anything else runs:
// /healthz (the process is alive), /readyz (fit for traffic), /auth/<front proxy> (forward-auth) and
// /.well-known/jwks.json (the keys apps verify assertions with).
// They are matched on the raw target exactly (Envoy's by prefix: it appends the original path),
// so nothing here depends on host or path normalisation.
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { AuditLog } from '../audit/audit-log.js';
import type { ReadinessReport } from '../ops/readiness.js';
import type { Logger } from '../shared/log.js';
import { andThen } from '../shared/maybe-promise.js';
import { canonicalPeer, socketPeer } from '../shared/net/unix-peer.js';
import type { ForwardAuth, ForwardAuthAnswer } from './forward-auth.js';
import type { Dialect } from './front-proxy-dialects.js';
import { DIALECTS } from './front-proxy-dialects.js';
import type { GateState } from './gate-state.js';
import { REQUEST_ID_HEADER } from './request-id.js';

export interface OpsRouteDeps {
  state: () => GateState;
  readiness: () => Promise<ReadinessReport>;
  forwardAuth: ForwardAuth;
  audit: AuditLog;
  log: Logger;
}

const JWKS_MAX_AGE_S = 300;

/** Returns true when it has taken the request. */
export type OpsRoutes = (req: IncomingMessage, res: ServerResponse) => boolean;

export function createOpsRoutes(deps: OpsRouteDeps): OpsRoutes {
  /** Answers at once, or returns the promise of its answer. */
  type Route = (req: IncomingMessage, res: ServerResponse, tail: string) => void | Promise<void>;
  let prefix = '';
  let routes = new Map<string, Route>();
  let envoyPrefix = '';
  // The bare /auth answers 403 naming the dialect endpoints: a front proxy must say which it is.
  const authRoutes = new Map<string, Route>([
    ['', auth(undefined)],
    ...Object.values(DIALECTS).map((d): [string, Route] => [`/${d.name}`, auth(d)]),
  ]);
  const envoyAuth = authRoutes.get('/envoy')!;
  const isAuth = new Set(authRoutes.values());
  const table = (p: string) =>
    new Map<string, Route>([
      [`${p}/healthz`, healthz],
      [`${p}/readyz`, readyz],
      [`${p}/.well-known/jwks.json`, jwks],
      ...[...authRoutes].map(([name, route]): [string, Route] => [`${p}/auth${name}`, route]),
    ]);

  function healthz(_req: IncomingMessage, res: ServerResponse): void {
    json(res, 200, { status: 'ok' });
  }

  /**
   * Public keys, cached by verifiers for five minutes: publish a key as "next" at least that long
   * before it signs, and a retired key is gone from every verifier within that time.
   */
  function jwks(_req: IncomingMessage, res: ServerResponse): void {
    const body = deps.state().assertions.jwks;
    res.writeHead(200, [
      'content-type',
      'application/jwk-set+json',
      'content-length',
      String(Buffer.byteLength(body)),
      'cache-control',
      `public, max-age=${JWKS_MAX_AGE_S}`,
    ]);
    res.end(body);
  }

  async function readyz(_req: IncomingMessage, res: ServerResponse): Promise<void> {
    const report = await deps.readiness();
    if (report.storeError) deps.log.warn({ storeError: report.storeError }, 'not ready: the store does not answer');
    json(res, report.ready ? 200 : 503, {
      status: report.ready ? 'ready' : 'not ready',
      checks: report.checks,
      channels: report.channels,
      ...(report.spend ? { spend: report.spend } : {}),
      ...(report.pausedPrefixes === undefined ? {} : { pausedPrefixes: report.pausedPrefixes }),
    });
  }

  function auth(dialect: Dialect | undefined): Route {
    return (req, res, tail) => {
      return andThen(deps.forwardAuth(req, dialect, tail), (answer) => sendAuth(req, res, answer));
    };
  }

  /**
   * Every header in one writeHead, as a flat list of name, value pairs, with a Content-Length: nginx
   * reads no body of an auth_request answer, so one sent chunked (or any body at all) costs it the
   * kept-alive connection.
   */
  function sendAuth(req: IncomingMessage, res: ServerResponse, answer: ForwardAuthAnswer): void {
    const { requestId } = answer;
    if (answer.status === 200)
      return void res
        .writeHead(200, [
          REQUEST_ID_HEADER,
          requestId,
          'cache-control',
          'no-store',
          'content-length',
          '0',
          ...answer.identity,
        ])
        .end();
    if (answer.verdict?.kind === 'deny' && answer.rc) {
      const rc = answer.rc;
      deps.audit.record({
        event: 'denied',
        user: answer.verdict.user,
        ip: rc.facts.ip,
        rule: answer.verdict.rule?.name ?? '(default deny)',
        outcome: 'refused',
        host: rc.facts.host,
        path: rc.facts.path,
      });
    }
    if (answer.status === 302) {
      return send(res, 302, 'text/plain', 'sign in first\n', [
        REQUEST_ID_HEADER,
        requestId,
        'location',
        answer.location,
      ]);
    }
    if (!answer.verdict || answer.verdict.kind === 'unavailable')
      deps.log.warn(
        { requestId, peer: canonicalPeer(socketPeer(req.socket)), reason: answer.message },
        'forward-auth refused',
      );
    const headers = [
      REQUEST_ID_HEADER,
      requestId,
      ...(answer.authenticate
        ? answer.authenticate.flatMap((line) => ['www-authenticate', line])
        : answer.status === 401
          ? ['www-authenticate', 'OTP-Gate']
          : []),
      ...(answer.status === 401 && answer.location ? ['location', answer.location] : []),
    ];
    if (answer.bodyless)
      return void res.writeHead(answer.status, ['content-length', '0', 'cache-control', 'no-store', ...headers]).end();
    json(res, answer.status, { error: answer.error, message: answer.message }, headers);
  }

  return function opsRoutes(req, res) {
    const p = deps.state().config.server.pathPrefix;
    if (p !== prefix) [prefix, routes, envoyPrefix] = [p, table(p), `${p}/auth/envoy/`];
    const url = req.url ?? '';
    const q = url.indexOf('?');
    let route = routes.get(q < 0 ? url : url.slice(0, q));
    let tail = '';
    if (!route && url.startsWith(envoyPrefix)) [route, tail] = [envoyAuth, url.slice(envoyPrefix.length - 1)];
    const forAuth = route !== undefined && isAuth.has(route);
    // Front proxies may ask with the original method (nginx subrequests, Envoy do); health checks are reads.
    if (!route || (!forAuth && req.method !== 'GET' && req.method !== 'HEAD')) return false;
    const failed = (err: unknown) => {
      deps.log.error({ err, path: url }, 'operational endpoint failed');
      // A failure in forward-auth must never read as "allowed".
      if (!res.headersSent) json(res, forAuth ? 403 : 500, { error: 'internal_error' });
      else res.destroy();
    };
    try {
      route(req, res, tail)?.catch(failed);
    } catch (err) {
      failed(err);
    }
    return true;
  };
}

function json(res: ServerResponse, status: number, body: unknown, headers: readonly string[] = []): void {
  send(res, status, 'application/json', JSON.stringify(body), headers);
}

/** `headers`: more name, value pairs, written with these in one writeHead. Never cached by anyone. */
function send(res: ServerResponse, status: number, type: string, body: string, headers: readonly string[]): void {
  res.writeHead(status, [
    'content-type',
    type,
    'content-length',
    String(Buffer.byteLength(body)),
    'cache-control',
    'no-store',
    ...headers,
  ]);
  res.end(body);
}
