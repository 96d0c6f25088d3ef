// Fallback deadlines kept in the Store, with two delivery runners (two instances) on one memory
// Store: the sender's own timer acts first, another instance takes a deadline over when the sender
// is gone, and either way the SMS goes out once. The store's clock is manual: the other instance
// sees a deadline due only when the test moves it there.
import { afterEach, describe, expect, it } from 'vitest';

import type { AuditEvent } from '../../src/audit/audit-log.js';
import type { Channel, OutgoingCode } from '../../src/channels/channel.js';
import { createDeadlineSchedule, TAKEOVER_GRACE_MS } from '../../src/channels/deadline-schedule.js';
import type { DeliveryJob } from '../../src/channels/delivery.js';
import { createDeliveries } from '../../src/channels/delivery.js';
import { createDurableDeadlines } from '../../src/channels/durable-deadlines.js';
import { DEADLINES_KEY, pendingFallbackKey } from '../../src/channels/pending-fallback.js';
import type { User } from '../../src/directory/types.js';
import { createManualClock } from '../../src/shared/clock.js';
import { createLogger } from '../../src/shared/log.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import type { Store } from '../../src/store/store.js';
import { createSecretBox } from '../../src/totp/secret-box.js';
import { waitFor } from '../helpers/wait.js';

const ALICE: User = { username: 'alice', name: 'Alice', phone: '+393330000000', groups: [], channels: [] };
const SECRET = 'a-session-secret-of-at-least-32-characters';
const LEASE_MS = 30_000;

/** A provider that answers every send at once, with ids <name>1, <name>2, … */
function recordingChannel(name: string, deliveryDeadlineMs: number | undefined) {
  const sent: OutgoingCode[] = [];
  const channel: Channel = {
    name,
    deliveryDeadlineMs,
    async send(message) {
      sent.push(message);
      return { messageId: `${name}${sent.length}` };
    },
    check: async () => {},
  };
  return { channel, sent };
}

const closers: Array<() => void> = [];
afterEach(() => closers.splice(0).forEach((close) => close()));

/** One gate instance's delivery runner on the shared store, with WhatsApp (deadline `deadlineMs`, real time) then SMS. */
function instance(store: Store, clock: ReturnType<typeof createManualClock>, deadlineMs: number, secret = SECRET) {
  const whatsapp = recordingChannel('whatsapp', deadlineMs);
  const sms = recordingChannel('sms', undefined);
  const audit: AuditEvent[] = [];
  const log = createLogger({ level: 'silent' });
  const deliveries = createDeliveries({
    store,
    channels: new Map([
      ['whatsapp', whatsapp.channel],
      ['sms', sms.channel],
    ]),
    clock,
    audit: { record: (e) => audit.push(e), close: async () => {} },
    log,
    pollMs: 5,
    durable: createDurableDeadlines({
      store,
      schedule: createDeadlineSchedule({ store, key: DEADLINES_KEY, clock, pollMs: 10, leaseMs: LEASE_MS, log }),
      seal: createSecretBox([secret], 'delivery code'),
      findUser: (username) => (username === 'alice' ? ALICE : undefined),
    }),
  });
  closers.push(() => deliveries.close());
  return { deliveries, whatsapp, sms, audit };
}

function setup(senderDeadlineMs: number) {
  const clock = createManualClock(Date.now());
  const store = createMemoryStore({ maxEntries: 100, clock });
  const job: DeliveryJob = {
    flowId: 'flow-1',
    n: 1,
    channels: ['whatsapp', 'sms'],
    user: ALICE,
    code: '482913',
    host: 'app.test',
    ip: '127.0.0.1',
    rule: 'default',
    destination: '+39 ••• ••• 0000',
    expiresAt: clock.now() + 300_000,
  };
  return {
    clock,
    store,
    job,
    a: instance(store, clock, senderDeadlineMs),
    b: instance(store, clock, senderDeadlineMs),
  };
}

const overdue = (ms: number) => ms + TAKEOVER_GRACE_MS;
const claimAll = (store: Store, now: number) =>
  store.scheduleClaim(DEADLINES_KEY, { dueBy: now, leaseUntil: now + 1, limit: 10 });

