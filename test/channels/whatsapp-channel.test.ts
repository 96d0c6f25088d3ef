// The WhatsApp channel against a local server speaking the Cloud API messages endpoint.
import { PassThrough } from 'node:stream';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createWhatsAppChannel } from '../../src/channels/whatsapp-channel.js';
import type { WhatsAppChannelConfig } from '../../src/config/types.js';
import { createLogger } from '../../src/shared/log.js';
import { channelFailure } from '../helpers/channel-failure.js';
import type { FakeWhatsApp } from '../helpers/fake-whatsapp.js';
import { startFakeWhatsApp, WA } from '../helpers/fake-whatsapp.js';

let wa: FakeWhatsApp;
const logLines: string[] = [];
const logOut = new PassThrough();
logOut.on('data', (c: Buffer) => logLines.push(...c.toString().split('\n').filter(Boolean)));

beforeAll(async () => {
  wa = await startFakeWhatsApp();
});
afterAll(() => wa.close());

const config = (over: Partial<WhatsAppChannelConfig> = {}): WhatsAppChannelConfig => ({
  type: 'whatsapp',
  apiBaseUrl: wa.url,
  apiVersion: WA.version,
  phoneNumberId: WA.phoneNumberId,
  accessToken: WA.token,
  appSecret: WA.appSecret,
  verifyToken: WA.verifyToken,
  template: { name: 'verification_code', language: 'en_US', languages: { it: 'it' } },
  messageTtl: undefined,
  timeout: 1_000,
  deliveryTimeout: 15_000,
  ...over,
});
const channel = (over?: Partial<WhatsAppChannelConfig>) =>
  createWhatsAppChannel('whatsapp', config(over), createLogger({ level: 'info' }, { destination: logOut }));
const message = {
  username: 'alice',
  phone: '+393330000001',
  maskedPhone: '+39 ••• ••• 0001',
  code: '482913',
  ttlMs: 300_000,
  host: 'wiki.example.com',
};

describe('the WhatsApp channel', () => {
  it('sends the authentication template with the code in the body and the copy-code button', async () => {
    wa.mode = { kind: 'ok' };
    const { messageId } = await channel().send(message);
    expect(messageId).toMatch(/^wamid\./);
    expect(wa.sent.at(-1)).toMatchObject({ to: '393330000001', code: '482913', language: 'en_US' });
  });

  it('uses the template language of the page locale where one is configured', async () => {
    await channel().send({ ...message, locale: 'it' });
    expect(wa.sent.at(-1)?.language).toBe('it');
  });

  it('waits for delivery reports up to the configured deadline', () => {
    expect(channel({ deliveryTimeout: 300 }).deliveryDeadlineMs).toBe(300);
  });

  it.each([
    [131026, 'unreachable-recipient'],
    [130429, 'rate-limited'],
    [131056, 'rate-limited'],
    [131048, 'rate-limited'],
    [132001, 'rejected'],
  ] as const)('maps error %d to %s', async (code, kind) => {
    wa.mode = { kind: 'error', code };
    const err = await channelFailure(channel().send(message));
    expect(err.kind).toBe(kind);
    expect(err.providerCode).toBe(String(code));
    expect(err.message).not.toContain('482913');
    expect(err.message).not.toContain('393330000001');
    wa.mode = { kind: 'ok' };
  });

  it('raises an alert in the logs when the token is invalid (190), without the token', async () => {
    const err = await channelFailure(channel({ accessToken: 'expired-token' }).send(message));
    expect(err.kind).toBe('auth');
    const alert = logLines.find((l) => l.includes('whatsapp_token_invalid'));
    expect(alert).toBeDefined();
    expect(JSON.parse(alert!)).toMatchObject({ level: 50, alert: 'whatsapp_token_invalid' });
    expect(logLines.join('\n')).not.toContain('expired-token');
  });

  it('gives up after its timeout when the API does not answer', async () => {
    wa.mode = { kind: 'hang' };
    const started = performance.now();
    const err = await channelFailure(channel({ timeout: 200 }).send(message));
    expect(err.kind).toBe('timeout');
    expect(performance.now() - started).toBeLessThan(1_000);
    wa.mode = { kind: 'ok' };
  });

  it('refuses a user without a phone number before calling the API', async () => {
    const before = wa.requests.length;
    expect((await channelFailure(channel().send({ ...message, phone: undefined }))).kind).toBe('unreachable-recipient');
    expect(wa.requests.length).toBe(before);
  });

  it('checks the token at start-up', async () => {
    await expect(channel().check()).resolves.toBeUndefined();
    expect((await channelFailure(channel({ accessToken: 'bad' }).check())).kind).toBe('auth');
  });
});
