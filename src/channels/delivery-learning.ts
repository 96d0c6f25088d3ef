// Learns from every delivery: counts each code a provider accepted, each `delivered` report with
// its time since the send, each `failed` report and each code typed in, into the counters that
// delivery-figures.ts reads. A send leaves two short-lived notes in the Store — by message id (so
// a report taken by any instance finds when and where it went, even after the flow moved on to
// another channel: a late delivery still counts, and the latency is not cut off at the deadline)
// and by flow (so a verified code credits the channel that carried it). Deleting a note is what
// counts it, so a report repeated or taken by two instances counts once. Learning never fails a
// sign-in: a Store error here is logged and dropped.
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
  flowId: string;
  codeNumber: number;
  /** How long the notes are kept: the code's remaining life. */
  ttlMs: number;
}

export interface DeliveryLearning extends FiguresReader {
  /** A provider accepted a code on a channel that reports delivery. */
  sent(code: SentCode): Promise<void>;
  /** A provider's report (any instance may take it). */
  reported(channel: string, messageId: string, status: ReportedStatus): Promise<void>;
  /** Code `codeNumber` of the flow was typed in correctly. */
  verified(flowId: string, codeNumber: number): Promise<void>;
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
const flowNoteKey = (flowId: string) => `dfig-flow:${flowId}`;

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
  /** Where a sent code went: counted after the response (memoized(): not on the sign-in's own path). */
  const destinationOfPhone = memoized(destinationOf);

  /**
   * The scopes this instance has listed today: a scope listed once stays listed until the day's
   * window ends (its TTL is that fixed instant), so each is added once a day, not on every count.
   */
  let listed = { day: -1, scopes: new Set<string>() };

  /** Adds one to `fields` of every scope of `to` today, and lists the scopes for the stats command. */
  async function count(channel: string, to: Destination, fields: ReadonlyArray<CountField | number>) {
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

    sent(code) {
      return quietly('counting a send', { channel: code.channel }, async () => {
        const to = code.phone === undefined ? {} : destinationOfPhone(code.phone);
        const note: MessageNote = { t: clock.now(), c: to.country, p: to.prefix };
        const flow: FlowNote = { ...note, ch: code.channel, n: code.codeNumber };
        const ttl = Math.max(1, code.ttlMs);
        const delivered = code.deliveredInMs;
        await Promise.all([
          code.messageId === undefined
            ? undefined
            : store.set(messageNoteKey(code.channel, code.messageId), JSON.stringify(note), ttl),
          store.set(flowNoteKey(code.flowId), JSON.stringify(flow), ttl),
          count(code.channel, to, delivered === undefined ? ['sent'] : ['sent', 'delivered', latencyBucket(delivered)]),
        ]);
        if (delivered !== undefined)
          deps.metrics?.deliveryReported(code.channel, to.country ?? 'unknown', 'delivered', delivered / 1000);
      });
    },

    reported(channel, messageId, status) {
      if (status === 'accepted') return Promise.resolve();
      return quietly('counting a report', { channel }, async () => {
        const key = messageNoteKey(channel, messageId);
        const note = parseNote<MessageNote>(await store.get(key));
        if (note === undefined || !(await store.delete(key))) return;
        const to = { country: note.c, prefix: note.p };
        if (status === 'failed') {
          await count(channel, to, ['failed']);
          deps.metrics?.deliveryReported(channel, note.c ?? 'unknown', 'failed');
          return;
        }
        const tookMs = Math.max(0, clock.now() - note.t);
        await count(channel, to, ['delivered', latencyBucket(tookMs)]);
        deps.metrics?.deliveryReported(channel, note.c ?? 'unknown', 'delivered', tookMs / 1000);
      });
    },

    verified(flowId, codeNumber) {
      return quietly('counting a verified code', {}, async () => {
        const key = flowNoteKey(flowId);
        // Taken: of two instances verifying at once, one counts it.
        const note = parseNote<FlowNote>(await store.take(key));
        if (note === undefined || note.n !== codeNumber) return;
        await count(note.ch, { country: note.c, prefix: note.p }, ['verified']);
        deps.metrics?.codeVerified(note.ch, note.c ?? 'unknown');
      });
    },
  };
}

/**
 * Adds to counters in batches: every add made in one turn of the event loop joins one batch, and
 * the batch adds each counter's sum with one `incrementBy`, so the sends that finish together
 * under load cost one Store command per counter, not one per send and counter. Each add resolves
 * once its batch is in the Store (or fails with it).
 */
function createCounterBatches(store: Store): { add(key: string, ttlMs: number): Promise<void> } {
  let open: { sums: Map<string, { amount: number; ttlMs: number }>; written: Promise<void> } | undefined;
  return {
    add(key, ttlMs) {
      if (!open) {
        const sums = new Map<string, { amount: number; ttlMs: number }>();
        const written = new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
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
