// What a person wrote to the business number, from a signed `messages` webhook of the WhatsApp
// Cloud API (entry[].changes[] with field "messages", value.messages[] of type "text"), and the
// free-form text the gate answers with inside the 24-hour customer service window that message
// opened. Parsing is pure; the answer is one Cloud API call.
import type { WhatsAppChannelConfig } from '../config/types.js';
import { ChannelError } from './channel.js';
import { callProvider } from './http-call.js';

export interface InboundText {
  /** The message's wamid: Meta retries a webhook, so it is handled once. */
  id: string;
  /** The sender's number in E.164 ("+393330000001"), from the message's `from` (digits). */
  from: string;
  text: string;
  /** The business number's id the message was written to. */
  phoneNumberId: string | undefined;
}

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const field = (v: unknown, k: string): unknown =>
  v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;

/** The text messages in a webhook body; statuses, other message types and anything malformed are left out. */
export function inboundTexts(raw: Buffer): InboundText[] {
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    return [];
  }
  const out: InboundText[] = [];
  for (const entry of list(field(body, 'entry'))) {
    for (const change of list(field(entry, 'changes'))) {
      if (field(change, 'field') !== 'messages') continue;
      const value = field(change, 'value');
      const phoneNumberId = field(field(value, 'metadata'), 'phone_number_id');
      for (const m of list(field(value, 'messages'))) {
        const id = field(m, 'id');
        const from = field(m, 'from');
        const text = field(field(m, 'text'), 'body');
        if (field(m, 'type') !== 'text' || typeof id !== 'string' || typeof text !== 'string') continue;
        if (typeof from !== 'string' || !/^\d{6,15}$/.test(from)) continue;
        out.push({
          id,
          from: `+${from}`,
          text: text.slice(0, 1000),
          phoneNumberId: typeof phoneNumberId === 'string' ? phoneNumberId : undefined,
        });
      }
    }
  }
  return out;
}

/** Answers a person in the chat they opened: a free-form text (a service message), no template. */
export async function sendWhatsAppText(config: WhatsAppChannelConfig, to: string, text: string): Promise<void> {
  const answer = await callProvider('whatsapp', 'answering a message', {
    method: 'POST',
    url: `${config.apiBaseUrl}/${config.apiVersion}/${config.phoneNumberId}/messages`,
    headers: {
      authorization: `Bearer ${config.accessToken}`,
      'content-type': 'application/json',
      accept: 'application/json',
    },
    body: JSON.stringify({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: to.replace(/^\+/, ''),
      type: 'text',
      text: { preview_url: false, body: text },
    }),
    timeoutMs: config.timeout,
  });
  if (answer.status < 200 || answer.status >= 300)
    throw new ChannelError('whatsapp', `answering a message: HTTP ${answer.status}`);
}
