// Each way a dependency can fail, driven with known secrets: Redis refusing the gate's password or
// user, TLS to a server that speaks none, providers refusing the token (and echoing it back) or
// never answering, webhooks with bad signatures. Whatever the gate prints, audits or shows, none
// of the secrets, the code or the full phone number is in it.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';

import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { browser, identify } from '../helpers/browser.js';
import type { FakeServer } from '../helpers/fake-provider.js';
import { startFakeServer } from '../helpers/fake-provider.js';
import { signTwilio, TW, twilioChannelConfig } from '../helpers/fake-twilio.js';
import { signMeta, WA, whatsAppChannelConfig, whatsAppStatusBody } from '../helpers/fake-whatsapp.js';
import type { TestGate } from '../helpers/gate.js';
import { startTestGate, TEST_SECRET } from '../helpers/gate.js';
import { REDIS_INSTALL, REDIS_SERVER, useRedis } from '../helpers/redis-server.js';
import { serveWorkspace } from '../helpers/serve-process.js';
import { describeWithBinary } from '../helpers/system-binary.js';
import type { TestUpstream } from '../helpers/upstream.js';
import { startUpstream } from '../helpers/upstream.js';

const ROOT = join(import.meta.dirname, '..', '..');
const REDIS_PASSWORD = 'redis-right-password-4f1c9a';
const WRONG_PASSWORD = 'redis-wrong-password-77d2e0';
/** Alice's number (DEFAULT_USERS), in every spelling a leak could take. */
const PHONE_FORMS = ['+393330000001', '393330000001', '3330000001', '+39 333 000 0001'];

function expectNoSecret(output: string, secrets: readonly string[]): void {
  for (const secret of secrets) expect(output, `"${secret}" leaked`).not.toContain(secret);
}

/** Runs `otp-gate serve` until it exits or prints `until`, and returns everything it printed. */
async function serveOutput(config: string, until: RegExp, timeoutMs = 15_000): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli.ts'), 'serve', '--config', config], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    const onData = (d: Buffer) => {
      output += d.toString();
      if (until.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
  child.kill('SIGKILL');
  await exited;
  return output;
}

describeWithBinary('no secret in the output when Redis refuses the gate', REDIS_SERVER, REDIS_INSTALL, (binary) => {
  const redis = useRedis(binary, ['--requirepass', REDIS_PASSWORD]);

  const store = (lines: string) =>
    `store:\n  type: redis\n${lines
      .split('\n')
      .map((l) => `  ${l}`)
      .join('\n')}\n`;
  const secrets = [REDIS_PASSWORD, WRONG_PASSWORD, TEST_SECRET];

  it.each([
    [
      'a wrong password',
      (port: number) => `url: "redis://127.0.0.1:${port}"\npassword: "${WRONG_PASSWORD}"`,
      /WRONGPASS/,
    ],
    [
      'a user Redis does not know',
      (port: number) => `url: "redis://127.0.0.1:${port}"\nusername: ghost-user\npassword: "${WRONG_PASSWORD}"`,
      /WRONGPASS/,
    ],
    [
      'a wrong password written in the URL',
      (port: number) => `url: "redis://:${WRONG_PASSWORD}@127.0.0.1:${port}"`,
      /WRONGPASS/,
    ],
    [
      'TLS to a server that speaks plain TCP',
      (port: number) => `url: "redis://127.0.0.1:${port}"\npassword: "${REDIS_PASSWORD}"\ntls: true`,
      /otp-gate: store/,
    ],
  ])('%s: the reason is printed, the passwords are not', async (_name, storeLines, reason) => {
    const upstream = await startUpstream();
    try {
      const { config } = serveWorkspace({ upstream: upstream.url, extra: store(storeLines(redis.port)) });
      const output = await serveOutput(config, /otp-gate: /);
      expect(output).toMatch(reason);
      expectNoSecret(output, secrets);
      // The gate still says what went wrong in words, not as a dumped client object.
      expect(output).not.toMatch(/"command"|"args"/);
    } finally {
      await upstream.close();
    }
  });
});

/** A provider that refuses the token and echoes back all it was sent, or never answers. */
interface EchoingProvider extends FakeServer {
  mode: 'refuse-401' | 'refuse-403' | 'hang';
}

async function startEchoingProvider(checkPath: (path: string) => boolean): Promise<EchoingProvider> {
  const provider = { mode: 'refuse-401' } as EchoingProvider;
  const server = await startFakeServer((req) => {
    // The start-up check passes: the failures under test come with the codes.
    if (req.method === 'GET' && checkPath(req.path))
      return { status: 200, body: { id: WA.phoneNumberId, sid: TW.sid, status: 'active' } };
    if (provider.mode === 'hang') return { status: 0, hang: true };
    const echo = { authorization: req.headers.authorization, sent: req.body, query: req.query.toString() };
    const status = provider.mode === 'refuse-401' ? 401 : 403;
    return {
      status,
      body: {
        error: {
          message: `Invalid OAuth access token - ${String(req.headers.authorization)}`,
          type: 'OAuthException',
          code: 190,
        },
        code: 20003,
        message: `Authenticate ${JSON.stringify(echo)}`,
        echo,
      },
    };
  });
  return Object.assign(provider, server);
}

