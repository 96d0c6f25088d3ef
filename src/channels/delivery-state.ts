// What the gate knows about one code's journey through a rule's channels, as a Store record so
// any instance can read it (the code page's status poll) or update it (a provider's webhook).
// Pure helpers only: the record's stored form, reading reports into it and describing it for the page.

export const deliveryKey = (flowId: string) => `delivery:${flowId}`;
/** Finds the flow a provider's message id belongs to: "flowId:n". */
export const messageKey = (channel: string, messageId: string) => `delivery-msg:${channel}:${messageId}`;

/**
 * sending: handed to the current channel; sent: the provider accepted it; delivered: the phone
 * has it; undelivered: the provider reported failure (the sender moves on); failed: every
 * channel failed.
 */
export type DeliveryPhase = 'sending' | 'sent' | 'delivered' | 'undelivered' | 'failed';

export interface DeliveryRecord {
  /** Code number within the flow (a newer code supersedes the record). */
  codeNumber: number;
  /** Channels in the order they are tried. */
  channels: string[];
  /** Index in `channels` of the channel in use. */
  current: number;
  phase: DeliveryPhase;
  /** Provider message id of the current send. */
  messageId?: string | undefined;
  /** Channel given up on last, when the code moved on ("whatsapp"). */
  switchedFrom?: string | undefined;
  /** Channels that failed or missed their deadline in this flow, across codes. */
  failedChannels: number;
  /** Last change, ms since the epoch. */
  changedAt: number;
  /** When the code expires, ms since the epoch: the record lives as long. */
  expiresAt: number;
  /** Whom the code is for (username), so a provider's report can be audited by name; absent for decoys. */
  username?: string | undefined;
  /** A provider said this code failed (a report, or a refused send): the person need not wait to ask again. */
  failureReported?: boolean | undefined;
  /** The delivery figures' note on the latest accepted send (delivery-learning.ts): a verified code credits it. */
  figuresNote?: string | undefined;
}

/**
 * Whether nothing is left to wait for: delivered, or accepted by a channel that reports nothing
 * (a send without a message id is final, delivery-machine.ts). No fallback deadline stands then.
 */
export const deliveryOver = (record: DeliveryRecord): boolean =>
  record.phase === 'delivered' || (record.phase === 'sent' && record.messageId === undefined);

/** Provider statuses reduced to what the fallback acts on. */
export type ReportedStatus = 'accepted' | 'delivered' | 'failed';

/**
 * The record as the Store holds it. Its short keys are the form Redis already holds and other
 * instances of the gate (older ones, during a rolling upgrade) read and write: only
 * encodeDelivery and decodeDelivery know them.
 */
interface StoredDelivery {
  n: number;
  cs: string[];
  i: number;
  ph: DeliveryPhase;
  mid?: string | undefined;
  from?: string | undefined;
  f: number;
  at: number;
  e: number;
  u?: string | undefined;
  fr?: 1 | undefined;
  fig?: string | undefined;
}

export function encodeDelivery(r: DeliveryRecord): string {
  const stored: StoredDelivery = {
    n: r.codeNumber,
    cs: r.channels,
    i: r.current,
    ph: r.phase,
    mid: r.messageId,
    from: r.switchedFrom,
    f: r.failedChannels,
    at: r.changedAt,
    e: r.expiresAt,
    u: r.username,
    fr: r.failureReported ? 1 : undefined,
    fig: r.figuresNote,
  };
  return JSON.stringify(stored);
}

export function decodeDelivery(raw: string | undefined): DeliveryRecord | undefined {
  if (raw === undefined) return undefined;
  let s: StoredDelivery;
  try {
    s = JSON.parse(raw) as StoredDelivery;
  } catch {
    return undefined;
  }
  if (typeof s.n !== 'number' || !Array.isArray(s.cs)) return undefined;
  return {
    codeNumber: s.n,
    channels: s.cs,
    current: s.i,
    phase: s.ph,
    messageId: s.mid,
    switchedFrom: s.from,
    failedChannels: s.f,
    changedAt: s.at,
    expiresAt: s.e,
    username: s.u,
    failureReported: s.fr === 1 ? true : undefined,
    figuresNote: typeof s.fig === 'string' ? s.fig : undefined,
  };
}

export type ReportOutcome = 'applied' | 'duplicate' | 'stale';

/**
 * Reads a status report for `messageId` (sent on the record's current channel) into the record.
 * Reports about an earlier send, repeats and out-of-order reports (a late "sent" after
 * "delivered") change nothing.
 */
export function applyReport(
  record: DeliveryRecord,
  messageId: string,
  status: ReportedStatus,
  now: number,
): { outcome: ReportOutcome; record: DeliveryRecord } {
  const unchanged = (outcome: ReportOutcome) => ({ outcome, record });
  if (record.messageId !== messageId) return unchanged('stale');
  if (record.phase === 'delivered' || record.phase === 'undelivered' || record.phase === 'failed')
    return unchanged('duplicate');
  if (status === 'accepted') return unchanged(record.phase === 'sent' ? 'duplicate' : 'applied');
  return {
    outcome: 'applied',
    record: {
      ...record,
      phase: status === 'delivered' ? 'delivered' : 'undelivered',
      changedAt: now,
      ...(status === 'failed' ? { failureReported: true } : {}),
    },
  };
}

/**
 * Whether code `codeNumber` may be replaced at once, without waiting out the resend cooldown: a
 * provider reported it failed, or every channel did. A deadline passing is no failure (the code
 * may still arrive), so it unlocks nothing.
 */
export function resendUnlocked(record: DeliveryRecord | undefined, codeNumber: number): boolean {
  return record?.codeNumber === codeNumber && (record.failureReported === true || record.phase === 'failed');
}

/** What the code page shows: channel in use, and whether the code moved to another channel. */
export interface DeliveryStatus {
  channel: string;
  state: 'sending' | 'sent' | 'delivered' | 'failed' | 'switched';
  switchedFrom: string | undefined;
  failedChannels: number;
}

export function describeDelivery(record: DeliveryRecord): DeliveryStatus {
  const channel = record.channels[record.current] ?? record.channels[0] ?? 'console';
  const base = { channel, switchedFrom: record.switchedFrom, failedChannels: record.failedChannels };
  if (record.phase === 'delivered') return { ...base, state: 'delivered' };
  if (record.phase === 'failed') return { ...base, state: 'failed' };
  if (record.switchedFrom !== undefined) return { ...base, state: 'switched' };
  return { ...base, state: record.phase === 'sending' ? 'sending' : 'sent' };
}

/** WhatsApp statuses: sent, delivered, read, failed (read implies delivered). */
export function fromWhatsAppStatus(status: string): ReportedStatus | undefined {
  if (status === 'delivered' || status === 'read') return 'delivered';
  if (status === 'failed') return 'failed';
  if (status === 'sent') return 'accepted';
  return undefined;
}

/** Twilio MessageStatus: queued, accepted, sending, sent, delivered, undelivered, failed, read … */
export function fromTwilioStatus(status: string): ReportedStatus | undefined {
  if (status === 'delivered' || status === 'read') return 'delivered';
  if (status === 'undelivered' || status === 'failed') return 'failed';
  if (['queued', 'accepted', 'scheduled', 'sending', 'sent'].includes(status)) return 'accepted';
  return undefined;
}
