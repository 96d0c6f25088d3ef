// The email channel against a real SMTP server the test starts (test/helpers/smtp-server.ts):
// what arrives (subject with the code, text and HTML parts, sender, recipient, language), TLS
// both ways, the login, DKIM, and how each SMTP failure is classed for the fallback chain.
import { generateKeyPairSync } from 'node:crypto';
import { PassThrough } from 'node:stream';

import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import type { OutgoingCode } from '../../src/channels/channel.js';
import { createEmailChannel } from '../../src/channels/email-channel.js';
import { createEmailTexts } from '../../src/channels/email-text.js';
import { messageLocales } from '../../src/channels/message-locale.js';
import { SHIPPED_TEMPLATES_DIR } from '../../src/config/compile-config.js';
import type { EmailChannelConfig } from '../../src/config/types.js';
import { createLogger } from '../../src/shared/log.js';
import { channelFailure } from '../helpers/channel-failure.js';
import { compileConfigText, MINIMAL_CONFIG } from '../helpers/config-text.js';
import type { SmtpTls, TestSmtpServer } from '../helpers/smtp-server.js';
import { closedPort, SMTP_LOGIN, smtpChannelConfig, startSmtpServer } from '../helpers/smtp-server.js';

const texts = createEmailTexts(messageLocales(SHIPPED_TEMPLATES_DIR, SHIPPED_TEMPLATES_DIR));
const message: OutgoingCode = {
  username: 'alice',
  phone: undefined,
  maskedPhone: undefined,
  email: 'alice@example.org',
  code: '482913',
  ttlMs: 300_000,
  host: 'wiki.example.com',
};

const indent = (text: string) =>
  text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');

/** The email channel config compiled from YAML, as the gate loads it ("none": tls: opportunistic). */
function emailConfig(port: number, tls: SmtpTls, options: { login?: boolean; extra?: string } = {}) {
  const yaml = smtpChannelConfig(port, { tls, login: options.login }, options.extra);
  return compileConfigText(`${MINIMAL_CONFIG}channels:\n${indent(yaml)}\n`).channels.email as EmailChannelConfig;
}

function channelFor(config: EmailChannelConfig) {
  const logs = new PassThrough();
  const lines: string[] = [];
  logs.on('data', (c: Buffer) => lines.push(c.toString()));
  const log = createLogger({ level: 'debug' }, { destination: logs });
  return { channel: createEmailChannel('email', config, { texts, log }), lines };
}

