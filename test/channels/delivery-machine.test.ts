// The delivery state machine's transitions, one at a time: what a code's run does next after
// each send, report or deadline. Time comes from a manual clock; nothing here waits or sends.
import { describe, expect, it } from 'vitest';

import type { DeliveryEvent, DeliveryRun, DeliveryWorld, NewCode } from '../../src/channels/delivery-machine.js';
import {
  deadlineReached,
  isSuperseded,
  nextStep,
  startDecoy,
  startDelivery,
} from '../../src/channels/delivery-machine.js';
import type { DeliveryRecord } from '../../src/channels/delivery-state.js';
import { createManualClock } from '../../src/shared/clock.js';

const WHATSAPP_DEADLINE = 30_000;
const TTL = 300_000;

function setup(over: Partial<NewCode> = {}) {
  const clock = createManualClock();
  const code: NewCode = {
    codeNumber: 1,
    channels: ['whatsapp', 'sms'],
    expiresAt: clock.now() + TTL,
    username: 'alice',
    ...over,
  };
  /** WhatsApp reports delivery; this SMS provider does not. */
  const channels = new Map([
    ['whatsapp', { deliveryDeadlineMs: WHATSAPP_DEADLINE }],
    ['sms', { deliveryDeadlineMs: undefined }],
  ]);
  const world = (o: Partial<DeliveryWorld> = {}): DeliveryWorld => ({
    now: clock.now(),
    channels,
    closed: false,
    ...o,
  });
  return { clock, code, world };
}

const SENT: DeliveryEvent = { kind: 'sent', messageId: 'wamid.1' };
const FAILED: DeliveryEvent = { kind: 'send-failed', failure: 'unreachable-recipient', error: new Error('131026') };

/** A real run handing its code to WhatsApp, the rule's first channel. */
function sendingOnWhatsApp(over: Partial<NewCode> = {}) {
  const s = setup(over);
  return { ...s, run: startDelivery(s.code, undefined, s.world()).run };
}

/** A real run that sent message `wamid.1` on WhatsApp and waits for its report. */
function waitingOnWhatsApp(over: Partial<NewCode> = {}) {
  const s = sendingOnWhatsApp(over);
  return { ...s, run: nextStep(s.run, SENT, s.world()).run };
}

/** A real run that moved on to SMS, the rule's last channel, and is sending there. */
function sendingOnSms() {
  const s = sendingOnWhatsApp();
  return { ...s, run: nextStep(s.run, FAILED, s.world()).run };
}

/** The audit effect of giving up on message wamid.1 on WhatsApp, for `reason`. */
const whatsAppFallback = (reason: string) => ({
  kind: 'audit',
  entry: { event: 'code_fallback', outcome: 'fail', channel: 'whatsapp', messageId: 'wamid.1', reason },
});

const kinds = (effects: Array<{ kind: string }>) => effects.map((e) => e.kind);
const audits = (effects: ReturnType<typeof nextStep>['effects']) =>
  effects.flatMap((e) => (e.kind === 'audit' ? [e.entry.event] : []));

