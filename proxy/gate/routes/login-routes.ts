// The challenge flow a person walks through: identify → code → back to where they were going.
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { AuditLog } from '../../audit/audit-log.js';
import type { Challenges, ChallengeView, StartResult } from '../../challenge/challenges.js';
import type { Deliveries } from '../../channels/delivery.js';
import type { Refusal } from '../../challenge/limits.js';
import type { Clock } from '../../clock.js';
import { decide } from '../../policy/decide.js';
import { normaliseHost, normalisePath } from '../../policy/normalise-path.js';
import type { Sessions } from '../../session/sessions.js';
import type { Signer } from '../../session/signer.js';
import type { GateCookies } from '../cookies.js';
import { codePageDeliveryValues, deliveryView } from '../delivery-view.js';
import { assertCsrf, assertSameOrigin, csrfToken, readForm } from '../form.js';
import type { Translator } from '../../i18n/locales.js';
import { GateError, text } from '../gate-error.js';
import type { GateState } from '../gate-state.js';
import type { RequestContext } from '../request-context.js';
import type { Responder } from '../respond.js';
import { safeReturnTo } from '../return-to.js';
import { keepingInput } from '../store-unavailable.js';

export interface LoginRouteDeps {
  state: () => GateState;
  challenges: Challenges;
  /** Where the code went and whether it arrived, for the code page. */
  deliveries: Deliveries;
  sessions: Sessions;
  cookies: GateCookies;
  signer: Signer;
  respond: Responder;
  audit: AuditLog;
  clock: Clock;
  /** The request's resolved facts (client address etc.), set before Koa runs. */
  context: (ctx: Context) => RequestContext;
}

/** How long a login flow cookie lives: enough to identify, wait for a code and type it. */
const FLOW_LIFETIME = 30 * 60_000;

export function registerLoginRoutes(router: Router, deps: LoginRouteDeps): void {
  const { cookies, signer, respond } = deps;
  const prefix = () => deps.state().config.server.pathPrefix;
  const otp = () => deps.state().config.otp;

  function renderLogin(ctx: Context, flowId: string, rd: string, status = 200, error?: string, identifier?: string) {
    respond.page(ctx, status, 'login', {
      action: `${prefix()}/login`,
      csrf: csrfToken(signer, flowId),
      rd,
      error,
      identifier,
    }, { switchHref: `${prefix()}/login?rd=${encodeURIComponent(rd)}` });
  }

  async function renderCode(ctx: Context, flowId: string, view: ChallengeView, status = 200, error?: string) {
    const wait = Math.ceil((view.resendAt - deps.clock.now()) / 1000);
    const tr = respond.texts(ctx);
    const delivery = await deliveryView(deps.deliveries, flowId, view, deps.clock.now(), tr);
    respond.page(ctx, status, 'code', {
      destination: view.destination,
      ...codePageDeliveryValues(delivery, prefix(), tr),
      length: otp().length,
      ttl_minutes: Math.round(otp().ttl / 60_000),
      csrf: csrfToken(signer, flowId),
      verify_action: `${prefix()}/verify`,
      resend_action: `${prefix()}/resend`,
      restart_href: `${prefix()}/login?rd=${encodeURIComponent(view.returnTo)}`,
      seconds: wait > 0 ? wait : undefined,
      // The countdown script fills {seconds} itself; the page says the same without it.
      resend_wait: wait > 0 ? tr.plural('code.resend_wait', wait, { seconds: wait }) : undefined,
      resend_wait_one: tr.raw('code.resend_wait_one'),
      resend_wait_other: tr.raw('code.resend_wait_other'),
      error,
    }, { switchHref: `${prefix()}/code` });
  }

  /** Every POST of the flow: same origin, a form, and a CSRF token bound to this flow. */
  async function flowForm(ctx: Context): Promise<{ flowId: string; form: Record<string, string> }> {
    assertSameOrigin(ctx);
    const form = await readForm(ctx, deps.state().config.server.maxFormBytes);
    const flowId = cookies.flowId(ctx);
    assertCsrf(signer, form, flowId);
    return { flowId: flowId!, form };
  }

  router.get('/login', (ctx) => {
    const rd = safeReturnTo(ctx.query.rd, deps.state().findApp);
    const flowId = cookies.flowId(ctx) ?? cookies.startFlow(ctx, FLOW_LIFETIME);
    renderLogin(ctx, flowId, rd);
  });

  router.post('/login', async (ctx) => {
    const { flowId, form } = await flowForm(ctx);
    const state = deps.state();
    const rd = safeReturnTo(form.rd, state.findApp);
    const identifier = (form.identifier ?? '').trim();
    if (identifier.length === 0 || identifier.length > 100) {
      return renderLogin(ctx, flowId, rd, 400, respond.texts(ctx).t('login.error_empty'), identifier.slice(0, 100));
    }
    const rc = deps.context(ctx);
    const rule = ruleFor(rd, rc, state);
    const result = await keepingInput({ action: `${prefix()}/login`, csrf: form.csrf ?? '', rd, identifier }, () => deps.challenges.start({
      flowId, identifier, ip: rc.facts.ip, host: rc.facts.host, returnTo: rd, rule: rule.name, channels: rule.channels,
      locale: respond.texts(ctx).locale,
    }));
    if (!result.ok) return renderLogin(ctx, flowId, rd, 429, refusalText(respond.texts(ctx), result.refusal), identifier);
    ctx.redirect(`${prefix()}/code`);
    ctx.status = 303;
  });

  router.get('/code', async (ctx) => {
    const flowId = cookies.flowId(ctx);
    const view = flowId && (await deps.challenges.view(flowId));
    if (!flowId || !view) return renderLogin(ctx, flowId ?? cookies.startFlow(ctx, FLOW_LIFETIME), '/', 200, respond.texts(ctx).t('code.expired'));
    await renderCode(ctx, flowId, view);
  });

  router.post('/resend', async (ctx) => {
    const { flowId, form } = await flowForm(ctx);
    await keepingInput({ action: `${prefix()}/resend`, csrf: form.csrf ?? '' }, () => resend(ctx, flowId, form.channel));
  });

  /** A new code; `channel`, when the person picked one of the rule's other channels, goes first. */
  async function resend(ctx: Context, flowId: string, channel?: string): Promise<void> {
    const rc = deps.context(ctx);
    const tr = respond.texts(ctx);
    const result: StartResult | undefined = await deps.challenges.resend({ flowId, ip: rc.facts.ip, host: rc.facts.host, channel, locale: tr.locale });
    if (!result) return renderLogin(ctx, flowId, '/', 200, tr.t('code.expired'));
    if (!result.ok) {
      const view = await deps.challenges.view(flowId);
      if (view) return renderCode(ctx, flowId, view, 429, refusalText(tr, result.refusal));
      return renderLogin(ctx, flowId, '/', 429, refusalText(tr, result.refusal));
    }
    ctx.redirect(`${prefix()}/code`);
    ctx.status = 303;
  }

  router.post('/verify', async (ctx) => {
    const { flowId, form } = await flowForm(ctx);
    await keepingInput({ action: `${prefix()}/verify`, csrf: form.csrf ?? '', code: form.code ?? '' }, () => verify(ctx, flowId, form));
  });

  async function verify(ctx: Context, flowId: string, form: Record<string, string>): Promise<void> {
    const rc = deps.context(ctx);
    const result = await deps.challenges.verify({ flowId, code: form.code ?? '', ip: rc.facts.ip });
    switch (result.kind) {
      case 'login': {
        // A new session id at every login (no fixation); an older session in this browser ends.
        const previous = await deps.sessions.resolve(cookies.session(ctx));
        if (previous) await deps.sessions.revoke(previous.id);
        const { cookie } = await deps.sessions.create(result.user.username);
        cookies.setSession(ctx, cookie);
        cookies.clearFlow(ctx);
        deps.audit.record({ event: 'login', user: result.user.username, ip: rc.facts.ip, rule: result.rule, outcome: 'ok' });
        ctx.redirect(safeReturnTo(result.returnTo, deps.state().findApp));
        ctx.status = 303;
        return;
      }
      case 'wrong': {
        const view = await deps.challenges.view(flowId);
        if (view) return renderCode(ctx, flowId, view, 400, respond.texts(ctx).plural('code.wrong', result.triesLeft, { tries: result.triesLeft }));
        throw codeExpired(prefix());
      }
      case 'code-dead': {
        const view = await deps.challenges.view(flowId);
        if (view) return renderCode(ctx, flowId, view, 400, respond.texts(ctx).t('code.dead'));
        throw codeExpired(prefix());
      }
      case 'expired':
        throw codeExpired(prefix());
      case 'locked':
        throw new GateError(429, 'locked_out', {
          heading: text('errors.locked_out_heading'),
          text: text('errors.locked_out_text', { wait: minutes(respond.texts(ctx), result.retryAfterMs) }),
          link: { href: `${prefix()}/login`, text: text('errors.back_to_sign_in') },
        }, { retryAfterSeconds: Math.ceil(result.retryAfterMs / 1000) });
    }
  }
}

