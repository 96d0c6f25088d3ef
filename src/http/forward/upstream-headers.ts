// Rewrites a request's headers before it goes upstream: forwarding headers the gate vouches
// for, identity headers only the gate may set (every client-sent spelling removed first), and
// the gate's own cookies taken out so the upstream never sees a session token.
import type { IncomingHttpHeaders } from 'node:http';

import type { AppConfig, IdentityHeadersConfig } from '../../config/types.js';
import type { UpstreamAssertion } from '../assertions.js';

export interface Identity {
  user: string;
  name: string;
  groups: readonly string[];
}

/** Headers a client could use to claim an address, scheme, host or path the gate did not see. */
const FORWARDING_HEADERS = [
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-forwarded-port',
  'x-forwarded-prefix',
  'x-forwarded-server',
  'x-forwarded-uri',
  'x-forwarded-method',
  'x-real-ip',
  'x-client-ip',
  'true-client-ip',
  'cf-connecting-ip',
  'x-cluster-client-ip',
  'x-original-url',
  'x-original-uri',
  'x-original-host',
  'x-original-method',
  'x-rewrite-url',
] as const;

/**
 * Method overrides: an upstream that honours them would run DELETE for a request the rules judged
 * as GET. Nobody between a browser and the gate needs them, so they go whoever sent them.
 */
const METHOD_OVERRIDES = ['x-http-method-override', 'x-http-method', 'x-method-override'] as const;

/** Lower-case letters and digits only: "Remote_User", "REMOTE-USER" and "remote.user" are one name. */
const squash = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '');

export interface HeaderRewriter {
  /**
   * The headers to send upstream, as a new object: deleting from Node's own header object would
   * turn it into a slow dictionary that http-proxy then copies on every request.
   */
  forUpstream(
    headers: IncomingHttpHeaders,
    facts: ForwardFacts,
    identity: Identity | undefined,
    assertion?: UpstreamAssertion,
  ): IncomingHttpHeaders;
}

export interface ForwardFacts {
  clientIp: string;
  peerIp: string;
  peerTrusted: boolean;
  proto: 'http' | 'https';
  /** The gate read an access token from the Authorization header: it is not the app's to see. */
  dropAuthorization?: boolean;
}

/** What becomes of a client-sent header; "forwarding" ones are kept only from a trusted proxy. */
type Fate = 'keep' | 'drop' | 'forwarding' | 'cookie' | 'authorization';

/** Header names seen are few; a client sending thousands of new ones only stops the memo growing. */
const MAX_REMEMBERED_NAMES = 1024;

/** Every app's assertion header is the gate's to set: never passed on from a client, whichever app. */
const DEFAULT_ASSERTION_HEADER = 'Remote-Assertion';

export function createHeaderRewriter(
  config: IdentityHeadersConfig,
  gateCookies: readonly string[],
  apps: readonly AppConfig[] = [],
): HeaderRewriter {
  // Authorization is the app's own unless the app takes its assertion there: dropped per app below.
  const assertionNames = [DEFAULT_ASSERTION_HEADER, ...apps.map((a) => a.assertion?.header ?? '')].filter(
    (h) => h !== '' && h.toLowerCase() !== 'authorization',
  );
  const identityNames = [config.user, config.name, config.groups, ...assertionNames].map(squash);
  const stripExact = new Set(config.strip.map(squash));
  const forwarding = new Set<string>(FORWARDING_HEADERS);
  const overrides = new Set<string>(METHOD_OVERRIDES);
  // An upstream might read "X-Remote-User" or "HTTP_REMOTE_USER" as well as "Remote-User":
  // any header whose squashed name ends with one of ours goes.
  const fateOf = (name: string): Fate => {
    const s = squash(name);
    if (stripExact.has(s) || identityNames.some((id) => s.endsWith(id)) || overrides.has(name)) return 'drop';
    if (forwarding.has(name)) return 'forwarding';
    if (name === 'authorization') return 'authorization';
    return name === 'cookie' ? 'cookie' : 'keep';
  };
  const fates = new Map<string, Fate>();
  const rememberedFate = (name: string): Fate => {
    let fate = fates.get(name);
    if (fate === undefined) {
      fate = fateOf(name);
      if (fates.size < MAX_REMEMBERED_NAMES) fates.set(name, fate);
    }
    return fate;
  };
  const [userHeader, nameHeader, groupsHeader] = [config.user, config.name, config.groups].map((h) =>
    h.toLowerCase(),
  ) as [string, string, string];

  return {
    forUpstream(headers, facts, identity, assertion) {
      const out: IncomingHttpHeaders = {};
      const ownHeader = assertion?.header;
      for (const name in headers) {
        if (name === ownHeader) continue;
        switch (rememberedFate(name)) {
          case 'keep':
            out[name] = headers[name];
            break;
          case 'forwarding':
            if (facts.peerTrusted) out[name] = headers[name];
            break;
          case 'authorization':
            if (facts.dropAuthorization !== true) out[name] = headers[name];
            break;
          case 'cookie': {
            const kept = withoutCookies(headers.cookie!, gateCookies);
            if (kept) out.cookie = kept;
            break;
          }
          // 'drop': left out.
        }
      }
      if (!facts.peerTrusted) {
        out['x-forwarded-for'] = facts.clientIp;
        out['x-forwarded-proto'] = facts.proto;
        if (headers.host !== undefined) out['x-forwarded-host'] = headers.host;
      } else {
        const prior = headers['x-forwarded-for'];
        out['x-forwarded-for'] = prior
          ? `${Array.isArray(prior) ? prior.join(', ') : prior}, ${facts.peerIp}`
          : facts.peerIp;
        out['x-forwarded-proto'] ??= facts.proto;
        if (headers.host !== undefined) out['x-forwarded-host'] ??= headers.host;
      }
      if (identity && !assertion?.instead) {
        out[userHeader] = identity.user;
        out[nameHeader] = asHeaderValue(identity.name);
        out[groupsHeader] = identity.groups.join(',');
      }
      if (assertion?.value !== undefined) out[assertion.header] = assertion.value;
      return out;
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
export function asHeaderValue(value: string): string {
  return /^[\x20-\x7e]*$/.test(value) ? value : encodeURIComponent(value);
}
