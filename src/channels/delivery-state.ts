// What the gate knows about one code's journey through a rule's channels, as a Store record so
// any instance can read it (the code page's status poll) or update it (a provider's webhook).
// Pure helpers only: reading reports into the record and describing it for the page.

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
  /** Code number within the flow (a new code supersedes the record). */
  n: number;
  /** Channels in the order they are tried. */
  cs: string[];
  /** Index in `cs` of the channel in use. */
  i: number;
  ph: DeliveryPhase;
  /** Provider message id of the current send. */
  mid?: string | undefined;
  /** Channel given up on last, when the code moved on ("whatsapp"). */
  from?: string | undefined;
  /** Channels that failed or missed their deadline in this flow, across codes. */
  f: number;
  /** Last change, ms since the epoch. */
  at: number;
  /** When the code expires, ms since the epoch: the record lives as long. */
  e: number;
  /** Whom the code is for (username), so a provider's report can be audited by name; absent for decoys. */
  u?: string | undefined;
}

/** Provider statuses reduced to what the fallback acts on. */
export type ReportedStatus = 'accepted' | 'delivered' | 'failed';

export function parseDeliveryRecord(raw: string | undefined): DeliveryRecord | undefined {
  if (raw === undefined) return undefined;
  try {
    const value = JSON.parse(raw) as DeliveryRecord;
    return typeof value.n === 'number' && Array.isArray(value.cs) ? value : undefined;
  } catch {
    return undefined;
  }
}

export type ReportOutcome = 'applied' | 'duplicate' | 'stale';

/**
 * Applies a status report for `messageId` (sent on `record.cs[record.i]`). Reports about an
 * earlier send, repeats and out-of-order reports (a late "sent" after "delivered") change nothing.
 */
export function applyReport(
  record: DeliveryRecord,
  messageId: string,
  status: ReportedStatus,
  now: number,
): ReportOutcome {
  if (record.mid !== messageId) return 'stale';
  if (record.ph === 'delivered' || record.ph === 'undelivered' || record.ph === 'failed') return 'duplicate';
  if (status === 'accepted') return record.ph === 'sent' ? 'duplicate' : 'applied';
  record.ph = status === 'delivered' ? 'delivered' : 'undelivered';
  record.at = now;
  return 'applied';
}

/** What the code page shows: channel in use, and whether the code moved to another channel. */
export interface DeliveryStatus {
  channel: string;
  state: 'sending' | 'sent' | 'delivered' | 'failed' | 'switched';
  switchedFrom: string | undefined;
  failedChannels: number;
}

export function describeDelivery(record: DeliveryRecord): DeliveryStatus {
  const channel = record.cs[record.i] ?? record.cs[0] ?? 'console';
  const base = { channel, switchedFrom: record.from, failedChannels: record.f };
  if (record.ph === 'delivered') return { ...base, state: 'delivered' };
  if (record.ph === 'failed') return { ...base, state: 'failed' };
  if (record.from !== undefined) return { ...base, state: 'switched' };
  return { ...base, state: record.ph === 'sending' ? 'sending' : 'sent' };
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
