// otpGate() in someone's own Koa app: a passing request reaches the app's middleware with the
// signed assertion on it, verifiable against the JWKS the middleware serves like the proxy does.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';

import { createRemoteJWKSet, jwtVerify } from 'jose';
import Koa from 'koa';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { OtpGateMiddleware } from '../../src/index.js';
import { otpGate } from '../../src/index.js';
import { createLogger } from '../../src/shared/log.js';
import { assertionsSection, testKey } from '../helpers/assertion-keys.js';
import { browser, signIn } from '../helpers/browser.js';
import { configText } from '../helpers/config-text.js';
import type { TestGate } from '../helpers/gate.js';
import { CodeInbox, gateFolder, TEST_SECRET } from '../helpers/gate.js';

const ISSUER = 'https://gate.example.com';
let server: http.Server;
let gate: OtpGateMiddleware;
let asTestGate: TestGate;

beforeAll(async () => {
  const config = configText({
    server: `  insecure_http: true\n  public_url: "${ISSUER}"`,
    host: '127.0.0.1',
    upstream: 'http://127.0.0.1:9',
    secret: TEST_SECRET,
  }).replace('    upstream: "http://127.0.0.1:9"\n', '    upstream: "http://127.0.0.1:9"\n    assertion: {}\n');
  const dir = gateFolder({ 'config.yaml': `${config}audit: { file: "off" }\n${assertionsSection([testKey('k')])}` });
  const consoleOut = new PassThrough();
  gate = otpGate({ config: join(dir, 'config.yaml'), consoleOut, log: createLogger({ level: 'silent' }) });
  const app = new Koa();
  app.use(gate);
  app.use((ctx) => {
    ctx.body = { assertion: ctx.get('Remote-Assertion') || null };
  });
  server = http.createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  await gate.ready;
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  asTestGate = {
    url,
    inbox: new CodeInbox(consoleOut),
    dir,
    audit: [],
    gate: undefined as never,
    close: async () => {},
  };
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await gate?.close();
});

describe('otpGate() with an assertion', () => {
  it("hands the app's middleware a JWT that jose verifies against the JWKS", async () => {
    const agent = browser(asTestGate);
    await signIn(asTestGate, agent, 'bob', '/docs/');
    const page = await agent.get('/docs/').set('Accept', 'application/json').set('Remote-Assertion', 'forged');
    const jwks = createRemoteJWKSet(new URL(`${asTestGate.url}/_gate/.well-known/jwks.json`));
    const { payload } = await jwtVerify((page.body as { assertion: string }).assertion, jwks, {
      issuer: ISSUER,
      audience: '127.0.0.1',
    });
    expect(payload.sub).toBe('bob');
  });

  it('takes a client-sent assertion out on a bypass path', async () => {
    const res = await request(asTestGate.url).get('/public/x').set('Remote-Assertion', 'forged').expect(200);
    expect(res.body).toEqual({ assertion: null });
  });
});
