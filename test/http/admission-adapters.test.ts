// Admission is written once and four adapters translate it: the proxy, WebSocket upgrades, the Koa
// middleware and forward-auth. One table of requests goes through all four, and each answer is
// read back as the decision it stands for: they must agree (an upgrade can only say 404 where the
// others tell an unreadable request, an unknown host and a gate route apart).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';

import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { OtpGateMiddleware } from '../../src/index.js';
import { otpGate } from '../../src/index.js';
import { createLogger } from '../../src/shared/log.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import { browser, sessionCookie, signIn } from '../helpers/browser.js';
import type { TestGate } from '../helpers/gate.js';
import { startTestGate } from '../helpers/gate.js';

type Decision = 'forward' | 'challenge' | 'deny' | 'unknown-host' | 'bad-request' | 'gate-route';
type User = 'alice' | 'bob';

interface Row {
  name: string;
  method: string;
  host: string;
  target: string;
  as?: User;
  decision: Decision;
}

const APP = 'app.test';
/** server.public_url's host: not an app, but providers call the webhooks there. */
const HOOKS = 'hooks.test';

const ROWS: Row[] = [
  { name: 'a bypass path', method: 'GET', host: APP, target: '/public/page', decision: 'forward' },
  { name: 'a denied path', method: 'GET', host: APP, target: '/blocked/x', decision: 'deny' },
  { name: 'a protected page without a session', method: 'GET', host: APP, target: '/page', decision: 'challenge' },
  {
    name: 'a protected page with a session',
    method: 'GET',
    host: APP,
    target: '/page',
    as: 'alice',
    decision: 'forward',
  },
  { name: 'a post with a session', method: 'POST', host: APP, target: '/page?x=1', as: 'alice', decision: 'forward' },
  {
    name: "a group's page for someone outside the group",
    method: 'GET',
    host: APP,
    target: '/admin/x',
    as: 'bob',
    decision: 'deny',
  },
  {
    name: "a group's page for a member",
    method: 'GET',
    host: APP,
    target: '/admin/x',
    as: 'alice',
    decision: 'forward',
  },
  {
    name: 'a dot segment climbing into a denied path',
    method: 'GET',
    host: APP,
    target: '/public/../blocked/x',
    decision: 'deny',
  },
  {
    name: 'an encoded slash into a denied path',
    method: 'GET',
    host: APP,
    target: '/public/%2e%2e/blocked/x',
    decision: 'deny',
  },
  { name: 'a host no app serves', method: 'GET', host: 'other.test', target: '/page', decision: 'unknown-host' },
  { name: 'a malformed percent-encoding', method: 'GET', host: APP, target: '/page%zz', decision: 'bad-request' },
  { name: 'a double-encoded path', method: 'GET', host: APP, target: '/a%252fb', decision: 'bad-request' },
  {
    name: "the gate's login page on an app host",
    method: 'GET',
    host: APP,
    target: '/_gate/login',
    decision: 'gate-route',
  },
  {
    name: 'a provider webhook on the public URL host',
    method: 'POST',
    host: HOOKS,
    target: '/_gate/webhooks/twilio',
    decision: 'gate-route',
  },
  {
    name: 'the login page on the public URL host',
    method: 'GET',
    host: HOOKS,
    target: '/_gate/login',
    decision: 'unknown-host',
  },
];

let appServer: http.Server;
let proxied: TestGate;
let middleware: OtpGateMiddleware;
let koaServer: http.Server;
let koaUrl: string;
const cookies = {} as Record<User, string>;

beforeAll(async () => {
  // The app behind the gate, whichever way it is reached, says so in a header of its own.
  appServer = http.createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'x-reached': 'app' }).end('app');
  });
  appServer.on('upgrade', (_req, socket) => {
    socket.end(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nX-Reached: app\r\n\r\n',
    );
  });
  await new Promise<void>((resolve) => appServer.listen(0, '127.0.0.1', resolve));
  const upstream = `http://127.0.0.1:${(appServer.address() as AddressInfo).port}`;

  // One store, so a session made through the proxy is the same session for the middleware.
  const store = createMemoryStore({ maxEntries: 1000 });
  proxied = await startTestGate({
    upstream,
    store,
    server: `listen: "127.0.0.1:0"\ninsecure_http: true\npublic_url: "https://${HOOKS}"\ntrusted_proxies: ["127.0.0.1/32"]`,
    apps: `- host: 127.0.0.1\n  upstream: "${upstream}"\n- host: ${APP}\n  upstream: "${upstream}"`,
  });
  for (const user of ['alice', 'bob'] as const) {
    cookies[user] = sessionCookie(await signIn(proxied, browser(proxied), user));
  }

  middleware = otpGate({
    config: join(proxied.dir, 'config.yaml'),
    store,
    consoleOut: new PassThrough(),
    log: createLogger({ level: 'silent' }),
  });
  const app = new Koa();
  app.use(middleware);
  app.use((ctx) => {
    ctx.set('x-reached', 'app');
    ctx.body = 'app';
  });
  koaServer = http.createServer(app.callback());
  await new Promise<void>((resolve) => koaServer.listen(0, '127.0.0.1', resolve));
  await middleware.ready;
  koaUrl = `http://127.0.0.1:${(koaServer.address() as AddressInfo).port}`;
});

