// The Koa app for everything the gate answers itself. It only wires middleware in order; each
// concern is a factory of its own. Proxied traffic never enters Koa (see http/handler.ts).
import Router from '@koa/router';
import type { Context } from 'koa';
import Koa from 'koa';

import type { EnrolledPeople } from '../challenge/enrolled-people.js';
import type { PushSubscriptions } from '../channels/push-subscriptions.js';
import type { Handoff } from '../http/handoff.js';
import type { Locales } from '../i18n/locales.js';
import type { Tokens } from '../session/tokens.js';
import type { Logger } from '../shared/log.js';
import type { TotpEnrolments } from '../totp/totp-enrolments.js';
import { GateError, text } from './gate-error.js';
import { createErrorBoundary } from './middleware/error-boundary.js';
import { createLocaleSelector } from './middleware/locale.js';
import type { LoginPageCounter } from './middleware/login-page-limit.js';
import { createLoginPageLimit } from './middleware/login-page-limit.js';
import { createSecurityHeaders, gateHeaders } from './middleware/security-headers.js';
import { createVerdictResponder } from './middleware/verdict-responder.js';
import type { GateKoaState } from './respond.js';
import { registerAccountRoutes } from './routes/account-routes.js';
import { registerApproveRoutes } from './routes/approve-routes.js';
import { registerCodeRoutes } from './routes/code-routes.js';
import { enrolmentAccountSection, registerEnrolmentRoutes } from './routes/enrolment-account-routes.js';
import type { LoginRouteDeps } from './routes/login-flow.js';
import { registerLoginRoutes } from './routes/login-routes.js';
import { registerLogoutRoutes } from './routes/logout-routes.js';
import { pushAccountSection, registerPushRoutes } from './routes/push-routes.js';
import { registerScanRoutes } from './routes/scan-routes.js';
import { registerStatusRoutes } from './routes/status-routes.js';
import { registerTokenRoutes, tokensAccountSection } from './routes/token-routes.js';
import { registerTotpRoutes, totpAccountSection } from './routes/totp-routes.js';
import { registerWebauthnAccountRoutes, webauthnAccountSection } from './routes/webauthn-account-routes.js';
import { registerWebauthnRoutes } from './routes/webauthn-routes.js';
import { registerWebhookRoutes } from './routes/webhook-routes.js';
import { registerWelcomeRoutes } from './routes/welcome-routes.js';
import { createSignedIn } from './signed-in.js';
import type { WhatsAppSignIns } from './whatsapp-sign-ins.js';

/** What the gate's pages work with: the sign-in flow's parts (without the request context, made here) and the rest. */
export interface GateAppDeps extends Omit<LoginRouteDeps, 'context' | 'people'> {
  /** People's personal access tokens (the account page's Tokens section). */
  tokens: Tokens;
  /** Authenticator apps, when the config has a `totp:` section. */
  totp?: TotpEnrolments | undefined;
  /** Browsers registered for push approvals, when the config has a `push:` section. */
  pushDevices?: PushSubscriptions | undefined;
  /** People enrolled by phone (open enrolment); the account page may also forget them. */
  people: EnrolledPeople;
  /** Sign-ins by a message to the business number (whatsapp_reply). */
  whatsappSignIns: WhatsAppSignIns;
  log: Logger;
  handoff: (ctx: Context) => Handoff;
  /** The page texts per language. */
  locales: () => Locales;
  /** Views of the sign-in page per address and network (shared with the page answered ahead of Koa). */
  loginPages: LoginPageCounter;
}

export function createGateApp(deps: GateAppDeps): Koa<GateKoaState> {
  const app = new Koa<GateKoaState>();
  // Koa's default handler prints errors to stderr; ours are logged by the error boundary.
  app.silent = true;
  const pathPrefix = () => deps.state().config.server.pathPrefix;
  const context = (ctx: Context) => {
    const rc = deps.handoff(ctx).rc;
    if (!rc) throw new Error('gate: request reached a gate route without resolved facts');
    return rc;
  };

  const signedIn = createSignedIn(deps);
  const router = new Router({ prefix: pathPrefix() });
  registerLoginRoutes(router, { ...deps, context });
  registerCodeRoutes(router, { ...deps, context });
  registerWelcomeRoutes(router, { ...deps, context });
  registerLogoutRoutes(router, { ...deps, context });
  registerStatusRoutes(router, {
    ...deps,
    texts: (ctx) => deps.respond.texts(ctx),
    stylesheet: () => deps.respond.stylesheet(),
  });
  registerTotpRoutes(router, { ...deps, context, signedIn });
  registerWebauthnRoutes(router, { ...deps, context });
  registerScanRoutes(router, { ...deps, context });
  registerApproveRoutes(router, { ...deps, context });
  registerWebauthnAccountRoutes(router, { ...deps, context, signedIn });
  const sections = [
    totpAccountSection(deps),
    webauthnAccountSection({ ...deps, context, signedIn }),
    pushAccountSection({ ...deps, context, signedIn }),
    tokensAccountSection(deps),
    enrolmentAccountSection(deps),
  ];
  registerPushRoutes(router, { ...deps, context, signedIn });
  registerAccountRoutes(router, { ...deps, context, signedIn, sections });
  registerTokenRoutes(router, { ...deps, context, signedIn, sections });
  registerEnrolmentRoutes(router, { ...deps, context, signedIn, sections });
  registerWebhookRoutes(router, { ...deps, context });
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });

  app.use(createLocaleSelector(deps));
  app.use(createErrorBoundary(deps));
  app.use(createSecurityHeaders(gateHeaders({ logoUrl: deps.state().config.pages.brand.logoUrl })));
  app.use(createLoginPageLimit({ ...deps, counter: deps.loginPages, context: (ctx) => deps.handoff(ctx).rc }));
  app.use(
    createVerdictResponder({
      ...deps,
      pathPrefix,
      maxFormBytes: () => deps.state().config.server.maxFormBytes,
      outcome: (ctx) => deps.handoff(ctx).outcome,
      context: (ctx) => deps.handoff(ctx).rc,
    }),
  );
  app.use(router.routes());
  app.use(
    router.allowedMethods({
      throw: true,
      notImplemented: () => notFound(),
      methodNotAllowed: () => methodNotAllowed(),
    }),
  );
  app.use(async () => {
    throw notFound();
  });
  return app;
}

const notFound = () =>
  new GateError(404, 'not_found', { heading: text('errors.not_found_heading'), text: text('errors.not_found_text') });
const methodNotAllowed = () =>
  new GateError(405, 'method_not_allowed', {
    heading: text('errors.method_heading'),
    text: text('errors.method_text'),
  });
