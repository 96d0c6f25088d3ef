// A reload that points an app at another upstream closes the connections kept open to the old
// one: a pool no app uses any more must not hold sockets until the restart.
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

import request from 'supertest';
import { afterEach, expect, it } from 'vitest';

import { loadGate } from '../../src/config/load-gate.js';
import type { TestGate } from '../helpers/gate.js';
import { startTestGate } from '../helpers/gate.js';
import { waitFor } from '../helpers/wait.js';

interface CountingUpstream {
  url: string;
  open: () => number;
  close(): Promise<void>;
}

async function countingUpstream(name: string): Promise<CountingUpstream> {
  let open = 0;
  const server = http.createServer((_req, res) => res.end(name));
  server.on('connection', (socket) => {
    open++;
    socket.on('close', () => open--);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    open: () => open,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

it('closes the kept-alive connections to an upstream a reload left behind, and forwards to the new one', async () => {
  const before = await countingUpstream('before');
  const after = await countingUpstream('after');
  cleanup.push(before.close, after.close);
  const gate: TestGate = await startTestGate({ upstream: before.url });
  cleanup.push(gate.close);

  expect((await request(gate.url).get('/public/x').expect(200)).text).toBe('before');
  expect(before.open()).toBe(1);

  const file = join(gate.dir, 'config.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replaceAll(before.url, after.url));
  gate.gate.reload((await loadGate(file, {})).gate);

  // Well within the pool's own 4 s idle close, which would end it anyway.
  await waitFor('the old upstream connection to close', () => before.open() === 0, 1_000);
  expect((await request(gate.url).get('/public/x').expect(200)).text).toBe('after');
});
