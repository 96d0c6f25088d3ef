// Turns a raw Node request into the facts everything else decides on, once: normalised host and
// path, client address (believing X-Forwarded-For only from trusted proxies), scheme and app.
// A request whose target or Host can't be read unambiguously is refused here, before any rule.
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

import type { AppConfig } from '../config/types.js';
import { normaliseHost, normalisePath } from '../policy/normalise-path.js';
import type { RequestFacts } from '../policy/types.js';
import type { AddressMatcher } from '../shared/net/cidr.js';
import { canonicalPeer, socketPeer } from '../shared/net/unix-peer.js';
import type { AppMatcher } from './app-matcher.js';
import { isUnderPrefix } from './app-matcher.js';
import { clientBehind } from './forward/client-address.js';

export interface RequestContext {
  facts: RequestFacts;
  /** "?a=1" or "". */
  query: string;
  peerIp: string;
  peerTrusted: boolean;
  proto: 'http' | 'https';
  app: AppConfig | undefined;
  /** Under the gate's own path prefix (login, code, logout …). */
  isGateRoute: boolean;
}

export type Resolution = { ok: true; rc: RequestContext } | { ok: false; status: 400; reason: string };

export interface ResolveDeps {
  findApp: AppMatcher;
  isTrusted: AddressMatcher;
  pathPrefix: string;
}

/** What a raw Node request says about itself. */
export function targetOf(req: IncomingMessage): RequestTarget {
  return {
    host: singleHost(req),
    url: req.url ?? '',
    method: req.method ?? 'GET',
    peer: socketPeer(req.socket),
    forwardedFor: req.headers['x-forwarded-for'],
    encrypted: (req.socket as TLSSocket).encrypted === true,
    forwardedProto: req.headers['x-forwarded-proto'],
  };
}

/** What a request says about itself; forward-auth builds one from the front proxy's headers. */
export interface RequestTarget {
  /** The one Host value, or undefined when absent or repeated. */
  host: string | undefined;
  url: string;
  method: string;
  peer: string | undefined;
  forwardedFor: string | string[] | undefined;
  encrypted: boolean;
  forwardedProto: string | string[] | undefined;
}

export function resolveTarget(target: RequestTarget, deps: ResolveDeps): Resolution {
  if (target.host === undefined) return { ok: false, status: 400, reason: 'missing or repeated Host header' };
  const host = normaliseHost(target.host);
  if (host === undefined) return { ok: false, status: 400, reason: 'unreadable Host header' };

  const url = originForm(target.url, host);
  if (url === undefined) return { ok: false, status: 400, reason: 'request target does not match Host' };
  const normalised = normalisePath(url);
  if (!normalised.ok) return { ok: false, status: 400, reason: normalised.reason };

  const peerIp = canonicalPeer(target.peer);
  const peerTrusted = deps.isTrusted(peerIp);
  const path = normalised.path;
  const claimed = peerTrusted ? target.forwardedProto : undefined;
  return {
    ok: true,
    rc: {
      facts: {
        host,
        path,
        method: target.method.toUpperCase(),
        ip: clientBehind(peerIp, peerTrusted, target.forwardedFor, deps.isTrusted),
      },
      query: normalised.query,
      peerIp,
      peerTrusted,
      proto: target.encrypted || claimed === 'https' ? 'https' : 'http',
      app: deps.findApp(host, path),
      isGateRoute: isUnderPrefix(path, deps.pathPrefix),
    },
  };
}

/** Node keeps only the first of repeated Host headers; two of them is an ambiguity we refuse. */
function singleHost(req: IncomingMessage): string | undefined {
  let count = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i]!.length === 4 && req.rawHeaders[i]!.toLowerCase() === 'host') count++;
  }
  return count === 1 ? req.headers.host : undefined;
}

/** Origin-form as is; absolute-form only when its authority is the Host we decide on. */
function originForm(url: string, host: string): string | undefined {
  if (url.startsWith('/')) return url;
  if (!/^https?:\/\//i.test(url)) return undefined;
  try {
    const parsed = new URL(url);
    return normaliseHost(parsed.host) === host ? parsed.pathname + parsed.search : undefined;
  } catch {
    return undefined;
  }
}
