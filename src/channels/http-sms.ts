// A generic HTTP SMS provider: method, URL, headers and a JSON or form body with {{to}},
// {{to_digits}}, {{code}} and {{text}} placeholders, and a configured success condition, so
// Vonage, Alibaba Cloud SMS or an in-house gateway work without code. No delivery reports.
import type { HttpSmsConfig, JsonValue } from '../config/types.js';
import { ChannelError, failureForStatus } from './channel.js';
import { callProvider, jsonPath } from './http-call.js';
import type { SmsProvider } from './sms-channel.js';

type Values = Record<string, string>;

const PLACEHOLDER = /\{\{\s*(to|to_digits|code|text)\s*\}\}/g;

export function fillText(template: string, values: Values, encode: (s: string) => string = (s) => s): string {
  return template.replace(PLACEHOLDER, (_, name: string) => encode(values[name] ?? ''));
}

export function fillJson(value: JsonValue, values: Values): JsonValue {
  if (typeof value === 'string') return fillText(value, values);
  if (Array.isArray(value)) return value.map((v) => fillJson(v, values));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillJson(v, values)]));
  }
  return value;
}

export function buildHttpSmsRequest(
  config: HttpSmsConfig,
  values: Values,
): { url: string; headers: Record<string, string>; body: string | undefined } {
  const url = fillText(config.url, values, encodeURIComponent);
  const headers: Record<string, string> = { accept: 'application/json', ...config.headers };
  if (config.method === 'GET' || config.body === undefined) return { url, headers, body: undefined };
  const hasType = Object.keys(headers).some((h) => h.toLowerCase() === 'content-type');
  if (config.bodyType === 'form') {
    const form = new URLSearchParams();
    for (const [k, v] of Object.entries(config.body)) form.set(k, fillText(String(v), values));
    if (!hasType) headers['content-type'] = 'application/x-www-form-urlencoded';
    return { url, headers, body: form.toString() };
  }
  if (!hasType) headers['content-type'] = 'application/json';
  return { url, headers, body: JSON.stringify(fillJson(config.body, values)) };
}

export function createHttpSms(channel: string, config: HttpSmsConfig): SmsProvider {
  return {
    deliveryDeadlineMs: undefined,
    async send({ to, text, code }) {
      const request = buildHttpSmsRequest(config, { to, to_digits: to.replace(/^\+/, ''), code, text });
      const answer = await callProvider(channel, 'sending a code', {
        method: config.method,
        ...request,
        timeoutMs: config.timeout,
      });
      const statusOk = config.success.status.includes(answer.status);
      const field = config.success.field;
      const fieldOk = field === undefined || String(jsonPath(answer.json, field)) === String(config.success.equals);
      if (statusOk && fieldOk) {
        const id = config.messageIdField ? jsonPath(answer.json, config.messageIdField) : undefined;
        return { messageId: typeof id === 'string' || typeof id === 'number' ? String(id) : undefined };
      }
      const kind = statusOk ? 'rejected' : failureForStatus(answer.status);
      const why = !statusOk
        ? `HTTP ${answer.status}`
        : `HTTP ${answer.status} but ${field} is not ${JSON.stringify(config.success.equals)}`;
      throw new ChannelError(channel, `sending a code: provider did not accept it (${why})`, { kind });
    },
    async check() {},
  };
}
