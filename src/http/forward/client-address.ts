// Who is asking: the socket's peer, or, when that peer is a trusted proxy, the right-most
// X-Forwarded-For entry that is not itself a trusted proxy. Anything a client wrote further
// left is never believed.
import type { AddressMatcher } from '../../shared/net/cidr.js';
import { canonicalAddress } from '../../shared/net/cidr.js';
import { canonicalPeer } from '../../shared/net/unix-peer.js';

export function clientAddress(
  peer: string | undefined,
  forwardedFor: string | string[] | undefined,
  isTrusted: AddressMatcher,
): string {
  const socketIp = canonicalPeer(peer);
  return clientBehind(socketIp, isTrusted(socketIp), forwardedFor, isTrusted);
}

/** The same, for a caller that has already put the peer in canonical form and checked it. */
export function clientBehind(
  socketIp: string,
  socketTrusted: boolean,
  forwardedFor: string | string[] | undefined,
  isTrusted: AddressMatcher,
): string {
  if (!socketTrusted || forwardedFor === undefined) return socketIp;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',');
  let client = socketIp;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = canonicalAddress(hops[i]!.trim());
    if (hop === undefined) break; // garbage in the chain: stop at the last address we can vouch for
    client = hop;
    if (!isTrusted(hop)) break;
  }
  return client;
}
