// A gate on a Unix socket, as nginx on the same host reaches it (`server unix:…;`): the socket's
// peer is the front proxy, believed because trusted_proxies lists "unix", and its answers are
// the same as over TCP.
import { statSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { TestGate } from '../helpers/gate.js';
import { startTestGate } from '../helpers/gate.js';

const POLICY = `
rules:
  - name: office
    networks: ["203.0.113.0/24"]
    action: bypass
  - name: everyone
    action: challenge
`;

describe('a gate on a Unix socket', () => {
  const socket = join(mkdtempSync(join(tmpdir(), 'otp-gate-unix-')), 'gate.sock');
  let gate: TestGate;

  beforeAll(async () => {
    gate = await startTestGate({
      upstream: 'http://127.0.0.1:9',
      server: `listen: "unix:${socket}"\ninsecure_http: true\ntrusted_proxies: ["unix"]`,
      policy: POLICY,
    });
  });
  afterAll(() => gate?.close());

  /** What nginx's auth subrequest asks, for a client at `client`. */
  const ask = (client: string) =>
    new Promise<number>((resolve, reject) =>
      http
        .get(
          {
            socketPath: socket,
            path: '/_gate/auth/nginx',
            headers: {
              'x-original-url': 'http://127.0.0.1/reports/q3',
              'x-original-method': 'GET',
              'x-forwarded-for': client,
            },
          },
          (res) => {
            res.resume();
            resolve(res.statusCode!);
          },
        )
        .on('error', reject),
    );

  it('says where it listens as nginx names it', () => {
    expect(gate.url).toBe(`unix:${socket}`);
    expect(statSync(socket).mode & 0o777).toBe(0o660);
  });

  it("believes the front proxy's X-Forwarded-For: a client in the office network passes", async () => {
    expect(await ask('203.0.113.5')).toBe(200);
  });

  it('asks anyone else to sign in', async () => {
    expect(await ask('198.51.100.7')).toBe(401);
  });
});
