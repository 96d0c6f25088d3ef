// Reading provider status reports into a delivery record, and what the code page says about it.
import { describe, expect, it } from 'vitest';

import type { DeliveryRecord } from '../../src/channels/delivery-state.js';
import {
  applyReport,
  describeDelivery,
  fromTwilioStatus,
  fromWhatsAppStatus,
} from '../../src/channels/delivery-state.js';

const record = (over: Partial<DeliveryRecord> = {}): DeliveryRecord => ({
  n: 1,
  cs: ['whatsapp', 'sms'],
  i: 0,
  ph: 'sent',
  mid: 'wamid.1',
  f: 0,
  at: 0,
  e: 300_000,
  ...over,
});

describe('delivery reports', () => {
  it('mark the current message delivered once; repeats change nothing', () => {
    const r = record();
    expect(applyReport(r, 'wamid.1', 'delivered', 5)).toBe('applied');
    expect(applyReport(r, 'wamid.1', 'delivered', 6)).toBe('duplicate');
    expect(r).toMatchObject({ ph: 'delivered', at: 5 });
  });

  it('ignore a late "sent" after "delivered", and reports about an earlier message', () => {
    const r = record({ ph: 'delivered' });
    expect(applyReport(r, 'wamid.1', 'accepted', 1)).toBe('duplicate');
    expect(applyReport(record(), 'wamid.0', 'failed', 1)).toBe('stale');
  });

  it('mark a failed message undelivered, which the sender acts on', () => {
    const r = record();
    expect(applyReport(r, 'wamid.1', 'failed', 1)).toBe('applied');
    expect(r.ph).toBe('undelivered');
  });

  it('read WhatsApp and Twilio statuses', () => {
    expect(['sent', 'delivered', 'read', 'failed', 'deleted'].map(fromWhatsAppStatus)).toEqual([
      'accepted',
      'delivered',
      'delivered',
      'failed',
      undefined,
    ]);
    expect(['queued', 'sent', 'delivered', 'undelivered', 'failed'].map(fromTwilioStatus)).toEqual([
      'accepted',
      'accepted',
      'delivered',
      'failed',
      'failed',
    ]);
  });
});

describe('what the page says', () => {
  it('names the channel and whether the code moved on', () => {
    expect(describeDelivery(record())).toMatchObject({ channel: 'whatsapp', state: 'sent' });
    expect(describeDelivery(record({ i: 1, from: 'whatsapp', ph: 'sending', f: 1 }))).toMatchObject({
      channel: 'sms',
      state: 'switched',
      switchedFrom: 'whatsapp',
      failedChannels: 1,
    });
    expect(describeDelivery(record({ i: 1, from: 'whatsapp', ph: 'delivered' }))).toMatchObject({
      channel: 'sms',
      state: 'delivered',
    });
    expect(describeDelivery(record({ ph: 'failed' })).state).toBe('failed');
  });
});
