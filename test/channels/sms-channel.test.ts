// The SMS channel: Twilio and the generic HTTP provider against local servers, the message text
// with its origin-bound last line, and the country allow-list.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ChannelError } from '../../src/channels/channel.js';
import { allowedCountries, createSmsChannel } from '../../src/channels/sms-channel.js';
import { loadSmsTexts } from '../../src/channels/sms-text.js';
import { validityPeriod } from '../../src/channels/twilio-sms.js';
import { SHIPPED_TEMPLATES_DIR } from '../../src/config/compile-config.js';
import type { HttpSmsConfig, SmsChannelConfig, TwilioSmsConfig } from '../../src/config/types.js';
import { createDirectory } from '../../src/directory/users-file.js';
import { createLogger } from '../../src/shared/log.js';
import type { FakeServer } from '../helpers/fake-provider.js';
import { startFakeServer } from '../helpers/fake-provider.js';
import type { FakeTwilio } from '../helpers/fake-twilio.js';
import { startFakeTwilio, TW } from '../helpers/fake-twilio.js';

const directory = createDirectory(
  [
    { username: 'alice', name: 'Alice', phone: '+393330000001', groups: [], channels: [] },
    { username: 'bob', name: 'Bob', phone: '+12025550102', groups: [], channels: [] },
  ],
  undefined,
);
const texts = loadSmsTexts(SHIPPED_TEMPLATES_DIR, SHIPPED_TEMPLATES_DIR);
const sms = (config: SmsChannelConfig) =>
  createSmsChannel('sms', config, { texts, directory: () => directory, log: createLogger({ level: 'silent' }) });
const message = {
  username: 'alice',
  phone: '+393330000001',
  maskedPhone: '+39 ••• ••• 0001',
  code: '482913',
  ttlMs: 300_000,
  host: 'wiki.example.com',
};

let tw: FakeTwilio;
let gateway: FakeServer;
let answer: { status: number; body?: unknown; hang?: boolean } = { status: 200 };

beforeAll(async () => {
  tw = await startFakeTwilio();
  gateway = await startFakeServer(() => answer);
});
afterAll(async () => {
  await tw.close();
  await gateway.close();
});

const twilio = (over: Partial<TwilioSmsConfig> = {}): TwilioSmsConfig => ({
  type: 'sms',
  provider: 'twilio',
  apiBaseUrl: tw.url,
  accountSid: TW.sid,
  authToken: TW.token,
  from: TW.from,
  messagingServiceSid: undefined,
  statusCallbackUrl: 'https://gate.example.com/_gate/webhooks/twilio',
  timeout: 1_000,
  deliveryTimeout: 15_000,
  allowedCountries: undefined,
  ...over,
});
const http = (over: Partial<HttpSmsConfig> = {}): HttpSmsConfig => ({
  type: 'sms',
  provider: 'http',
  method: 'POST',
  url: `${gateway.url}/sms/json`,
  headers: { authorization: 'Bearer gw-key' },
  bodyType: 'json',
  body: { to: '{{to_digits}}', text: '{{text}}', params: { code: '{{code}}' } },
  success: { status: [200], field: 'messages.0.status', equals: '0' },
  messageIdField: 'messages.0.message-id',
  timeout: 1_000,
  allowedCountries: undefined,
  ...over,
});

async function failure(promise: Promise<unknown>): Promise<ChannelError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ChannelError);
  return err as ChannelError;
}

describe('SMS text', () => {
  it('is written in the page language of the person who asked', () => {
    expect(texts.render({ code: '482913', host: 'wiki.example.com', ttlMs: 300_000, locale: 'it' })).toContain(
      '482913 è il tuo codice di accesso per wiki.example.com. Scade tra 5 min.',
    );
  });

  it('is written in Simplified Chinese for zh-CN pages', () => {
    expect(texts.render({ code: '482913', host: 'wiki.example.com', ttlMs: 300_000, locale: 'zh-CN' })).toContain(
      '482913是您登录wiki.example.com的验证码',
    );
  });

  it('ends with the origin-bound line "@host #code"', () => {
    const text = texts.render({ code: '482913', host: 'wiki.example.com', ttlMs: 300_000, locale: 'de' });
    expect(text).toContain('expires in 5 min');
    expect(text.split('\n').at(-1)).toBe('@wiki.example.com #482913');
  });
});

