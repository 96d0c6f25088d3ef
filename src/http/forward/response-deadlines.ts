// The app's timeout for upstream response headers, kept for every request in flight by one
// sweeping timer. http-proxy's proxyTimeout re-arms the socket's timer on every request, and
// telling a timeout from a reset took a listener per request too: work and garbage on the hot
// path (issue #9). A map entry per request is cheaper; the deadline is met within one sweep.
import type { ClientRequest, IncomingMessage } from 'node:http';

/** How late past its deadline a request may be cut. */
export const SWEEP_MS = 100;

export interface ResponseDeadlines {
  /** The request went upstream: cut it unless response headers arrive within `timeoutMs`. */
  start(req: IncomingMessage, proxyReq: ClientRequest, timeoutMs: number): void;
  /** Response headers arrived, or the request failed: no deadline any more. */
  stop(req: IncomingMessage): void;
  /** Whether the request was cut for passing its deadline. */
  expired(req: IncomingMessage): boolean;
  close(): void;
}

interface Waiting {
  proxyReq: ClientRequest;
  deadline: number;
}

export function createResponseDeadlines(now: () => number = Date.now): ResponseDeadlines {
  const waiting = new Map<IncomingMessage, Waiting>();
  const cut = new WeakSet<IncomingMessage>();
  let timer: NodeJS.Timeout | undefined;

  function sweep(): void {
    const t = now();
    for (const [req, w] of waiting) {
      // A request aborted by its client is destroyed without telling us: drop it here.
      if (w.proxyReq.destroyed) waiting.delete(req);
      else if (t >= w.deadline) {
        waiting.delete(req);
        cut.add(req);
        w.proxyReq.destroy();
      }
    }
    // Idle gates keep no timer.
    if (waiting.size === 0) stopTimer();
  }

  function stopTimer(): void {
    clearInterval(timer);
    timer = undefined;
  }

  return {
    start(req, proxyReq, timeoutMs) {
      waiting.set(req, { proxyReq, deadline: now() + timeoutMs });
      timer ??= setInterval(sweep, SWEEP_MS).unref();
    },
    stop(req) {
      waiting.delete(req);
    },
    expired: (req) => cut.has(req),
    close() {
      waiting.clear();
      stopTimer();
    },
  };
}
