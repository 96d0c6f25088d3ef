// Sends one code through a rule's channels in order and moves on when a send fails or no
// `delivered` report arrives within the channel's deadline (a WhatsApp message can stay `sent`
// forever, so a timer drives the fallback, not only `failed`). The state lives in the Store, so
// a webhook taken by any instance counts; the code itself stays in this process's memory only
// for as long as the fallback may need it: a fallback re-sends the same live code.
// delivery-machine.ts decides each step; this file performs its effects and waits.
import { randomInt } from 'node:crypto';

import type { AuditLog } from '../audit/audit-log.js';
import { auditFlowId } from '../audit/audit-log.js';
import type { User } from '../directory/types.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/log.js';
import type { Store } from '../store/store.js';
import type { ChannelRecorder } from './channel.js';
import type { Channel } from './channel.js';
import { ChannelError } from './channel.js';
import type { ChannelHealth } from './channel-health.js';
import type { DeliveryEffect, DeliveryEvent, DeliveryWorld } from './delivery-machine.js';
import { isSuperseded, nextStep, startDecoy, startDelivery } from './delivery-machine.js';
import type { DeliveryRecord, ReportedStatus, ReportOutcome } from './delivery-state.js';
import { applyReport, decodeDelivery, deliveryKey, encodeDelivery, messageKey } from './delivery-state.js';
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
  /** Masked destination, for the audit trail (and the channel message: masked once per code). */
  destination: string;
  expiresAt: number;
  locale?: string | undefined;
  /** The destination's country and number prefix, for prices and the pumping breaker. */
  where?: Destination | undefined;
}

/** Where a code goes, as spend and the pumping breaker count it. */
export interface Destination {
  country?: string | undefined;
  prefix?: string | undefined;
}

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
  /** The code was used or the flow ended: stop waiting and forget the record. */
  forget(flowId: string): Promise<void>;
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
}

export function createDeliveries(deps: DeliveryDeps): Deliveries {
  const { store, clock } = deps;
  const pollMs = deps.pollMs ?? 200;
  const pending = new Set<Promise<void>>();
  /** Wakes the local waiter of a flow at once (a report taken here, a newer job, a login). */
  const wakers = new Map<string, () => void>();
  let closed = false;

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
    let step =
      job.user === undefined
        ? startDecoy(code, previous, deps.decoyDelayMs?.() ?? randomInt(500, 2000), world())
        : startDelivery(code, previous, world());
    const claim: Claim = { job, saved: false };
    for (;;) {
      for (const effect of step.effects) if (!(await perform(claim, step.run.record, effect))) return;
      const { next } = step;
      if (next === undefined) return;
      // Decoys only ever wait: startDecoy sends nothing.
      const event =
        next.kind === 'send' ? await send(job, job.user!, next) : await waitForReport(claim, next.deadlineMs);
      if (event === undefined) return;
      step = nextStep(step.run, event, world());
    }
  }

  /** Performs one effect; false when a save found the run superseded. */
  async function perform(claim: Claim, record: DeliveryRecord, effect: DeliveryEffect): Promise<boolean> {
    const { job } = claim;
    switch (effect.kind) {
      case 'save':
        if (superseded(claim, await load(job.flowId))) return false;
        await store.set(deliveryKey(job.flowId), encodeDelivery(record), liveFor(job));
        claim.saved = true;
        return true;
      case 'index-message':
        await store.set(messageKey(effect.channel, effect.messageId), `${job.flowId}:${job.n}`, liveFor(job));
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
    job: DeliveryJob,
    user: User,
    { channel: name, ttlMs }: { channel: string; ttlMs: number },
  ): Promise<DeliveryEvent> {
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
        maskedPhone: user.phone && job.destination,
        code: job.code,
        ttlMs,
        host: job.host,
        locale: job.locale,
      });
      deps.metrics?.providerLatency(name, seconds(), 'ok');
      deps.health?.succeeded(name);
      if (prefix !== undefined)
        await deps.breaker
          ?.sent(prefix, job.ip)
          .catch((err: unknown) => deps.log.warn({ err, channel: name }, 'pumping breaker: counting a send failed'));
      return { kind: 'sent', messageId };
    } catch (error) {
      // Refused by the provider: the message costs nothing.
      await deps.spend
        ?.refund(name, country)
        .catch((err: unknown) => deps.log.warn({ err, channel: name }, 'spend: taking back a refused message failed'));
      deps.health?.failed(name, error);
      const failure = error instanceof ChannelError ? error.kind : 'rejected';
      deps.metrics?.providerLatency(name, seconds(), failure === 'timeout' ? 'timeout' : 'fail');
      return { kind: 'send-failed', failure, error };
    }
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
   * Waits for the current send's report, re-reading the Store (another instance may have taken
   * it); undefined when the run is to stop. Real time, so a paused clock can't stall it.
   */
  async function waitForReport(claim: Claim, deadlineMs: number): Promise<DeliveryEvent | undefined> {
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

  return {
    start(job) {
      wakers.get(job.flowId)?.();
      // After the response is written: a known identity's answer must not wait on delivery work
      // that an unknown one never does (timing would tell them apart).
      const task = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => run(job))
        .catch((err: unknown) => deps.log.error({ err, flow: 'delivery' }, 'code delivery crashed'));
      pending.add(task);
      void task.finally(() => pending.delete(task));
    },

    async report(channel, messageId, status, source) {
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

    async forget(flowId) {
      await store.delete(deliveryKey(flowId));
      wakers.get(flowId)?.();
    },

    async idle() {
      while (pending.size > 0) await Promise.all([...pending]);
    },

    close() {
      closed = true;
      for (const wake of [...wakers.values()]) wake();
    },
  };
}
