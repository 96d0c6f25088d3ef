// Signing in by a push notification to a browser the person registered (issue 20, part 3), with
// real parts: the gate sends to a local RFC 8030 push service, the test decrypts what arrived with
// the subscription's own keys (RFC 8291) and checks its VAPID signature, follows the notification's
// link on the phone, types the desktop's number and approves, and the desktop is signed in. And: a
// browser the push service no longer knows (410) is forgotten; someone with no registered browser
// gets a code at once (the rule's next channel); the notification tells no number or code.
import { describe, expect, it } from 'vitest';

import { createManualClock } from '../../src/shared/clock.js';
import type { Agent } from '../helpers/browser.js';
import { browser, hiddenField, signIn } from '../helpers/browser.js';
import { DEFAULT_USERS } from '../helpers/gate.js';
import { usePushGate } from '../helpers/push-gate.js';
import type { PushedMessage, TestSubscription } from '../helpers/push-service.js';
import { verifyVapid } from '../helpers/push-service.js';
import { VAPID_PUBLIC_KEY } from '../helpers/vapid-keys.js';
import { waitFor } from '../helpers/wait.js';

const POLICY = `
rules:
  - name: account
    paths: ["/_gate/account"]
    action: challenge
    channels: [console]
  - name: push-first
    action: challenge
    channels: [push, console]
`;

