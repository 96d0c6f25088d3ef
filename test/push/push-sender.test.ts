// One Web Push message through a local RFC 8030 push service: what arrives is aes128gcm, decrypts
// with the subscription's own keys to the payload, and carries a VAPID JWT that verifies against
// the configured public key for the service's origin; a 410 reports the subscription gone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { PushSend } from '../../src/channels/push-sender.js';
import { pushService, sendPush } from '../../src/channels/push-sender.js';
import type { TestPushService, TestSubscription } from '../helpers/push-service.js';
import { startPushService, verifyVapid } from '../helpers/push-service.js';
import { VAPID_PRIVATE_KEY, VAPID_PUBLIC_KEY } from '../helpers/vapid-keys.js';

const VAPID = { publicKey: VAPID_PUBLIC_KEY, privateKey: VAPID_PRIVATE_KEY, subject: 'mailto:ops@example.com' };
const PAYLOAD = {
  title: 'Sign-in request',
  body: 'Number 42',
  url: 'https://gate.example.com/_gate/approve/x',
  tag: 'x',
};

let service: TestPushService;
beforeAll(async () => {
  service = await startPushService();
});
afterAll(() => service.close());

const sending = (subscription: TestSubscription): PushSend => ({
  subscription: { endpoint: subscription.json.endpoint, ...subscription.json.keys },
  payload: PAYLOAD,
  ttlSeconds: 120,
  timeoutMs: 5_000,
});

describe('sendPush', () => {
  it('delivers a payload only the subscription’s keys decrypt', async () => {
    const subscription = service.subscribe();
    expect(await sendPush(VAPID, sending(subscription))).toEqual({ kind: 'sent' });
    const message = service.received.find((m) => m.token === subscription.token)!;
    expect(message.headers['content-encoding']).toBe('aes128gcm');
    expect(JSON.parse(subscription.decrypt(message.body))).toEqual(PAYLOAD);
    expect(() => service.subscribe().decrypt(message.body)).toThrow();
  });

  it('asks for high urgency and a TTL of the attempt’s remaining life', async () => {
    const subscription = service.subscribe();
    await sendPush(VAPID, sending(subscription));
    const { headers } = service.received.find((m) => m.token === subscription.token)!;
    expect({ ttl: headers.ttl, urgency: headers.urgency }).toEqual({ ttl: '120', urgency: 'high' });
  });

  it('signs with a VAPID JWT for the push service’s origin, verified by the configured public key', async () => {
    const subscription = service.subscribe();
    await sendPush(VAPID, sending(subscription));
    const { headers } = service.received.find((m) => m.token === subscription.token)!;
    const claims = await verifyVapid(headers.authorization, VAPID_PUBLIC_KEY, service.url);
    expect(claims.sub).toBe('mailto:ops@example.com');
    expect(claims.exp).toBeGreaterThan(Date.now() / 1000);
  });

  it('reports a subscription the push service answers 410 for as gone', async () => {
    const subscription = service.subscribe();
    service.forget(subscription.token);
    expect(await sendPush(VAPID, sending(subscription))).toEqual({ kind: 'gone', status: 410 });
  });

  it('reports an unreachable push service as failed, naming no endpoint', async () => {
    const subscription = service.subscribe();
    const send = sending(subscription);
    send.subscription.endpoint = 'http://127.0.0.1:1/push/secret-token';
    const outcome = await sendPush(VAPID, send);
    expect(outcome).toEqual({ kind: 'failed', reason: 'could not connect' });
  });

  it('names a push service by its origin alone', () => {
    expect(pushService('https://fcm.googleapis.com/fcm/send/secret-token')).toBe('https://fcm.googleapis.com');
  });
});