describe('a new code', () => {
  it('is sent on the first channel, with the record saved before the send', () => {
    const { code, world } = setup();
    const step = startDelivery(code, undefined, world());
    expect(step.effects).toEqual([{ kind: 'save' }]);
    expect(step.next).toEqual({ kind: 'send', channel: 'whatsapp', ttlMs: TTL });
    expect(step.run.record).toMatchObject({
      codeNumber: 1,
      current: 0,
      phase: 'sending',
      failedChannels: 0,
      username: 'alice',
    });
  });

  it('skips a channel this instance does not have', () => {
    const { code, world } = setup({ channels: ['telegram', 'sms'] });
    const step = startDelivery(code, undefined, world());
    expect(step.next).toMatchObject({ kind: 'send', channel: 'sms' });
    expect(step.run.record.current).toBe(1);
  });

  it("carries over the flow's count of failed channels from its previous code", () => {
    const { code, world } = setup({ codeNumber: 2 });
    const previous = { ...startDelivery(code, undefined, world()).run.record, codeNumber: 1, failedChannels: 2 };
    expect(startDelivery(code, previous, world()).run.record.failedChannels).toBe(2);
  });

  it('fails at once when it expired before any send', () => {
    const { clock, code, world } = setup();
    clock.advance(TTL);
    const step = startDelivery(code, undefined, world());
    expect(step.run.record.phase).toBe('failed');
    expect(kinds(step.effects)).toEqual(['save', 'audit']);
    expect(step.next).toBeUndefined();
  });

  it('is neither sent nor saved while the gate shuts down', () => {
    const { code, world } = setup();
    const step = startDelivery(code, undefined, world({ closed: true }));
    expect(step.effects).toEqual([]);
    expect(step.next).toBeUndefined();
  });
});

describe('a send the provider accepted', () => {
  it('is audited, its message indexed for reports, then saved as sent', () => {
    const { run, world } = sendingOnWhatsApp();
    const step = nextStep(run, SENT, world());
    expect(step.effects).toEqual([
      { kind: 'audit', entry: { event: 'code_sent', outcome: 'ok', channel: 'whatsapp', messageId: 'wamid.1' } },
      { kind: 'index-message', channel: 'whatsapp', messageId: 'wamid.1' },
      { kind: 'save' },
    ]);
    expect(step.run.record).toMatchObject({ phase: 'sent', messageId: 'wamid.1' });
  });

  it("waits for the message's report until the channel's deadline", () => {
    const { run, world } = sendingOnWhatsApp();
    expect(nextStep(run, SENT, world()).next).toEqual({
      kind: 'report',
      deadlineMs: WHATSAPP_DEADLINE,
      fallback: true,
    });
  });

  it('asks for a deadline that outlives the instance only when missing it would move the code on', () => {
    const { run, world } = sendingOnWhatsApp({ channels: ['whatsapp'] });
    expect(nextStep(run, SENT, world()).next).toMatchObject({ kind: 'report', fallback: false });
  });

  it('is stamped with the time the provider accepted it', () => {
    const { clock, run, world } = sendingOnWhatsApp();
    clock.advance(1_200);
    expect(nextStep(run, SENT, world()).run.record.changedAt).toBe(run.record.changedAt + 1_200);
  });

  it('ends the run on a channel that reports nothing', () => {
    const { run, world } = sendingOnSms();
    const step = nextStep(run, { kind: 'sent', messageId: 'SM1' }, world());
    expect(kinds(step.effects)).toEqual(['audit', 'save']);
    expect(step.next).toBeUndefined();
  });

  it('ends the run when the provider gave no message id to report on', () => {
    const { run, world } = sendingOnWhatsApp();
    expect(nextStep(run, { kind: 'sent', messageId: undefined }, world()).next).toBeUndefined();
  });
});

