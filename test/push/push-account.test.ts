// Registering a browser for sign-in approvals on the account page, over HTTP: the section offers
// the gate's VAPID public key and service worker, a posted subscription on a configured push
// service is listed and removable, one elsewhere is refused, and a sign-in that is not recent is
// sent to sign in again. Headless Chromium refuses PushManager.subscribe ("AbortError:
// Registration failed - permission denied", notifications granted or not), and would subscribe
// only through Google's push service anyway, so the page's script is not driven here: its requests are.
import { describe, expect, it } from 'vitest';

import type { Agent } from '../helpers/browser.js';
import { browser, hiddenField, signIn } from '../helpers/browser.js';
import { usePushGate } from '../helpers/push-gate.js';
import type { TestSubscription } from '../helpers/push-service.js';
import { VAPID_PUBLIC_KEY } from '../helpers/vapid-keys.js';

const PAGE = '/_gate/account';

describe('push devices on the account page', () => {
  const env = usePushGate({ extraConfig: 'account:\n  reauth_within: 10m\n' });

  async function signedIn(user = 'bob'): Promise<Agent> {
    const agent = browser(env.gate);
    await signIn(env.gate, agent, user, PAGE);
    return agent;
  }
  async function register(agent: Agent, subscription: TestSubscription | object, name = 'My phone') {
    const page = await agent.get(PAGE).expect(200);
    const json = 'json' in subscription ? subscription.json : subscription;
    return agent
      .post('/_gate/push/add')
      .type('form')
      .send({ csrf: pushCsrf(page.text), name, subscription: JSON.stringify(json) });
  }
  /** The CSRF field of the push section's forms (each section binds its own). */
  const pushCsrf = (html: string) => hiddenField(html.slice(html.indexOf('id="account-push"')), 'csrf');
  const audited = (event: string) =>
    env.gate.audit.map((l) => JSON.parse(l) as Record<string, string>).filter((e) => e.event === event);

  it('offers the VAPID public key and the service worker to subscribe with', async () => {
    const page = await (await signedIn()).get(PAGE).expect(200);
    expect(page.text).toContain(`data-push-key="${VAPID_PUBLIC_KEY}"`);
    expect(page.text).toContain('data-push-worker="/_gate/push-sw.js"');
  });

  it('suggests this browser in a few words as the device’s name', async () => {
    const agent = await signedIn();
    const page = await agent
      .get(PAGE)
      .set(
        'User-Agent',
        'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36',
      )
      .expect(200);
    expect(page.text).toContain('id="push-name" name="name" maxlength="60" value="Chrome (Android)"');
  });

  it('serves the service worker as a script from under the path prefix', async () => {
    const res = await browser(env.gate).get('/_gate/push-sw.js').expect(200);
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(res.text).toContain("addEventListener('notificationclick'");
  });

  it('lists a registered browser by the name given, with when it was added', async () => {
    const agent = await signedIn();
    expect((await register(agent, env.service.subscribe(), 'Bob’s phone')).headers.location).toBe(PAGE);
    const page = await agent.get(PAGE).expect(200);
    expect(page.text).toMatch(
      /<strong>Bob’s phone<\/strong><br><span class="hint">Added [^<]+ UTC · not asked yet<\/span>/,
    );
  });

  it('never shows or audits the endpoint, which is a capability', async () => {
    const agent = await signedIn();
    const subscription = env.service.subscribe();
    expect((await register(agent, subscription)).status).toBe(303);
    const page = await agent.get(PAGE).expect(200);
    expect(page.text).not.toContain(subscription.token);
    expect(env.gate.audit.join('\n')).not.toContain(subscription.token);
    expect(audited('push_device_added').at(-1)).toMatchObject({ user: 'bob', outcome: 'ok', channel: 'push' });
  });

  it('removes a browser from its row', async () => {
    const agent = await signedIn('alice');
    expect((await register(agent, env.service.subscribe(), 'Old tablet')).status).toBe(303);
    const page = await agent.get(PAGE).expect(200);
    const id = /name="id" value="([A-Za-z0-9_-]{16})">\s*<button[^>]*aria-label="Remove Old tablet"/.exec(
      page.text,
    )?.[1];
    await agent
      .post('/_gate/push/remove')
      .type('form')
      .send({ csrf: pushCsrf(page.text), id })
      .expect(303);
    expect((await agent.get(PAGE).expect(200)).text).not.toContain('Old tablet');
    expect(audited('push_device_removed').at(-1)).toMatchObject({ user: 'alice', device: id, reason: 'by its owner' });
  });

  it('refuses a subscription on a push service the config does not list', async () => {
    const agent = await signedIn();
    const elsewhere = { ...env.service.subscribe().json, endpoint: 'https://attacker.example/push/x' };
    const res = await register(agent, elsewhere);
    expect(res.status).toBe(400);
    expect(res.text).toContain('its push service is not one this gate sends to');
    expect(audited('push_device_added').at(-1)).toMatchObject({ outcome: 'fail', reason: 'subscription refused' });
  });

  it('refuses a registration without the section’s CSRF token', async () => {
    const agent = await signedIn();
    await agent
      .post('/_gate/push/add')
      .type('form')
      .send({ csrf: 'forged', subscription: JSON.stringify(env.service.subscribe().json) })
      .expect(403);
  });

  it('sends someone whose sign-in is not recent to sign in again before registering', async () => {
    const agent = await signedIn();
    const page = await agent.get(PAGE).expect(200);
    env.gate.gate.config().account.reauthWithin = 0;
    try {
      const res = await agent
        .post('/_gate/push/add')
        .type('form')
        .send({ csrf: pushCsrf(page.text), name: 'x', subscription: JSON.stringify(env.service.subscribe().json) })
        .expect(303);
      expect(res.headers.location).toBe(`/_gate/login?rd=${encodeURIComponent(PAGE)}`);
    } finally {
      env.gate.gate.config().account.reauthWithin = 600_000;
    }
  });
});
