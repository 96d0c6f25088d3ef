// Builds everything a gate decides and answers with — store, sessions, challenges, channels,
// audit, metrics, the Koa app and the authorizer — without any listener. startGate (server.ts)
// puts it behind node:http and the upstream proxy; otpGate (koa-middleware.ts) behind a Koa app.
import type http from 'node:http';
import type { Writable } from 'node:stream';

import type Koa from 'koa';
import type { Context } from 'koa';

import type { AuditLog } from '../audit/audit-log.js';
import { createAuditLog } from '../audit/audit-log.js';
import type { ApprovalNotifier } from '../challenge/approvals.js';
import { createApprovals } from '../challenge/approvals.js';
import type { Challenges } from '../challenge/challenges.js';
import { createChallenges } from '../challenge/challenges.js';
import { createEnrolledPeople } from '../challenge/enrolled-people.js';
import { createPushNotifier } from '../challenge/push-notifier.js';
import { createWhatsAppConversations } from '../challenge/whatsapp-conversations.js';
import type { Channel } from '../channels/channel.js';
import type { ChannelHealth } from '../channels/channel-health.js';
import { createChannelHealth, rulesWithoutChannel } from '../channels/channel-health.js';
import { createDeadlineSchedule } from '../channels/deadline-schedule.js';
import type { Deliveries } from '../channels/delivery.js';
import { createDeliveries } from '../channels/delivery.js';
import type { Figures } from '../channels/delivery-figures.js';
import type { DeliveryLearning } from '../channels/delivery-learning.js';
import { createDeliveryLearning } from '../channels/delivery-learning.js';
import { createDurableDeadlines } from '../channels/durable-deadlines.js';
import { DEADLINES_KEY } from '../channels/pending-fallback.js';
import { createPumpingBreaker } from '../channels/pumping-breaker.js';
import { createPushSubscriptions } from '../channels/push-subscriptions.js';
import { createSpendLedger } from '../channels/spend-ledger.js';
import { configSecrets } from '../config/config-secrets.js';
import { keepStartupSettings } from '../config/restart-only.js';
import type { LoadedGate } from '../config/types.js';
import { createPasswordCheck } from '../directory/password-check.js';
import type { Admit } from '../http/admission.js';
import { createAdmission } from '../http/admission.js';
import type { Authorize } from '../http/authorize.js';
import { createAuthorizer } from '../http/authorize.js';
import { createForwardAuth } from '../http/forward-auth.js';
import type { GateState } from '../http/gate-state.js';
import { createGateState } from '../http/gate-state.js';
import type { Handoff } from '../http/handoff.js';
import type { OpsRoutes } from '../http/ops-routes.js';
import { createOpsRoutes } from '../http/ops-routes.js';
import { createTokenObserver } from '../http/token-observer.js';
import { withAuditMetrics } from '../ops/audit-metrics.js';
import type { GateMetrics } from '../ops/metrics.js';
import { createGateMetrics } from '../ops/metrics.js';
import type { ReadinessReport } from '../ops/readiness.js';
import { createReadiness } from '../ops/readiness.js';
import { withSessionTracking } from '../ops/session-tracker.js';
import { createGateApp } from '../pages/app.js';
import type { GateCookies } from '../pages/cookies.js';
import { createGateCookies, FLOW_LIFETIME } from '../pages/cookies.js';
import type { LoginPageLane } from '../pages/login-page-lane.js';
import { createLoginPageLane } from '../pages/login-page-lane.js';
import { createLoginPageCounter } from '../pages/middleware/login-page-limit.js';
import { gateHeaders } from '../pages/middleware/security-headers.js';
import type { GateKoaState } from '../pages/respond.js';
import { createResponder } from '../pages/respond.js';
import { createWhatsAppSignIns } from '../pages/whatsapp-sign-ins.js';
import { PUSH, TOTP } from '../policy/types.js';
import { createHeldSignIns } from '../session/held-sign-ins.js';
import { createResumes } from '../session/resumes.js';
import type { Sessions } from '../session/sessions.js';
import { createSessions } from '../session/sessions.js';
import { createSigner } from '../session/signer.js';
import type { Tokens } from '../session/tokens.js';
import { createTokens } from '../session/tokens.js';
import { createTrustedDevices } from '../session/trusted-devices.js';
import type { Clock } from '../shared/clock.js';
import { systemClock } from '../shared/clock.js';
import type { Logger } from '../shared/log.js';
import { createLogger } from '../shared/log.js';
import { createStore } from '../store/create-store.js';
import type { Store } from '../store/store.js';
import { createSecretBox } from '../totp/secret-box.js';
import { createTotpEnrolments } from '../totp/totp-enrolments.js';
import { createCeremonies } from '../webauthn/ceremonies.js';
import { createWebauthnCredentials } from '../webauthn/credentials.js';
import { createPendingSignIns } from '../webauthn/pending-sign-ins.js';
import { loadGateFiles } from './gate-files.js';

