// Sends one code through a rule's channels in order and moves on when a send fails or no
// `delivered` report arrives within the channel's deadline (a WhatsApp message can stay `sent`
// forever, so a timer drives the fallback, not only `failed`). The state lives in the Store, so
// a webhook taken by any instance counts. A deadline that would move the code on is also put in
// the Store's schedule with the code sealed beside it (deadline-schedule.ts, pending-fallback.ts):
// this instance's timer acts on it first, and another instance takes over when this one is gone;
// one claim decides, so exactly one of them acts. A fallback re-sends the same live code.
// delivery-machine.ts decides each step; this file performs its effects and waits.
import { randomInt } from 'node:crypto';

import type { AuditLog } from '../audit/audit-log.js';
import { auditFlowId } from '../audit/audit-log.js';
import type { User } from '../directory/types.js';
import { maskPhone } from '../directory/users-file.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/log.js';
import { memoized } from '../shared/memo.js';
import type { Store } from '../store/store.js';
import type { ChannelRecorder } from './channel.js';
import type { Channel } from './channel.js';
import { ChannelError } from './channel.js';
import type { ChannelHealth } from './channel-health.js';
import { autoDeadlineMs } from './delivery-deadline.js';
import type { Destination, Figures } from './delivery-figures.js';
import { destinationOf } from './delivery-figures.js';
import type { DeliveryLearning } from './delivery-learning.js';
import type { DeliveryEffect, DeliveryEvent, DeliveryStep, DeliveryWait, DeliveryWorld } from './delivery-machine.js';
import { deadlineReached, isSuperseded, nextStep, startDecoy, startDelivery } from './delivery-machine.js';
import type { DeliveryRecord, ReportedStatus, ReportOutcome } from './delivery-state.js';
import {
  applyReport,
  decodeDelivery,
  deliveryKey,
  deliveryOver,
  encodeDelivery,
  messageKey,
} from './delivery-state.js';
import type { DurableDeadlines } from './durable-deadlines.js';
import type { PumpingBreaker } from './pumping-breaker.js';
import type { SpendLedger } from './spend-ledger.js';

export interface DeliveryJob {
  flowId: string;
  /** Code number within the flow. */
  n: number;
  channels: string[];
  /** Undefined for identities the directory does not know: nothing is sent, the record looks alike. */
  user: User | undefined;
  code: string;
  host: string;
  ip: string;
  rule: string;
  /** Masked destination (phone or e-mail address, as the page shows it), for the audit trail. */
  destination: string;
  expiresAt: number;
  locale?: string | undefined;
  /** The destination's country and number prefix, for prices and the pumping breaker. */
  where?: Destination | undefined;
}

/** Where a code goes, as the figures, spend and the pumping breaker count it. */
export type { Destination };

export interface Deliveries {
  /** Starts delivering in the background; a newer job for the same flow supersedes an older one. */
  start(job: DeliveryJob): void;
  /**
   * A provider's status report (`raw`: the provider's own word, from `ip`), audited when applied;
   * `unknown` when no live flow sent that message.
   */
  report(
    channel: string,
    messageId: string,
    status: ReportedStatus,
    source: { ip: string; raw: string },
  ): Promise<ReportOutcome | 'unknown'>;
  state(flowId: string): Promise<DeliveryRecord | undefined>;
  /**
   * The code was used or the flow ended: stop waiting and forget the record. `verifiedCode`: the
   * number of the sent code the person typed in, which the delivery figures count.
   */
  forget(flowId: string, verifiedCode?: number): Promise<void>;
  /** What the gate has learned about `channel` to `to` (undefined: too few samples, or not learning). */
  figures(channel: string, to: Destination): Promise<Figures | undefined>;
  /** Resolves when every delivery started so far has finished (tests, shutdown). */
  idle(): Promise<void>;
  /** Stops all waiting (shutdown); no further channel is tried. */
  close(): void;
}

