// A password sign-in on a trusted browser asks the store about that browser once: the same answer
// serves "may it skip the code?" and "is this a browser the person has used before?".
import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import { browser, hiddenField, signIn } from '../helpers/browser.js';
import { PASSWORD, PASSWORD_HASH } from '../helpers/factors.js';
import { useGate } from '../helpers/gate.js';

/** A memory store that counts reads of trusted-browser records. */
function countingStore(): { store: Store; deviceReads: () => number } {
  const inner = createMemoryStore({ maxEntries: 10_000 });
  let reads = 0;
  const store: Store = {
    ...inner,
    get: (key) => {
      if (key.startsWith('device:')) reads += 1;
      return inner.get(key);
    },
  };
  return { store, deviceReads: () => reads };
}

const POLICY = `
rules:
  - name: vault
    paths: ["/vault/**"]
    action: challenge
    factors: [password, otp]
    trusted_device: 7d
  - name: everyone
    action: challenge
`;
const USERS = `
users:
  alice: { name: Alice Example, phone: "+39 333 000 0001", password: "${PASSWORD_HASH}" }
  bob: { name: Bob Example, phone: "+1 202 555 0102", password: "${PASSWORD_HASH}" }
`;
const { store, deviceReads } = countingStore();
const env = useGate({ store, policy: POLICY, users: USERS });

describe('trusted-browser lookups', () => {
  it('reads the browser\'s trust once when a password sign-in goes on to a code', async () => {
    const agent = browser(env.gate);
    await signIn(env.gate, agent, 'bob', '/vault/x', { login: { password: PASSWORD }, verify: { trust: '1' } });
    // Signed out, the browser is known by its trust alone: both questions need the record.
    await agent.post('/_gate/logout').type('form').send({ csrf: hiddenField((await agent.get('/_gate/logout')).text, 'csrf') });
    const login = await agent.get('/_gate/login?rd=%2Fvault%2Fy').expect(200);
    const before = deviceReads();
    const res = await agent.post('/_gate/login').type('form')
      .send({ identifier: 'alice', password: PASSWORD, rd: '/vault/y', csrf: hiddenField(login.text, 'csrf') }).expect(303);
    expect(res.headers.location).toBe('/_gate/code');
    expect(deviceReads() - before).toBe(1);
  });
});