describe('sign-in approval by push', () => {
  const env = usePushGate({
    policy: POLICY,
    users: `${DEFAULT_USERS}  carol:\n    phone: "+39 333 000 0003"\n`,
    approvals: '{ prompts_per_minute: 50 }',
  });

  /** A phone signed in as `user` (with a code) that registered itself for approvals. */
  async function phoneRegistered(user: string): Promise<{ phone: Agent; subscription: TestSubscription }> {
    const phone = browser(env.gate);
    expect((await signIn(env.gate, phone, user, '/_gate/account')).status).toBe(303);
    const page = await phone.get('/_gate/account').expect(200);
    const subscription = env.service.subscribe();
    const csrf = hiddenField(page.text.slice(page.text.indexOf('id="account-push"')), 'csrf');
    await phone
      .post('/_gate/push/add')
      .type('form')
      .send({ csrf, name: 'Phone', subscription: JSON.stringify(subscription.json) })
      .expect(303);
    return { phone, subscription };
  }

  /** A desktop that typed `user`: where the gate sent it, and the waiting page's number and form token. */
  async function desktopSigningIn(user: string, language = 'en') {
    const desktop = browser(env.gate)
      .set('Accept-Language', language)
      .set('User-Agent', 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0');
    const login = await desktop.get('/_gate/login?rd=%2Fdesk').expect(200);
    const posted = await desktop
      .post('/_gate/login')
      .type('form')
      .send({ identifier: user, rd: hiddenField(login.text, 'rd'), csrf: hiddenField(login.text, 'csrf') });
    return { desktop, location: posted.headers.location as string };
  }

  async function waiting(desktop: Agent) {
    const page = await desktop.get('/_gate/scan').expect(200);
    return { number: /id="scan-number"[^>]*>(\d\d)</.exec(page.text)![1]!, csrf: hiddenField(page.text, 'csrf') };
  }

  const arrivedFor = (subscription: TestSubscription) =>
    waitFor('the push service to receive the request', () =>
      env.service.received.find((m) => m.token === subscription.token),
    );
  const payloadOf = (subscription: TestSubscription, message: PushedMessage) =>
    JSON.parse(subscription.decrypt(message.body)) as { title: string; body: string; url: string; tag: string };
  const audited = (event: string) =>
    env.gate.audit.map((l) => JSON.parse(l) as Record<string, string>).filter((e) => e.event === event);

  it('signs the desktop in when the notified phone approves with the desktop’s number', async () => {
    const { phone, subscription } = await phoneRegistered('alice');
    const { desktop, location } = await desktopSigningIn('alice');
    expect(location).toBe('/_gate/scan');
    const { number, csrf } = await waiting(desktop);

    const message = await arrivedFor(subscription);
    expect(message.headers['content-encoding']).toBe('aes128gcm');
    await verifyVapid(message.headers.authorization, VAPID_PUBLIC_KEY, env.service.url);
    const link = new URL(payloadOf(subscription, message).url);
    expect(`${link.origin}${link.pathname}`).toMatch(new RegExp(`^${env.gate.url}/_gate/approve/[A-Za-z0-9_-]+$`));
    expect(link.searchParams.get('via')).toBe('push');

    const approvePage = await phone.get(link.pathname + link.search).expect(200);
    await phone
      .post(link.pathname)
      .type('form')
      .send({
        csrf: hiddenField(approvePage.text, 'csrf'),
        via: hiddenField(approvePage.text, 'via'),
        number,
        decision: 'approve',
      })
      .expect(200);
    const signedIn = await desktop.post('/_gate/scan/done').type('form').send({ csrf });
    expect(signedIn.headers.location).toBe('/desk');
    expect((await desktop.get('/desk')).status).toBe(200);
    expect(audited('approval_granted').at(-1)).toMatchObject({ user: 'alice', channel: 'push' });
    expect(audited('push_sent').at(-1)).toMatchObject({ user: 'alice', outcome: 'ok', destination: env.service.url });
    const account = await phone.get('/_gate/account').expect(200);
    expect(account.text).toMatch(
      /<strong>Phone<\/strong><br><span class="hint">Added [^<]+ UTC · last asked [^<]+ UTC</,
    );
  });

  it('tells the app and the browser in the person’s language, and never the number', async () => {
    const { subscription } = await phoneRegistered('alice');
    const { desktop } = await desktopSigningIn('alice', 'it');
    const { number } = await waiting(desktop);
    const payload = payloadOf(subscription, await arrivedFor(subscription));
    expect(payload.title).toBe('Richiesta di accesso a 127.0.0.1');
    expect(payload.body).toMatch(/^Da Firefox \(Linux\)\. /);
    // As a number of its own: the app's address (127.0.0.1) holds most two-digit runs.
    expect(`${payload.title} ${payload.body}`).not.toMatch(new RegExp(`(?<!\\d|\\d\\.)${number}(?!\\d|\\.\\d)`));
  });

  it('forgets a browser its push service answers 410 for', async () => {
    const { phone, subscription } = await phoneRegistered('bob');
    env.service.forget(subscription.token);
    await desktopSigningIn('bob');
    await waitFor('the gone browser to be removed', () => audited('push_device_removed').find((e) => e.user === 'bob'));
    expect(audited('push_failed').at(-1)).toMatchObject({ user: 'bob', reason: 'gone' });
    const account = await phone.get('/_gate/account').expect(200);
    expect(account.text).toContain('No device is registered for sign-in approvals yet.');
  });

  it('sends a code at once to someone with no registered browser, the rule’s next channel', async () => {
    const before = env.gate.inbox.codesFor('carol').length;
    const { location } = await desktopSigningIn('carol');
    expect(location).toBe('/_gate/code');
    await env.gate.inbox.code('carol', before + 1);
  });
});

describe('push fatigue', () => {
  // The limit counts per clock minute: the gate's clock stays inside one.
  const clock = createManualClock(Math.floor(Date.now() / 60_000) * 60_000 + 1_000);
  const env = usePushGate({ policy: POLICY, clock });

  it('sends at most approvals.prompts_per_minute requests a minute (3 by default), then refuses the sign-in', async () => {
    const phone = browser(env.gate);
    expect((await signIn(env.gate, phone, 'alice', '/_gate/account')).status).toBe(303);
    const page = await phone.get('/_gate/account').expect(200);
    const subscription = env.service.subscribe();
    await phone
      .post('/_gate/push/add')
      .type('form')
      .send({
        csrf: hiddenField(page.text.slice(page.text.indexOf('id="account-push"')), 'csrf'),
        subscription: JSON.stringify(subscription.json),
      })
      .expect(303);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const desktop = browser(env.gate);
      const login = await desktop.get('/_gate/login').expect(200);
      const posted = await desktop
        .post('/_gate/login')
        .type('form')
        .send({ identifier: 'alice', rd: hiddenField(login.text, 'rd'), csrf: hiddenField(login.text, 'csrf') });
      statuses.push(posted.status);
    }
    expect(statuses).toEqual([303, 303, 303, 429]);
    await waitFor(
      'three requests',
      () => env.service.received.filter((m) => m.token === subscription.token).length === 3,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(env.service.received.filter((m) => m.token === subscription.token)).toHaveLength(3);
  });
});
