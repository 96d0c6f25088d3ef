// Speaks Twilio's Messages endpoint: checks Basic auth and the form fields (To, From or
// MessagingServiceSid, Body, ValidityPeriod, StatusCallback), answers with an SM sid, an error
// by Twilio's code, or not at all; and signs status callbacks the way Twilio does.
import { createHmac } from 'node:crypto';

import type { FakeServer } from './fake-provider.js';
import { expectShape, startFakeServer } from './fake-provider.js';

export const TW = {
  sid: `AC${'a1'.repeat(16)}`,
  token: 'twilio-test-token',
  from: '+15550001111',
} as const;

export type TwilioMode = { kind: 'ok' } | { kind: 'error'; code: number; http?: number } | { kind: 'hang' };

export interface SentSms {
  to: string;
  body: string;
  /** The code, read from the origin-bound last line "@host #code". */
  code: string;
  params: Record<string, string>;
  id: string;
  at: number;
}

export interface FakeTwilio extends FakeServer {
  mode: TwilioMode;
  sent: SentSms[];
  config(extra?: string): string;
}

export async function startFakeTwilio(): Promise<FakeTwilio> {
  const sent: SentSms[] = [];
  let counter = 0;
  const fake = {} as FakeTwilio;
  const server = await startFakeServer((req) => {
    const auth = `Basic ${Buffer.from(`${TW.sid}:${TW.token}`).toString('base64')}`;
    if (req.headers.authorization !== auth)
      return { status: 401, body: { code: 20003, message: 'Authenticate', status: 401 } };
    const account = `/2010-04-01/Accounts/${TW.sid}`;
    if (req.method === 'GET' && req.path === `${account}.json`)
      return { status: 200, body: { sid: TW.sid, status: 'active' } };
    expectShape(
      req.method === 'POST' && req.path === `${account}/Messages.json`,
      `unexpected ${req.method} ${req.path}`,
    );
    expectShape(
      String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded'),
      'form-encoded body',
    );
    const params = Object.fromEntries(new URLSearchParams(req.body));
    expectShape(/^\+\d{8,15}$/.test(params.To ?? ''), 'To in E.164');
    expectShape(
      (params.From === undefined) !== (params.MessagingServiceSid === undefined),
      'From or MessagingServiceSid',
    );
    expectShape(typeof params.Body === 'string' && params.Body.length > 0, 'Body');
    const validity = Number(params.ValidityPeriod);
    expectShape(Number.isInteger(validity) && validity >= 1 && validity <= 36_000, 'ValidityPeriod in seconds');
    const mode = fake.mode;
    if (mode.kind === 'hang') return { status: 0, hang: true };
    if (mode.kind === 'error')
      return {
        status: mode.http ?? 400,
        body: {
          code: mode.code,
          message: 'fake error',
          more_info: 'https://www.twilio.com/docs/errors',
          status: mode.http ?? 400,
        },
      };
    const id = `SM${String(++counter).padStart(32, '0')}`;
    const code = /#(\d+)$/.exec(params.Body!)?.[1] ?? '';
    sent.push({ to: params.To!, body: params.Body!, code, params, id, at: performance.now() });
    return { status: 201, body: { sid: id, status: 'queued', to: params.To } };
  });
  return Object.assign(fake, server, {
    mode: { kind: 'ok' } as TwilioMode,
    sent,
    config: (extra = '') => twilioChannelConfig(server.url, extra),
  });
}

/** The channels config section for a Twilio API at `url` with the test credentials. */
export function twilioChannelConfig(url: string, extra = ''): string {
  return `sms:
  provider: twilio
  api_base_url: "${url}"
  account_sid: ${TW.sid}
  auth_token: ${TW.token}
  from: "${TW.from}"
  timeout: 2s
  delivery_timeout: 300ms
${extra}`;
}

export function signTwilio(url: string, params: Record<string, string>, token: string = TW.token): string {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, k) => acc + k + params[k], url);
  return createHmac('sha1', token).update(data).digest('base64');
}
