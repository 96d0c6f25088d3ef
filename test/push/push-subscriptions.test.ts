// A person's registered browsers on the Store: listed oldest first, the same browser registered
// again replaces its entry, capped with the oldest dropped, removable one by one or all at once;
// on Redis, one instance's registration is another's. And which subscriptions a browser may post.
import { describe, expect, it } from 'vitest';

import type { NewSubscription } from '../../src/channels/push-subscriptions.js';
import { createPushSubscriptions, parseSubscription } from '../../src/channels/push-subscriptions.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import { REDIS_INSTALL, REDIS_SERVER, useRedis } from '../helpers/redis-server.js';
import { describeWithBinary } from '../helpers/system-binary.js';
import { useTwoRedisStores } from '../store/redis-config.js';

const P256DH = Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 7)]).toString('base64url');
const AUTH = Buffer.alloc(16, 9).toString('base64url');
const browser = (n: number): NewSubscription => ({
  endpoint: `https://fcm.googleapis.com/fcm/send/token-${n}`,
  p256dh: P256DH,
  auth: AUTH,
});

describe('push subscriptions', () => {
  const subscriptions = () => createPushSubscriptions(createMemoryStore({ maxEntries: 100 }));

  it('lists a person’s browsers oldest first, and nobody else’s', async () => {
    const subs = subscriptions();
    await subs.add('alice', browser(1), 'Phone', 1_000, 10);
    await subs.add('alice', browser(2), 'Tablet', 2_000, 10);
    await subs.add('bob', browser(3), 'Bob’s', 3_000, 10);
    expect((await subs.list('alice')).map((s) => [s.name, s.createdAt])).toEqual([
      ['Phone', 1_000],
      ['Tablet', 2_000],
    ]);
  });

  it('replaces the entry of a browser registered again', async () => {
    const subs = subscriptions();
    await subs.add('alice', browser(1), 'Phone', 1_000, 10);
    await subs.add('alice', browser(1), 'Phone again', 2_000, 10);
    expect((await subs.list('alice')).map((s) => s.name)).toEqual(['Phone again']);
  });

  it('drops the oldest browsers past the cap, and says which', async () => {
    const subs = subscriptions();
    for (let n = 1; n <= 3; n++) await subs.add('alice', browser(n), `B${n}`, n, 3);
    const { dropped } = await subs.add('alice', browser(4), 'B4', 4, 3);
    expect(dropped.map((s) => s.name)).toEqual(['B1']);
    expect((await subs.list('alice')).map((s) => s.name)).toEqual(['B2', 'B3', 'B4']);
  });

  it('removes one browser by id, and only the owner’s', async () => {
    const subs = subscriptions();
    const { added } = await subs.add('alice', browser(1), 'Phone', 1, 10);
    expect(await subs.remove('bob', added.id)).toBe(false);
    expect(await subs.remove('alice', added.id)).toBe(true);
    expect(await subs.list('alice')).toEqual([]);
  });

  it('records when a request last reached a browser', async () => {
    const subs = subscriptions();
    const { added } = await subs.add('alice', browser(1), 'Phone', 1, 10);
    await subs.recordUse('alice', added.id, 5_000);
    expect((await subs.list('alice'))[0]?.lastUsedAt).toBe(5_000);
  });
});

describe('a subscription a browser posts', () => {
  const SERVICES = ['https://fcm.googleapis.com', 'https://*.notify.windows.com'];
  const posted = (endpoint: string, keys: object = { p256dh: P256DH, auth: AUTH }) =>
    parseSubscription({ endpoint, keys }, SERVICES);

  it('is taken on a configured push service', () => {
    expect(posted('https://fcm.googleapis.com/fcm/send/abc')).toEqual({
      endpoint: 'https://fcm.googleapis.com/fcm/send/abc',
      p256dh: P256DH,
      auth: AUTH,
    });
  });

  it('is taken on a subdomain of a wildcard service', () => {
    expect(posted('https://wns2-par02p.notify.windows.com/w/?token=x')).toBeDefined();
  });

  it('is refused anywhere else, so nobody makes the gate POST to an address of their choosing', () => {
    expect(posted('https://internal.example.com/fcm/send/abc')).toBeUndefined();
    expect(posted('http://fcm.googleapis.com/fcm/send/abc')).toBeUndefined();
    expect(posted('https://fcm.googleapis.com.evil.example/abc')).toBeUndefined();
    expect(posted('https://notify.windows.com/abc')).toBeUndefined();
  });

  it('is refused with keys that are not a P-256 point and a 16-byte secret', () => {
    expect(posted('https://fcm.googleapis.com/x', { p256dh: 'abc', auth: AUTH })).toBeUndefined();
    expect(posted('https://fcm.googleapis.com/x', { p256dh: P256DH, auth: 'abc' })).toBeUndefined();
  });
});

describeWithBinary('push subscriptions on the redis store', REDIS_SERVER, REDIS_INSTALL, (binary) => {
  const redis = useRedis(binary);
  const stores = useTwoRedisStores(redis);

  it('shows a browser registered on one instance to another, and removes it for both', async () => {
    const [a, b] = stores.map(createPushSubscriptions);
    const { added } = await a!.add('carol', browser(1), 'Phone', 1, 10);
    expect((await b!.list('carol')).map((s) => s.endpoint)).toEqual([browser(1).endpoint]);
    expect(await b!.removeAll('carol')).toBe(1);
    expect(await a!.remove('carol', added.id)).toBe(false);
  });
});