describe('Twilio', () => {
  it('posts a form with To, From, Body, ValidityPeriod and StatusCallback, with Basic auth', async () => {
    const channel = sms(twilio());
    expect(channel.deliveryDeadlineMs).toBe(15_000);
    const { messageId } = await channel.send(message);
    expect(messageId).toMatch(/^SM/);
    expect(tw.sent.at(-1)?.params).toMatchObject({
      To: '+393330000001',
      From: TW.from,
      ValidityPeriod: '300',
      StatusCallback: 'https://gate.example.com/_gate/webhooks/twilio',
    });
    expect(tw.sent.at(-1)?.code).toBe('482913');
  });

  it('sends from a Messaging Service instead of a number when configured', async () => {
    await sms(twilio({ from: undefined, messagingServiceSid: `MG${'0'.repeat(32)}` })).send(message);
    expect(tw.sent.at(-1)?.params.MessagingServiceSid).toBe(`MG${'0'.repeat(32)}`);
    expect(tw.sent.at(-1)?.params.From).toBeUndefined();
  });

  it('keeps ValidityPeriod at or below the code lifetime', () => {
    expect(validityPeriod(299_999)).toBe(299);
    expect(validityPeriod(400)).toBe(1);
  });

  it('has no delivery deadline without a status callback URL', () => {
    expect(sms(twilio({ statusCallbackUrl: undefined })).deliveryDeadlineMs).toBeUndefined();
  });

  it.each([
    [21211, 400, 'unreachable-recipient'],
    [20429, 429, 'rate-limited'],
    [30000, 400, 'rejected'],
  ] as const)('maps error %d to %s', async (code, status, kind) => {
    tw.mode = { kind: 'error', code, http: status };
    expect((await failure(sms(twilio()).send(message))).kind).toBe(kind);
    tw.mode = { kind: 'ok' };
  });

  it('times out when Twilio does not answer', async () => {
    tw.mode = { kind: 'hang' };
    expect((await failure(sms(twilio({ timeout: 200 })).send(message))).kind).toBe('timeout');
    tw.mode = { kind: 'ok' };
  });

  it('reports bad credentials at start-up', async () => {
    await expect(sms(twilio()).check()).resolves.toBeUndefined();
    expect((await failure(sms(twilio({ authToken: 'wrong' })).check())).kind).toBe('auth');
  });
});

describe('the generic HTTP provider', () => {
  it('sends a JSON body with the placeholders filled in and checks a JSON field for success', async () => {
    answer = { status: 200, body: { messages: [{ status: '0', 'message-id': 'gw-1' }] } };
    const { messageId } = await sms(http()).send(message);
    expect(messageId).toBe('gw-1');
    const seen = gateway.requests.at(-1)!;
    expect(seen.headers.authorization).toBe('Bearer gw-key');
    expect(seen.headers['content-type']).toBe('application/json');
    const body = JSON.parse(seen.body) as { to: string; text: string; params: { code: string } };
    expect(body.to).toBe('393330000001');
    expect(body.params.code).toBe('482913');
    expect(body.text.endsWith('\n\n@wiki.example.com #482913')).toBe(true);
  });

  it('sends a form body', async () => {
    answer = { status: 200, body: { messages: [{ status: '0' }] } };
    await sms(http({ bodyType: 'form', body: { api_key: 'k', to: '{{to}}', text: '{{text}}' } })).send(message);
    const seen = gateway.requests.at(-1)!;
    expect(seen.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const form = new URLSearchParams(seen.body);
    expect(form.get('to')).toBe('+393330000001');
    expect(form.get('text')).toMatch(/#482913$/);
  });

  it('puts URL placeholders in URL-encoded for GET gateways', async () => {
    answer = { status: 200 };
    await sms(
      http({
        method: 'GET',
        url: `${gateway.url}/send?to={{to}}&msg={{text}}`,
        success: { status: [200], field: undefined, equals: undefined },
      }),
    ).send(message);
    const seen = gateway.requests.at(-1)!;
    expect(seen.method).toBe('GET');
    expect(seen.query.get('to')).toBe('+393330000001');
    expect(seen.query.get('msg')).toMatch(/@wiki\.example\.com #482913$/);
  });

  it('fails when the success field does not match, or the status is not a success', async () => {
    answer = { status: 200, body: { messages: [{ status: '4' }] } };
    const err = await failure(sms(http()).send(message));
    expect(err.kind).toBe('rejected');
    expect(err.message).toContain('messages.0.status');
    answer = { status: 429 };
    expect((await failure(sms(http()).send(message))).kind).toBe('rate-limited');
  });

  it('times out', async () => {
    answer = { status: 200, hang: true };
    expect((await failure(sms(http({ timeout: 200 })).send(message))).kind).toBe('timeout');
    answer = { status: 200 };
  });
});

describe('the SMS country allow-list', () => {
  it('defaults to the countries of the numbers in the users file', () => {
    expect([...allowedCountries(undefined, directory)].sort()).toEqual(['IT', 'US']);
  });

  it('refuses a number outside the configured list without calling the provider', async () => {
    const before = tw.requests.length;
    const err = await failure(sms(twilio({ allowedCountries: ['IT'] })).send({ ...message, phone: '+12025550102' }));
    expect(err.kind).toBe('not-allowed');
    expect(err.message).toContain('US');
    expect(err.message).not.toContain('2025550102');
    expect(tw.requests.length).toBe(before);
  });

  it('refuses a country no user lives in, by default', async () => {
    expect((await failure(sms(twilio()).send({ ...message, phone: '+447400123456' }))).kind).toBe('not-allowed');
  });
});
