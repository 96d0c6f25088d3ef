// WhatsApp Business Cloud API: the code goes out as an authentication-template message (body
// parameter and copy-code URL button parameter), Bearer token, errors acted on by Meta's numeric
// code. Delivery reports arrive on the signed webhook (pages/routes/webhook-routes.ts).
import type { WhatsAppChannelConfig } from '../config/types.js';
import type { Logger } from '../shared/log.js';
import type { Channel, ChannelFailure, OutgoingCode } from './channel.js';
import { ChannelError, failureForStatus } from './channel.js';
import { callProvider, jsonPath } from './http-call.js';

/** Meta error codes the gate acts on (developers.facebook.com … /cloud-api/support/error-codes). */
const FAILURES: Record<number, { kind: ChannelFailure; what: string }> = {
  131026: { kind: 'unreachable-recipient', what: 'recipient cannot receive WhatsApp messages' },
  130429: { kind: 'rate-limited', what: 'throughput limit reached' },
  131056: { kind: 'rate-limited', what: 'too many messages to this recipient' },
  131048: { kind: 'rate-limited', what: 'spam rate limit hit' },
  132001: { kind: 'rejected', what: 'template does not exist in this language' },
  190: { kind: 'auth', what: 'access token invalid or expired' },
  100: { kind: 'misconfigured', what: 'unknown phone number id or parameter' },
};

export function whatsappMessage(
  config: WhatsAppChannelConfig,
  message: OutgoingCode,
  to: string,
): Record<string, unknown> {
  const language = (message.locale && config.template.languages[message.locale]) || config.template.language;
  return {
    messaging_product: 'whatsapp',
    recipient_type: 'individual',
    to,
    type: 'template',
    template: {
      name: config.template.name,
      language: { code: language },
      components: [
        { type: 'body', parameters: [{ type: 'text', text: message.code }] },
        { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: message.code }] },
      ],
    },
  };
}

export function createWhatsAppChannel(name: string, config: WhatsAppChannelConfig, log: Logger): Channel {
  const base = `${config.apiBaseUrl}/${config.apiVersion}/${config.phoneNumberId}`;
  const headers = {
    authorization: `Bearer ${config.accessToken}`,
    'content-type': 'application/json',
    accept: 'application/json',
  };

  function failure(doing: string, status: number, json: unknown): ChannelError {
    const code = Number(jsonPath(json, 'error.code'));
    const known = FAILURES[code];
    if (known?.kind === 'auth') {
      // An operator must act: say so loudly, once per failure, without the token.
      log.error(
        { alert: 'whatsapp_token_invalid', channel: name, providerCode: code },
        'WhatsApp rejected the access token: renew channels.whatsapp.access_token',
      );
    }
    const what = known?.what ?? `HTTP ${status}${Number.isFinite(code) ? `, error ${code}` : ''}`;
    const kind = known?.kind ?? failureForStatus(status);
    return new ChannelError(name, `${doing}: ${what}`, {
      kind,
      providerCode: Number.isFinite(code) ? code : undefined,
    });
  }

  return {
    name,
    deliveryDeadlineMs: config.deliveryTimeout,
    deliveryDeadlineAuto: config.deliveryTimeoutAuto,
    async send(message) {
      if (!message.phone)
        throw new ChannelError(name, 'sending a code: the user has no phone number', { kind: 'unreachable-recipient' });
      const body = JSON.stringify(whatsappMessage(config, message, message.phone.replace(/^\+/, '')));
      const answer = await callProvider(name, 'sending a code', {
        method: 'POST',
        url: `${base}/messages`,
        headers,
        body,
        timeoutMs: config.timeout,
      });
      const id = jsonPath(answer.json, 'messages.0.id');
      if (answer.status >= 200 && answer.status < 300 && typeof id === 'string') return { messageId: id };
      throw failure('sending a code', answer.status, answer.json);
    },
    async check() {
      const answer = await callProvider(name, 'checking the access token', {
        method: 'GET',
        url: `${base}?fields=id`,
        headers,
        timeoutMs: config.timeout,
      });
      if (answer.status < 200 || answer.status >= 300)
        throw failure('checking the access token', answer.status, answer.json);
    },
  };
}