export interface DeliveryDeps {
  store: Store;
  channels: ReadonlyMap<string, Channel>;
  clock: Clock;
  audit: AuditLog;
  log: Logger;
  /** How often a waiting delivery re-reads the Store for reports taken by another instance, ms. */
  pollMs?: number;
  /** Decoys "deliver" after a short random delay, like a real phone would. */
  decoyDelayMs?: () => number;
  /** Fallbacks and provider latency for Prometheus. */
  metrics?: ChannelRecorder | undefined;
  /** Told how each send went, so an outage marks its channel down and a success brings it back. */
  health?: Pick<ChannelHealth, 'succeeded' | 'failed'> | undefined;
  /** Fallback deadlines in the Store, so another instance falls back when this one is gone; local timers only without. */
  durable?: DurableDeadlines | undefined;
  /** Learns from each send, report and verified code; gives `auto` deadlines and the page's ETA. */
  learning?: DeliveryLearning | undefined;
  /** Reserves each message's price; a channel the budget no longer covers is skipped. */
  spend?: Pick<SpendLedger, 'reserve' | 'refund'> | undefined;
  /** Counts each message sent per number prefix. */
  breaker?: Pick<PumpingBreaker, 'sent'> | undefined;
}

/** A run's claim on its flow's record. */
interface Claim {
  job: DeliveryJob;
  /** Whether the run has saved the record: its absence then means the flow ended. */
  saved: boolean;
  /** Whether the code is in the Store's schedule (with its pending fallback): the run removes it when over. */
  scheduled: boolean;
  /**
   * The record as the run read it when no Store work has happened since (the first step comes
   * straight from it): the next save checks this one instead of reading it again.
   */
  justRead?: { stored: DeliveryRecord | undefined } | undefined;
  /**
   * The record as this run last saved it: while the Store still holds exactly that, nobody
   * superseded the run, and the next save replaces it in one step without reading it first.
   */
  written?: string | undefined;
  /** The figures' note on the run's latest accepted send, for the record's next save. */
  figuresNote?: string | undefined;
}

