// Approval attempts: a desktop's sign-in waiting to be approved from the person's phone (a scanned
// QR code, a WhatsApp message the person sends, a push notification) instead of a typed code.
// Each is bound to the desktop's flow, lives `approvals.ttl`, shows a two-digit number the
// approver must type back, and is decided once; only the desktop's own flow collects it, once.
// Kept in the store so any instance can show, decide and collect it.
import { randomInt } from 'node:crypto';

import type { AuditLog } from '../audit/audit-log.js';
import { auditFlowId } from '../audit/audit-log.js';
import type { ApprovalsConfig } from '../config/types.js';
import type { ProofRule } from '../policy/proof.js';
import type { Factor } from '../policy/types.js';
import type { Signer } from '../session/signer.js';
import { randomId } from '../session/signer.js';
import type { Clock } from '../shared/clock.js';
import type { Store } from '../store/store.js';
import { guardStore } from '../store/store.js';
import type { Refusal } from './limits.js';

/** What the approving session must satisfy: the desktop's rule, as when the attempt began. */
export type ApprovalRequirements = ProofRule;

export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'expired';

/** What a desktop asks to be approved: everything the approval page tells and the sign-in needs. */
export interface ApprovalRequest {
  /** The desktop's login flow (its flow cookie): only that browser collects the approval. */
  flowId: string;
  /** The person signing in; undefined for a name the gate does not know (the attempt looks alike and is never approved). */
  user: string | undefined;
  /** Whom the per-person prompt limit counts: the user, else what was typed (so unknown names are limited alike). */
  limitKey: string;
  /** What the person typed on the desktop, for the way back to a code. */
  identifier: string;
  rule: string;
  requirements: ApprovalRequirements;
  returnTo: string;
  /** Factors proven on the desktop before (a password). */
  proven: Factor[];
  /** The rule's trusted_device, ms: the desktop may ask to be trusted, as after a code. */
  trustDeviceMs: number | undefined;
  /** The requesting browser, in a few words ("Firefox (Linux)"); empty when not recognised. */
  browser: string;
  /** The requesting browser's address. */
  ip: string;
  /** The app the person is signing in to (its name, else the host). */
  app: string;
  /** Also make a one-time phrase the person may send the gate (whatsapp_reply). */
  phrase: boolean;
  /** The desktop page's language, for what the gate says to the person elsewhere (a WhatsApp answer). */
  locale: string | undefined;
}

export interface Approval extends ApprovalRequest {
  /** The attempt's unguessable id: the approval page's URL carries it (QR code, push link). */
  id: string;
  /** Two digits shown on the desktop, typed back by the approver (number matching). */
  number: string;
  /** The one-time phrase for whatsapp_reply, when asked for. */
  phraseText: string | undefined;
  createdAt: number;
  expiresAt: number;
  status: ApprovalStatus;
  /** How it was decided: "scan", "whatsapp_reply", "push"… */
  decidedBy: string | undefined;
}

export type StartApproval = { ok: true; approval: Approval } | { ok: false; refusal: Refusal };

/** Who approves or denies, and by which channel. */
export interface Approver {
  /** The signed-in user approving (the phone's session), or the user the sender's number belongs to. */
  user: string;
  /** The channel name the decision came by: "scan", "push", "whatsapp_reply". */
  method: string;
  /** The approver's address, for the audit. */
  ip: string;
}

export type Decision =
  | { kind: 'approved'; approval: Approval }
  | { kind: 'denied'; approval: Approval }
  /** Not a live attempt (never was, expired, collected); nothing changed. */
  | { kind: 'expired' }
  /** Someone else's attempt, or an unknown name's: refused, the attempt lives on. */
  | { kind: 'not-yours' }
  /** The number typed was not the desktop's: the attempt ends (a relayed QR code is not approved by guessing). */
  | { kind: 'wrong-number' }
  /** Decided already (approved or denied, here or on another instance). */
  | { kind: 'decided'; status: ApprovalStatus };

