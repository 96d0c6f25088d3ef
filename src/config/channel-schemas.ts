// The `channels.whatsapp` and `channels.sms` sections as written. schema.ts passes its duration
// schema in (a function, so there is no import cycle); compile-config.ts turns them into
// WhatsAppChannelConfig / SmsChannelConfig.
import type { CountryCode } from 'libphonenumber-js';
import { isSupportedCountry } from 'libphonenumber-js';
import { z } from 'zod';

import { parseDuration } from '../shared/duration.js';
import type { durationSchema as DurationSchema } from './schema.js';
import { httpUrlRules, urlText } from './url-checks.js';

const httpUrl = (example: string) => urlText(httpUrlRules(example));

const secret = (what: string) => z.string().min(1, { error: `${what} must not be empty` });

const countryList = z
  .array(
    z.string().refine((v) => /^[A-Z]{2}$/.test(v) && isSupportedCountry(v as CountryCode), {
      error: 'expected a two-letter country code in capitals, like "IT" or "US"',
    }),
  )
  .min(1)
  .optional()
  .describe(
    'Countries SMS may be sent to (ISO 3166 codes). Default: the countries of the phone numbers in the users file.',
  );

export function channelSchemasFor(durationSchema: typeof DurationSchema) {
  // A fixed deadline as before, or `auto`: learned from the channel's deliveries (docs/delivery-figures.md).
  const autoDeadline = z
    .strictObject({
      auto: z.literal(true).describe('Learn the deadline: the p90 time to "delivered" plus the margin.'),
      min: durationSchema().default('10s').describe('Never wait less than this.'),
      max: durationSchema().default('60s').describe('Never wait longer than this.'),
      margin: durationSchema().default('5s').describe('Added to the learned p90.'),
    })
    .refine((v) => (parseDuration(v.min) ?? 0) <= (parseDuration(v.max) ?? 0), {
      error: 'min must not be longer than max',
      path: ['min'],
    });
  const deliveryTimeout = () =>
    z
      .union([durationSchema(), z.literal('auto'), autoDeadline])
      .default('15s')
      .describe(
        'Without a "delivered" report by then, the next channel is tried: a duration, or auto (the learned p90 plus a margin, 10s to 60s), or { auto: true, min, max, margin }.',
      );
  const whatsapp = z
    .strictObject({
      api_base_url: httpUrl('https://graph.facebook.com')
        .default('https://graph.facebook.com')
        .describe('Graph API base URL.'),
      api_version: z
        .string()
        .regex(/^v\d+\.\d+$/, { error: 'expected a Graph API version like "v21.0"' })
        .default('v21.0')
        .describe('Graph API version.'),
      phone_number_id: z
        .string()
        .regex(/^\d+$/, { error: 'expected the numeric phone number ID from WhatsApp Manager' })
        .describe('The sending phone number ID (not the phone number).'),
      business_number: z
        .string()
        .regex(/^\+[1-9]\d{6,14}$/, { error: 'expected the business phone number in E.164, like "+393331234567"' })
        .optional()
        .describe(
          'The phone number of phone_number_id in E.164: people write to it (wa.me links) to sign in with a WhatsApp message; rules may then list "whatsapp_reply".',
        ),
      access_token: secret('access_token').describe('System-user access token (Bearer).'),
      app_secret: secret('app_secret').describe(
        'App secret: status webhooks are signed with it (X-Hub-Signature-256).',
      ),
      verify_token: secret('verify_token').describe('Token Meta echoes in the webhook subscription handshake.'),
      template: z
        .strictObject({
          name: z
            .string()
            .min(1)
            .default('verification_code')
            .describe('Name of the approved authentication template.'),
          language: z.string().min(2).default('en_US').describe('Template language code used when no locale matches.'),
          languages: z
            .record(z.string(), z.string().min(2))
            .default({})
            .describe('Template language per page locale, e.g. { it: it, de: de }.'),
        })
        .prefault({}),
      message_ttl: durationSchema()
        .optional()
        .describe(
          'The time-to-live set on the template (message_send_ttl_seconds, 30s to 15m); must not exceed otp.ttl.',
        ),
      timeout: durationSchema().default('10s').describe('How long to wait for the API to answer a send.'),
      delivery_timeout: deliveryTimeout(),
    })
    .describe('WhatsApp Business Cloud API: an authentication-template message with the code.');

  const twilio = z
    .strictObject({
      provider: z.literal('twilio'),
      api_base_url: httpUrl('https://api.twilio.com')
        .default('https://api.twilio.com')
        .describe('Twilio API base URL.'),
      account_sid: z
        .string()
        .regex(/^AC[0-9a-fA-F]{32}$/, { error: 'expected an Account SID like "AC" followed by 32 hex digits' })
        .describe('Account SID.'),
      auth_token: secret('auth_token').describe('Auth token: Basic auth for sends, and the key of X-Twilio-Signature.'),
      from: z
        .string()
        .min(1)
        .optional()
        .describe('Sender number (E.164) or alphanumeric sender ID; or use messaging_service_sid.'),
      messaging_service_sid: z
        .string()
        .regex(/^MG[0-9a-fA-F]{32}$/, { error: 'expected a Messaging Service SID like "MG…"' })
        .optional()
        .describe('Messaging Service to send from, instead of from.'),
      status_callback: z
        .boolean()
        .default(true)
        .describe('Ask for delivery reports at server.public_url (needed for the delivery deadline).'),
      timeout: durationSchema().default('10s').describe('How long to wait for the API to answer a send.'),
      delivery_timeout: deliveryTimeout(),
      allowed_countries: countryList,
    })
    .refine((v) => (v.from === undefined) !== (v.messaging_service_sid === undefined), {
      error: 'set exactly one of from and messaging_service_sid',
      path: ['from'],
    });

  const http = z
    .strictObject({
      provider: z.literal('http'),
      method: z.enum(['POST', 'PUT', 'GET']).default('POST').describe('HTTP method.'),
      url: urlText(httpUrlRules('https://sms.example.com/send', { query: true, templates: true })).describe(
        'Where to send; may use {{to}}, {{to_digits}}, {{code}}, {{text}} (URL-encoded).',
      ),
      headers: z
        .record(z.string(), z.string())
        .default({})
        .describe('Request headers, e.g. an Authorization header from ${ENV}.'),
      body_type: z.enum(['json', 'form']).default('json').describe('How the body is encoded.'),
      body: z
        .record(z.string(), z.json())
        .optional()
        .describe(
          'Body fields; strings may use {{to}}, {{to_digits}}, {{code}}, {{text}}. Form bodies take strings only.',
        ),
      success: z
        .strictObject({
          status: z
            .array(z.number().int().min(100).max(599))
            .min(1)
            .default([200, 201, 202])
            .describe('HTTP statuses that mean accepted.'),
          field: z
            .string()
            .min(1)
            .optional()
            .describe('Dot path of a JSON answer field that must equal `equals`, e.g. "messages.0.status".'),
          equals: z.union([z.string(), z.number(), z.boolean()]).optional().describe('The value `field` must have.'),
        })
        .prefault({})
        .describe('What a successful answer looks like.'),
      message_id_field: z.string().min(1).optional().describe('Dot path of the message id in a JSON answer, for logs.'),
      timeout: durationSchema().default('10s').describe('How long to wait for the API to answer a send.'),
      allowed_countries: countryList,
    })
    .refine((v) => (v.success.field === undefined) === (v.success.equals === undefined), {
      error: 'success.field and success.equals go together',
      path: ['success'],
    })
    .refine((v) => v.body_type !== 'form' || Object.values(v.body ?? {}).every((x) => typeof x === 'string'), {
      error: 'a form body takes string values only',
      path: ['body'],
    });

  const sms = z
    .discriminatedUnion('provider', [twilio, http])
    .describe('SMS through Twilio or any HTTP API ("http" provider, configured request and success condition).');
  return { whatsapp, sms };
}
