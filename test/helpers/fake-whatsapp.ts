// Speaks the WhatsApp Cloud API messages endpoint: checks the Bearer token and the
// authentication-template shape (code in the body parameter and the copy-code URL button) or a
// free-form text (a service message, only to someone who wrote within the last 24 hours),
// answers with a wamid, an error by Meta's numeric code, or not at all; and sends signed status
// and inbound-message webhooks to a gate the way Meta does.
import { createHmac } from 'node:crypto';

import type { FakeServer } from './fake-provider.js';
import { expectShape, startFakeServer } from './fake-provider.js';

export const WA = {
  version: 'v21.0',
  phoneNumberId: '1098765432',
  token: 'wa-test-token',
  appSecret: 'wa-app-secret',
  verifyToken: 'wa-verify-token',
} as const;

export type WhatsAppMode = { kind: 'ok' } | { kind: 'error'; code: number; http?: number } | { kind: 'hang' };

export interface SentWhatsApp {
  to: string;
  code: string;
  language: string;
  id: string;
  at: number;
}

/** A free-form text the business sent (a service message). */
export interface SentText {
  to: string;
  body: string;
}

export interface FakeWhatsApp extends FakeServer {
  mode: WhatsAppMode;
  /** Free-form texts sent, each inside the customer service window of a message the person wrote. */
  texts: SentText[];
  /**
   * A person writes to the business number: the `messages` webhook Meta sends for an inbound
   * text, posted to the gate signed with `secret` (the app secret; null for no signature).
   */
  write(gateUrl: string, from: string, text: string, secret?: string | null): Promise<Response>;
  /** What the start-up check (GET of the phone number id) gets instead of 200, while set. */
  checkAnswer: { status: number; body?: unknown } | undefined;
  sent: SentWhatsApp[];
  /** The channels config section pointing at this fake. */
  config(extra?: string): string;
}

interface Body {
  messaging_product?: string;
  to?: string;
  type?: string;
  text?: { body?: string };
  template?: {
    name?: string;
    language?: { code?: string };
    components?: Array<{
      type?: string;
      sub_type?: string;
      index?: string;
      parameters?: Array<{ type?: string; text?: string }>;
    }>;
  };
}

/** Meta only delivers free-form texts within 24 hours of the person's last message. */
const SERVICE_WINDOW_MS = 24 * 3_600_000;

