// Address lists for settings such as server.trusted_proxies: parsed once (ip-networks.ts, the
// same parser policy rules use) into a matcher. Also the one canonical text form of an address.
import ipaddr from 'ipaddr.js';

import { inNetworks, parseIPv4, parseNetworks } from './ip-networks.js';

export type AddressMatcher = (ip: string) => boolean;

/** The trusted_proxies entry, and peer, of connections to a Unix socket (unix-peer.ts says why). */
export const UNIX_PEER = 'unix';

/** Parses a list of CIDRs or single addresses; throws naming the first entry that is neither. */
export function createAddressMatcher(entries: readonly string[]): AddressMatcher {
  // "unix": the peer of a connection to the gate's Unix socket (unix-peer.ts).
  const trustsUnix = entries.includes(UNIX_PEER);
  const { networks, errors } = parseNetworks(entries.filter((e) => e !== UNIX_PEER));
  if (errors.length > 0) throw new Error(errors[0]!.reason);
  // Forward-auth asks about the same front proxy twice a request (its own check, then admission's).
  let lastIp: string | undefined;
  let lastAnswer = false;
  return (ip) => {
    if (ip !== lastIp) {
      lastAnswer = ip === UNIX_PEER ? trustsUnix : inNetworks(networks, ip);
      lastIp = ip;
    }
    return lastAnswer;
  };
}

/**
 * The address in canonical text, IPv4-mapped IPv6 unwrapped ("::ffff:10.0.0.1" → "10.0.0.1");
 * undefined when it is not an address. IPv4 must be dotted decimal: "10.1" or "012.0.0.1"
 * mean different things to different parsers.
 */
export function canonicalAddress(ip: string): string | undefined {
  // Zone ids ("fe80::1%eth0") are local detail that never matches a configured range.
  const bare = ip.includes('%') ? ip.slice(0, ip.indexOf('%')) : ip;
  if (!bare.includes(':')) return parseIPv4(bare, 0, bare.length) >= 0 ? bare : undefined;
  if (!ipaddr.IPv6.isValid(bare)) return undefined;
  return ipaddr.process(bare).toString();
}
