// Learns from every delivery: counts each code a provider accepted, each `delivered` report with
// its time since the send, each `failed` report and each code typed in, into the counters that
// delivery-figures.ts reads. A send leaves a short-lived note in the Store by message id (so a
// report taken by any instance finds when and where it went, even after the flow moved on to
// another channel: a late delivery still counts, and the latency is not cut off at the deadline),
// and hands back a note for the flow, which the delivery record keeps (so a verified code credits
// the channel that carried it). Taking a note is what counts it, so a report repeated or taken by
// two instances counts once, and so does a code (its delivery record is taken once). Learning
// never fails a sign-in: a Store error here is logged and dropped.
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/log.js';
import { memoized } from '../shared/memo.js';
import type { Store } from '../store/store.js';
import type { CountField, Destination, FiguresReader, FiguresSettings } from './delivery-figures.js';
import {
  counterKey,
  counterTtl,
  createFiguresReader,
  destinationOf,
  figuresDay,
  latencyBucket,
  scopesKey,
  scopesOf,
} from './delivery-figures.js';
import type { ReportedStatus } from './delivery-state.js';

/** Prometheus' view of the same events, per instance (ops/metrics.ts implements it). */
export interface FiguresRecorder {
  deliveryReported(channel: string, country: string, status: 'delivered' | 'failed', seconds?: number): void;
  codeVerified(channel: string, country: string): void;
}

export interface SentCode {
  channel: string;
  /** Undefined for a channel whose send is its delivery (`deliveredInMs` then says how long it took). */
  messageId: string | undefined;
  deliveredInMs?: number | undefined;
  phone: string | undefined;
  codeNumber: number;
  /** How long the notes are kept: the code's remaining life. */
  ttlMs: number;
}

export interface DeliveryLearning extends FiguresReader {
  /**
   * A provider accepted a code. Gives the flow's note for verified() to read: the delivery record
   * keeps it (the latest send's replaces an earlier one's).
   */
  sent(code: SentCode): Promise<string>;
  /** A provider's report (any instance may take it). */
  reported(channel: string, messageId: string, status: ReportedStatus): Promise<void>;
  /** Code `codeNumber` of a flow was typed in correctly; `flowNote` is what sent() gave for it. */
  verified(flowNote: string | undefined, codeNumber: number): void;
  /** Resolves once every count made so far is in the Store (counts are written in batches, apart from the calls). */
  idle(): Promise<void>;
}

export interface DeliveryLearningDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  settings?: FiguresSettings | undefined;
  metrics?: FiguresRecorder | undefined;
  cacheMs?: number;
}

const messageNoteKey = (channel: string, messageId: string) => `dfig-msg:${channel}:${messageId}`;

interface MessageNote {
  /** When the provider accepted it, ms since the epoch. */
  t: number;
  c?: string | undefined;
  p?: string | undefined;
}
interface FlowNote extends MessageNote {
  ch: string;
  n: number;
}

function parseNote<T>(raw: string | undefined): T | undefined {
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return undefined;
  }
}

