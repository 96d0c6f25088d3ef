// A listener that cannot open says which address, why, and which setting to change.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterEach, describe, expect, it } from 'vitest';

import { listen, ListenError } from '../../src/shared/listen.js';

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
