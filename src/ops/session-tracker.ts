// Keeps the active-sessions gauge: sessions this process created or resolved within the idle
// timeout and not revoked. With several workers or instances each counts what it has seen; a
// per-request cost of one map read keeps the hot path cheap, and the map is bounded.
import { LRUCache } from 'lru-cache';

import type { SessionConfig } from '../config/types.js';
import type { Session, Sessions } from '../session/sessions.js';
import type { Clock } from '../shared/clock.js';
import type { GateMetrics } from './metrics.js';

/** How stale a session's last-seen time may be in the count. */
const SEEN_RESOLUTION_MS = 1000;

interface Seen {
  createdAt: number;
  seenAt: number;
}

export function withSessionTracking(
  sessions: Sessions,
  deps: { metrics: GateMetrics; clock: Clock; config: SessionConfig; max?: number },
): Sessions {
  const seen = new LRUCache<string, Seen>({ max: deps.max ?? 100_000 });
  deps.metrics.activeSessions(() => {
    const now = deps.clock.now();
    let live = 0;
    for (const [id, s] of seen.entries()) {
      if (now - s.seenAt < deps.config.idleTimeout && now - s.createdAt < deps.config.lifetime) live++;
      else seen.delete(id);
    }
    return live;
  });
  // A gauge counting sessions seen within the idle timeout need not note every request: once a
  // second per session is exact enough and keeps a write off the hot path.
  const noted = (session: Session | undefined) => {
    if (session) {
      const now = deps.clock.now();
      const known = seen.get(session.id);
      if (known === undefined || now - known.seenAt >= SEEN_RESOLUTION_MS)
        seen.set(session.id, { createdAt: session.createdAt, seenAt: now });
    }
    return session;
  };
  // Spread first: methods added to Sessions later pass through untouched.
  return {
    ...sessions,
    async create(user, proof, enrolled) {
      const created = await sessions.create(user, proof, enrolled);
      seen.set(created.session.id, { createdAt: created.session.createdAt, seenAt: created.session.seenAt });
      return created;
    },
    async resolve(cookie) {
      return noted(await sessions.resolve(cookie));
    },
    cached(cookie) {
      return noted(sessions.cached(cookie));
    },
    async revoke(id) {
      seen.delete(id);
      await sessions.revoke(id);
    },
  };
}