describe('a send that failed', () => {
  it("moves on to the next channel at once, with what is left of the code's life", () => {
    const { clock, run, world } = sendingOnWhatsApp();
    clock.advance(1_000);
    const step = nextStep(run, FAILED, world());
    expect(step.next).toEqual({ kind: 'send', channel: 'sms', ttlMs: TTL - 1_000 });
    expect(step.run.record).toMatchObject({
      current: 1,
      phase: 'sending',
      switchedFrom: 'whatsapp',
      failedChannels: 1,
    });
  });

  it('is counted, logged and audited before the record moves on', () => {
    const { run, world } = sendingOnWhatsApp();
    expect(nextStep(run, FAILED, world()).effects).toEqual([
      { kind: 'fallback-metric', from: 'whatsapp', to: 'sms', reason: 'send_failed_unreachable-recipient' },
      {
        kind: 'log',
        level: 'warn',
        fields: { err: expect.any(Error), channel: 'whatsapp', user: 'alice', kind: 'unreachable-recipient' },
        message: 'code delivery failed; trying the next channel',
      },
      {
        kind: 'audit',
        entry: { event: 'code_send_failed', outcome: 'fail', channel: 'whatsapp', reason: 'unreachable-recipient' },
      },
      { kind: 'save' },
    ]);
  });

  it('on the last channel fails the code', () => {
    const { run, world } = sendingOnSms();
    const step = nextStep(run, FAILED, world());
    expect(step.run.record).toMatchObject({ phase: 'failed', current: 1, failedChannels: 2 });
    expect(audits(step.effects)).toEqual(['code_send_failed', 'code_undelivered']);
    expect(step.next).toBeUndefined();
  });

  it('on the last channel names no next channel to the metric', () => {
    const { run, world } = sendingOnSms();
    expect(nextStep(run, FAILED, world()).effects[0]).toMatchObject({
      kind: 'fallback-metric',
      from: 'sms',
      to: 'none',
    });
  });

  it('while the gate shuts down tries no other channel and saves nothing', () => {
    const { run, world } = sendingOnWhatsApp();
    const step = nextStep(run, FAILED, world({ closed: true }));
    expect(kinds(step.effects)).toEqual(['fallback-metric', 'log', 'audit']);
    expect(step.next).toBeUndefined();
  });
});

describe('waiting for a report', () => {
  it('ends when the message is delivered', () => {
    const { run, world } = waitingOnWhatsApp();
    expect(nextStep(run, { kind: 'reported', status: 'delivered' }, world())).toEqual({ run, effects: [] });
  });

  it('moves on to the next channel when the message is reported undelivered', () => {
    const { run, world } = waitingOnWhatsApp();
    const step = nextStep(run, { kind: 'reported', status: 'undelivered' }, world());
    expect(step.next).toMatchObject({ kind: 'send', channel: 'sms' });
    expect(step.effects).toContainEqual(whatsAppFallback('provider reported the message undelivered'));
    expect(step.effects).toContainEqual({
      kind: 'fallback-metric',
      from: 'whatsapp',
      to: 'sms',
      reason: 'undelivered',
    });
  });

  it('moves on to the next channel when no report came before the deadline', () => {
    const { clock, run, world } = waitingOnWhatsApp();
    clock.advance(WHATSAPP_DEADLINE);
    const step = nextStep(run, { kind: 'deadline' }, world());
    expect(step.next).toEqual({ kind: 'send', channel: 'sms', ttlMs: TTL - WHATSAPP_DEADLINE });
    expect(step.effects).toContainEqual(whatsAppFallback(`no delivery report within ${WHATSAPP_DEADLINE} ms`));
    expect(step.effects).toContainEqual({ kind: 'fallback-metric', from: 'whatsapp', to: 'sms', reason: 'no_report' });
  });

  it('ends without failing the code when the last channel misses its deadline: its message may still arrive', () => {
    const { run, world } = waitingOnWhatsApp({ channels: ['whatsapp'] });
    expect(nextStep(run, { kind: 'deadline' }, world())).toEqual({ run, effects: [] });
  });

  it('fails the code when the last channel reports it undelivered', () => {
    const { run, world } = waitingOnWhatsApp({ channels: ['whatsapp'] });
    const step = nextStep(run, { kind: 'reported', status: 'undelivered' }, world());
    expect(step.run.record.phase).toBe('failed');
    expect(audits(step.effects)).toEqual(['code_fallback', 'code_undelivered']);
  });

  it('fails the code instead of moving on when it expired meanwhile', () => {
    const { clock, run, world } = waitingOnWhatsApp();
    clock.advance(TTL);
    const step = nextStep(run, { kind: 'deadline' }, world());
    expect(step.run.record.phase).toBe('failed');
    expect(step.next).toBeUndefined();
  });
});