describe('a code e-mail through STARTTLS with a login', () => {
  let server: TestSmtpServer;
  beforeAll(async () => {
    server = await startSmtpServer({ tls: 'starttls', login: true });
  });
  afterAll(() => server.close());

  it('arrives with the code first in the subject, a text and an HTML part, from the configured sender', async () => {
    const { channel } = channelFor(emailConfig(server.port, 'starttls', { login: true }));
    const before = server.received.length;
    await channel.send(message);
    const mail = await server.message(before + 1);
    expect(mail.parsed.subject).toBe('482913 is your sign-in code for wiki.example.com');
    expect(mail.parsed.text).toContain('482913');
    expect(mail.parsed.html).toContain('482913');
    expect(mail.parsed.from?.value).toEqual([{ name: 'Example sign-in', address: 'sign-in@example.com' }]);
    expect(mail.from).toBe('sign-in@example.com');
    expect(mail.to).toEqual(['alice@example.org']);
    expect(mail.parsed.headers.get('auto-submitted')).toBe('auto-generated');
  });

  it('logs in with the configured user, only after STARTTLS', async () => {
    const { channel } = channelFor(emailConfig(server.port, 'starttls', { login: true }));
    const before = server.received.length;
    await channel.send(message);
    const mail = await server.message(before + 1);
    expect(mail.user).toBe(SMTP_LOGIN.user);
    expect(mail.secure).toBe(true);
  });

  it.each([
    ['it', '482913 è il tuo codice di accesso per wiki.example.com', 'Scade tra 5 min'],
    ['zh-CN', '482913是您登录wiki.example.com的验证码', '5分钟内有效'],
    ['en-GB', '482913 is your sign-in code for wiki.example.com', 'It expires in 5 min'],
  ])('is written in the language of the page (%s)', async (locale, subject, expiry) => {
    const { channel } = channelFor(emailConfig(server.port, 'starttls', { login: true }));
    const before = server.received.length;
    await channel.send({ ...message, locale });
    const mail = await server.message(before + 1);
    expect(mail.parsed.subject).toBe(subject);
    expect(mail.parsed.text).toContain(expiry);
    expect(mail.parsed.html).toContain(expiry);
    expect(mail.parsed.headers.get('content-language')).toBe(locale === 'en-GB' ? 'en' : locale);
  });

  it('has an HTML part that loads nothing: no image, no link, no remote URL', async () => {
    const { channel } = channelFor(emailConfig(server.port, 'starttls', { login: true }));
    const before = server.received.length;
    await channel.send(message);
    const html = String((await server.message(before + 1)).parsed.html);
    expect(html).not.toMatch(/<img|<link|<script|src=|href=|url\(|https?:\/\//i);
  });

  it('is refused as the auth failure it is when the password is wrong, without the password anywhere', async () => {
    const config = emailConfig(server.port, 'starttls', { login: true });
    const { channel, lines } = channelFor({
      ...config,
      auth: { user: SMTP_LOGIN.user, password: 'wrong-password-77' },
    });
    const err = await channelFailure(channel.send(message));
    expect(err.kind).toBe('auth');
    expect(err.providerCode).toBe('535');
    expect(lines.join('')).toContain('"alert":"smtp_login_refused"');
    expect(JSON.stringify([err.message, lines])).not.toContain('wrong-password-77');
  });

  it('names a refused recipient as unreachable without writing the address into the error', async () => {
    server.refuse.add('gone@example.org');
    const { channel } = channelFor(emailConfig(server.port, 'starttls', { login: true }));
    const err = await channelFailure(channel.send({ ...message, email: 'gone@example.org' }));
    expect(err.kind).toBe('unreachable-recipient');
    expect(err.providerCode).toBe('550');
    expect(err.message).not.toContain('gone@');
  });

  it('refuses a user without an e-mail address before talking to the server', async () => {
    const { channel } = channelFor(emailConfig(server.port, 'starttls', { login: true }));
    const before = server.logins.length;
    const err = await channelFailure(channel.send({ ...message, email: undefined }));
    expect(err.kind).toBe('unreachable-recipient');
    expect(server.logins.length).toBe(before);
  });

  it('passes its start-up check (connect, STARTTLS, login)', async () => {
    const { channel } = channelFor(emailConfig(server.port, 'starttls', { login: true }));
    await expect(channel.check()).resolves.toBeUndefined();
    expect(server.logins.at(-1)).toEqual({ user: SMTP_LOGIN.user, accepted: true });
  });
});

describe('TLS modes', () => {
  const servers: TestSmtpServer[] = [];
  const start = async (tls: SmtpTls) => {
    const s = await startSmtpServer({ tls });
    servers.push(s);
    return s;
  };
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it('implicit TLS: the session is encrypted from the first byte', async () => {
    const server = await start('implicit');
    await channelFor(emailConfig(server.port, 'implicit')).channel.send(message);
    expect((await server.message()).secure).toBe(true);
  });

  it('starttls: a server that does not offer STARTTLS gets nothing, and the config is blamed', async () => {
    const server = await start('none');
    const err = await channelFailure(channelFor(emailConfig(server.port, 'starttls')).channel.send(message));
    expect(err.kind).toBe('misconfigured');
    expect(server.received).toEqual([]);
  });

  it('opportunistic: sends in plain text to a server without STARTTLS', async () => {
    const server = await start('none');
    await channelFor(emailConfig(server.port, 'none')).channel.send(message);
    expect((await server.message()).secure).toBe(false);
  });

  it('a server certificate nobody vouches for is a TLS failure, not a send', async () => {
    const server = await start('starttls');
    const config = { ...emailConfig(server.port, 'starttls'), ca: undefined };
    const err = await channelFailure(channelFor(config).channel.send(message));
    expect(err.kind).toBe('misconfigured');
    expect(err.message).toMatch(/TLS with the server failed: self[- ]signed certificate/);
    expect(server.received).toEqual([]);
  });
});

describe('an SMTP server that is down', () => {
  it('is a network failure for a send and for the start-up check, naming host and port', async () => {
    const port = await closedPort();
    const { channel } = channelFor(emailConfig(port, 'starttls'));
    expect((await channelFailure(channel.send(message))).kind).toBe('network');
    const err = await channelFailure(channel.check());
    expect(err.kind).toBe('network');
    expect(err.message).toBe(
      `channel email: checking the SMTP server 127.0.0.1:${port}: cannot reach the server (ECONNREFUSED)`,
    );
  });
});

describe('DKIM', () => {
  let server: TestSmtpServer;
  beforeAll(async () => {
    server = await startSmtpServer({ tls: 'starttls' });
  });
  afterAll(() => server.close());

  it('signs the message with the configured domain and selector, and the signature verifies', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const extra = ['  dkim:', '    domain: example.com', '    selector: otp2026', '    private_key: |']
      .concat(
        pem
          .trimEnd()
          .split('\n')
          .map((l) => `      ${l}`),
      )
      .join('\n');
    await channelFor(emailConfig(server.port, 'starttls', { extra })).channel.send(message);
    const mail = await server.message();
    const header = /^DKIM-Signature:.*(?:\r\n[ \t].*)*/im.exec(mail.raw)?.[0] ?? '';
    expect(header).toMatch(/\bd=example\.com\b/);
    expect(header).toMatch(/\bs=otp2026\b/);
    const dns = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    const verified = await dkimVerify(mail.raw, {
      resolver: async (name: string, type: string) => {
        if (name === 'otp2026._domainkey.example.com' && type === 'TXT') return [[`v=DKIM1; k=rsa; p=${dns}`]];
        throw Object.assign(new Error(`no ${type} record for ${name}`), { code: 'ENOTFOUND' });
      },
    });
    expect(verified.results.map((r) => r.status.result)).toEqual(['pass']);
  });
});
