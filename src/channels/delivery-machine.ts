// One code's delivery as a state machine: pure transitions from a run's state and what just
// happened (a send's outcome, a report, a deadline) to the next state, the effects to perform and
// what to wait on next. delivery.ts performs them (channels, Store, audit, metrics); nothing here
// does I/O, reads a clock or sees the code itself.
import type { AuditEvent } from '../audit/audit-log.js';
import { loggableUser } from '../directory/enrolled-id.js';
import type { Channel, ChannelFailure } from './channel.js';
import type { DeliveryRecord } from './delivery-state.js';

/** A new code to deliver: what the machine needs of the job. */
export interface NewCode {
  codeNumber: number;
  channels: string[];
  expiresAt: number;
  username: string | undefined;
}

export interface DeliveryRun {
  record: DeliveryRecord;
  /** An unknown identity's: nothing is sent, the record only looks like a real one's. */
  decoy: boolean;
  /** How long the current send waits for its report, ms. */
  deadlineMs?: number | undefined;
}

/** What a transition looks at besides the run, read afresh for each one. */
export interface DeliveryWorld {
  now: number;
  /** The channels this instance can send on (a rule may name others), with their delivery deadlines. */
  channels: ReadonlyMap<string, Pick<Channel, 'deliveryDeadlineMs'>>;
  /** Shutting down: no further channel is tried. */
  closed: boolean;
}

/** The outcome of what the run waited on. */
export type DeliveryEvent =
  /** `deadlineMs`: a learned deadline (`delivery_timeout: auto`) instead of the channel's fixed one. */
  | { kind: 'sent'; messageId: string | undefined; deadlineMs?: number | undefined }
  | { kind: 'send-failed'; failure: ChannelFailure; error: unknown }
  | { kind: 'reported'; status: 'delivered' | 'undelivered' }
  | { kind: 'deadline' };

export type DeliveryEffect =
  /** Save the step's record, unless a newer code took the flow over: the run then stops. */
  | { kind: 'save' }
  /** Let a provider's report about `messageId` find its flow. */
  | { kind: 'index-message'; channel: string; messageId: string }
  /** Audit, with the job's user, address, rule, destination and flow added. */
  | { kind: 'audit'; entry: Pick<AuditEvent, 'event' | 'outcome' | 'channel' | 'messageId' | 'reason'> }
  | { kind: 'fallback-metric'; from: string; to: string; reason: string }
  | { kind: 'log'; level: 'info' | 'warn'; fields: Record<string, unknown>; message: string };

/** What the run waits on next; its outcome is the next event. */
export type DeliveryWait =
  | { kind: 'send'; channel: string; ttlMs: number }
  /**
   * For the current message's report, until the deadline (real time). `fallback`: a missed
   * deadline would move the code to another channel, so the deadline must outlive this instance.
   */
  | { kind: 'report'; deadlineMs: number; fallback: boolean };

export interface DeliveryStep {
  run: DeliveryRun;
  /** Performed in order before waiting on `next`. */
  effects: DeliveryEffect[];
  /** Undefined: the run is over. */
  next?: DeliveryWait | undefined;
}

const SAVE: DeliveryEffect = { kind: 'save' };

export function startDelivery(code: NewCode, previous: DeliveryRecord | undefined, world: DeliveryWorld): DeliveryStep {
  return tryChannelFrom(0, { record: firstRecord(code, previous, world), decoy: false }, [], world);
}

/**
 * An unknown identity's run: the record a real send leaves, so the status poll tells nothing
 * apart, and "delivered" after `delayMs` when the channel would report (a real report takes a
 * moment; the decoy's must not be predictable either, so the caller draws the delay at random).
 */
export function startDecoy(
  code: NewCode,
  previous: DeliveryRecord | undefined,
  delayMs: number,
  world: DeliveryWorld,
): DeliveryStep {
  const current = code.channels.findIndex((c) => world.channels.has(c));
  const record: DeliveryRecord = {
    ...firstRecord(code, previous, world),
    current: Math.max(0, current),
    phase: 'sent',
  };
  const reports = world.channels.get(code.channels[current] ?? '')?.deliveryDeadlineMs !== undefined;
  return {
    run: { record, decoy: true },
    effects: [SAVE],
    next: reports ? { kind: 'report', deadlineMs: delayMs, fallback: false } : undefined,
  };
}