export interface GateOptions {
  clock?: Clock;
  /** Where the console channel prints codes (tests read them here). */
  consoleOut?: Writable;
  /** Where audit lines go instead of the configured file. */
  auditOut?: Writable;
  log?: Logger;
  /** Where the gate's own logger writes instead of stdout (tests search it for secrets). */
  logOut?: Writable;
  /** A store to use instead of creating one from the config (tests share one between gates). */
  store?: Store;
  /** Metrics to count into instead of a fresh registry. */
  metrics?: GateMetrics;
  /** Pauses between re-checks of a channel that is down (tests shorten them). */
  channelRetryMs?: { first: number; max: number };
}

export interface AssembledGate {
  state(): GateState;
  /**
   * Swaps in a newly loaded set; in-flight requests keep the set they started with. Restart-only
   * settings keep their start-up values; returns those the new set changes (config/restart-only.ts).
   */
  reload(loaded: LoadedGate): string[];
  clock: Clock;
  log: Logger;
  store: Store;
  sessions: Sessions;
  /** Access tokens: service tokens and people's personal ones. */
  tokens: Tokens;
  challenges: Challenges;
  channels: ReadonlyMap<string, Channel>;
  /** Which channels can send now (a provider away marks its channel down until it is back). */
  health: ChannelHealth;
  /** The fallback chain's state and provider status reports (webhooks). */
  deliveries: Deliveries;
  /** What deliveries taught: the figures behind `auto` deadlines, the page's ETA and `delivery stats`. */
  learning: DeliveryLearning;
  audit: AuditLog;
  metrics: GateMetrics;
  cookies: GateCookies;
  authorize: Authorize;
  /** Admission, shared by the proxy, WebSocket upgrades, the Koa middleware and forward-auth. */
  admit: Admit;
  readiness: () => Promise<ReadinessReport>;
  ops: OpsRoutes;
  gateApp: Koa<GateKoaState>;
  /** The sign-in page for someone not signed in, answered ahead of Koa. */
  loginPage: LoginPageLane;
  /** What admission learned about a request the gate's pages answer (see http/handoff.ts). */
  handoffs: WeakMap<http.IncomingMessage, Handoff>;
  /** Waits for deliveries, closes the audit stream and (when owned) the store. */
  close(): Promise<void>;
}