describe('no secret in the output when providers refuse the token or never answer', () => {
  let whatsapp: EchoingProvider;
  let twilio: EchoingProvider;
  let upstream: TestUpstream;
  let gate: TestGate;
  let log = '';
  const pages: string[] = [];
  const secrets = [
    WA.token,
    WA.appSecret,
    WA.verifyToken,
    TW.token,
    Buffer.from(`${TW.sid}:${TW.token}`).toString('base64'),
    TEST_SECRET,
    ...PHONE_FORMS,
  ];

  beforeAll(async () => {
    [whatsapp, twilio, upstream] = await Promise.all([
      startEchoingProvider((p) => p === `/${WA.version}/${WA.phoneNumberId}`),
      startEchoingProvider((p) => p === `/2010-04-01/Accounts/${TW.sid}.json`),
      startUpstream(),
    ]);
    const logOut = new PassThrough();
    logOut.on('data', (d: Buffer) => (log += d.toString()));
    gate = await startTestGate({
      upstream: upstream.url,
      logOut,
      server: 'listen: "127.0.0.1:0"\ninsecure_http: true\npublic_url: "http://gate.test"',
      // Short timeouts, so a provider that never answers fails fast.
      channels: (whatsAppChannelConfig(whatsapp.url) + twilioChannelConfig(twilio.url)).replaceAll(
        'timeout: 2s',
        'timeout: 500ms',
      ),
    });
  });
  afterAll(async () => {
    await gate?.close();
    await Promise.all([whatsapp?.close(), twilio?.close(), upstream?.close()]);
  });

  /** The codes the gate tried to send, read from what the providers were sent. */
  const sentCodes = () =>
    [...whatsapp.requests, ...twilio.requests].flatMap((r) =>
      [...r.body.matchAll(/"text":"(\d{6})"|%23(\d{6})/g)].map((m) => m[1] ?? m[2]!),
    );

  it.each(['refuse-401', 'refuse-403', 'hang'] as const)(
    'a provider that answers %s: no secret, code or number in the log, the audit or the pages',
    async (mode) => {
      whatsapp.mode = mode;
      twilio.mode = mode;
      const sentBefore = whatsapp.requests.length + twilio.requests.length;
      const agent = browser(gate);
      const { html } = await identify(agent, 'alice');
      pages.push(html);
      await gate.gate.challenges.idle();
      expect(whatsapp.requests.length + twilio.requests.length, 'both channels were tried').toBeGreaterThanOrEqual(
        sentBefore + 2,
      );
      pages.push(
        (await agent.get('/_gate/code')).text,
        JSON.stringify((await agent.get('/_gate/code/status').set('Accept', 'application/json')).body),
      );
      const codes = sentCodes();
      expect(codes.length).toBeGreaterThan(0);
      expect(log).toMatch(/code delivery failed/);
      expectNoSecret([log, ...gate.audit, ...pages].join('\n'), [...secrets, ...codes]);
    },
  );

  it('webhooks with bad signatures or a wrong verify token leave no secret in the log, the audit or the answer', async () => {
    const body = whatsAppStatusBody('wamid.X', 'delivered');
    const answers = await Promise.all([
      request(gate.gate.url)
        .post('/_gate/webhooks/whatsapp')
        .set('Content-Type', 'application/json')
        .set('X-Hub-Signature-256', signMeta(body, 'not-the-app-secret'))
        .send(body),
      request(gate.gate.url)
        .get('/_gate/webhooks/whatsapp')
        .query({ 'hub.mode': 'subscribe', 'hub.verify_token': 'guess', 'hub.challenge': '42' }),
      request(gate.gate.url)
        .post('/_gate/webhooks/twilio')
        .type('form')
        .set(
          'X-Twilio-Signature',
          signTwilio(
            'http://gate.test/_gate/webhooks/twilio',
            { MessageSid: 'SM1', MessageStatus: 'delivered' },
            'not-the-token',
          ),
        )
        .send({ MessageSid: 'SM1', MessageStatus: 'delivered' }),
    ]);
    expect(answers.map((a) => a.status)).toEqual([403, 403, 403]);
    expect(gate.audit.filter((l) => l.includes('webhook_rejected'))).toHaveLength(3);
    expectNoSecret([log, ...gate.audit, ...answers.map((a) => a.text)].join('\n'), secrets);
  });
});
