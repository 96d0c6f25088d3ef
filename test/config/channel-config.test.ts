// The whatsapp and sms channel sections: defaults, compiled shapes, and the checks that tie
// channel timings to the code lifetime.
import { describe, expect, it } from 'vitest';

import { compileConfigText, configProblems, MINIMAL_CONFIG } from '../helpers/config-text.js';

const BASE = MINIMAL_CONFIG;
const SID = `AC${'0'.repeat(32)}`;
const WHATSAPP = `  whatsapp:
    phone_number_id: "1098765432"
    access_token: t
    app_secret: s
    verify_token: v
`;

const lines = (text: string) => configProblems(text);
const compile = (text: string) => compileConfigText(text);

describe('channel config', () => {
  it('a whatsapp channel gets the Graph API defaults and a 15 s delivery deadline', () => {
    expect(compile(`${BASE}channels:\n${WHATSAPP}`).channels.whatsapp).toEqual({
      type: 'whatsapp',
      apiBaseUrl: 'https://graph.facebook.com',
      apiVersion: 'v21.0',
      phoneNumberId: '1098765432',
      accessToken: 't',
      appSecret: 's',
      verifyToken: 'v',
      template: { name: 'verification_code', language: 'en_US', languages: {} },
      messageTtl: undefined,
      timeout: 10_000,
      deliveryTimeout: 15_000,
    });
  });

  it('refuses an api_base_url with an empty port, and accepts an SMS URL whose query has placeholders', () => {
    expect(lines(`${BASE}channels:\n${WHATSAPP}    api_base_url: "https://graph.facebook.com:"\n`)).toEqual([
      expect.stringMatching(
        /^gate\.yaml:\d+:19: expected a port from 1 to 65535 after the host, got "https:\/\/graph\.facebook\.com:" \(channels\.whatsapp\.api_base_url\)$/,
      ),
    ]);
    expect(
      lines(
        `${BASE}channels:\n  sms:\n    provider: http\n    url: "https://sms.example.com/send?to={{to}}&text={{text}}"\n    body_type: form\n`,
      ),
    ).toEqual([]);
  });

  it('a twilio channel asks for status reports at server.public_url', () => {
    const config = compile(
      `${BASE}server:\n  public_url: "https://gate.example.com/"\nchannels:\n  sms:\n    provider: twilio\n    account_sid: ${SID}\n    auth_token: x\n    from: "+15550001111"\n`,
    );
    expect(config.channels.sms).toMatchObject({
      provider: 'twilio',
      apiBaseUrl: 'https://api.twilio.com',
      statusCallbackUrl: 'https://gate.example.com/_gate/webhooks/twilio',
      deliveryTimeout: 15_000,
      allowedCountries: undefined,
    });
  });

  it('without public_url there is no status callback (and so no delivery deadline)', () => {
    const config = compile(
      `${BASE}channels:\n  sms:\n    provider: twilio\n    account_sid: ${SID}\n    auth_token: x\n    from: "+15550001111"\n`,
    );
    expect(config.channels.sms).toMatchObject({ statusCallbackUrl: undefined });
  });

  it('twilio needs exactly one of from and messaging_service_sid', () => {
    expect(
      lines(`${BASE}channels:\n  sms:\n    provider: twilio\n    account_sid: ${SID}\n    auth_token: x\n`),
    ).toEqual(['gate.yaml:10:3: set exactly one of from and messaging_service_sid (channels.sms.from)']);
  });

  it('a generic http provider compiles with its success condition', () => {
    const config = compile(
      `${BASE}channels:\n  sms:\n    provider: http\n    url: "https://rest.nexmo.com/sms/json"\n    body_type: form\n    body: { api_key: k, to: "{{to_digits}}", text: "{{text}}" }\n    success: { field: messages.0.status, equals: "0" }\n    allowed_countries: [IT, DE]\n`,
    );
    expect(config.channels.sms).toMatchObject({
      provider: 'http',
      method: 'POST',
      bodyType: 'form',
      success: { status: [200, 201, 202], field: 'messages.0.status', equals: '0' },
      allowedCountries: ['IT', 'DE'],
    });
  });

  it('a form body takes strings only, and allowed countries are checked', () => {
    const out = lines(
      `${BASE}channels:\n  sms:\n    provider: http\n    url: "https://x.example/send"\n    body_type: form\n    body: { a: { b: 1 } }\n    allowed_countries: [XX]\n`,
    );
    expect(out.some((l) => l.includes('a form body takes string values only'))).toBe(true);
    expect(out.some((l) => l.includes('two-letter country code') && l.includes('allowed_countries[0]'))).toBe(true);
  });

  it('durations accept milliseconds for short deadlines', () => {
    expect(
      (
        compile(`${BASE}channels:\n${WHATSAPP}    delivery_timeout: 300ms\n`).channels.whatsapp as {
          deliveryTimeout: number;
        }
      ).deliveryTimeout,
    ).toBe(300);
  });

  it('a delivery deadline as long as the code lifetime is refused', () => {
    expect(lines(`${BASE}otp:\n  ttl: 1m\nchannels:\n${WHATSAPP}    delivery_timeout: 2m\n`)).toEqual([
      expect.stringContaining(
        'must be shorter than otp.ttl, or the code expires before the next channel is tried (channels.whatsapp.delivery_timeout)',
      ),
    ]);
  });

  it('delivery_timeout: auto learns the deadline within the default bounds, starting at 15s', () => {
    expect(compile(`${BASE}channels:\n${WHATSAPP}    delivery_timeout: auto\n`).channels.whatsapp).toMatchObject({
      deliveryTimeout: 15_000,
      deliveryTimeoutAuto: { minMs: 10_000, maxMs: 60_000, marginMs: 5_000 },
    });
  });

  it('delivery_timeout takes its own bounds, and starts within them', () => {
    const yaml = `${BASE}channels:\n${WHATSAPP}    delivery_timeout: { auto: true, min: 2s, max: 8s, margin: 1s }\n`;
    expect(compile(yaml).channels.whatsapp).toMatchObject({
      deliveryTimeout: 8000,
      deliveryTimeoutAuto: { minMs: 2000, maxMs: 8000, marginMs: 1000 },
    });
  });

  it('an auto delivery deadline whose bounds are upside down, or whose max outlives the code, is refused', () => {
    const out = lines(
      `${BASE}otp:\n  ttl: 1m\nchannels:\n${WHATSAPP}    delivery_timeout: { auto: true, min: 3m, max: 2m }\n`,
    );
    expect(out.some((l) => l.includes('min must not be longer than max'))).toBe(true);
    expect(out.some((l) => l.includes('must be shorter than otp.ttl') && l.includes('delivery_timeout.max'))).toBe(
      true,
    );
  });

  it('a template time-to-live longer than the code is refused', () => {
    expect(lines(`${BASE}channels:\n${WHATSAPP}    message_ttl: 10m\n`)).toEqual([
      expect.stringContaining('longer than otp.ttl'),
    ]);
  });

  it('fallback deadlines are polled every 500 ms with a 30 s lease unless set', () => {
    expect(compile(BASE).fallback).toEqual({ pollInterval: 500, lease: 30_000 });
    expect(compile(`${BASE}fallback:\n  poll_interval: 100ms\n  lease: 1m\n`).fallback).toEqual({
      pollInterval: 100,
      lease: 60_000,
    });
  });

  it("a fallback lease no longer than a channel's send timeout is refused, naming the channel", () => {
    expect(lines(`${BASE}channels:\n${WHATSAPP}    timeout: 20s\nfallback:\n  lease: 20s\n`)).toEqual([
      expect.stringContaining(
        'must be longer than channels.whatsapp.timeout (20000 ms), or a second instance may send a code while the first is still sending it (fallback.lease)',
      ),
    ]);
    expect(lines(`${BASE}channels:\n${WHATSAPP}    timeout: 40s\n`)).toEqual([
      expect.stringContaining('channels.whatsapp.timeout (40000 ms)'),
    ]);
  });
});

