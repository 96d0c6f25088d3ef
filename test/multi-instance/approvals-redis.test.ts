// Approval from a phone across two gate instances on one Redis: the computer waits on B, the phone
// approves on A, and the computer collects the approval once, whichever instance it reaches.
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';

import { hiddenField } from '../helpers/browser.js';
import { CookieJar, signInWithJar } from '../helpers/cookie-jar.js';
import type { TestGate } from '../helpers/gate.js';
import { startTestGate } from '../helpers/gate.js';
import { redisStoreSection } from '../helpers/redis-gate.js';
import { REDIS_INSTALL, REDIS_SERVER, useRedis } from '../helpers/redis-server.js';
import { describeWithBinary } from '../helpers/system-binary.js';
import type { TestUpstream } from '../helpers/upstream.js';
import { startUpstream } from '../helpers/upstream.js';

const POLICY = `
rules:
  - name: desk
    paths: ["/desk/**"]
    action: challenge
    channels: [scan, console]
  - name: everyone
    action: challenge
    channels: [console]
`;

describeWithBinary('approval from a phone on two instances sharing Redis', REDIS_SERVER, REDIS_INSTALL, (binary) => {
  const redis = useRedis(binary);
  let upstream: TestUpstream;
  let a: TestGate;
  let b: TestGate;

  beforeAll(async () => {
    upstream = await startUpstream();
    const extraConfig = `${redisStoreSection(redis.url)}approvals: {}\n`;
    a = await startTestGate({ upstream: upstream.url, policy: POLICY, extraConfig });
    b = await startTestGate({ upstream: upstream.url, policy: POLICY, extraConfig });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await upstream?.close();
  });
  beforeEach(async () => {
    await redis.command('FLUSHALL');
  });

  /** A computer waiting on `gate` for alice: its number, the approval page's path, its form token. */
  async function waitingOn(gate: TestGate, desktop: CookieJar) {
    const login = await desktop.get(gate.url, '/_gate/login?rd=%2Fdesk%2Fx');
    const posted = await desktop.post(gate.url, '/_gate/login', {
      identifier: 'alice',
      rd: hiddenField(login.text, 'rd'),
      csrf: hiddenField(login.text, 'csrf'),
    });
    expect(posted.headers.location).toBe('/_gate/scan');
    const page = await desktop.get(gate.url, '/_gate/scan');
    return {
      number: /id="scan-number"[^>]*>(\d\d)</.exec(page.text)![1]!,
      path: new URL(/id="approve-link">([^<]+)</.exec(page.text)![1]!).pathname,
      csrf: hiddenField(page.text, 'csrf'),
    };
  }

  async function approveOn(gate: TestGate, phone: CookieJar, path: string, number: string) {
    const page = await phone.get(gate.url, path);
    expect(page.status).toBe(200);
    return phone.post(gate.url, path, {
      csrf: hiddenField(page.text, 'csrf'),
      via: 'scan',
      number,
      decision: 'approve',
    });
  }

  it('signs in on B a computer whose approval a phone gave on A', async () => {
    const phone = await signInWithJar(new CookieJar(), a, 'alice');
    const desktop = new CookieJar();
    const { number, path, csrf } = await waitingOn(b, desktop);
    expect((await approveOn(a, phone, path, number)).status).toBe(200);
    const done = await desktop.post(b.url, '/_gate/scan/done', { csrf });
    expect(done.status).toBe(303);
    expect((await desktop.get(a.url, '/desk/x', 'application/json')).status).toBe(200);
  });

  it('lets the computer collect one approval once, though it asks both instances at the same time', async () => {
    const phone = await signInWithJar(new CookieJar(), a, 'alice');
    const desktop = new CookieJar();
    const { number, path, csrf } = await waitingOn(a, desktop);
    await approveOn(b, phone, path, number);
    // The same browser's cookies, sent to both instances at once (two tabs, a double click).
    const copy = () => {
      const jar = new CookieJar();
      for (const [name, value] of desktop.cookies) jar.cookies.set(name, value);
      return jar;
    };
    const answers = await Promise.all([a, b].map((gate) => copy().post(gate.url, '/_gate/scan/done', { csrf })));
    expect(answers.filter((r) => r.status === 303)).toHaveLength(1);
  });
});