export async function assembleGate(loaded: LoadedGate, options: GateOptions = {}): Promise<AssembledGate> {
  const { config } = loaded;
  const clock = options.clock ?? systemClock;
  const log = options.log ?? createLogger(config.log, { destination: options.logOut, secrets: configSecrets(config) });
  const metrics = options.metrics ?? createGateMetrics();
  const signer = createSigner(config.session.secrets);
  const cookies = createGateCookies(config.session, signer, config.server.pathPrefix);
  let state: GateState = createGateState(loaded, cookies.names, clock);
  const current = () => state;

  // Files first: a broken template or SMS text must fail the start before anything (a Redis
  // connection) is opened.
  const { templates, locales, channels } = loadGateFiles(config, {
    log,
    directory: () => state.directory,
    consoleOut: options.consoleOut,
  });
  const store = options.store ?? createStore(config.store, clock, log, metrics.storeEviction);
  const audit = withAuditMetrics(
    createAuditLog(config.audit, {
      clock,
      out: options.auditOut,
      onError: (err) => log.error({ err }, 'audit write failed'),
    }),
    metrics,
  );

  const health = createChannelHealth({
    channels,
    log,
    onChange: metrics.channelUp,
    firstRetryMs: options.channelRetryMs?.first,
    maxRetryMs: options.channelRetryMs?.max,
  });
  // Start-up checks: a gate that can't reach its store must not start serving. A channel whose
  // provider is away starts down and comes back by itself; one whose provider refuses the config
  // stops the start only when no challenge rule could send a code without it.
  try {
    await store.check();
    await health.start();
    for (const [name, status] of health.status()) metrics.channelUp(name, status.up);
    refuseWhenNoRuleCanSend(state, health);
  } catch (err) {
    health.close();
    // A Redis client left open keeps reconnecting, and the process from exiting.
    if (!options.store) await store.close();
    throw err;
  }

  const sessions = withSessionTracking(createSessions({ store, signer, clock, config: config.session }), {
    metrics,
    clock,
    config: config.session,
  });
  const durable = createDurableDeadlines({
    store,
    schedule: createDeadlineSchedule({
      store,
      key: DEADLINES_KEY,
      clock,
      pollMs: config.fallback.pollInterval,
      leaseMs: config.fallback.lease,
      log,
    }),
    // Every instance shares session.secrets: any of them opens a code another sealed.
    seal: createSecretBox(config.session.secrets, 'delivery code'),
    findUser: (username) => state.directory.find(username),
  });
  const learning = createDeliveryLearning({
    store,
    clock,
    log,
    metrics,
    settings: { minSamples: config.deliveryFigures.minSamples, halfLifeMs: config.deliveryFigures.halfLife },
  });
  // Routing, spend and the breaker read the live config, so a reload changes them at once.
  const spend = createSpendLedger({ store, clock, audit, metrics, config: () => state.config.spend });
  const breaker = createPumpingBreaker({ store, clock, audit, metrics, config: () => state.config.pumpingBreaker });
  metrics.deliveryGuards({ spend: spend.figures, pausedPrefixes: async () => (await breaker.paused()).length });
  const tokens = createTokens({ store, clock, verifiedCacheMs: config.session.verifiedCache });
  const deliveries = createDeliveries({
    store,
    channels,
    clock,
    audit,
    log,
    metrics,
    health,
    durable,
    learning,
    spend,
    breaker,
  });
  const totp =
    config.totp &&
    createTotpEnrolments({ store, box: createSecretBox(config.totp.keys), clock, issuer: config.totp.issuer });
  const people = createEnrolledPeople({ store, clock });
  const challenges = createChallenges({
    people,
    store,
    signer,
    clock,
    config: config.otp,
    directory: () => state.directory,
    defaultCountry: config.defaultCountry,
    channels,
    health,
    deliveries,
    audit,
    log,
    totp,
    passwords: createPasswordCheck(),
    routing: () => state.config.routing,
    // routing.auto orders channels by what the delivery figures learned for this destination.
    figures: async (names, where) => {
      const measured = await Promise.all(
        names.map(async (name) => [name, await deliveries.figures(name, where)] as const),
      );
      return new Map(measured.filter((entry): entry is readonly [string, Figures] => entry[1] !== undefined));
    },
    spend,
    breaker,
  });
  const webauthnConfig = config.webauthn;
  const webauthn = webauthnConfig && {
    credentials: createWebauthnCredentials(store),
    // The RP ID is read at each ceremony: a reload that changes it applies at once.
    ceremonies: createCeremonies({ store, config: () => state.config.webauthn ?? webauthnConfig }),
    pending: createPendingSignIns({ store, lifetimeMs: FLOW_LIFETIME }),
  };
  const devices = createTrustedDevices({ store, signer, clock });
  const approvals = createApprovals({ store, signer, clock, config: () => state.config.approvals, audit });
  const pushDevices = config.push && createPushSubscriptions(store);
  // Channels that alert the person's own devices of a sign-in waiting for approval.
  const notifiers = new Map<string, ApprovalNotifier>();
  if (pushDevices)
    notifiers.set(
      PUSH,
      createPushNotifier({
        devices: pushDevices,
        config: () => state.config.push,
        audit,
        clock,
        log,
        texts: (locale) => locales.get(locale ?? locales.defaultLocale),
      }),
    );
  const resumes = createResumes({ store, lifetimeMs: FLOW_LIFETIME });
  const respond = createResponder({
    templates: () => templates,
    locales: () => locales,
    pages: config.pages,
    pathPrefix: () => state.config.server.pathPrefix,
  });
  const handoffs = new WeakMap<http.IncomingMessage, Handoff>();
  const loginPages = createLoginPageCounter({ state: current, clock });
  const loginPage = createLoginPageLane({
    state: current,
    templates: () => templates,
    locales: () => locales,
    respond,
    cookies,
    signer,
    counter: loginPages,
    headers: gateHeaders({ logoUrl: config.pages.brand.logoUrl }),
    webauthn: webauthn !== undefined,
  });
  const gateApp = createGateApp({
    state: current,
    challenges,
    deliveries,
    sessions,
    tokens,
    devices,
    people,
    held: createHeldSignIns({ store, lifetimeMs: FLOW_LIFETIME }),
    approvals: { approvals, notifiers },
    whatsappSignIns: createWhatsAppSignIns({
      state: current,
      approvals,
      conversations: createWhatsAppConversations({ store, signer }),
      people,
      sessions,
      devices,
      audit,
      locales: () => locales,
      log,
    }),
    resumes,
    totp,
    webauthn,
    pushDevices,
    cookies,
    signer,
    respond,
    audit,
    clock,
    log,
    locales: () => locales,
    loginPages,
    handoff: (ctx: Context) => handoffs.get(ctx.req) ?? {},
  });
  const authorize = createAuthorizer({
    state: current,
    sessions,
    clock,
    tokens,
    onToken: createTokenObserver({ audit, metrics }),
  });
  const admit = createAdmission({ state: current, authorize, metrics });
  const readiness = createReadiness({
    store,
    clock,
    channels: () => health.status(),
    configLoaded: () => state !== undefined,
    spend: spend.figures,
    pausedPrefixes: async () => (state.config.pumpingBreaker ? (await breaker.paused()).length : undefined),
  });
  const ops = createOpsRoutes({
    state: current,
    readiness,
    forwardAuth: createForwardAuth({ state: current, admit, metrics }),
    audit,
    log,
  });

  return {
    state: current,
    reload(next) {
      // The one place a reload comes in: what was built from a restart-only setting is still in
      // use, so the live config keeps that setting's start-up value for every reader.
      const { config: applied, kept } = keepStartupSettings(config, next.config);
      state = createGateState({ ...next, config: applied }, cookies.names, clock);
      return kept;
    },
    clock,
    log,
    store,
    sessions,
    tokens,
    challenges,
    channels,
    health,
    deliveries,
    learning,
    audit,
    metrics,
    cookies,
    authorize,
    admit,
    readiness,
    ops,
    gateApp,
    loginPage,
    handoffs,
    async close() {
      // Deliveries waiting for a report stop here; a send already under way finishes.
      deliveries.close();
      health.close();
      await challenges.idle();
      await audit.close();
      if (!options.store) await store.close();
    },
  };
}

/**
 * A provider that refuses the config (token, phone number id) stops the start only when no
 * challenge rule could send a code without that channel: then nobody could sign in, and the
 * error names the rules and why. Otherwise the gate starts; the log and /readyz name the channel.
 */
function refuseWhenNoRuleCanSend(state: GateState, health: ChannelHealth): void {
  const statuses = health.status();
  const usable = (name: string) => statuses.has(name) && !statuses.get(name)!.misconfigured;
  const challengeRules = state.policy.rules.filter((r) => r.action === 'challenge');
  const stranded = rulesWithoutChannel(challengeRules, usable, TOTP);
  if (challengeRules.length === 0 || stranded.length < challengeRules.length) return;
  const refused = [...statuses].filter(([, s]) => s.misconfigured).map(([name, s]) => `${name}: ${s.reason}`);
  throw new Error(
    `no challenge rule could send a code: ${stranded.map((r) => `rule "${r.rule}" uses [${r.channels.join(', ')}]`).join('; ')}; ` +
      `the provider refused the configuration of ${refused.join('; ')}. Fix the credentials (or add a channel such a rule can use), then start again`,
  );
}
