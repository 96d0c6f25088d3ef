// Prometheus metrics (prom-client), one registry per gate so several gates in one process (tests,
// the Koa middleware next to a server) never share counters. Counting happens where things happen;
// this module only defines the metrics and the small recorder interfaces other modules call.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

import type { ChannelRecorder } from '../channels/channel.js';
import type { FiguresRecorder } from '../channels/delivery-learning.js';
import type { BreakerRecorder } from '../channels/pumping-breaker.js';
import type { SpendFigures, SpendRecorder } from '../channels/spend-ledger.js';
import type { SpendWindow } from '../channels/spend-rules.js';

/** What a request came to: the proxy path and forward-auth share these labels. */
export type DecisionLabel =
  | 'forward'
  | 'bypass'
  | 'challenge'
  | 'deny'
  | 'unavailable'
  | 'bad_request'
  /** A request with an access token the gate refused (401, 403, 429). */
  | 'token_refused';
export type DecisionVia = 'proxy' | 'websocket' | 'forward_auth' | 'middleware';

export interface GateMetrics extends ChannelRecorder, FiguresRecorder, SpendRecorder, BreakerRecorder {
  readonly registry: Registry;
  decision(decision: DecisionLabel, via: DecisionVia): void;
  /** A request that carried an access token: its kind (service, personal, none when unreadable) and the result. */
  tokenDecision(kind: string, result: string): void;
  codeSent(channel: string, outcome: 'ok' | 'fail' | 'refused'): void;
  verification(outcome: 'success' | 'wrong' | 'dead' | 'expired' | 'locked'): void;
  lockout(): void;
  /** A reload attempt's outcome; the gauge stays 0 until a later reload succeeds. */
  reload(ok: boolean, trigger: string, atMs: number): void;
  /** Registers the function that counts active sessions when Prometheus scrapes. */
  activeSessions(count: () => number): void;
  /** The memory store pushed an entry out of a full partition (lockouts, limits, people or flows). */
  storeEviction(partition: string): void;
  /** An upstream gave no answer (unreachable, timeout) or broke off one already under way (cut). */
  upstreamFailure(failure: 'unreachable' | 'timeout' | 'cut'): void;
  /** Registers what reads spend and paused prefixes from the store when Prometheus scrapes. */
  deliveryGuards(read: { spend: () => Promise<SpendFigures | undefined>; pausedPrefixes: () => Promise<number> }): void;
}

