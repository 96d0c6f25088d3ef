// Graceful shutdown for the gate's listener: stop accepting, let in-flight requests and WebSocket
// connections finish, and cut what is left at the deadline (WebSockets told first, and given a
// moment to close). Keep-alive sockets are closed as soon as they fall idle, so clients move to
// another instance instead of waiting on this one.
import type http from 'node:http';
import type { Duplex } from 'node:stream';

export interface Drainer {
  /** Call for every upgraded (WebSocket) socket, so shutdown waits for it. */
  trackUpgrade(socket: Duplex): void;
  /** Stops accepting and resolves when everything finished or the deadline passed. */
  drain(timeoutMs: number): Promise<{ cut: number }>;
  /** Drops every open connection and WebSocket now. */
  cut(): void;
}

/** How long WebSockets told the gate is going away have to close before they are cut. */
export const GOING_AWAY_GRACE_MS = 1_000;

/** `goAway` tells open WebSockets the gate is going away (a close frame), at the deadline. */
export function createDrainer(server: http.Server, goAway: () => void = () => {}): Drainer {
  const inFlight = new Set<http.ServerResponse>();
  let draining = false;
  const sockets = new Set<Duplex>();
  let onChange: (() => void) | undefined;

  server.on('request', (_req: http.IncomingMessage, res: http.ServerResponse) => {
    inFlight.add(res);
    if (draining) closeAfter(res);
    res.once('close', () => {
      inFlight.delete(res);
      onChange?.();
    });
  });

  return {
    trackUpgrade(socket) {
      sockets.add(socket);
      socket.once('close', () => {
        sockets.delete(socket);
        onChange?.();
      });
    },
    cut() {
      server.closeAllConnections();
      for (const socket of sockets) socket.destroy();
    },
    async drain(timeoutMs) {
      draining = true;
      for (const res of inFlight) closeAfter(res);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Sockets finishing a response become idle later; close them as they do.
      const sweeper = setInterval(() => server.closeIdleConnections(), 50);
      const done = new Promise<void>((resolve) => {
        onChange = () => {
          if (inFlight.size === 0 && sockets.size === 0) resolve();
        };
        onChange();
      });
      const outcome = await Promise.race([done.then(() => 'done' as const), after(timeoutMs, 'deadline' as const)]);
      clearInterval(sweeper);
      const cut = outcome === 'deadline' ? inFlight.size + sockets.size : 0;
      if (outcome === 'deadline') {
        server.closeAllConnections();
        if (sockets.size > 0) {
          goAway();
          await Promise.race([done, after(GOING_AWAY_GRACE_MS, undefined)]);
        }
        this.cut();
      }
      server.closeIdleConnections();
      await closed;
      return { cut };
    },
  };
}

/** During a drain every response says "Connection: close", so the client reconnects elsewhere. */
function closeAfter(res: http.ServerResponse): void {
  if (!res.headersSent) res.setHeader('connection', 'close');
}

/** Resolves to `value` after `ms`, without holding the process open. */
function after<T>(ms: number, value: T): Promise<T> {
  return new Promise((resolve) => setTimeout(() => resolve(value), ms).unref());
}
