// Signing in by writing to the business number (issue 20, whatsapp_reply): a signed `messages`
// webhook carries the sender's number and text; when the number is the challenged person's and the
// text carries a live attempt's one-time phrase, the attempt is approved and the gate answers in
// the chat, within the service window the message opened. "STOP" in that chat ends the sign-in it
// approved: the attempt if the desktop has not taken it yet, and every session of the person.
// Anything else is only audited (by the approvals core); strangers get no answer.
import type { AuditLog } from '../audit/audit-log.js';
import type { Approvals } from '../challenge/approvals.js';
import { phraseIn } from '../challenge/approvals.js';
import type { EnrolledPeople } from '../challenge/enrolled-people.js';
import type { WhatsAppConversations } from '../challenge/whatsapp-conversations.js';
import type { InboundText } from '../channels/whatsapp-inbound.js';
import { sendWhatsAppText } from '../channels/whatsapp-inbound.js';
import type { WhatsAppChannelConfig } from '../config/types.js';
import type { GateState } from '../http/gate-state.js';
import type { Locales } from '../i18n/locales.js';
import { WHATSAPP_REPLY } from '../policy/types.js';
import type { Sessions } from '../session/sessions.js';
import type { TrustedDevices } from '../session/trusted-devices.js';
import type { Logger } from '../shared/log.js';

export interface WhatsAppSignInDeps {
  state: () => GateState;
  approvals: Approvals;
  conversations: WhatsAppConversations;
  people: Pick<EnrolledPeople, 'find'>;
  sessions: Pick<Sessions, 'revokeUser'>;
  devices: Pick<TrustedDevices, 'revokeUser'>;
  audit: AuditLog;
  locales: () => Locales;
  log: Logger;
}

export type WhatsAppSignIns = (message: InboundText, ip: string, config: WhatsAppChannelConfig) => Promise<void>;

export function createWhatsAppSignIns(deps: WhatsAppSignInDeps): WhatsAppSignIns {
  /** Whose number wrote: a users-file user, else a person enrolled by phone; undefined for anyone else. */
  async function sender(number: string): Promise<string | undefined> {
    const { user } = deps.state().directory.lookup(number);
    if (user) return user.phone === number ? user.username : undefined;
    return (await deps.people.find(number))?.number;
  }

  async function answer(config: WhatsAppChannelConfig, to: string, text: string): Promise<void> {
    // The person is signed in (or not) whatever becomes of the answer: a failure is only logged.
    await sendWhatsAppText(config, to, text).catch((err: unknown) =>
      deps.log.warn({ err }, 'whatsapp: answering a sign-in message failed'),
    );
  }

  return async (message, ip, config) => {
    if (!(await deps.conversations.firstSight(message.id))) return;
    const user = await sender(message.from);
    const phrase = phraseIn(message.text);
    if (user === undefined) {
      // A stranger: nothing to approve for them, nothing to answer.
      deps.audit.record({
        event: 'approval_refused',
        ip,
        outcome: 'refused',
        channel: WHATSAPP_REPLY,
        reason: 'unknown-sender',
      });
      return;
    }
    const approver = { user, method: WHATSAPP_REPLY, ip };
    if (phrase === undefined) {
      if (isStop(message.text)) await stop(user, ip, config, message.from);
      return;
    }
    const decision = await deps.approvals.approveByPhrase(phrase, approver);
    if (decision.kind === 'approved') {
      const { approval } = decision;
      await deps.conversations.approved(user, approval.flowId);
      const tr = deps.locales().get(approval.locale ?? deps.locales().defaultLocale);
      const browser = approval.browser || tr.t('approve.unknown_browser');
      await answer(
        config,
        message.from,
        tr.t('whatsapp_reply.signed_in', { app: approval.app, browser, ip: approval.ip }),
      );
    } else if (decision.kind === 'expired' || decision.kind === 'decided') {
      const tr = deps.locales().get(deps.locales().defaultLocale);
      await answer(config, message.from, tr.t('whatsapp_reply.expired'));
    }
  };

  /** STOP: the sign-in this chat approved ends (its attempt, every session and trusted browser of the person). */
  async function stop(user: string, ip: string, config: WhatsAppChannelConfig, to: string): Promise<void> {
    const flowId = await deps.conversations.takeApproved(user);
    if (flowId === undefined) return;
    await deps.approvals.end(flowId);
    const ended = await deps.sessions.revokeUser(user);
    // A browser trusted on the way in would sign in again without a code: it is forgotten too.
    await deps.devices.revokeUser(user);
    deps.audit.record({
      event: 'logout',
      user,
      ip,
      outcome: 'ok',
      channel: WHATSAPP_REPLY,
      reason: `stop: ${ended} sessions ended`,
    });
    await answer(config, to, deps.locales().get(deps.locales().defaultLocale).t('whatsapp_reply.stopped'));
  }
}

/** "STOP", however written, alone in the message. */
function isStop(text: string): boolean {
  return /^\s*stop\s*[.!]?\s*$/i.test(text);
}