export async function startFakeWhatsApp(): Promise<FakeWhatsApp> {
  const sent: SentWhatsApp[] = [];
  const texts: SentText[] = [];
  /** When each number last wrote to the business (digits). */
  const wrote = new Map<string, number>();
  let counter = 0;
  const fake = {} as FakeWhatsApp;
  const server = await startFakeServer((req) => {
    const base = `/${WA.version}/${WA.phoneNumberId}`;
    if (req.headers.authorization !== `Bearer ${WA.token}`) {
      return {
        status: 401,
        body: { error: { message: 'Invalid OAuth access token.', type: 'OAuthException', code: 190, fbtrace_id: 'x' } },
      };
    }
    if (req.method === 'GET' && req.path === base)
      return fake.checkAnswer ?? { status: 200, body: { id: WA.phoneNumberId } };
    expectShape(req.method === 'POST' && req.path === `${base}/messages`, `unexpected ${req.method} ${req.path}`);
    expectShape(String(req.headers['content-type']).startsWith('application/json'), 'JSON body');
    const body = JSON.parse(req.body) as Body;
    expectShape(/^\d{8,15}$/.test(body.to ?? ''), '"to" as digits without "+"');
    if (body.messaging_product === 'whatsapp' && body.type === 'text') {
      expectShape(typeof body.text?.body === 'string' && body.text.body !== '', 'text.body');
      const last = wrote.get(body.to!);
      // Outside the window Meta refuses free-form messages (error 131047, re-engagement message).
      if (last === undefined || Date.now() - last > SERVICE_WINDOW_MS)
        return { status: 400, body: { error: { message: 'Re-engagement message', code: 131047, fbtrace_id: 'x' } } };
      texts.push({ to: body.to!, body: body.text!.body! });
      const id = `wamid.TEXT${++counter}`;
      return {
        status: 200,
        body: { messaging_product: 'whatsapp', contacts: [{ input: body.to, wa_id: body.to }], messages: [{ id }] },
      };
    }
    expectShape(body.messaging_product === 'whatsapp' && body.type === 'template', 'a whatsapp template message');
    const parts = body.template?.components ?? [];
    const bodyCode = parts.find((c) => c.type === 'body')?.parameters?.[0]?.text;
    const button = parts.find((c) => c.type === 'button');
    expectShape(button?.sub_type === 'url' && button.index === '0', 'copy-code button as sub_type url, index "0"');
    expectShape(
      bodyCode !== undefined && button?.parameters?.[0]?.text === bodyCode,
      'the code in the body and the button',
    );
    const mode = fake.mode;
    if (mode.kind === 'hang') return { status: 0, hang: true };
    if (mode.kind === 'error') {
      return {
        status: mode.http ?? 400,
        body: {
          error: {
            message: 'fake error',
            type: 'OAuthException',
            code: mode.code,
            error_data: { details: 'fake' },
            fbtrace_id: 'x',
          },
        },
      };
    }
    const id = `wamid.TEST${++counter}`;
    sent.push({
      to: body.to!,
      code: bodyCode!,
      language: body.template?.language?.code ?? '',
      id,
      at: performance.now(),
    });
    return {
      status: 200,
      body: { messaging_product: 'whatsapp', contacts: [{ input: body.to, wa_id: body.to }], messages: [{ id }] },
    };
  });
  async function write(gateUrl: string, from: string, text: string, secret: string | null = WA.appSecret) {
    const digits = from.replace(/^\+/, '');
    wrote.set(digits, Date.now());
    const body = whatsAppInboundBody(digits, text, `wamid.IN${++counter}`);
    return fetch(`${gateUrl}/_gate/webhooks/whatsapp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(secret === null ? {} : { 'x-hub-signature-256': signMeta(body, secret) }),
      },
      body,
    });
  }
  return Object.assign(fake, server, {
    mode: { kind: 'ok' } as WhatsAppMode,
    checkAnswer: undefined,
    sent,
    texts,
    write,
    config: (extra = '') => whatsAppChannelConfig(server.url, extra),
  });
}

/** The channels config section for a WhatsApp Cloud API at `url` with the test credentials. */
export function whatsAppChannelConfig(url: string, extra = ''): string {
  return `whatsapp:
  api_base_url: "${url}"
  api_version: ${WA.version}
  phone_number_id: "${WA.phoneNumberId}"
  access_token: ${WA.token}
  app_secret: ${WA.appSecret}
  verify_token: ${WA.verifyToken}
  timeout: 2s
  delivery_timeout: 300ms
${extra}`;
}

/** A `messages` field notification as Meta posts it: one entry, one change, this value. */
function messagesNotification(value: Record<string, unknown>): string {
  return JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [{ id: 'WABA', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', ...value } }] }],
  });
}

export function whatsAppStatusBody(id: string, status: string, recipient = '393330000001'): string {
  return messagesNotification({
    metadata: { phone_number_id: WA.phoneNumberId },
    statuses: [{ id, status, timestamp: '1700000000', recipient_id: recipient }],
  });
}

/**
 * The `messages` webhook for a text a person sent to the business number, in the shape Meta
 * documents: metadata of the business number, the sender's contact, and the message.
 */
export function whatsAppInboundBody(from: string, text: string, id: string): string {
  return messagesNotification({
    metadata: { display_phone_number: '15550001234', phone_number_id: WA.phoneNumberId },
    contacts: [{ profile: { name: 'Test Person' }, wa_id: from }],
    messages: [{ from, id, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: text } }],
  });
}

export function signMeta(body: string, secret: string = WA.appSecret): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}
