// Anonymous traffic must not cost signed-in people anything (issue 24): a flood of sign-ins with
// distinct unknown names from one address, answered 429 after the address's budget, fills the
// memory store's counters and flows, never the partition sessions live in. The log says which
// partition started pushing entries out.
import { PassThrough } from 'node:stream';

import request from 'supertest';
import { describe, expect, it } from 'vitest';

import { browser, identify, signIn } from '../helpers/browser.js';
import { TEST_SECRET, useGate } from '../helpers/gate.js';

describe('a flood of unknown names on the memory store at its smallest', () => {
  let log = '';
  const logOut = new PassThrough();
  logOut.on('data', (d: Buffer) => (log += d.toString()));
  const env = useGate({
    server: 'listen: "127.0.0.1:0"\ninsecure_http: true\ntrusted_proxies: ["127.0.0.1/32"]',
    // Every request asks the store, so the flood cannot hide behind the verified cache.
    session: `secrets: ["${TEST_SECRET}"]\nverified_cache: 0s`,
    otp: 'max_sends_per_address_per_hour: 10',
    // The sign-in page's own budget is lifted: here the store is under test, not the page's limit.
    extraConfig: 'store:\n  type: memory\n  max_entries: 100\npages:\n  max_login_pages_per_address_per_minute: 1000\n',
    logOut,
  });

  it('leaves an idle signed-in person signed in, and the log names the partition that filled', async () => {
    const alice = browser(env.gate).set('X-Forwarded-For', '192.0.2.1');
    const signedIn = await signIn(env.gate, alice, 'alice');
    const cookie = (signedIn.headers['set-cookie'] as unknown as string[])
      .find((c) => c.startsWith('otp_gate='))!
      .split(';')[0]!;

    const flooder = browser(env.gate).set('X-Forwarded-For', '203.0.113.7');
    const answers = new Map<number, number>();
    for (let i = 0; i < 300; i++) {
      const { status } = await identify(flooder, `nobody-${i}`);
      answers.set(status, (answers.get(status) ?? 0) + 1);
    }
    expect(answers).toEqual(
      new Map([
        [303, 10],
        [429, 290],
      ]),
    );

    const res = await request(env.gate.url)
      .get('/docs/page')
      .set('Cookie', cookie)
      .set('Accept', 'application/json')
      .expect(200);
    expect(res.body.headers['remote-user']).toBe('alice');
    const warnings = log.split('\n').filter((l) => l.includes('"partition"'));
    expect(warnings.map((l) => (JSON.parse(l) as { partition: string }).partition)).toEqual(['limits']);
    expect(warnings[0]).toContain('store.max_entries 100');
  });
});