afterAll(async () => {
  koaServer?.closeAllConnections();
  await new Promise((resolve) => koaServer?.close(resolve));
  await middleware?.close();
  await proxied?.close();
  appServer?.closeAllConnections();
  await new Promise((resolve) => appServer?.close(resolve));
});

/** One raw exchange, read to the end (targets like /page%zz must reach the server as written). */
function exchange(url: string, lines: string[]): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => resolve({ status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0), text }));
    socket.write([...lines, 'Content-Length: 0', 'Connection: close', '', ''].join('\r\n'), 'latin1');
  });
}

const cookieLine = (row: Row) => (row.as ? [`Cookie: ${cookies[row.as]}`] : []);
const asSent = (row: Row) => [
  `${row.method} ${row.target} HTTP/1.1`,
  `Host: ${row.host}`,
  'Accept: application/json',
  ...cookieLine(row),
];
const reachedApp = (text: string) => /\r\nx-reached: app\r\n/i.test(text);

/** A page or JSON answer from the proxy or the middleware, read back as a decision. */
async function pageDecision(url: string, row: Row): Promise<Decision> {
  const { status, text } = await exchange(url, asSent(row));
  if (reachedApp(text)) return 'forward';
  if (status === 401) return 'challenge';
  if (status === 403) return 'deny';
  if (status === 400) return 'bad-request';
  if (status === 404 && text.includes('"error":"unknown_host"')) return 'unknown-host';
  return 'gate-route';
}

/** What nginx's auth_request sends for the row (docs/forward-auth/nginx.conf), read back as a decision. */
async function forwardAuthDecision(row: Row): Promise<Decision> {
  const { status, text } = await exchange(proxied.url, [
    'GET /_gate/auth/nginx HTTP/1.1',
    'Host: 127.0.0.1',
    'Accept: application/json',
    ...cookieLine(row),
    `X-Original-URL: http://${row.host}${row.target}`,
    `X-Original-Method: ${row.method}`,
  ]);
  if (status === 200) return 'forward';
  if (status === 401) return 'challenge';
  if (text.includes('cannot read the original request')) return 'bad-request';
  if (text.includes('no app is configured for host')) return 'unknown-host';
  if (text.includes('must be routed to the gate itself')) return 'gate-route';
  return 'deny';
}

/** A WebSocket handshake through the proxy: 101 from the app, or the gate's bare status line. */
async function upgradeDecision(row: Row): Promise<Decision | 'not-found' | 'no handshake'> {
  // A handshake is a GET (RFC 6455 §4.1); http-proxy drops any other method's upgrade unanswered.
  if (row.method !== 'GET') return 'no handshake';
  const { status, text } = await exchange(proxied.url, [
    ...asSent(row),
    'Connection: Upgrade',
    'Upgrade: websocket',
    'Sec-WebSocket-Version: 13',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
  ]);
  if (status === 101 && reachedApp(text)) return 'forward';
  const refusals: Record<number, Decision | 'not-found'> = { 401: 'challenge', 403: 'deny', 404: 'not-found' };
  return refusals[status] ?? (`status ${status}` as Decision);
}

describe('one admission, four adapters', () => {
  it.each(ROWS)('$name: $decision through every adapter', async (row) => {
    const seen = {
      proxy: await pageDecision(proxied.url, row),
      'koa middleware': await pageDecision(koaUrl, row),
      'forward-auth': await forwardAuthDecision(row),
      upgrade: await upgradeDecision(row),
    };
    const upgradeSays =
      row.method !== 'GET'
        ? 'no handshake'
        : ['forward', 'challenge', 'deny'].includes(row.decision)
          ? row.decision
          : 'not-found';
    expect(seen).toEqual({
      proxy: row.decision,
      'koa middleware': row.decision,
      'forward-auth': row.decision,
      upgrade: upgradeSays,
    });
  });
});