describe('a fallback deadline in the store', () => {
  it('is taken over by another instance when the sender stopped mid-wait: one SMS, the same code', async () => {
    const { clock, job, a, b } = setup(60_000);
    a.deliveries.start(job);
    await waitFor('the WhatsApp send', () => a.audit.some((e) => e.event === 'code_sent'));
    a.deliveries.close();
    await a.deliveries.idle();
    clock.advance(overdue(60_000));
    await waitFor('the SMS from the other instance', () => b.sms.sent.length === 1);
    await b.deliveries.idle();
    expect(b.sms.sent.map((m) => m.code)).toEqual(['482913']);
    expect(a.sms.sent).toEqual([]);
    expect(b.audit.map((e) => e.event)).toEqual(['code_fallback', 'code_sent']);
    expect(await b.deliveries.state('flow-1')).toMatchObject({ phase: 'sent', current: 1, switchedFrom: 'whatsapp' });
  });

  it('is acted on by the sender alone while it lives, and then leaves the store', async () => {
    const { clock, store, job, a, b } = setup(50);
    a.deliveries.start(job);
    await waitFor('the SMS from the sender', () => a.sms.sent.length === 1);
    await a.deliveries.idle();
    clock.advance(overdue(LEASE_MS));
    expect(await claimAll(store, clock.now())).toEqual([]);
    expect(await store.get(pendingFallbackKey('flow-1:1'))).toBeUndefined();
    expect(b.sms.sent).toEqual([]);
  });

  it('leaves the store once the code is delivered in time, whichever instance took the report', async () => {
    const { clock, store, job, a, b } = setup(60_000);
    a.deliveries.start(job);
    await waitFor('the WhatsApp send', () => a.audit.some((e) => e.event === 'code_sent'));
    expect(await b.deliveries.report('whatsapp', 'whatsapp1', 'delivered', { ip: '127.0.0.1', raw: 'delivered' })).toBe(
      'applied',
    );
    await a.deliveries.idle();
    clock.advance(overdue(60_000));
    expect(await claimAll(store, clock.now())).toEqual([]);
    expect([...a.sms.sent, ...b.sms.sent]).toEqual([]);
  });

  it('leaves the store once the code is used', async () => {
    const { clock, store, job, a } = setup(60_000);
    a.deliveries.start(job);
    await waitFor('the WhatsApp send', () => a.audit.some((e) => e.event === 'code_sent'));
    await a.deliveries.forget('flow-1');
    await a.deliveries.idle();
    clock.advance(overdue(60_000));
    expect(await claimAll(store, clock.now())).toEqual([]);
    expect(await store.get(pendingFallbackKey('flow-1:1'))).toBeUndefined();
  });

  it('keeps the code sealed in the store, never in clear', async () => {
    const { store, job, a } = setup(60_000);
    a.deliveries.start(job);
    await waitFor('the WhatsApp send', () => a.audit.some((e) => e.event === 'code_sent'));
    const pending = await store.get(pendingFallbackKey('flow-1:1'));
    expect(pending).toContain('"u":"alice"');
    expect(pending).not.toContain('482913');
  });

  it('is dropped by the instance that takes it over when the code was superseded meanwhile', async () => {
    const { clock, store, job, a, b } = setup(60_000);
    a.deliveries.start(job);
    await waitFor('the WhatsApp send', () => a.audit.some((e) => e.event === 'code_sent'));
    a.deliveries.close();
    await store.set(
      'delivery:flow-1',
      JSON.stringify({ n: 2, cs: ['sms'], i: 0, ph: 'sent', f: 0, at: 0, e: job.expiresAt }),
      60_000,
    );
    clock.advance(overdue(60_000));
    await waitFor('the deadline dropped', async () => (await store.get(pendingFallbackKey('flow-1:1'))) === undefined);
    await b.deliveries.idle();
    expect(await claimAll(store, clock.now() + LEASE_MS)).toEqual([]);
    expect(b.sms.sent).toEqual([]);
  });

  it('is dropped, sending nothing, by an instance whose secrets do not open the sealed code', async () => {
    const setUp = setup(60_000);
    const { clock, store, job, a } = setUp;
    // Only an instance with other secrets is left to take the deadline over.
    setUp.b.deliveries.close();
    a.deliveries.start(job);
    await waitFor('the WhatsApp send', () => a.audit.some((e) => e.event === 'code_sent'));
    a.deliveries.close();
    const b = instance(store, clock, 60_000, 'another-session-secret-of-at-least-32-chars');
    clock.advance(overdue(60_000));
    await waitFor('the deadline dropped', async () => (await store.get(pendingFallbackKey('flow-1:1'))) === undefined);
    await b.deliveries.idle();
    expect(b.sms.sent).toEqual([]);
    expect(await claimAll(store, clock.now() + LEASE_MS)).toEqual([]);
  });
});
