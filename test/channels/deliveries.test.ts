// The delivery runner against a real memory Store: a run stops when its flow's record is no
// longer its own. The channels stand in for providers: each send waits until the test lets it
// answer, so a test can act while a message is on its way.
import { afterEach, describe, expect, it } from 'vitest';

import type { AuditEvent } from '../../src/audit/audit-log.js';
import type { Channel, OutgoingCode } from '../../src/channels/channel.js';
import type { DeliveryJob } from '../../src/channels/delivery.js';
import { createDeliveries } from '../../src/channels/delivery.js';
import { createManualClock } from '../../src/shared/clock.js';
import { createLogger } from '../../src/shared/log.js';
import { createMemoryStore } from '../../src/store/memory-store.js';

/** A provider whose sends answer only when the test says so, with message ids m1, m2, … */
function heldChannel(name: string, deliveryDeadlineMs: number | undefined) {
  const sent: OutgoingCode[] = [];
  const answers: Array<() => void> = [];
  const channel: Channel = {
    name,
    deliveryDeadlineMs,
    async send(message) {
      sent.push(message);
      await new Promise<void>((resolve) => answers.push(resolve));
      return { messageId: `m${sent.length}` };
    },
    check: async () => {},
  };
  return { channel, sent, answer: () => answers.shift()?.() };
}

async function until(what: string, done: () => boolean) {
  for (let i = 0; !done(); i++) {
    if (i > 500) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Closes each test's deliveries, so a failed test leaves no run waiting. */
const closers: Array<() => void> = [];
afterEach(() => closers.splice(0).forEach((close) => close()));

function setup() {
  const clock = createManualClock();
  const whatsapp = heldChannel('whatsapp', 60_000);
  const sms = heldChannel('sms', undefined);
  const audit: AuditEvent[] = [];
  const deliveries = createDeliveries({
    store: createMemoryStore({ maxEntries: 100, clock }),
    channels: new Map([
      ['whatsapp', whatsapp.channel],
      ['sms', sms.channel],
    ]),
    clock,
    audit: { record: (e) => audit.push(e), close: async () => {} },
    log: createLogger({ level: 'silent' }),
    pollMs: 5,
  });
  closers.push(() => deliveries.close());
  const job = (n: number): DeliveryJob => ({
    flowId: 'flow-1',
    n,
    channels: ['whatsapp', 'sms'],
    user: { username: 'alice', name: 'Alice', phone: '+393330000000', groups: [], channels: [] },
    code: `11111${n}`,
    host: 'app.test',
    ip: '127.0.0.1',
    rule: 'default',
    destination: '+39 ••• ••• 0000',
    expiresAt: clock.now() + 300_000,
  });
  return { deliveries, whatsapp, sms, audit, job };
}

describe('a delivery run', () => {
  it('whose code was used while it was sending writes nothing back and tries no other channel', async () => {
    const { deliveries, whatsapp, sms, job } = setup();
    deliveries.start(job(1));
    await until('the WhatsApp send', () => whatsapp.sent.length === 1);
    await deliveries.forget('flow-1');
    whatsapp.answer();
    await deliveries.idle();
    expect(await deliveries.state('flow-1')).toBeUndefined();
    expect(sms.sent).toEqual([]);
  });

  it("stops waiting for its report as soon as a newer code's run takes the flow over", async () => {
    const { deliveries, whatsapp, audit, job } = setup();
    deliveries.start(job(1));
    await until('the first WhatsApp send', () => whatsapp.sent.length === 1);
    whatsapp.answer();
    await until('the first report wait', () => audit.some((e) => e.event === 'code_sent'));
    deliveries.start(job(2));
    await until('the second WhatsApp send', () => whatsapp.sent.length === 2);
    whatsapp.answer();
    await until('the second report wait', () => audit.filter((e) => e.event === 'code_sent').length === 2);
    await deliveries.report('whatsapp', 'm2', 'delivered', { ip: '127.0.0.1', raw: 'delivered' });
    // Both runs are over long before the first message's 60 s deadline.
    await deliveries.idle();
    expect(audit.map((e) => e.event)).toEqual(['code_sent', 'code_sent', 'delivery_status']);
  });
});