/** The rule that will judge the destination decides channels; a login for anything else uses every channel. */
function ruleFor(rd: string, rc: RequestContext, state: GateState): { name: string; channels: readonly string[] } {
  const fallback = { name: '(login)', channels: Object.keys(state.config.channels) };
  const url = new URL(rd, 'http://placeholder.invalid');
  const host = rd.startsWith('/') ? rc.facts.host : normaliseHost(url.host);
  const path = normalisePath(url.pathname + url.search);
  if (host === undefined || !path.ok) return fallback;
  const decision = decide(state.policy, { host, path: path.path, method: 'GET', ip: rc.facts.ip });
  return decision.action === 'challenge' ? { name: decision.rule.name, channels: decision.rule.channels } : fallback;
}

function refusalText(tr: Translator, refusal: Refusal): string {
  const wait = minutes(tr, refusal.retryAfterMs);
  switch (refusal.reason) {
    case 'cooldown': {
      const seconds = Math.ceil(refusal.retryAfterMs / 1000);
      return tr.plural('refusal.cooldown', seconds, { seconds });
    }
    case 'identity-hourly-limit':
    case 'address-hourly-limit':
    case 'destination-hourly-limit':
    case 'prefix-hourly-limit':
      return tr.t('refusal.hourly_limit', { wait });
    case 'locked-out':
      return tr.t('refusal.locked_out', { wait });
    case 'global-hourly-limit':
      return tr.t('refusal.global_limit', { wait });
  }
}

function minutes(tr: Translator, ms: number): string {
  return tr.plural('time.minutes', Math.max(1, Math.ceil(ms / 60_000)));
}

function codeExpired(prefix: string): GateError {
  return new GateError(400, 'code_expired', {
    heading: text('errors.code_expired_heading'),
    text: text('errors.code_expired_text'),
    link: { href: `${prefix}/login`, text: text('errors.code_expired_link') },
  });
}