export interface Approvals {
  /**
   * A new attempt for the desktop's flow, replacing the flow's earlier one; refused beyond
   * `prompts_per_minute` for the person. Audited (approval_started).
   */
  start(request: ApprovalRequest): Promise<StartApproval>;
  /** The attempt by id, live or decided; undefined once gone (expired, collected, replaced). */
  find(id: string): Promise<Approval | undefined>;
  /** The flow's current attempt (the desktop page and its polling), with its status. */
  forFlow(flowId: string): Promise<Approval | undefined>;
  /** Approves from a signed-in phone: the approver must be the person, and type the desktop's number. */
  approve(id: string, approver: Approver, number: string): Promise<Decision>;
  /** Approves by the one-time phrase the person sent (whatsapp_reply): the sender must be the person. */
  approveByPhrase(phrase: string, approver: Approver): Promise<Decision>;
  /** Denies: the attempt ends, the desktop is told. Only the person may deny. */
  deny(id: string, approver: Approver): Promise<Decision>;
  /** The desktop takes its approved attempt, once (single use); undefined when not approved. */
  collect(flowId: string): Promise<Approval | undefined>;
  /** The desktop gave up on it (a code instead, a new sign-in): the attempt ends. */
  end(flowId: string): Promise<void>;
}

/**
 * What a channel that alerts the person's own devices (push) is told of a new attempt, to show and
 * to link to. Never the number: the approver must read it off the desktop (number matching).
 */
export interface ApprovalNotice {
  /** Whose devices to alert (never called for a name the gate does not know). */
  user: string;
  /** The approval page, absolute: what tapping the notification opens. */
  url: string;
  browser: string;
  ip: string;
  app: string;
  expiresAt: number;
  /** The desktop page's language, for the notification's text. */
  locale: string | undefined;
}

/** A channel that alerts the person's devices of an attempt (push), by the channel name rules list. */
export interface ApprovalNotifier {
  /** Sends the alert; failures are the notifier's to log (the desktop page still shows its QR code). */
  notify(notice: ApprovalNotice): Promise<void>;
  /**
   * Whether it can alert this person at all (push: they registered a browser). A rule whose
   * approval channels reach nobody sends a code instead (pages/routes/approval-reach.ts).
   */
  reaches(user: string): Promise<boolean>;
}

/** The phone's approval page for attempt `id`, under the gate's path prefix. */
export function approvalPath(pathPrefix: string, id: string): string {
  return `${pathPrefix}/approve/${encodeURIComponent(id)}`;
}

export interface ApprovalDeps {
  store: Store;
  signer: Signer;
  clock: Clock;
  config: () => ApprovalsConfig | undefined;
  audit: AuditLog;
}

const MINUTE = 60_000;
/** Attempts stay readable (as denied, expired) a little past their life so the desktop can say what happened. */
const AFTERLIFE_MS = MINUTE;

const approvalKey = (id: string) => `approval:${id}`;
const flowKey = (flowId: string) => `approval-flow:${flowId}`;
const decidedKey = (id: string) => `approval-decided:${id}`;

/** Phrase letters: no 0/O, 1/I/L, so a phrase read aloud or retyped survives. */
const PHRASE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
/** 12 letters of 31: about 59 bits, far beyond guessing within an attempt's life. */
const PHRASE_LENGTH = 12;

