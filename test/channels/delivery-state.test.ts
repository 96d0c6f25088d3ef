// A delivery record's stored form, reading provider status reports into it, and what the code page says about it.
import { describe, expect, it } from 'vitest';

import type { DeliveryRecord } from '../../src/channels/delivery-state.js';
import {
  applyReport,
  decodeDelivery,
  describeDelivery,
  encodeDelivery,
  fromTwilioStatus,
  fromWhatsAppStatus,
} from '../../src/channels/delivery-state.js';

const record = (over: Partial<DeliveryRecord> = {}): DeliveryRecord => ({
  codeNumber: 1,
  channels: ['whatsapp', 'sms'],
  current: 0,
  phase: 'sent',
  messageId: 'wamid.1',
  failedChannels: 0,
  changedAt: 0,
  expiresAt: 300_000,
  ...over,
});

describe('the stored form', () => {
  it('reads a record as Redis already holds it, with short keys', () => {
    const held =
      '{"n":2,"cs":["whatsapp","sms"],"i":1,"ph":"sending","from":"whatsapp","f":1,"at":5,"e":300000,"u":"alice"}';
    expect(decodeDelivery(held)).toEqual({
      codeNumber: 2,
      channels: ['whatsapp', 'sms'],
      current: 1,
      phase: 'sending',
      messageId: undefined,
      switchedFrom: 'whatsapp',
      failedChannels: 1,
      changedAt: 5,
      expiresAt: 300_000,
      username: 'alice',
    });
  });

  it('is written with the same short keys, so an older instance sharing the store reads it', () => {
    expect(JSON.parse(encodeDelivery(record({ username: 'alice' })))).toEqual({
      n: 1,
      cs: ['whatsapp', 'sms'],
      i: 0,
      ph: 'sent',
      mid: 'wamid.1',
      f: 0,
      at: 0,
      e: 300_000,
      u: 'alice',
    });
  });

  it('reads back what it writes', () => {
    const r = record({ switchedFrom: 'whatsapp', username: 'alice' });
    expect(decodeDelivery(encodeDelivery(r))).toEqual(r);
  });

  it('is no record when it is not JSON or lacks the code number', () => {
    expect(decodeDelivery('{"n":')).toBeUndefined();
    expect(decodeDelivery('{"cs":[]}')).toBeUndefined();
  });
});

describe('delivery reports', () => {
  it('mark the current message delivered', () => {
    expect(applyReport(record(), 'wamid.1', 'delivered', 5)).toEqual({
      outcome: 'applied',
      record: record({ phase: 'delivered', changedAt: 5 }),
    });
  });

  it('change nothing when repeated', () => {
    const delivered = record({ phase: 'delivered', changedAt: 5 });
    expect(applyReport(delivered, 'wamid.1', 'delivered', 6)).toEqual({ outcome: 'duplicate', record: delivered });
  });

  it('ignore a late "sent" after "delivered"', () => {
    expect(applyReport(record({ phase: 'delivered' }), 'wamid.1', 'accepted', 1).outcome).toBe('duplicate');
  });

  it('ignore reports about an earlier message', () => {
    expect(applyReport(record(), 'wamid.0', 'failed', 1)).toEqual({ outcome: 'stale', record: record() });
  });

  it('mark a failed message undelivered, which the sender acts on', () => {
    expect(applyReport(record(), 'wamid.1', 'failed', 1).record.phase).toBe('undelivered');
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
    expect(
      describeDelivery(record({ current: 1, switchedFrom: 'whatsapp', phase: 'sending', failedChannels: 1 })),
    ).toMatchObject({ channel: 'sms', state: 'switched', switchedFrom: 'whatsapp', failedChannels: 1 });
    expect(describeDelivery(record({ current: 1, switchedFrom: 'whatsapp', phase: 'delivered' }))).toMatchObject({
      channel: 'sms',
      state: 'delivered',
    });
    expect(describeDelivery(record({ phase: 'failed' })).state).toBe('failed');
  });
});
