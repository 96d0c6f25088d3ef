// Keeping a person's request across a sign-in. A form post that meets an expired or too-old
// session (step-up) would lose what was typed if the browser were simply sent to sign in; the
// body is kept with the login flow and, after the sign-in, posted again to the same address
// from a page that submits itself. Only same-origin url-encoded forms: a file upload or an API
// call gets the usual 401, and a cross-site post is never kept (it would be CSRF made durable).
import type { Store } from '../store/store.js';
import { guardStore } from '../store/store.js';

// A type, not an interface, so a list of them is template values as it is.
export type ResumeField = { name: string; value: string };

export interface Resumes {
  /** Keeps a url-encoded body to be posted again to `target` after the flow's sign-in. */
  keep(flowId: string, target: string, body: string): Promise<void>;
  /** The kept fields, once, when they were kept for this very target. */
  take(flowId: string, target: string): Promise<{ fields: ResumeField[] } | undefined>;
}

const key = (flowId: string) => `resume:${flowId}`;

export function createResumes(deps: { store: Store; lifetimeMs: number }): Resumes {
  return {
    async keep(flowId, target, body) {
      await guardStore('keeping a form post across sign-in', () =>
        deps.store.set(key(flowId), toStored({ target, body }), deps.lifetimeMs),
      );
    },

    async take(flowId, target) {
      const raw = await guardStore('resuming a form post', () => deps.store.take(key(flowId)));
      if (raw === undefined) return undefined;
      const kept = fromStored(raw);
      if (kept.target !== target) return undefined;
      // Repeated names and their order are kept, as the app would have received them.
      return { fields: [...new URLSearchParams(kept.body)].map(([name, value]) => ({ name, value })) };
    },
  };
}

interface KeptPost {
  target: string;
  /** The url-encoded body. */
  body: string;
}

// Stored as { t: target, b: body }: short keys, which every release sharing the store reads; only
// these two functions use them.
function toStored(kept: KeptPost): string {
  return JSON.stringify({ t: kept.target, b: kept.body });
}

function fromStored(raw: string): KeptPost {
  const r = JSON.parse(raw) as { t: string; b: string };
  return { target: r.t, body: r.b };
}
