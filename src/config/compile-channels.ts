// Compiles the whatsapp, sms and email channel sections to their runtime configs (durations in ms,
// base URLs without trailing slash, the Twilio status callback URL built from server.public_url).
import { normaliseEmail } from '../directory/email-address.js';
import type { ChannelCompileContext } from './compile-config.js';
import { DEFAULT_SMTP_PORT } from './email-channel-schema.js';
import type { RawConfig } from './schema.js';
import type { AutoDeadline, EmailChannelConfig, JsonValue, SmsChannelConfig, WhatsAppChannelConfig } from './types.js';

type Ms = (text: string) => number;
type RawChannels = RawConfig['channels'];

/** Where Twilio posts delivery reports: the public URL, since behind a TLS proxy the gate can't see it. */
export const TWILIO_WEBHOOK_PATH = '/webhooks/twilio';
export const WHATSAPP_WEBHOOK_PATH = '/webhooks/whatsapp';

const trim = (url: string) => url.replace(/\/+$/, '');

export function compileWhatsApp(raw: NonNullable<RawChannels['whatsapp']>, ms: Ms): WhatsAppChannelConfig {
  return {
    type: 'whatsapp',
    apiBaseUrl: trim(raw.api_base_url),
    apiVersion: raw.api_version,
    phoneNumberId: raw.phone_number_id,
    businessNumber: raw.business_number,
    accessToken: raw.access_token,
    appSecret: raw.app_secret,
    verifyToken: raw.verify_token,
    template: { name: raw.template.name, language: raw.template.language, languages: raw.template.languages },
    messageTtl: raw.message_ttl === undefined ? undefined : ms(raw.message_ttl),
    timeout: ms(raw.timeout),
    ...compileDeliveryTimeout(raw.delivery_timeout, ms),
  };
}

export function compileSms(raw: NonNullable<RawChannels['sms']>, ctx: ChannelCompileContext, ms: Ms): SmsChannelConfig {
  if (raw.provider === 'twilio') {
    return {
      type: 'sms',
      provider: 'twilio',
      apiBaseUrl: trim(raw.api_base_url),
      accountSid: raw.account_sid,
      authToken: raw.auth_token,
      from: raw.from,
      messagingServiceSid: raw.messaging_service_sid,
      statusCallbackUrl:
        raw.status_callback && ctx.publicUrl ? `${ctx.publicUrl}${ctx.pathPrefix}${TWILIO_WEBHOOK_PATH}` : undefined,
      timeout: ms(raw.timeout),
      ...compileDeliveryTimeout(raw.delivery_timeout, ms),
      allowedCountries: raw.allowed_countries,
    };
  }
  return {
    type: 'sms',
    provider: 'http',
    method: raw.method,
    url: raw.url,
    headers: raw.headers,
    bodyType: raw.body_type,
    body: raw.body as Record<string, JsonValue> | undefined,
    success: { status: raw.success.status, field: raw.success.field, equals: raw.success.equals },
    messageIdField: raw.message_id_field,
    timeout: ms(raw.timeout),
    allowedCountries: raw.allowed_countries,
  };
}

/** Until figures are learned, an `auto` deadline starts where the fixed default is, within its bounds. */
export const AUTO_DEADLINE_START_MS = 15_000;

type RawDeliveryTimeout = NonNullable<RawChannels['whatsapp']>['delivery_timeout'];

/** A fixed deadline, or `auto` with its bounds (the shorthand takes the defaults). */
export function compileDeliveryTimeout(
  raw: RawDeliveryTimeout,
  ms: Ms,
): { deliveryTimeout: number; deliveryTimeoutAuto: AutoDeadline | undefined } {
  if (typeof raw === 'string' && raw !== 'auto') return { deliveryTimeout: ms(raw), deliveryTimeoutAuto: undefined };
  const auto =
    raw === 'auto'
      ? { minMs: 10_000, maxMs: 60_000, marginMs: 5_000 }
      : { minMs: ms(raw.min), maxMs: ms(raw.max), marginMs: ms(raw.margin) };
  return {
    deliveryTimeout: Math.min(auto.maxMs, Math.max(auto.minMs, AUTO_DEADLINE_START_MS)),
    deliveryTimeoutAuto: auto,
  };
}

export function compileEmail(raw: NonNullable<RawChannels['email']>, ms: Ms): EmailChannelConfig {
  return {
    type: 'email',
    host: raw.host,
    port: raw.port ?? DEFAULT_SMTP_PORT[raw.tls],
    tls: raw.tls,
    ca: raw.ca,
    auth: raw.auth,
    // The schema accepted only addresses normaliseEmail takes.
    from: { address: normaliseEmail(raw.from)!, name: raw.from_name },
    dkim: raw.dkim && { domain: raw.dkim.domain, selector: raw.dkim.selector, privateKey: raw.dkim.private_key },
    timeout: ms(raw.timeout),
  };
}