export function createApprovals(deps: ApprovalDeps): Approvals {
  const { store, signer, clock } = deps;
  const settings = (): ApprovalsConfig => deps.config() ?? { ttl: 2 * MINUTE, promptsPerMinute: 3 };
  const phraseKey = (phrase: string) =>
    `approval-phrase:${signer.digest('approval-phrase', normalisePhrase(phrase)).toString('base64url').slice(0, 32)}`;
  const promptKey = (limitKey: string, window: number) =>
    `approval-prompts:${signer.digest('approval-prompts', limitKey).toString('base64url').slice(0, 22)}:${window}`;

  async function load(id: string): Promise<Approval | undefined> {
    if (!/^[A-Za-z0-9_-]{16,64}$/.test(id)) return undefined;
    const raw = await guardStore('loading an approval', () => store.get(approvalKey(id)));
    if (raw === undefined) return undefined;
    const approval = JSON.parse(raw) as Approval;
    return approval.status === 'pending' && approval.expiresAt <= clock.now()
      ? { ...approval, status: 'expired' }
      : approval;
  }

  function audit(approval: Approval, outcome: 'ok' | 'fail' | 'refused', event: ApprovalEvent, extra: AuditExtra) {
    deps.audit.record({
      event,
      user: extra.user ?? approval.user,
      ip: extra.ip ?? approval.ip,
      rule: approval.rule,
      flow: auditFlowId(approval.flowId),
      outcome,
      channel: extra.channel,
      reason: extra.reason,
      app: approval.app,
    });
  }

  /**
   * Writes the decision, once: only the caller that claims it first decides, on any instance.
   * A denial with a `reason` is the gate's refusal (a wrong number), not the person's.
   */
  async function settle(
    approval: Approval,
    status: 'approved' | 'denied',
    approver: Approver,
    reason?: string,
  ): Promise<Decision> {
    const ttl = approval.expiresAt + AFTERLIFE_MS - clock.now();
    const first = (await guardStore('deciding an approval', () => store.increment(decidedKey(approval.id), ttl))) === 1;
    if (!first) {
      const now = await load(approval.id);
      return { kind: 'decided', status: now?.status ?? 'expired' };
    }
    const decided: Approval = { ...approval, status, decidedBy: approver.method };
    await guardStore('deciding an approval', () =>
      store.replace(approvalKey(approval.id), JSON.stringify(decided), ttl),
    );
    if (decided.phraseText !== undefined)
      await guardStore('ending an approval phrase', () => store.delete(phraseKey(decided.phraseText!)));
    const event = status === 'approved' ? 'approval_granted' : reason ? 'approval_refused' : 'approval_denied';
    audit(decided, status === 'approved' ? 'ok' : 'refused', event, { ...approver, channel: approver.method, reason });
    return { kind: status, approval: decided };
  }

  /** The checks every decision shares: a live attempt, for this person. */
  async function decidable(
    approval: Approval | undefined,
    approver: Approver,
  ): Promise<{ ok: true; approval: Approval } | { ok: false; decision: Decision }> {
    if (!approval || approval.status === 'expired') {
      if (approval)
        audit(approval, 'refused', 'approval_refused', { ...approver, channel: approver.method, reason: 'expired' });
      return { ok: false, decision: { kind: 'expired' } };
    }
    if (approval.status !== 'pending') return { ok: false, decision: { kind: 'decided', status: approval.status } };
    if (approval.user === undefined || approval.user !== approver.user) {
      audit(approval, 'refused', 'approval_refused', {
        ...approver,
        channel: approver.method,
        reason: 'not-the-person',
      });
      return { ok: false, decision: { kind: 'not-yours' } };
    }
    return { ok: true, approval };
  }

  return {
    async start(request) {
      const { ttl, promptsPerMinute } = settings();
      const now = clock.now();
      const window = Math.floor(now / MINUTE);
      const prompts = await guardStore('counting approval prompts', () =>
        store.increment(promptKey(request.limitKey, window), (window + 1) * MINUTE - now),
      );
      const base = { user: request.user, ip: request.ip, rule: request.rule, flow: auditFlowId(request.flowId) };
      if (prompts > promptsPerMinute) {
        deps.audit.record({
          event: 'send_refused',
          ...base,
          outcome: 'refused',
          reason: 'approval-limit',
          app: request.app,
        });
        return { ok: false, refusal: { reason: 'approval-limit', retryAfterMs: (window + 1) * MINUTE - now } };
      }
      const earlier = await guardStore('loading an approval', () => store.get(flowKey(request.flowId)));
      if (earlier !== undefined) await endAttempt(earlier);
      const approval: Approval = {
        ...request,
        proven: [...request.proven],
        id: randomId(),
        number: String(randomInt(10, 100)),
        phraseText: request.phrase ? newPhrase() : undefined,
        createdAt: now,
        expiresAt: now + ttl,
        status: 'pending',
        decidedBy: undefined,
      };
      const life = ttl + AFTERLIFE_MS;
      await guardStore('saving an approval', async () => {
        await store.set(approvalKey(approval.id), JSON.stringify(approval), life);
        await store.set(flowKey(request.flowId), approval.id, life);
        if (approval.phraseText !== undefined) await store.set(phraseKey(approval.phraseText), approval.id, ttl);
      });
      deps.audit.record({ event: 'approval_started', ...base, outcome: 'ok', app: request.app });
      return { ok: true, approval };
    },

    find: load,

    async forFlow(flowId) {
      const id = await guardStore('loading an approval', () => store.get(flowKey(flowId)));
      const approval = id === undefined ? undefined : await load(id);
      // An id from another flow never answers for this one.
      return approval?.flowId === flowId ? approval : undefined;
    },

    async approve(id, approver, number) {
      const checked = await decidable(await load(id), approver);
      if (!checked.ok) return checked.decision;
      if (number.trim() !== checked.approval.number) {
        // One try: a relayed code is not approved by guessing a number out of a hundred.
        const ended = await settle(checked.approval, 'denied', approver, 'wrong-number');
        return ended.kind === 'denied' ? { kind: 'wrong-number' } : ended;
      }
      return settle(checked.approval, 'approved', approver);
    },

    async approveByPhrase(phrase, approver) {
      const id = await guardStore('looking up an approval phrase', () => store.get(phraseKey(phrase)));
      if (id === undefined) {
        deps.audit.record({
          event: 'approval_refused',
          user: approver.user,
          ip: approver.ip,
          outcome: 'refused',
          channel: approver.method,
          reason: 'unknown-phrase',
        });
        return { kind: 'expired' };
      }
      const checked = await decidable(await load(id), approver);
      if (!checked.ok) return checked.decision;
      return settle(checked.approval, 'approved', approver);
    },

    async deny(id, approver) {
      const checked = await decidable(await load(id), approver);
      if (!checked.ok) return checked.decision;
      return settle(checked.approval, 'denied', approver);
    },

    async collect(flowId) {
      const id = await guardStore('loading an approval', () => store.get(flowKey(flowId)));
      if (id === undefined) return undefined;
      const approval = await load(id);
      if (approval?.flowId !== flowId || approval.status !== 'approved') return undefined;
      // Single use: only the request that removes the record signs in, however many raced here.
      if (!(await guardStore('collecting an approval', () => store.delete(approvalKey(id))))) return undefined;
      await guardStore('collecting an approval', () => store.delete(flowKey(flowId)));
      return approval;
    },

    async end(flowId) {
      const id = await guardStore('loading an approval', () => store.get(flowKey(flowId)));
      if (id !== undefined) await endAttempt(id);
      await guardStore('ending an approval', () => store.delete(flowKey(flowId)));
    },
  };

  async function endAttempt(id: string): Promise<void> {
    const approval = await load(id);
    await guardStore('ending an approval', async () => {
      await store.delete(approvalKey(id));
      if (approval?.phraseText !== undefined) await store.delete(phraseKey(approval.phraseText));
    });
  }
}

type ApprovalEvent = 'approval_granted' | 'approval_denied' | 'approval_refused';
interface AuditExtra {
  user?: string | undefined;
  ip?: string | undefined;
  channel?: string | undefined;
  reason?: string | undefined;
}

function newPhrase(): string {
  let out = '';
  for (let i = 0; i < PHRASE_LENGTH; i++) out += PHRASE_ALPHABET[randomInt(PHRASE_ALPHABET.length)];
  return `${out.slice(0, 4)}-${out.slice(4, 8)}-${out.slice(8)}`;
}

/** What a person's message must contain: the phrase's letters, whatever the case, spacing or dashes. */
export function normalisePhrase(text: string): string {
  return text.toUpperCase().replace(/[^A-Z0-9]/g, '');
}

/** The phrase within a message's text ("Sign me in: ABCD-EFGH-JKMN"), or undefined when it carries none. */
export function phraseIn(text: string): string | undefined {
  return /(?<![A-Za-z0-9])[A-Za-z2-9]{4}-[A-Za-z2-9]{4}-[A-Za-z2-9]{4}(?![A-Za-z0-9])/.exec(text.slice(0, 500))?.[0];
}
