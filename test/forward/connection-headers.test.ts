// Headers about one connection stay on it: what the upstream says of its connection with the gate
// (Keep-Alive, Connection and the headers it names) never reaches the client, whose connection is
// the gate's own; the same holds the other way round.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { TestGate } from '../helpers/gate.js';
import { startTestGate } from '../helpers/gate.js';

let upstream: http.Server;
let gate: TestGate;
let seen: http.IncomingHttpHeaders = {};

beforeAll(async () => {
  upstream = http.createServer((req, res) => {
    seen = req.headers;
    res.writeHead(200, {
      'keep-alive': 'timeout=60',
      connection: 'keep-alive, x-upstream-hop',
      'x-upstream-hop': '1',
      'x-app': 'kept',
    });
    res.end('ok');
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  gate = await startTestGate({
    upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
    server: 'listen: "127.0.0.1:0"\ninsecure_http: true\nkeep_alive_timeout: 3s',
  });
});
afterAll(async () => {
  await gate?.close();
  upstream?.closeAllConnections();
  await new Promise((resolve) => upstream?.close(resolve));
});

function get(headers: Record<string, string> = {}): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    http
      .get(`${gate.url}/public/x`, { agent: new http.Agent({ keepAlive: true }), headers }, (res) => {
        res.resume();
        resolve(res);
      })
      .on('error', reject);
  });
}

describe('connection headers', () => {
  it("tell the client the gate's keep-alive timeout, not the upstream's", async () => {
    const res = await get();
    expect(res.headers['keep-alive']).toBe('timeout=3');
    expect(res.headers.connection).toBe('keep-alive');
  });

  it('drop what the upstream named in its Connection header, and keep the rest', async () => {
    const res = await get();
    expect(res.headers['x-upstream-hop']).toBeUndefined();
    expect(res.headers['x-app']).toBe('kept');
  });

  it('drop what the client named in its Connection header before the request goes upstream', async () => {
    await get({ connection: 'keep-alive, x-client-hop', 'x-client-hop': '1', 'x-client': 'kept' });
    expect(seen['x-client-hop']).toBeUndefined();
    expect(seen['x-client']).toBe('kept');
  });

  it('echo the request id on a proxied response', async () => {
    const res = await get();
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