describe('a decoy', () => {
  const decoy = (s: ReturnType<typeof setup>) =>
    startDecoy({ ...s.code, username: undefined }, undefined, 1_234, s.world());

  it('saves the record a real send leaves, on the first channel this instance has, and sends nothing', () => {
    const s = setup({ channels: ['telegram', 'whatsapp', 'sms'] });
    const step = decoy(s);
    expect(step.effects).toEqual([{ kind: 'save' }]);
    expect(step.run.record).toEqual<DeliveryRecord>({
      codeNumber: 1,
      channels: ['telegram', 'whatsapp', 'sms'],
      current: 1,
      phase: 'sent',
      failedChannels: 0,
      changedAt: s.code.expiresAt - TTL,
      expiresAt: s.code.expiresAt,
      username: undefined,
    });
  });

  it('waits its random delay as if for a report', () => {
    expect(decoy(setup()).next).toEqual({ kind: 'report', deadlineMs: 1_234, fallback: false });
  });

  it('waits for nothing on a channel that reports nothing', () => {
    expect(decoy(setup({ channels: ['sms'] })).next).toBeUndefined();
  });

  it('turns delivered when its delay is over', () => {
    const s = setup();
    const run: DeliveryRun = decoy(s).run;
    s.clock.advance(1_234);
    const step = nextStep(run, { kind: 'deadline' }, s.world());
    expect(step.run.record).toMatchObject({ phase: 'delivered', changedAt: s.code.expiresAt - TTL + 1_234 });
    expect(step.effects).toEqual([{ kind: 'save' }]);
    expect(step.next).toBeUndefined();
  });
});

describe('a run', () => {
  const { code, world } = setup();
  const stored = (codeNumber: number) => ({ ...startDelivery(code, undefined, world()).run.record, codeNumber });

  it("is superseded by a newer code's record", () => {
    expect(isSuperseded(stored(2), 1, true)).toBe(true);
  });

  it('is not superseded by its own record', () => {
    expect(isSuperseded(stored(1), 1, true)).toBe(false);
  });

  it('may save into a flow that has no record yet', () => {
    expect(isSuperseded(undefined, 1, false)).toBe(false);
  });

  it('stops once its saved record is gone: the flow ended', () => {
    expect(isSuperseded(undefined, 1, true)).toBe(true);
  });
});

describe('a deadline claimed from the schedule (perhaps on another instance)', () => {
  it('moves the code on when its record still waits for a report', () => {
    const { run, world } = waitingOnWhatsApp();
    const step = deadlineReached(run.record, 1, world());
    expect(step?.next).toEqual({ kind: 'send', channel: 'sms', ttlMs: TTL });
    expect(audits(step!.effects)).toEqual(['code_fallback']);
  });

  it('moves the code on when its message was reported undelivered meanwhile', () => {
    const { run, world } = waitingOnWhatsApp();
    const step = deadlineReached({ ...run.record, phase: 'undelivered' }, 1, world());
    expect(step?.next).toMatchObject({ kind: 'send', channel: 'sms' });
  });

  it('sends again on the channel whose send its claimer never finished', () => {
    const { run, world } = sendingOnSms();
    const step = deadlineReached(run.record, 1, world());
    expect(step?.next).toMatchObject({ kind: 'send', channel: 'sms' });
    expect(step?.run.record).toMatchObject({ current: 1, phase: 'sending' });
  });

  it('means nothing once the code was delivered, failed, superseded or used', () => {
    const { run, world } = waitingOnWhatsApp();
    expect(deadlineReached({ ...run.record, phase: 'delivered' }, 1, world())).toBeUndefined();
    expect(deadlineReached({ ...run.record, phase: 'failed' }, 1, world())).toBeUndefined();
    expect(deadlineReached({ ...run.record, codeNumber: 2 }, 1, world())).toBeUndefined();
    expect(deadlineReached(undefined, 1, world())).toBeUndefined();
  });
});
