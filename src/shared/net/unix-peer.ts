// Connections to a Unix socket have no peer address: whoever may open the socket file is the
// peer. The gate names such a peer "unix", and believes its X-Forwarded-* headers only where
// server.trusted_proxies lists "unix" (the config check asks for it with a socket listener).
import type { Socket } from 'node:net';

import { canonicalAddress, UNIX_PEER } from './cidr.js';

const unixConnections = new WeakSet<Socket>();

/** Called for each connection a Unix-socket listener accepts. */
export function markUnixConnection(socket: Socket): void {
  unixConnections.add(socket);
}

/** The connection's peer as a request sees it: its address, "unix", or undefined when unknown. */
export function socketPeer(socket: Socket): string | undefined {
  return socket.remoteAddress ?? (unixConnections.has(socket) ? UNIX_PEER : undefined);
}

/** A peer in canonical text: an address, "unix", or "0.0.0.0" when it cannot be read. */
export function canonicalPeer(peer: string | undefined): string {
  return peer === UNIX_PEER ? UNIX_PEER : (canonicalAddress(peer ?? '') ?? '0.0.0.0');
}