describe('email channel config', () => {
  const EMAIL = '  email:\n    host: smtp.example.com\n    from: Sign-In@Example.COM\n';

  it('defaults to STARTTLS on port 587 with a 10 s timeout, the sender domain in lower case', () => {
    expect(compile(`${BASE}channels:\n${EMAIL}`).channels.email).toEqual({
      type: 'email',
      host: 'smtp.example.com',
      port: 587,
      tls: 'starttls',
      ca: undefined,
      auth: undefined,
      from: { address: 'Sign-In@example.com', name: undefined },
      dkim: undefined,
      timeout: 10_000,
    });
  });

  it.each([
    ['implicit', 465],
    ['opportunistic', 25],
  ])('tls: %s listens on port %i unless a port is given', (tls, port) => {
    expect(compile(`${BASE}channels:\n${EMAIL}    tls: ${tls}\n`).channels.email).toMatchObject({ port });
    expect(compile(`${BASE}channels:\n${EMAIL}    tls: ${tls}\n    port: 2525\n`).channels.email).toMatchObject({
      port: 2525,
    });
  });

  it('refuses a login over opportunistic TLS, where the password could go in clear', () => {
    expect(lines(`${BASE}channels:\n${EMAIL}    tls: opportunistic\n    auth: { user: u, password: p }\n`)).toEqual([
      expect.stringMatching(
        /^gate\.yaml:\d+:\d+: auth needs tls: implicit or starttls; with opportunistic the password could cross the network in clear \(channels\.email\.auth\)$/,
      ),
    ]);
  });

  it('refuses a sender that is not a plain address and a DKIM key that is not a private key, at their lines', () => {
    const text = `${BASE}channels:\n  email:\n    host: smtp.example.com\n    from: "Gate <gate@example.com>"\n    dkim: { domain: example.com, selector: otp, private_key: not-a-key }\n`;
    expect(lines(text)).toEqual([
      'gate.yaml:12:11: expected from as a plain e-mail address, like "sign-in@example.com", got "Gate <gate@example.com>" (channels.email.from)',
      'gate.yaml:13:62: expected an RSA or Ed25519 private key in PEM form, got a value not shown here (channels.email.dkim.private_key)',
    ]);
  });
});
