// The `sms` channel: the country allow-list and the message text, in front of one provider
// (twilio-sms.ts or http-sms.ts). The allow-list defaults to the countries of the numbers in the
// users file, so a typo'd or hostile number range never costs money (SMS pumping).
import { parsePhoneNumberFromString } from 'libphonenumber-js';

import type { AutoDeadline, SmsChannelConfig } from '../config/types.js';
import type { Directory } from '../directory/types.js';
import type { Logger } from '../shared/log.js';
import type { Channel, SendResult } from './channel.js';
import { ChannelError } from './channel.js';
import { createHttpSms } from './http-sms.js';
import type { SmsTexts } from './sms-text.js';
import { createTwilioSms } from './twilio-sms.js';

export interface SmsProvider {
  /** Set when the provider reports delivery (Twilio with a status callback). */
  readonly deliveryDeadlineMs: number | undefined;
  readonly deliveryDeadlineAuto?: AutoDeadline | undefined;
  send(input: { to: string; text: string; code: string; ttlMs: number }): Promise<SendResult>;
  check(): Promise<void>;
}

export interface SmsChannelDeps {
  texts: SmsTexts;
  directory: () => Directory;
  log: Logger;
}

export function countryOf(e164: string): string | undefined {
  return parsePhoneNumberFromString(e164)?.country;
}

/** The configured allow-list, or the countries of every number in the users file. */
export function allowedCountries(configured: readonly string[] | undefined, directory: Directory): Set<string> {
  if (configured) return new Set(configured);
  return new Set(directory.all().flatMap((u) => (u.phone ? (countryOf(u.phone) ?? []) : [])));
}

export function createSmsChannel(name: string, config: SmsChannelConfig, deps: SmsChannelDeps): Channel {
  const provider = config.provider === 'twilio' ? createTwilioSms(name, config, deps.log) : createHttpSms(name, config);
  return {
    name,
    deliveryDeadlineMs: provider.deliveryDeadlineMs,
    deliveryDeadlineAuto: provider.deliveryDeadlineAuto,
    async send(message) {
      if (!message.phone)
        throw new ChannelError(name, 'sending a code: the user has no phone number', { kind: 'unreachable-recipient' });
      const country = countryOf(message.phone);
      if (country === undefined || !allowedCountries(config.allowedCountries, deps.directory()).has(country)) {
        throw new ChannelError(name, `sending a code: country ${country ?? 'unknown'} is not in the SMS allow-list`, {
          kind: 'not-allowed',
        });
      }
      const text = deps.texts.render({
        code: message.code,
        host: message.host,
        ttlMs: message.ttlMs,
        locale: message.locale,
      });
      return provider.send({ to: message.phone, text, code: message.code, ttlMs: message.ttlMs });
    },
    check: () => provider.check(),
  };
}