export function nextStep(run: DeliveryRun, event: DeliveryEvent, world: DeliveryWorld): DeliveryStep {
  switch (event.kind) {
    case 'sent':
      return sent(run, event, world);
    case 'send-failed':
      return sendFailed(run, event.failure, event.error, world);
    case 'reported':
    case 'deadline':
      return run.decoy ? decoyDelivered(run, world) : waited(run, event, world);
  }
}

/**
 * A deadline of code `codeNumber` claimed from the store's schedule, read against the record as the
 * store holds it now (its sender may be gone): the run that carries on from there, or undefined
 * when nothing is left to do (the flow ended, a newer code took over, the code was delivered or
 * every channel failed). A record still `sending` had its sender stop mid-send: that send is made
 * again (a second message with the same code rather than none).
 */
export function deadlineReached(
  stored: DeliveryRecord | undefined,
  codeNumber: number,
  world: DeliveryWorld,
): DeliveryStep | undefined {
  if (stored === undefined || stored.codeNumber !== codeNumber) return undefined;
  const run: DeliveryRun = { record: stored, decoy: false };
  switch (stored.phase) {
    case 'sent':
      return nextStep(run, { kind: 'deadline' }, world);
    case 'undelivered':
      return nextStep(run, { kind: 'reported', status: 'undelivered' }, world);
    case 'sending':
      return tryChannelFrom(stored.current, run, [], world);
    case 'delivered':
    case 'failed':
      return undefined;
  }
}

/**
 * Whether the run of code `codeNumber` has lost its flow's record and must stop: a newer code's
 * run took it over, or the flow ended (the record is gone after the run had saved it: the code
 * was used).
 */
export function isSuperseded(stored: DeliveryRecord | undefined, codeNumber: number, saved: boolean): boolean {
  return stored === undefined ? saved : stored.codeNumber > codeNumber;
}

function firstRecord(code: NewCode, previous: DeliveryRecord | undefined, world: DeliveryWorld): DeliveryRecord {
  return {
    codeNumber: code.codeNumber,
    channels: code.channels,
    current: 0,
    phase: 'sending',
    failedChannels: previous?.failedChannels ?? 0,
    changedAt: world.now,
    expiresAt: code.expiresAt,
    username: code.username,
  };
}

/** Whether a channel this instance has comes after the current one. */
const hasNextChannel = (record: DeliveryRecord, world: DeliveryWorld) =>
  record.channels.slice(record.current + 1).some((c) => world.channels.has(c));
const currentChannel = (record: DeliveryRecord) => record.channels[record.current] ?? '';
/** The channel after the current one, as the fallback metric names it. */
const following = (record: DeliveryRecord) => record.channels[record.current + 1] ?? 'none';

function sent(
  run: DeliveryRun,
  { messageId, deadlineMs: learned }: Extract<DeliveryEvent, { kind: 'sent' }>,
  world: DeliveryWorld,
): DeliveryStep {
  const channel = currentChannel(run.record);
  const fixed = world.channels.get(channel)?.deliveryDeadlineMs;
  const deadlineMs = fixed === undefined ? undefined : (learned ?? fixed);
  const effects: DeliveryEffect[] = [
    { kind: 'audit', entry: { event: 'code_sent', outcome: 'ok', channel, messageId } },
  ];
  const record: DeliveryRecord = { ...run.record, phase: 'sent', messageId, changedAt: world.now };
  // A channel without reports, or a send without a message id, is final once accepted.
  if (deadlineMs === undefined || messageId === undefined)
    return { run: { ...run, record }, effects: [...effects, SAVE] };
  // Indexed before the record names it, so an early webhook finds its flow.
  effects.push({ kind: 'index-message', channel, messageId }, SAVE);
  return {
    run: { ...run, record, deadlineMs },
    effects,
    next: { kind: 'report', deadlineMs, fallback: hasNextChannel(record, world) },
  };
}