export function createDeliveries(deps: DeliveryDeps): Deliveries {
  const { store, clock } = deps;
  const pollMs = deps.pollMs ?? 200;
  const pending = new Set<Promise<void>>();
  /** Wakes the local waiter of a flow at once (a report taken here, a newer job, a login). */
  const wakers = new Map<string, () => void>();
  let closed = false;

  /** Masked for the message, after the response (memoized(): not on the sign-in's own path). */
  const maskedPhone = memoized(maskPhone);
  const load = async (flowId: string) => decodeDelivery(await store.get(deliveryKey(flowId)));
  const world = (): DeliveryWorld => ({ now: clock.now(), channels: deps.channels, closed });
  const liveFor = (job: DeliveryJob) => Math.max(1, job.expiresAt - clock.now());
  /**
   * The one place a run learns it lost its flow's record to a newer code (or the flow ended):
   * before each save, and at each look while waiting.
   */
  const superseded = (claim: Claim, stored: DeliveryRecord | undefined) =>
    isSuperseded(stored, claim.job.n, claim.saved);

  async function run(job: DeliveryJob): Promise<void> {
    const code = { codeNumber: job.n, channels: job.channels, expiresAt: job.expiresAt, username: job.user?.username };
    const previous = await load(job.flowId);
    const step =
      job.user === undefined
        ? startDecoy(code, previous, deps.decoyDelayMs?.() ?? randomInt(500, 2000), world())
        : startDelivery(code, previous, world());
    await drive({ job, saved: false, scheduled: false, justRead: { stored: previous } }, step);
  }

  /** Performs each step's effects and waits on what it names, until the machine says the run is over. */
  async function drive(claim: Claim, first: DeliveryStep): Promise<void> {
    let step = first;
    for (;;) {
      for (const effect of step.effects) if (!(await perform(claim, step.run.record, effect))) return;
      claim.justRead = undefined;
      const { next } = step;
      if (next === undefined) return await unschedule(claim);
      // Decoys only ever wait: startDecoy sends nothing.
      const event = next.kind === 'send' ? await send(claim, claim.job.user!, next) : await waitForReport(claim, next);
      if (event === undefined) return;
      step = nextStep(step.run, event, world());
    }
  }

  /** Performs one effect; false when a save found the run superseded. */
  async function perform(claim: Claim, record: DeliveryRecord, effect: DeliveryEffect): Promise<boolean> {
    const { job } = claim;
    switch (effect.kind) {
      case 'save': {
        const encoded = encodeDelivery(
          claim.figuresNote === undefined ? record : { ...record, figuresNote: claim.figuresNote },
        );
        const key = deliveryKey(job.flowId);
        const unchanged =
          claim.written !== undefined && (await store.replace(key, encoded, liveFor(job), claim.written));
        if (!unchanged) {
          // A report, a newer code or the sign-in came in between (or this is the run's first save): judge what is there.
          const stored = claim.justRead ? claim.justRead.stored : await load(job.flowId);
          claim.justRead = undefined;
          if (superseded(claim, stored)) return false;
          await store.set(key, encoded, liveFor(job));
        }
        claim.saved = true;
        claim.written = encoded;
        return true;
      }
      case 'index-message':
        await store.set(messageKey(effect.channel, effect.messageId), `${job.flowId}:${job.n}`, liveFor(job));
        claim.figuresNote = await deps.learning?.sent({
          channel: effect.channel,
          messageId: effect.messageId,
          phone: job.user?.phone,
          codeNumber: job.n,
          ttlMs: liveFor(job),
        });
        return true;
      case 'audit': {
        const { event, ...rest } = effect.entry;
        deps.audit.record({
          event,
          user: job.user?.username,
          ip: job.ip,
          rule: job.rule,
          destination: job.destination,
          flow: auditFlowId(job.flowId),
          ...rest,
        });
        return true;
      }
      case 'fallback-metric':
        deps.metrics?.fallback(effect.from, effect.to, effect.reason);
        return true;
      case 'log':
        deps.log[effect.level](effect.fields, effect.message);
        return true;
    }
  }

  /** Hands the code to a channel, telling metrics and channel health how it went. */
  async function send(
    claim: Claim,
    user: User,
    { channel: name, ttlMs }: { channel: string; ttlMs: number },
  ): Promise<DeliveryEvent> {
    const { job } = claim;
    // The machine sends only on channels it found in deps.channels.
    const channel = deps.channels.get(name)!;
    const { country, prefix } = job.where ?? {};
    const passed = await deps.spend?.reserve(name, country, job.ip);
    if (passed !== undefined) {
      const budget = passed === 'day' ? 'daily' : 'monthly';
      const error = new ChannelError(name, `the ${budget} budget does not cover this message`, { kind: 'not-allowed' });
      return { kind: 'send-failed', failure: 'not-allowed', error };
    }
    const began = performance.now();
    const seconds = () => (performance.now() - began) / 1000;
    try {
      const { messageId } = await channel.send({
        username: user.username,
        phone: user.phone,
        maskedPhone: user.phone && maskedPhone(user.phone),
        email: user.email,
        code: job.code,
        ttlMs,
        host: job.host,
        locale: job.locale,
      });
      deps.metrics?.providerLatency(name, seconds(), 'ok');
      deps.health?.succeeded(name);
      if (channel.deliveredOnSend)
        claim.figuresNote = await deps.learning?.sent({
          channel: name,
          messageId: undefined,
          deliveredInMs: seconds() * 1000,
          phone: user.phone,
          codeNumber: job.n,
          ttlMs: liveFor(job),
        });
      if (prefix !== undefined)
        await deps.breaker
          ?.sent(prefix, job.ip)
          .catch((err: unknown) => deps.log.warn({ err, channel: name }, 'pumping breaker: counting a send failed'));
      return { kind: 'sent', messageId, deadlineMs: await learnedDeadline(channel, user.phone) };
    } catch (error) {
      const failure = error instanceof ChannelError ? error.kind : 'rejected';
      // Refused by the provider, or never reached it: the message costs nothing. Without an answer
      // in time it may have gone out and be billed, so it stays counted (a slow provider must not
      // let sends past the budget).
      if (failure !== 'timeout')
        await deps.spend
          ?.refund(name, country)
          .catch((err: unknown) =>
            deps.log.warn({ err, channel: name }, 'spend: taking back a refused message failed'),
          );
      deps.health?.failed(name, error);
      deps.metrics?.providerLatency(name, seconds(), failure === 'timeout' ? 'timeout' : 'fail');
      return { kind: 'send-failed', failure, error };
    }
  }

  /** A channel with `delivery_timeout: auto`: its deadline from the figures to this number. */
  async function learnedDeadline(channel: Channel, phone: string | undefined): Promise<number | undefined> {
    const bounds = channel.deliveryDeadlineAuto;
    if (bounds === undefined || channel.deliveryDeadlineMs === undefined || deps.learning === undefined)
      return undefined;
    const figures = await deps.learning.figures(channel.name, destinationOf(phone)).catch((err: unknown) => {
      deps.log.warn({ err, channel: channel.name }, 'delivery figures unreadable; the deadline starts where it was');
      return undefined;
    });
    return autoDeadlineMs(figures, bounds, channel.deliveryDeadlineMs);
  }

  const sleep = (ms: number, flowId: string) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        if (wakers.get(flowId) === done) wakers.delete(flowId);
        resolve();
      }
      wakers.set(flowId, done);
    });

  /**
   * Waits for the current send's report; undefined when the run is to stop. A deadline that must
   * outlive this instance is scheduled in the Store first, and claimed back before acting on it:
   * when another instance holds it (it took over), this run stops.
   */
  async function waitForReport(
    claim: Claim,
    wait: Extract<DeliveryWait, { kind: 'report' }>,
  ): Promise<DeliveryEvent | undefined> {
    const { durable } = deps;
    if (!durable || !wait.fallback) {
      // A wait whose deadline moves nothing on (the last channel) needs no deadline in the Store.
      await unschedule(claim);
      return waitLocally(claim, wait.deadlineMs);
    }
    const { job } = claim;
    const at = clock.now() + wait.deadlineMs;
    await durable.schedule(job, at, !claim.scheduled, liveFor(job));
    claim.scheduled = true;
    const event = await waitLocally(claim, wait.deadlineMs);
    if (event === undefined || (event.kind === 'reported' && event.status === 'delivered')) return event;
    if (!(await durable.claimOwn(job, at))) return undefined;
    // A report may have landed between the last look and the claim.
    const stored = await load(job.flowId);
    if (superseded(claim, stored)) return undefined;
    return stored?.phase === 'delivered' ? { kind: 'reported', status: 'delivered' } : event;
  }

  /** The run is over: its deadline and sealed code leave the Store. */
  async function unschedule(claim: Claim): Promise<void> {
    if (claim.scheduled) await deps.durable?.forget(claim.job.flowId, claim.job.n);
    claim.scheduled = false;
  }

  /**
   * Waits for the report on this instance, re-reading the Store (another instance may have taken
   * it). Real time, so a paused clock can't stall it.
   */
  async function waitLocally(claim: Claim, deadlineMs: number): Promise<DeliveryEvent | undefined> {
    const until = Date.now() + deadlineMs;
    for (;;) {
      const stored = await load(claim.job.flowId);
      if (closed || superseded(claim, stored)) return undefined;
      if (stored?.phase === 'delivered' || stored?.phase === 'undelivered')
        return { kind: 'reported', status: stored.phase };
      const left = until - Date.now();
      if (left <= 0) return { kind: 'deadline' };
      await sleep(Math.min(pollMs, left), claim.job.flowId);
    }
  }

  /**
   * A deadline another instance scheduled and did not act on (or this one, before a restart):
   * carries on that delivery here, as the machine decides from the record the Store holds.
   */
  async function takeOver(durable: DurableDeadlines, member: string): Promise<void> {
    // Shutting down: the deadline stays for an instance that is not.
    if (closed) return;
    const code = durable.codeOf(member);
    const stored = code && (await load(code.flowId));
    const step = code && deadlineReached(stored, code.n, world());
    const job = code && stored && step && (await durable.restore(code.flowId, code.n, stored));
    // Nothing left to do (delivered, used, superseded), or nothing to do it with: the entry goes.
    if (!step || !job) {
      if (step)
        deps.log.warn(
          { flow: 'delivery' },
          'a fallback deadline could not be taken over: its person is no longer in the users file, or the session secret that sealed its code is no longer configured',
        );
      return durable.forgetMember(member);
    }
    deps.log.info(
      { flow: 'delivery', user: job.user?.username, channel: stored?.channels[stored.current] },
      'taking over a fallback deadline its sender did not act on',
    );
    await drive({ job, saved: true, scheduled: true }, step);
  }

  /** Runs delivery work in the background, so idle() waits for it and a crash is logged. */
  function track(work: () => Promise<void>): void {
    // After the response is written: a known identity's answer must not wait on delivery work
    // that an unknown one never does (timing would tell them apart).
    const task = new Promise<void>((resolve) => setImmediate(resolve))
      .then(work)
      .catch((err: unknown) => deps.log.error({ err, flow: 'delivery' }, 'code delivery crashed'));
    pending.add(task);
    void task.finally(() => pending.delete(task));
  }

  const { durable } = deps;
  durable?.poll((member) => track(() => takeOver(durable, member)));

  return {
    start(job) {
      wakers.get(job.flowId)?.();
      track(() => run(job));
    },

    async report(channel, messageId, status, source) {
      // Before the flow is looked up: a late report, after the flow moved on, still teaches.
      await deps.learning?.reported(channel, messageId, status);
      const owner = await store.get(messageKey(channel, messageId));
      if (owner === undefined) return 'unknown';
      const cut = owner.lastIndexOf(':');
      const flowId = owner.slice(0, cut);
      const stored = await load(flowId);
      if (!stored || stored.codeNumber !== Number(owner.slice(cut + 1)) || stored.channels[stored.current] !== channel)
        return 'stale';
      const { outcome, record } = applyReport(stored, messageId, status, clock.now());
      if (outcome !== 'applied') return outcome;
      await store.set(deliveryKey(flowId), encodeDelivery(record), Math.max(1, record.expiresAt - clock.now()));
      // Delivered in time: no instance needs to act on its deadline.
      if (record.phase === 'delivered') await durable?.forget(flowId, record.codeNumber);
      wakers.get(flowId)?.();
      deps.audit.record({
        event: 'delivery_status',
        user: record.username,
        ip: source.ip,
        flow: auditFlowId(flowId),
        outcome: 'ok',
        channel,
        messageId,
        reason: source.raw,
      });
      return 'applied';
    },

    state: load,

    async forget(flowId, verifiedCode) {
      const stored = decodeDelivery(await store.take(deliveryKey(flowId)));
      // A delivery that is over has no deadline left (whoever saved it so forgot it).
      if (durable && stored && !deliveryOver(stored)) await durable.forget(flowId, stored.codeNumber);
      wakers.get(flowId)?.();
      if (verifiedCode !== undefined) deps.learning?.verified(stored?.figuresNote, verifiedCode);
    },

    figures: async (channel, to) => deps.learning?.figures(channel, to),

    async idle() {
      while (pending.size > 0) await Promise.all([...pending]);
      await deps.learning?.idle();
    },

    close() {
      closed = true;
      // What is scheduled stays in the Store: another instance (or this one restarted) acts on it.
      durable?.close();
      for (const wake of [...wakers.values()]) wake();
    },
  };
}
