// A listener that cannot open says which address, why, and which setting to change.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { listen, ListenError, listenOnSocket } from '../../src/shared/listen.js';

const servers: http.Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});
const server = () => {
  const s = http.createServer();
  servers.push(s);
  return s;
};

describe('listen', () => {
  it('names a busy address and the setting that chooses it', async () => {
    const held = server();
    await listen(held, { host: '127.0.0.1', port: 0 }, 'set server.listen to a free address');
    const { port } = held.address() as AddressInfo;
    const failed = await listen(server(), { host: '127.0.0.1', port }, 'set server.listen to a free address').catch(
      (err: unknown) => err,
    );
    expect(failed).toBeInstanceOf(ListenError);
    expect((failed as Error).message).toBe(
      `cannot listen on 127.0.0.1:${port}: the address is in use (EADDRINUSE); is another gate or app running there? set server.listen to a free address`,
    );
  });

  it("says when the address is not one of this machine's", async () => {
    // 192.0.2.0/24 is TEST-NET-1: never assigned to a real interface.
    const failed = await listen(
      server(),
      { host: '192.0.2.1', port: 8080 },
      'set server.listen to a free address',
    ).catch((err: unknown) => err);
    expect((failed as Error).message).toBe(
      'cannot listen on 192.0.2.1:8080: this machine has no such address (EADDRNOTAVAIL). set server.listen to a free address',
    );
  });
});

describe('listening on a Unix socket', () => {
  const HINT = 'set server.listen to a path in a folder the gate may write';
  const socketPath = () => join(mkdtempSync(join(tmpdir(), 'otp-gate-socket-')), 'gate.sock');
  const get = (path: string) =>
    new Promise<number>((resolve, reject) =>
      http.get({ socketPath: path, path: '/' }, (res) => resolve(res.statusCode!)).on('error', reject),
    );

  it('answers there, with the permission bits asked for', async () => {
    const path = socketPath();
    const s = server().on('request', (_req, res) => res.writeHead(204).end());
    await listenOnSocket(s, { path, mode: 0o660 }, HINT);
    expect(await get(path)).toBe(204);
    expect(statSync(path).isSocket()).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o660);
  });

  it('replaces a socket file a dead gate left behind', async () => {
    const path = socketPath();
    // A socket file nothing listens on: what a killed gate leaves.
    const listenThenDie = `require('node:net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`;
    spawnSync(process.execPath, ['-e', listenThenDie]);
    expect(statSync(path).isSocket()).toBe(true);
    const s = server().on('request', (_req, res) => res.writeHead(204).end());
    await listenOnSocket(s, { path, mode: 0o600 }, HINT);
    expect(await get(path)).toBe(204);
  });

  it('refuses a socket another process still answers on', async () => {
    const path = socketPath();
    await listenOnSocket(server(), { path, mode: 0o600 }, HINT);
    const failed = await listenOnSocket(server(), { path, mode: 0o600 }, HINT).catch((err: unknown) => err);
    expect((failed as Error).message).toBe(
      `cannot listen on unix:${path}: another process listens there; is another gate running? ${HINT}`,
    );
  });

  it('leaves a file that is not a socket alone', async () => {
    const path = socketPath();
    writeFileSync(path, 'not a socket');
    const failed = await listenOnSocket(server(), { path, mode: 0o600 }, HINT).catch((err: unknown) => err);
    expect((failed as Error).message).toBe(
      `cannot listen on unix:${path}: a file that is not a socket is there; move it away. ${HINT}`,
    );
  });
});