function sendFailed(run: DeliveryRun, failure: ChannelFailure, error: unknown, world: DeliveryWorld): DeliveryStep {
  const channel = currentChannel(run.record);
  return moveOn(
    { ...run, record: { ...run.record, failureReported: true } },
    [
      { kind: 'fallback-metric', from: channel, to: following(run.record), reason: `send_failed_${failure}` },
      {
        kind: 'log',
        level: 'warn',
        fields: { err: error, channel, user: loggableUser(run.record.username), kind: failure },
        message: 'code delivery failed; trying the next channel',
      },
      { kind: 'audit', entry: { event: 'code_send_failed', outcome: 'fail', channel, reason: failure } },
    ],
    world,
  );
}

function waited(
  run: DeliveryRun,
  event: Extract<DeliveryEvent, { kind: 'reported' | 'deadline' }>,
  world: DeliveryWorld,
): DeliveryStep {
  if (event.kind === 'reported' && event.status === 'delivered') return { run, effects: [] };
  const { record } = run;
  const channel = currentChannel(record);
  const late = event.kind === 'deadline';
  // The last channel missing its deadline is no failure: its message may still arrive.
  if (late && !hasNextChannel(record, world)) return { run, effects: [] };
  const reason = late
    ? `no delivery report within ${run.deadlineMs ?? world.channels.get(channel)?.deliveryDeadlineMs} ms`
    : 'provider reported the message undelivered';
  return moveOn(
    // The report was saved into the stored record, not this run's: carry what it unlocks along.
    late ? run : { ...run, record: { ...record, failureReported: true } },
    [
      {
        kind: 'log',
        level: 'info',
        fields: { channel, user: loggableUser(record.username), reason },
        message: 'code not delivered; trying the next channel',
      },
      {
        kind: 'audit',
        entry: { event: 'code_fallback', outcome: 'fail', channel, messageId: record.messageId, reason },
      },
      { kind: 'fallback-metric', from: channel, to: following(record), reason: late ? 'no_report' : 'undelivered' },
    ],
    world,
  );
}

function decoyDelivered(run: DeliveryRun, world: DeliveryWorld): DeliveryStep {
  return { run: { ...run, record: { ...run.record, phase: 'delivered', changedAt: world.now } }, effects: [SAVE] };
}

/** Gives up on the current channel and tries the next ones. */
function moveOn(run: DeliveryRun, effects: DeliveryEffect[], world: DeliveryWorld): DeliveryStep {
  const { record } = run;
  const given = { ...record, switchedFrom: currentChannel(record), failedChannels: record.failedChannels + 1 };
  return tryChannelFrom(record.current + 1, { ...run, record: given }, effects, world);
}

/**
 * Sends on the first channel from `index` on that this instance has, while the code lives; when
 * none is left the code failed, unless the gate is shutting down (it then only stops).
 */
function tryChannelFrom(
  index: number,
  run: DeliveryRun,
  effects: DeliveryEffect[],
  world: DeliveryWorld,
): DeliveryStep {
  const { record } = run;
  const ttlMs = record.expiresAt - world.now;
  const usable =
    world.closed || ttlMs <= 0 ? -1 : record.channels.findIndex((c, i) => i >= index && world.channels.has(c));
  if (usable >= 0) {
    const sending: DeliveryRecord = {
      ...record,
      current: usable,
      phase: 'sending',
      messageId: undefined,
      changedAt: world.now,
    };
    return {
      run: { ...run, record: sending },
      effects: [...effects, SAVE],
      next: { kind: 'send', channel: record.channels[usable]!, ttlMs },
    };
  }
  if (world.closed) return { run, effects };
  const failed: DeliveryRecord = { ...record, phase: 'failed', changedAt: world.now };
  return {
    run: { ...run, record: failed },
    effects: [
      ...effects,
      SAVE,
      { kind: 'audit', entry: { event: 'code_undelivered', outcome: 'fail', reason: 'every channel failed' } },
    ],
  };
}
