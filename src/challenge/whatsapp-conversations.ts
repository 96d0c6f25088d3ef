// What the gate remembers of the WhatsApp chats people open to sign in: which messages it handled
// (Meta retries webhooks), and for a day, whose sign-in a chat approved, so that "STOP" in the
// same chat can end it. Keys hold digests, never a number or a phrase.
import type { Signer } from '../session/signer.js';
import type { Store } from '../store/store.js';
import { guardStore } from '../store/store.js';

/** The customer service window a person's message opens: the gate answers, and heeds STOP, within it. */
export const SERVICE_WINDOW_MS = 24 * 3_600_000;

export interface WhatsAppConversations {
  /** True the first time a message id is seen, false for a retried webhook. */
  firstSight(messageId: string): Promise<boolean>;
  /** The person's chat approved the sign-in of this flow. */
  approved(user: string, flowId: string): Promise<void>;
  /** The flow the person's chat approved within the service window, once (STOP takes it). */
  takeApproved(user: string): Promise<string | undefined>;
}

export function createWhatsAppConversations(deps: { store: Store; signer: Signer }): WhatsAppConversations {
  const { store, signer } = deps;
  const digest = (purpose: string, value: string) => signer.digest(purpose, value).toString('base64url').slice(0, 22);
  const seenKey = (id: string) => `wa-seen:${digest('wa-seen', id)}`;
  const approvedKey = (user: string) => `wa-approved:${digest('wa-approved', user)}`;
  return {
    async firstSight(messageId) {
      return (
        (await guardStore('noting a WhatsApp message', () =>
          store.increment(seenKey(messageId), SERVICE_WINDOW_MS),
        )) === 1
      );
    },
    async approved(user, flowId) {
      await guardStore('noting a WhatsApp sign-in', () => store.set(approvedKey(user), flowId, SERVICE_WINDOW_MS));
    },
    async takeApproved(user) {
      return guardStore('ending a WhatsApp sign-in', () => store.take(approvedKey(user)));
    },
  };
}
