// otpGate() inside someone's own Koa app: the same policy, sessions and pages as the proxy; a
// passing request reaches the app's own middleware with the identity in ctx.state.otpGate.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';

import Koa from 'koa';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { OtpGateMiddleware, OtpGateState } from '../../src/index.js';
import { otpGate } from '../../src/index.js';
import { createLogger } from '../../src/shared/log.js';
import { browser, signIn } from '../helpers/browser.js';
import { configText } from '../helpers/config-text.js';
import type { TestGate } from '../helpers/gate.js';
import { CodeInbox, gateFolder, TEST_SECRET } from '../helpers/gate.js';

let server: http.Server;
let gate: OtpGateMiddleware;
let asTestGate: TestGate;

beforeAll(async () => {
  // The app's upstream is not used: the gate is middleware here.
  const config = configText({
    server: '  insecure_http: true',
    host: '127.0.0.1',
    upstream: 'http://127.0.0.1:9',
    secret: TEST_SECRET,
  });
  const dir = gateFolder({ 'config.yaml': `${config}audit: { file: "off" }\n` });
  const consoleOut = new PassThrough();
  const inbox = new CodeInbox(consoleOut);
  gate = otpGate({ config: join(dir, 'config.yaml'), consoleOut, log: createLogger({ level: 'silent' }) });

  const app = new Koa();
  app.use(gate);
  app.use(async (ctx) => {
    const state = ctx.state.otpGate as OtpGateState;
    ctx.body = {
      user: state.identity?.user ?? null,
      rule: state.rule,
      header: ctx.get('Remote-User') || null,
      path: ctx.path,
    };
  });
  server = http.createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  await gate.ready;
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  asTestGate = { url, inbox, dir, audit: [], gate: undefined as never, close: async () => {} };
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await gate?.close();
});

describe('otpGate Koa middleware', () => {
  it('lets a bypass path through to the app without an identity', async () => {
    const res = await request(asTestGate.url).get('/public/x').set('Remote-User', 'mallory').expect(200);
    expect(res.body).toEqual({ user: null, rule: 'public', header: null, path: '/public/x' });
  });

  it("sends a browser to the gate's login page and an API client a 401", async () => {
    const res = await request(asTestGate.url).get('/docs/').set('Accept', 'text/html').expect(302);
    expect(res.headers.location).toBe('/_gate/login?rd=%2Fdocs%2F');
    await request(asTestGate.url).get('/docs/').set('Accept', 'application/json').expect(401);
  });

  it("signs in on the gate's own pages, then passes the user to the app", async () => {
    const agent = browser(asTestGate);
    const res = await signIn(asTestGate, agent, 'bob', '/docs/');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/docs/');
    const page = await agent.get('/docs/').set('Accept', 'application/json').expect(200);
    expect(page.body).toEqual({ user: 'bob', rule: 'everyone', header: 'bob', path: '/docs/' });
    await agent.get('/admin/').set('Accept', 'application/json').expect(403);
  });

  it('refuses a deny rule and answers healthz like the proxy does', async () => {
    await request(asTestGate.url).get('/blocked/x').set('Accept', 'application/json').expect(403);
    await request(asTestGate.url).get('/_gate/healthz').expect(200, { status: 'ok' });
  });
});
