// Rewrites a request's headers before it goes upstream: forwarding headers the gate vouches
// for, identity headers only the gate may set (every client-sent spelling removed first), and
// the gate's own cookies taken out so the upstream never sees a session token.
import type { IncomingHttpHeaders } from 'node:http';
import type { IdentityHeadersConfig } from '../config/types.js';

export interface Identity {
  user: string;
  name: string;
  groups: readonly string[];
}

/** Headers a client could use to claim an address, scheme, host or path the gate did not see. */
const FORWARDING_HEADERS = [
  'forwarded', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port',
  'x-forwarded-prefix', 'x-forwarded-server', 'x-forwarded-uri', 'x-forwarded-method', 'x-real-ip',
  'x-client-ip', 'true-client-ip', 'cf-connecting-ip', 'x-cluster-client-ip', 'x-original-url',
  'x-original-uri', 'x-original-host', 'x-original-method', 'x-rewrite-url',
] as const;

/**
 * Method overrides: an upstream that honours them would run DELETE for a request the rules judged
 * as GET. Nobody between a browser and the gate needs them, so they go whoever sent them.
 */
const METHOD_OVERRIDES = ['x-http-method-override', 'x-http-method', 'x-method-override'] as const;

/** Lower-case letters and digits only: "Remote_User", "REMOTE-USER" and "remote.user" are one name. */
const squash = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '');

export interface HeaderRewriter {
  /** Mutates `headers` in place (http-proxy copies them from the request). */
  rewrite(headers: IncomingHttpHeaders, facts: ForwardFacts, identity: Identity | undefined): void;
}

export interface ForwardFacts {
  clientIp: string;
  peerIp: string;
  peerTrusted: boolean;
  proto: 'http' | 'https';
}

export function createHeaderRewriter(config: IdentityHeadersConfig, gateCookies: readonly string[]): HeaderRewriter {
  const identityNames = [config.user, config.name, config.groups].map(squash);
  const stripExact = new Set(config.strip.map(squash));
  // An upstream might read "X-Remote-User" or "HTTP_REMOTE_USER" as well as "Remote-User":
  // any header whose squashed name ends with one of ours goes.
  const isSpoofable = (name: string) => {
    const s = squash(name);
    return stripExact.has(s) || identityNames.some((id) => s.endsWith(id));
  };
  const [userHeader, nameHeader, groupsHeader] = [config.user, config.name, config.groups].map((h) => h.toLowerCase()) as [string, string, string];

  return {
    rewrite(headers, facts, identity) {
      for (const name of Object.keys(headers)) {
        if (isSpoofable(name)) delete headers[name];
      }
      for (const name of METHOD_OVERRIDES) delete headers[name];
      if (!facts.peerTrusted) {
        for (const name of FORWARDING_HEADERS) delete headers[name];
        headers['x-forwarded-for'] = facts.clientIp;
        headers['x-forwarded-proto'] = facts.proto;
        if (headers.host !== undefined) headers['x-forwarded-host'] = headers.host;
      } else {
        const prior = headers['x-forwarded-for'];
        headers['x-forwarded-for'] = prior ? `${Array.isArray(prior) ? prior.join(', ') : prior}, ${facts.peerIp}` : facts.peerIp;
        headers['x-forwarded-proto'] ??= facts.proto;
        if (headers.host !== undefined) headers['x-forwarded-host'] ??= headers.host;
      }
      if (headers.cookie !== undefined) {
        const kept = withoutCookies(headers.cookie, gateCookies);
        if (kept) headers.cookie = kept;
        else delete headers.cookie;
      }
      if (identity) {
        headers[userHeader] = identity.user;
        headers[nameHeader] = asHeaderValue(identity.name);
        headers[groupsHeader] = identity.groups.join(',');
      }
    },
  };
}

/** Removes named cookies from a Cookie header without re-encoding the others. */
export function withoutCookies(header: string, names: readonly string[]): string {
  return header
    .split(';')
    .filter((pair) => {
      const name = pair.slice(0, pair.indexOf('=') >>> 0).trim();
      return !names.includes(name);
    })
    .map((p) => p.trim())
    .filter((p) => p.length > 0)
    .join('; ');
}

/** Header values are Latin-1; display names may not be. Percent-encode what would not survive. */
function asHeaderValue(value: string): string {
  return /^[\x20-\x7e]*$/.test(value) ? value : encodeURIComponent(value);
}