export function createGateMetrics(options: { defaultMetrics?: boolean } = {}): GateMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'otp_gate_' });
  const registers = [registry];

  // Every request is counted: a plain number per label pair on the hot path (prom-client would
  // hash the label object on each inc), added to the counter when Prometheus scrapes.
  const pending = new Map<DecisionVia, Map<DecisionLabel, number>>();
  new Counter({
    name: 'otp_gate_requests_total',
    help: 'Requests by the decision the gate made and how they arrived.',
    labelNames: ['decision', 'via'],
    registers,
    collect() {
      for (const [via, counts] of pending) {
        for (const [decision, n] of counts) this.inc({ decision, via }, n);
        counts.clear();
      }
    },
  });
  // Counted per request like decisions: a plain number per label pair until Prometheus scrapes.
  const pendingTokens = new Map<string, Map<string, number>>();
  new Counter({
    name: 'otp_gate_token_decisions_total',
    help: 'Requests that carried an access token, by kind (service, personal, none) and result (ok, malformed, unknown, limited, not_a_token, wrong_app, wrong_user, removed, refused).',
    labelNames: ['kind', 'result'],
    registers,
    collect() {
      for (const [kind, counts] of pendingTokens) {
        for (const [result, n] of counts) this.inc({ kind, result }, n);
        counts.clear();
      }
    },
  });
  const codes = new Counter({
    name: 'otp_gate_codes_sent_total',
    help: 'Code deliveries by channel and outcome (ok, fail, refused by limits).',
    labelNames: ['channel', 'outcome'],
    registers,
  });
  const fallbacks = new Counter({
    name: 'otp_gate_channel_fallbacks_total',
    help: 'Codes moved on to the next channel.',
    labelNames: ['from', 'to', 'reason'],
    registers,
  });
  const verifications = new Counter({
    name: 'otp_gate_verifications_total',
    help: 'Code checks by outcome.',
    labelNames: ['outcome'],
    registers,
  });
  const lockouts = new Counter({
    name: 'otp_gate_lockouts_total',
    help: 'Identities locked out after too many wrong codes.',
    registers,
  });
  const latency = new Histogram({
    name: 'otp_gate_provider_latency_seconds',
    help: 'Time for a channel provider to accept or refuse a message.',
    labelNames: ['channel', 'outcome'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15],
    registers,
  });
  const channelUp = new Gauge({
    name: 'otp_gate_channel_up',
    help: '1 while a channel can send codes; 0 while its provider is away or refuses the configuration (see /readyz and the log).',
    labelNames: ['channel'],
    registers,
  });
  const evictions = new Counter({
    name: 'otp_gate_store_evictions_total',
    help: 'Memory-store entries pushed out of a full partition (lockouts, limits, people, flows) before they expired: raise store.max_entries when lockouts or people grows.',
    labelNames: ['partition'],
    registers,
  });
  const upstreamFailures = new Counter({
    name: 'otp_gate_upstream_failures_total',
    registers,
    labelNames: ['failure'],
    help: 'Requests an upstream failed: unreachable (502), timeout (504), or cut after its response had begun (the client connection closed, the body incomplete).',
  });
  const reloadOk = new Gauge({
    name: 'otp_gate_config_reload_success',
    help: '1 when the last reload of config, users and policies succeeded; 0 while the gate serves an older set.',
    registers,
  });
  const reloadAt = new Gauge({
    name: 'otp_gate_config_last_reload_timestamp_seconds',
    help: 'When the last reload was attempted (Unix seconds).',
    registers,
  });
  const reloads = new Counter({
    name: 'otp_gate_config_reloads_total',
    help: 'Reload attempts by trigger and outcome.',
    labelNames: ['trigger', 'outcome'],
    registers,
  });
  // The delivery figures as this instance saw them (the shared, decayed ones: `otp-gate delivery stats`).
  const deliveryTime = new Histogram({
    name: 'otp_gate_delivery_seconds',
    help: 'Time from the provider accepting a code to its "delivered" report, by channel and destination country.',
    labelNames: ['channel', 'country'],
    buckets: [0.5, 1, 2, 3, 5, 7.5, 10, 15, 20, 30, 45, 60, 120, 300],
    registers,
  });
  const deliveryReports = new Counter({
    name: 'otp_gate_delivery_reports_total',
    help: 'Final delivery reports (delivered, failed) by channel and destination country, each message counted once.',
    labelNames: ['channel', 'country', 'status'],
    registers,
  });
  const codesVerified = new Counter({
    name: 'otp_gate_codes_verified_total',
    help: 'Sent codes typed in correctly, by the channel that carried them and destination country.',
    labelNames: ['channel', 'country'],
    registers,
  });
  let countSessions: () => number = () => 0;
  new Gauge({
    name: 'otp_gate_active_sessions',
    help: 'Sessions this process created or saw within the idle timeout, not logged out.',
    registers,
    collect() {
      this.set(countSessions());
    },
  });
  let guards: Parameters<GateMetrics['deliveryGuards']>[0] | undefined;
  new Gauge({
    name: 'otp_gate_spend',
    help: 'Money spent on codes in the current UTC day and month (spend: in config), in its currency.',
    labelNames: ['window', 'currency'],
    registers,
    async collect() {
      const figures = await guards?.spend().catch(() => undefined);
      if (figures === undefined) return;
      for (const window of ['day', 'month'] as const)
        this.set({ window, currency: figures.currency }, figures.spent[window]);
    },
  });
  new Gauge({
    name: 'otp_gate_spend_budget',
    help: 'The configured spend budget per UTC day and month, in its currency.',
    labelNames: ['window', 'currency'],
    registers,
    async collect() {
      const figures = await guards?.spend().catch(() => undefined);
      for (const [window, budget] of Object.entries(figures?.budget ?? {}))
        this.set({ window, currency: figures!.currency }, budget);
    },
  });
  const budgetsReached = new Counter({
    name: 'otp_gate_budget_reached_total',
    help: 'Spend budgets reached (once per UTC day or month, by the instance that noticed first).',
    labelNames: ['window'],
    registers,
  });
  const prefixPauses = new Counter({
    name: 'otp_gate_prefix_pauses_total',
    help: 'Number prefixes the pumping breaker paused because their codes stopped being verified: alert on any increase.',
    registers,
  });
  new Gauge({
    name: 'otp_gate_paused_prefixes',
    help: 'Number prefixes paused now by the pumping breaker (see `otp-gate delivery paused`).',
    registers,
    async collect() {
      const paused = await guards?.pausedPrefixes().catch(() => undefined);
      if (paused !== undefined) this.set(paused);
    },
  });
  reloadOk.set(1);

  return {
    registry,
    decision(decision, via) {
      let counts = pending.get(via);
      if (counts === undefined) pending.set(via, (counts = new Map()));
      counts.set(decision, (counts.get(decision) ?? 0) + 1);
    },
    tokenDecision(kind, result) {
      let counts = pendingTokens.get(kind);
      if (counts === undefined) pendingTokens.set(kind, (counts = new Map()));
      counts.set(result, (counts.get(result) ?? 0) + 1);
    },
    codeSent: (channel, outcome) => codes.inc({ channel, outcome }),
    verification: (outcome) => verifications.inc({ outcome }),
    lockout: () => lockouts.inc(),
    fallback: (from, to, reason) => fallbacks.inc({ from, to, reason }),
    providerLatency: (channel, seconds, outcome) => latency.observe({ channel, outcome }, seconds),
    channelUp: (channel, up) => channelUp.set({ channel }, up ? 1 : 0),
    reload(ok, trigger, atMs) {
      reloadOk.set(ok ? 1 : 0);
      reloadAt.set(Math.floor(atMs / 1000));
      reloads.inc({ trigger, outcome: ok ? 'ok' : 'fail' });
    },
    activeSessions(count) {
      countSessions = count;
    },
    storeEviction: (partition) => evictions.inc({ partition }),
    upstreamFailure: (failure) => upstreamFailures.inc({ failure }),
    deliveryReported(channel, country, status, seconds) {
      deliveryReports.inc({ channel, country, status });
      if (seconds !== undefined) deliveryTime.observe({ channel, country }, seconds);
    },
    codeVerified: (channel, country) => codesVerified.inc({ channel, country }),
    budgetReached: (window: SpendWindow) => budgetsReached.inc({ window }),
    prefixPaused: () => prefixPauses.inc(),
    deliveryGuards(read) {
      guards = read;
    },
  };
}