export function createDeliveryLearning(deps: DeliveryLearningDeps): DeliveryLearning {
  const { store, clock } = deps;
  const reader = createFiguresReader(deps);
  const counters = createCounterBatches(store);
  /** Counts on their way to the Store: nobody waits for them but idle(). */
  const counting = new Set<Promise<void>>();
  /** Where a sent code went: counted after the response (memoized(): not on the sign-in's own path). */
  const destinationOfPhone = memoized(destinationOf);

  /**
   * The scopes this instance has listed today: a scope listed once stays listed until the day's
   * window ends (its TTL is that fixed instant), so each is added once a day, not on every count.
   */
  let listed = { day: -1, scopes: new Set<string>() };

  /**
   * Adds one to `fields` of every scope of `to` today, and lists the scopes for the stats command.
   * Nobody waits for it (a sign-in must not wait for a batch): a failure is logged as `doing`.
   */
  function count(doing: string, channel: string, to: Destination, fields: ReadonlyArray<CountField | number>): void {
    const task = quietly(doing, { channel }, () => counted(channel, to, fields));
    counting.add(task);
    void task.finally(() => counting.delete(task));
  }

  async function counted(channel: string, to: Destination, fields: ReadonlyArray<CountField | number>) {
    const now = clock.now();
    const day = figuresDay(now);
    const ttl = counterTtl(day, now);
    const scopes = scopesOf(to);
    if (listed.day !== day) listed = { day, scopes: new Set() };
    const today = listed.scopes;
    const unlisted = scopes.map((scope) => `${channel} ${scope}`).filter((member) => !today.has(member));
    await Promise.all([
      ...scopes.flatMap((scope) => fields.map((f) => counters.add(counterKey(day, channel, scope, f), ttl))),
      ...unlisted.map(async (member) => {
        await store.setAdd(scopesKey(day), member, ttl);
        today.add(member);
      }),
    ]);
    // This instance sees its own counts at once; the others within their cache time.
    for (const scope of scopes) reader.forget(channel, scope);
  }

  /** Runs learning work; a failure is logged, never passed on. */
  async function quietly(doing: string, fields: Record<string, unknown>, work: () => Promise<void>) {
    try {
      await work();
    } catch (err) {
      deps.log.warn({ err, ...fields }, `delivery figures: ${doing} failed; the figures miss this one`);
    }
  }

  return {
    figures: reader.figures,

    async sent(code) {
      const to = code.phone === undefined ? {} : destinationOfPhone(code.phone);
      const note: MessageNote = { t: clock.now(), c: to.country, p: to.prefix };
      const delivered = code.deliveredInMs;
      count(
        'counting a send',
        code.channel,
        to,
        delivered === undefined ? ['sent'] : ['sent', 'delivered', latencyBucket(delivered)],
      );
      const { messageId } = code;
      await quietly('counting a send', { channel: code.channel }, async () => {
        if (messageId !== undefined)
          await store.set(messageNoteKey(code.channel, messageId), JSON.stringify(note), Math.max(1, code.ttlMs));
        if (delivered !== undefined)
          deps.metrics?.deliveryReported(code.channel, to.country ?? 'unknown', 'delivered', delivered / 1000);
      });
      const flow: FlowNote = { ...note, ch: code.channel, n: code.codeNumber };
      return JSON.stringify(flow);
    },

    reported(channel, messageId, status) {
      if (status === 'accepted') return Promise.resolve();
      return quietly('counting a report', { channel }, async () => {
        const note = parseNote<MessageNote>(await store.take(messageNoteKey(channel, messageId)));
        if (note === undefined) return;
        const to = { country: note.c, prefix: note.p };
        if (status === 'failed') {
          count('counting a report', channel, to, ['failed']);
          deps.metrics?.deliveryReported(channel, note.c ?? 'unknown', 'failed');
          return;
        }
        const tookMs = Math.max(0, clock.now() - note.t);
        count('counting a report', channel, to, ['delivered', latencyBucket(tookMs)]);
        deps.metrics?.deliveryReported(channel, note.c ?? 'unknown', 'delivered', tookMs / 1000);
      });
    },

    verified(flowNote, codeNumber) {
      const note = parseNote<FlowNote>(flowNote);
      if (note === undefined || note.n !== codeNumber) return;
      count('counting a verified code', note.ch, { country: note.c, prefix: note.p }, ['verified']);
      deps.metrics?.codeVerified(note.ch, note.c ?? 'unknown');
    },

    async idle() {
      while (counting.size > 0) await Promise.all([...counting]);
    },
  };
}

/**
 * How long counts gather before they are written. Under load every counter then costs one Store
 * command per window, not one per sign-in; the figures are read through a cache of seconds, so a
 * count landing this much later changes nothing anyone sees.
 */
const BATCH_WINDOW_MS = 50;

/**
 * Adds to counters in batches: every add made within one window joins one batch, and the batch
 * adds each counter's sum with one `incrementBy`. Each add resolves once its batch is in the
 * Store (or fails with it).
 */
function createCounterBatches(store: Store): { add(key: string, ttlMs: number): Promise<void> } {
  let open: { sums: Map<string, { amount: number; ttlMs: number }>; written: Promise<void> } | undefined;
  return {
    add(key, ttlMs) {
      if (!open) {
        const sums = new Map<string, { amount: number; ttlMs: number }>();
        const written = new Promise<void>((resolve) => setTimeout(resolve, BATCH_WINDOW_MS)).then(async () => {
          // Later adds start the next batch.
          open = undefined;
          await Promise.all([...sums].map(([k, sum]) => store.incrementBy(k, sum.amount, sum.ttlMs)));
        });
        open = { sums, written };
      }
      const sum = open.sums.get(key);
      if (sum) sum.amount++;
      else open.sums.set(key, { amount: 1, ttlMs });
      return open.written;
    },
  };
}
