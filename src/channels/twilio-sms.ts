// Twilio Programmable Messaging: form-encoded POST to the Messages resource with Basic auth,
// From or MessagingServiceSid, a ValidityPeriod no longer than the code lives, and a
// StatusCallback at the gate's public URL so delivery reports drive the fallback deadline.
import type { TwilioSmsConfig } from '../config/types.js';
import type { Logger } from '../shared/log.js';
import type { ChannelFailure } from './channel.js';
import { ChannelError, failureForStatus } from './channel.js';
import { callProvider, jsonPath } from './http-call.js';
import type { SmsProvider } from './sms-channel.js';

/** Twilio error codes the gate acts on (twilio.com/docs/api/errors). */
const FAILURES: Record<number, ChannelFailure> = {
  21211: 'unreachable-recipient', // invalid To
  21610: 'unreachable-recipient', // recipient replied STOP
  21614: 'unreachable-recipient', // not a mobile number
  21408: 'not-allowed', // region not enabled on the account
  20429: 'rate-limited',
  20003: 'auth',
  20404: 'misconfigured', // the account SID or resource does not exist
};

/** Twilio accepts 1..36000 s; a code's lifetime is at most 10 min, so this is the code's own. */
export function validityPeriod(ttlMs: number): number {
  return Math.min(36_000, Math.max(1, Math.floor(ttlMs / 1000)));
}

export function createTwilioSms(channel: string, config: TwilioSmsConfig, log: Logger): SmsProvider {
  const account = `${config.apiBaseUrl}/2010-04-01/Accounts/${config.accountSid}`;
  const headers = {
    authorization: `Basic ${Buffer.from(`${config.accountSid}:${config.authToken}`).toString('base64')}`,
    accept: 'application/json',
  };

  function failure(doing: string, status: number, json: unknown): ChannelError {
    const code = Number(jsonPath(json, 'code'));
    const kind = FAILURES[code] ?? failureForStatus(status);
    if (kind === 'auth') {
      log.error(
        { alert: 'twilio_auth_failed', channel, providerCode: Number.isFinite(code) ? code : undefined },
        'Twilio refused the credentials: check channels.sms.account_sid and auth_token',
      );
    }
    const what = `HTTP ${status}${Number.isFinite(code) ? `, error ${code}` : ''}`;
    return new ChannelError(channel, `${doing}: ${what}`, {
      kind,
      providerCode: Number.isFinite(code) ? code : undefined,
    });
  }

  return {
    deliveryDeadlineMs: config.statusCallbackUrl ? config.deliveryTimeout : undefined,
    deliveryDeadlineAuto: config.statusCallbackUrl ? config.deliveryTimeoutAuto : undefined,
    async send({ to, text, ttlMs }) {
      const form = new URLSearchParams({ To: to, Body: text, ValidityPeriod: String(validityPeriod(ttlMs)) });
      if (config.messagingServiceSid) form.set('MessagingServiceSid', config.messagingServiceSid);
      else if (config.from) form.set('From', config.from);
      if (config.statusCallbackUrl) form.set('StatusCallback', config.statusCallbackUrl);
      const answer = await callProvider(channel, 'sending a code', {
        method: 'POST',
        url: `${account}/Messages.json`,
        timeoutMs: config.timeout,
        headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
      });
      const sid = jsonPath(answer.json, 'sid');
      if (answer.status >= 200 && answer.status < 300 && typeof sid === 'string') return { messageId: sid };
      throw failure('sending a code', answer.status, answer.json);
    },
    async check() {
      const answer = await callProvider(channel, 'checking the account', {
        method: 'GET',
        url: `${account}.json`,
        headers,
        timeoutMs: config.timeout,
      });
      if (answer.status < 200 || answer.status >= 300)
        throw failure('checking the account', answer.status, answer.json);
    },
  };
}
