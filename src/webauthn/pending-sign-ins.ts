// A sign-in waiting for a passkey or security key: who typed their name (and whether the gate
// knows them), where they are going, and what they proved already (a password). Kept per flow in
// the store so any instance can finish it, for as long as a sign-in flow lives.
import type { Factor } from '../policy/types.js';
import type { Store } from '../store/store.js';
import { guardStore } from '../store/store.js';

export interface PendingSignIn {
  /** The known user the name belongs to; undefined for an unknown name, or a passkey sign-in without one. */
  user: string | undefined;
  /** What was typed, for the way back to codes; empty for a passkey sign-in without a name. */
  identifier: string;
  returnTo: string;
  proven: Factor[];
}

export interface PendingSignIns {
  save(flowId: string, pending: PendingSignIn): Promise<void>;
  find(flowId: string): Promise<PendingSignIn | undefined>;
  end(flowId: string): Promise<void>;
}

const key = (flowId: string) => `webauthn-sign-in:${flowId}`;

export function createPendingSignIns(deps: { store: Store; lifetimeMs: number }): PendingSignIns {
  const { store } = deps;
  return {
    save: (flowId, pending) =>
      guardStore('saving a passkey sign-in', () =>
        store.set(
          key(flowId),
          JSON.stringify({ u: pending.user, i: pending.identifier, r: pending.returnTo, p: pending.proven }),
          deps.lifetimeMs,
        ),
      ),
    async find(flowId) {
      const raw = await guardStore('loading a passkey sign-in', () => store.get(key(flowId)));
      if (raw === undefined) return undefined;
      try {
        const r = JSON.parse(raw) as { u?: string; i?: string; r?: string; p?: Factor[] };
        if (typeof r.i !== 'string' || typeof r.r !== 'string') return undefined;
        return { user: r.u, identifier: r.i, returnTo: r.r, proven: Array.isArray(r.p) ? r.p : [] };
      } catch {
        return undefined;
      }
    },
    end: async (flowId) => {
      await guardStore('ending a passkey sign-in', () => store.delete(key(flowId)));
    },
  };
}
