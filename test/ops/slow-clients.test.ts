// Slow clients (slowloris): hundreds of connections that send a header byte now and then and
// never finish must not stop the gate from answering others; server.headers_timeout closes
// them, and server.max_connections caps how many can be open at all.
import net from 'node:net';

import { afterEach, describe, expect, it } from 'vitest';

import type { TestGate } from '../helpers/gate.js';
import { startTestGate } from '../helpers/gate.js';
import { rawGet } from '../helpers/raw-http.js';
import { startUpstream } from '../helpers/upstream.js';
import { waitFor } from '../helpers/wait.js';

interface SlowClients {
  /** How many of the sockets the gate (or the network) has closed. */
  closed(): number;
  /** How many answered with 408 Request Timeout before closing. */
  timedOut(): number;
  destroy(): void;
}

/** `count` connections that start a request and then send one header byte every 200 ms, for ever. */
async function slowClients(url: string, count: number): Promise<SlowClients> {
  const { hostname, port } = new URL(url);
  let closed = 0;
  let timedOut = 0;
  const sockets = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<net.Socket>((resolve) => {
          const socket = net.connect(Number(port), hostname, () => {
            socket.write(`GET / HTTP/1.1\r\nHost: ${hostname}\r\nX-Slow: `);
            resolve(socket);
          });
          socket.on('data', (d: Buffer) => {
            if (d.toString('latin1').startsWith('HTTP/1.1 408')) timedOut++;
          });
          socket.on('error', () => undefined);
          socket.on('close', () => closed++);
        }),
    ),
  );
  const drip = setInterval(() => {
    for (const s of sockets) if (s.writable) s.write('a');
  }, 200);
  return {
    closed: () => closed,
    timedOut: () => timedOut,
    destroy() {
      clearInterval(drip);
      for (const s of sockets) s.destroy();
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** How many connections the gate's server holds open now. */
const openConnections = (gate: TestGate) =>
  new Promise<number>((resolve, reject) =>
    gate.gate.server.getConnections((err, n) => (err ? reject(err) : resolve(n))),
  );

let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function gateWith(server: string): Promise<TestGate> {
  const upstream = await startUpstream();
  const gate = await startTestGate({
    upstream: upstream.url,
    server: `listen: "127.0.0.1:0"\ninsecure_http: true\n${server}`,
  });
  cleanup.push(
    () => upstream.close(),
    () => gate.close(),
  );
  return gate;
}

describe('slow clients', () => {
  it('300 slowloris connections do not stop the gate from answering a normal request', async () => {
    const gate = await gateWith('');
    const slow = await slowClients(gate.url, 300);
    cleanup.push(() => slow.destroy());
    // Real sockets dripping for a second (five drips): long enough to tie up a server that waits on them.
    await sleep(1_000);
    expect((await rawGet(gate.url, '/page', ['Accept: application/json'])).status).toBe(401);
    // They were all still open while it answered (the default headers_timeout is 30 s).
    expect(slow.closed()).toBe(0);
  });

  it('a small headers_timeout closes them all, with 408, and the gate keeps serving', async () => {
    const gate = await gateWith('headers_timeout: 1s');
    const slow = await slowClients(gate.url, 300);
    cleanup.push(() => slow.destroy());
    await waitFor('all 300 slow connections to be closed', () => slow.closed() === 300, 30_000);
    expect(slow.timedOut()).toBe(300);
    expect((await rawGet(gate.url, '/page', ['Accept: application/json'])).status).toBe(401);
  });

  it('max_connections turns away connections beyond it, and serves again once they go', async () => {
    const gate = await gateWith('max_connections: 50');
    const slow = await slowClients(gate.url, 50);
    cleanup.push(() => slow.destroy());
    await waitFor('the gate to hold the 50 connections', async () => (await openConnections(gate)) === 50);
    expect((await rawGet(gate.url, '/page', ['Accept: application/json'])).status).toBe(0);
    slow.destroy();
    await waitFor('the slow connections to be closed', () => slow.closed() === 50, 30_000);
    await waitFor('the gate to let the connections go', async () => (await openConnections(gate)) === 0);
    expect((await rawGet(gate.url, '/page', ['Accept: application/json'])).status).toBe(401);
  });
});
