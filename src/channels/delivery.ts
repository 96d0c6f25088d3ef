// Sends one code through a rule's channels in order and moves on when a send fails or no
// `delivered` report arrives within the channel's deadline (a WhatsApp message can stay `sent`
// forever, so a timer drives the fallback, not only `failed`). The state lives in the Store, so
// a webhook taken by any instance counts; the code itself stays in this process's memory only
// for as long as the fallback may need it: a fallback re-sends the same live code.
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
import type { DeliveryRecord, ReportedStatus, ReportOutcome } from './delivery-state.js';
import { applyReport, deliveryKey, messageKey, parseDeliveryRecord } from './delivery-state.js';

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
}

type WaitOutcome = 'delivered' | 'undelivered' | 'deadline' | 'superseded';

export function createDeliveries(deps: DeliveryDeps): Deliveries {
  const { store, clock } = deps;
  const pollMs = deps.pollMs ?? 200;
  const pending = new Set<Promise<void>>();
  /** Wakes the local waiter of a flow at once (a report taken here, a newer job, a login). */
  const wakers = new Map<string, () => void>();
  let closed = false;

  const load = async (flowId: string) => parseDeliveryRecord(await store.get(deliveryKey(flowId)));
  /** Saves the record unless a newer code for the flow took over meanwhile; false then. */
  async function save(job: DeliveryJob, record: DeliveryRecord): Promise<boolean> {
    const current = await load(job.flowId);
    if (current && current.n > job.n) return false;
    await store.set(deliveryKey(job.flowId), JSON.stringify(record), Math.max(1, job.expiresAt - clock.now()));
    return true;
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

  /** Waits for the current send's report, re-reading the Store; real time, so a paused clock can't stall it. */
  async function waitForReport(job: DeliveryJob, deadlineMs: number): Promise<WaitOutcome> {
    const until = Date.now() + deadlineMs;
    for (;;) {
      const record = await load(job.flowId);
      if (closed || !record || record.n > job.n) return 'superseded';
      if (record.ph === 'delivered') return 'delivered';
      if (record.ph === 'undelivered') return 'undelivered';
      const left = until - Date.now();
      if (left <= 0) return 'deadline';
      await sleep(Math.min(pollMs, left), job.flowId);
    }
  }

  async function run(job: DeliveryJob): Promise<void> {
    const previous = await load(job.flowId);
    const record: DeliveryRecord = {
      n: job.n,
      cs: job.channels,
      i: 0,
      ph: 'sending',
      f: previous?.f ?? 0,
      at: clock.now(),
      e: job.expiresAt,
      u: job.user?.username,
    };
    if (job.user === undefined) return runDecoy(job, record);
    if (!(await save(job, record))) return; // from here on, an older job for this flow sees it is superseded
    const user = job.user;
    const audit = {
      user: user.username,
      ip: job.ip,
      rule: job.rule,
      destination: job.destination,
      flow: auditFlowId(job.flowId),
    };
    for (let i = 0; i < job.channels.length; i++) {
      const name = job.channels[i]!;
      const channel = deps.channels.get(name);
      const ttlMs = job.expiresAt - clock.now();
      if (!channel || ttlMs <= 0 || closed) continue;
      Object.assign(record, { i, ph: 'sending', mid: undefined, at: clock.now() });
      if (!(await save(job, record))) return; // a newer code took over
      let messageId: string | undefined;
      const began = performance.now();
      try {
        ({ messageId } = await channel.send({
          username: user.username,
          phone: user.phone,
          maskedPhone: user.phone && job.destination,
          code: job.code,
          ttlMs,
          host: job.host,
          locale: job.locale,
        }));
        deps.metrics?.providerLatency(name, (performance.now() - began) / 1000, 'ok');
        deps.health?.succeeded(name);
      } catch (err) {
        deps.health?.failed(name, err);
        const kind = err instanceof ChannelError ? err.kind : 'rejected';
        deps.metrics?.providerLatency(
          name,
          (performance.now() - began) / 1000,
          kind === 'timeout' ? 'timeout' : 'fail',
        );
        deps.metrics?.fallback(name, job.channels[i + 1] ?? 'none', `send_failed_${kind}`);
        deps.log.warn(
          { err, channel: name, user: user.username, kind },
          'code delivery failed; trying the next channel',
        );
        deps.audit.record({ event: 'code_send_failed', ...audit, outcome: 'fail', channel: name, reason: kind });
        Object.assign(record, { from: name, f: record.f + 1 });
        continue;
      }
      deps.audit.record({ event: 'code_sent', ...audit, outcome: 'ok', channel: name, messageId });
      if (channel.deliveryDeadlineMs !== undefined && messageId !== undefined) {
        // Indexed before the record names it, so an early webhook finds its flow.
        await store.set(
          messageKey(name, messageId),
          `${job.flowId}:${job.n}`,
          Math.max(1, job.expiresAt - clock.now()),
        );
      }
      Object.assign(record, { ph: 'sent', mid: messageId, at: clock.now() });
      if (!(await save(job, record))) return;
      if (channel.deliveryDeadlineMs === undefined || messageId === undefined) return;
      const outcome = await waitForReport(job, channel.deliveryDeadlineMs);
      if (outcome === 'delivered' || outcome === 'superseded') return;
      // The last channel missing its deadline is no failure: its message may still arrive.
      const hasNext = job.channels.slice(i + 1).some((c) => deps.channels.has(c));
      if (outcome === 'deadline' && !hasNext) return;
      const reason =
        outcome === 'deadline'
          ? `no delivery report within ${channel.deliveryDeadlineMs} ms`
          : 'provider reported the message undelivered';
      deps.log.info({ channel: name, user: user.username, reason }, 'code not delivered; trying the next channel');
      deps.audit.record({ event: 'code_fallback', ...audit, outcome: 'fail', channel: name, messageId, reason });
      deps.metrics?.fallback(name, job.channels[i + 1] ?? 'none', outcome === 'deadline' ? 'no_report' : 'undelivered');
      Object.assign(record, { from: name, f: record.f + 1 });
    }
    if (closed) return;
    Object.assign(record, { ph: 'failed', at: clock.now() });
    if (!(await save(job, record))) return;
    deps.audit.record({ event: 'code_undelivered', ...audit, outcome: 'fail', reason: 'every channel failed' });
  }

  /** Unknown identities: the same record a real send leaves, so the status poll tells nothing apart. */
  async function runDecoy(job: DeliveryJob, record: DeliveryRecord): Promise<void> {
    const name = job.channels.find((c) => deps.channels.has(c));
    const channel = name === undefined ? undefined : deps.channels.get(name);
    Object.assign(record, { i: Math.max(0, job.channels.indexOf(name ?? '')), ph: 'sent', mid: undefined });
    await save(job, record);
    if (channel?.deliveryDeadlineMs === undefined) return;
    // A real delivery report takes a moment; the decoy's must not be predictable either.
    await sleep(deps.decoyDelayMs?.() ?? randomInt(500, 2000), job.flowId);
    const current = await load(job.flowId);
    if (closed || !current || current.n > job.n) return;
    Object.assign(record, { ph: 'delivered', at: clock.now() });
    await save(job, record);
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
      const record = await load(flowId);
      if (!record || record.n !== Number(owner.slice(cut + 1)) || record.cs[record.i] !== channel) return 'stale';
      const outcome = applyReport(record, messageId, status, clock.now());
      if (outcome !== 'applied') return outcome;
      await store.set(deliveryKey(flowId), JSON.stringify(record), Math.max(1, record.e - clock.now()));
      wakers.get(flowId)?.();
      deps.audit.record({
        event: 'delivery_status',
        user: record.u,
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
