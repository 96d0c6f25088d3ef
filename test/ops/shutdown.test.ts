// SIGTERM under load, through the real `serve` command: requests in flight finish with 200, new
// connections are refused at once, an open WebSocket keeps working until the deadline, and the
// process exits cleanly.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';

import type { ServeProcess } from '../helpers/serve-process.js';
import { serveWorkspace, startServe } from '../helpers/serve-process.js';
import { waitFor } from '../helpers/wait.js';

const POLICY = `
rules:
  - name: open
    action: bypass
`;

let slow: http.Server;
let slowUrl: string;
let arrived = 0;

beforeAll(async () => {
  slow = http.createServer((_req, res) => {
    arrived++;
    setTimeout(() => res.end('done'), 1_500);
  });
  const wss = new WebSocketServer({ server: slow });
  wss.on('connection', (socket) => socket.on('message', (d) => socket.send(`echo:${d.toString()}`)));
  await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
  slowUrl = `http://127.0.0.1:${(slow.address() as AddressInfo).port}`;
});
afterAll(async () => {
  slow.closeAllConnections();
  await new Promise((resolve) => slow.close(resolve));
});

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

function connects(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('graceful shutdown', () => {
  let gate: ServeProcess;
  afterAll(async () => {
    await gate?.stop();
  });

  it('finishes every in-flight request and refuses new connections', async () => {
    const ws = serveWorkspace({ upstream: slowUrl, policy: POLICY, server: 'shutdown_timeout: 4s' });
    gate = await startServe(ws.config);
    const socket = new WebSocket(`${gate.url.replace('http', 'ws')}/socket`);
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });

    arrived = 0;
    const inFlight = Array.from({ length: 30 }, (_, i) => get(`${gate.url}/work/${i}`));
    await waitFor('30 requests at the upstream', () => arrived >= 30, 15_000);
    const signalledAt = Date.now();
    gate.child.kill('SIGTERM');
    await gate.waitFor(/draining/);

    expect(await connects(gate.url)).toBe(false);
    // The WebSocket opened before the signal still works while the drain lasts.
    const echo = new Promise<string>((resolve) => socket.once('message', (d) => resolve(d.toString())));
    socket.send('still there?');
    expect(await echo).toBe('echo:still there?');

    const results = await Promise.all(inFlight);
    expect(results.map((r) => r.status)).toEqual(Array(30).fill(200));
    expect(results.every((r) => r.body === 'done')).toBe(true);

    // The WebSocket is cut at the deadline, then the process exits cleanly.
    await new Promise((resolve) => socket.once('close', resolve));
    expect(Date.now() - signalledAt).toBeGreaterThanOrEqual(3_500);
    expect(await gate.exited).toBe(0);
    expect(gate.output()).toMatch(/shutdown deadline reached/);
  });

  it('exits as soon as nothing is in flight', async () => {
    const ws = serveWorkspace({ upstream: slowUrl, policy: POLICY, server: 'shutdown_timeout: 30s' });
    gate = await startServe(ws.config);
    const started = Date.now();
    gate.child.kill('SIGTERM');
    expect(await gate.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
