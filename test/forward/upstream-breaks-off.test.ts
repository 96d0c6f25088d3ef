// An upstream that resets its connection part-way through a response: the client must not be left
// holding an open connection and a truncated body it could take for a whole one.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { TestGate } from '../helpers/gate.js';
import { startTestGate } from '../helpers/gate.js';
import { counter } from '../helpers/metrics.js';

let upstream: http.Server;
let gate: TestGate;
const logLines: string[] = [];

beforeAll(async () => {
  // Sends part of a body (with a length, or chunked), then resets the connection.
  upstream = http.createServer((req, res) => {
    res.writeHead(200, req.url!.endsWith('/length') ? { 'content-length': 100_000 } : {});
    res.write(Buffer.alloc(1000, 'a'));
    setTimeout(() => req.socket.resetAndDestroy(), 50);
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const logOut = new PassThrough();
  logOut.on('data', (chunk: Buffer) => logLines.push(...chunk.toString().split('\n').filter(Boolean)));
  gate = await startTestGate({ upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`, logOut });
});
afterAll(async () => {
  await gate?.close();
  upstream?.closeAllConnections();
  await new Promise((resolve) => upstream?.close(resolve));
});

/** Fetches through the gate; resolves with how the response ended and how long after its last byte the connection closed. */
function fetchCut(path: string): Promise<{ received: number; complete: boolean; closedAfterLastByteMs: number }> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${gate.url}${path}`, { agent: new http.Agent({ keepAlive: true }) }, (res) => {
      let received = 0;
      let lastByteAt = Date.now();
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        lastByteAt = Date.now();
      });
      res.on('error', () => {});
      res.socket.once('close', () =>
        resolve({ received, complete: res.complete, closedAfterLastByteMs: Date.now() - lastByteAt }),
      );
    });
    req.on('error', reject);
  });
}

describe('an upstream that breaks off its response', () => {
  it.each(['length', 'chunked'])('closes the client connection at once (%s body)', async (kind) => {
    const { received, complete, closedAfterLastByteMs } = await fetchCut(`/public/${kind}`);
    expect(received).toBe(1000);
    expect(complete).toBe(false);
    expect(closedAfterLastByteMs).toBeLessThan(1_000);
  });

  it('says so in the access log and the upstream failures metric', async () => {
    const before = await counter(gate.gate, 'otp_gate_upstream_failures_total', { failure: 'cut' });
    await fetchCut('/public/length?logged');
    expect(await counter(gate.gate, 'otp_gate_upstream_failures_total', { failure: 'cut' })).toBe(before + 1);
    const entry = logLines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.msg === 'request' && l.path === '/public/length');
    expect(entry).toMatchObject({ status: 200, incomplete: true });
  });
});
