// The challenge flow a person walks through: identify (with a password where the rule asks for
// one) → code (sent, or from an authenticator app; skipped on a browser the rule trusts) → back to
// where they were going, with the request they were making when it was a form post (step-up).
import type Router from '@koa/router';
import type { Context } from 'koa';

import type { AuditLog } from '../../audit/audit-log.js';
import { auditFlowId } from '../../audit/audit-log.js';
import type { Challenges, ChallengeView, StartResult } from '../../challenge/challenges.js';
import type { Refusal } from '../../challenge/limits.js';
import type { Deliveries } from '../../channels/delivery.js';
import type { User } from '../../directory/types.js';
import type { GateState } from '../../http/gate-state.js';
import type { RequestContext } from '../../http/request-context.js';
import type { Translator } from '../../i18n/locales.js';
import { decide } from '../../policy/decide.js';
import { normaliseHost, normalisePath } from '../../policy/normalise-path.js';
import type { CompiledRule } from '../../policy/types.js';
import { TOTP } from '../../policy/types.js';
import type { Resumes } from '../../session/resumes.js';
import type { Proof, Sessions } from '../../session/sessions.js';
import type { Signer } from '../../session/signer.js';
import type { TrustedDevice, TrustedDevices } from '../../session/trusted-devices.js';
import type { Clock } from '../../shared/clock.js';
import type { GateCookies } from '../cookies.js';
import { codePageDeliveryValues, deliveryView } from '../delivery-view.js';
import { assertCsrf, assertSameOrigin, csrfToken, readForm } from '../form.js';
import { GateError, text } from '../gate-error.js';
import type { Responder } from '../respond.js';
import { safeReturnTo } from '../return-to.js';
import { keepingInput } from '../store-unavailable.js';

export interface LoginRouteDeps {
  state: () => GateState;
  challenges: Challenges;
  /** Where the code went and whether it arrived, for the code page. */
  deliveries: Deliveries;
  sessions: Sessions;
  devices: TrustedDevices;
  /** Form posts kept across a sign-in, to be made again after it. */
  resumes: Resumes;
  cookies: GateCookies;
  signer: Signer;
  respond: Responder;
  audit: AuditLog;
  clock: Clock;
  /** The request's resolved facts (client address etc.), set before Koa runs. */
  context: (ctx: Context) => RequestContext;
}

/** Authenticator apps show six digits (the gate's otpauth:// URIs say so), whatever otp.length is. */
const TOTP_DIGITS = 6;

export function registerLoginRoutes(router: Router, deps: LoginRouteDeps): void {
  const { cookies, signer, respond } = deps;
  const prefix = () => deps.state().config.server.pathPrefix;
  const otp = () => deps.state().config.otp;

  async function renderLogin(
    ctx: Context,
    flowId: string,
    rd: string,
    status = 200,
    error?: string,
    identifier?: string,
  ) {
    const rule = ruleFor(rd, deps.context(ctx), deps.state());
    const device = await codeFreeDevice(ctx, rule);
    respond.page(
      ctx,
      status,
      'login',
      {
        action: `${prefix()}/login`,
        device_action: `${prefix()}/login/device`,
        csrf: csrfToken(signer, flowId),
        rd,
        error,
        identifier: identifier ?? (await stepUpUser(ctx)),
        password: rule.factors.includes('password'),
        device_name: device?.user.name,
      },
      { switchHref: `${prefix()}/login?rd=${encodeURIComponent(rd)}` },
    );
  }

  /** Whose session fell short of the rule (step-up): the sign-in page offers their name. */
  async function stepUpUser(ctx: Context): Promise<string | undefined> {
    return (await deps.sessions.resolve(cookies.session(ctx)).catch(() => undefined))?.user;
  }

  /** Whom this browser has signed in as: a live session, else a trusted-browser cookie (whatever the rule honours). */
  async function knownBrowser(ctx: Context): Promise<string | undefined> {
    return (await stepUpUser(ctx)) ?? (await deps.devices.resolve(cookies.device(ctx)).catch(() => undefined))?.user;
  }

  /** The trusted browser, when there is one and the rule honours it (its trusted_device, counted from when it was trusted). */
  async function honouredDevice(
    ctx: Context,
    rule: LoginRule,
  ): Promise<{ device: TrustedDevice; user: User } | undefined> {
    if (rule.trustedDevice === undefined) return undefined;
    // A store that fails trusts no browser: the person is asked for a code (fail closed).
    const device = await deps.devices.resolve(cookies.device(ctx)).catch(() => undefined);
    const user = device && deps.state().directory.find(device.user);
    if (!device || !user || deps.clock.now() - device.trustedAt >= rule.trustedDevice) return undefined;
    return { device, user };
  }

  /** A trusted browser that may sign in with no more ("Continue as …"): under a password rule it still needs the password. */
  async function codeFreeDevice(
    ctx: Context,
    rule: LoginRule,
  ): Promise<{ device: TrustedDevice; user: User } | undefined> {
    return rule.factors.includes('password') ? undefined : honouredDevice(ctx, rule);
  }

  /** A new session for what was proven (no fixation: any older one in this browser ends), then back where the person was going. */
  async function signIn(
    ctx: Context,
    user: User,
    proof: Omit<Proof, 'at'>,
    rule: string,
    returnTo: string,
    flowId: string,
  ): Promise<void> {
    const previous = await deps.sessions.resolve(cookies.session(ctx));
    if (previous) await deps.sessions.revoke(previous.id);
    const { cookie } = await deps.sessions.create(user.username, proof);
    cookies.setSession(ctx, cookie);
    cookies.clearFlow(ctx);
    deps.audit.record({
      event: 'login',
      user: user.username,
      ip: deps.context(ctx).facts.ip,
      rule,
      flow: auditFlowId(flowId),
      outcome: 'ok',
      channel: proof.method,
    });
    const target = safeReturnTo(returnTo, deps.state().findApp);
    const resume = await deps.resumes.take(flowId, target);
    if (resume)
      return respond.page(ctx, 200, 'resume', {
        action: target,
        fields: resume.fields,
        script: `${prefix()}/assets/resume.js`,
      });
    ctx.redirect(target);
    ctx.status = 303;
  }

  function deviceProof(device: TrustedDevice, factors: Proof['factors']): Omit<Proof, 'at'> {
    return { factors, method: 'device', deviceTrustedAt: device.trustedAt };
  }

  async function renderCode(ctx: Context, flowId: string, view: ChallengeView, status = 200, error?: string) {
    const app = view.channel === TOTP;
    const wait = app ? 0 : Math.ceil((view.resendAt - deps.clock.now()) / 1000);
    const tr = respond.texts(ctx);
    const delivery = await deliveryView(deps.deliveries, flowId, view, deps.clock.now(), tr);
    const trustDays =
      view.trustDeviceMs === undefined ? undefined : Math.max(1, Math.round(view.trustDeviceMs / 86_400_000));
    respond.page(
      ctx,
      status,
      'code',
      {
        app,
        trust_label:
          trustDays === undefined ? undefined : tr.plural('code.trust_browser', trustDays, { days: trustDays }),
        destination: view.destination,
        ...codePageDeliveryValues(delivery, prefix(), tr),
        length: app ? TOTP_DIGITS : otp().length,
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
      },
      { switchHref: `${prefix()}/code` },
    );
  }

  /** Every POST of the flow: same origin, a form, and a CSRF token bound to this flow. */
  async function flowForm(ctx: Context): Promise<{ flowId: string; form: Record<string, string> }> {
    assertSameOrigin(ctx);
    const form = await readForm(ctx, deps.state().config.server.maxFormBytes);
    const flowId = cookies.flowId(ctx);
    assertCsrf(signer, form, flowId);
    return { flowId: flowId!, form };
  }

  router.get('/login', async (ctx) => {
    const rd = safeReturnTo(ctx.query.rd, deps.state().findApp);
    const flowId = cookies.flowId(ctx) ?? cookies.startFlow(ctx);
    await renderLogin(ctx, flowId, rd);
  });

  router.post('/login', async (ctx) => {
    const { flowId, form } = await flowForm(ctx);
    const state = deps.state();
    const rd = safeReturnTo(form.rd, state.findApp);
    const identifier = (form.identifier ?? '').trim();
    if (identifier.length === 0 || identifier.length > 100) {
      return renderLogin(ctx, flowId, rd, 400, respond.texts(ctx).t('login.error_empty'), identifier.slice(0, 100));
    }
    // The password is never put back into a retry form.
    await keepingInput({ action: `${prefix()}/login`, csrf: form.csrf ?? '', rd, identifier }, () =>
      identify(ctx, flowId, rd, identifier, form.password),
    );
  });

  async function identify(
    ctx: Context,
    flowId: string,
    rd: string,
    identifier: string,
    password: string | undefined,
  ): Promise<void> {
    const rc = deps.context(ctx);
    const rule = ruleFor(rd, rc, deps.state());
    const tr = respond.texts(ctx);
    const proven: Array<Proof['factors'][number]> = [];
    if (rule.factors.includes('password')) {
      const checked = await deps.challenges.checkPassword({
        identifier,
        password: password ?? '',
        ip: rc.facts.ip,
        rule: rule.name,
      });
      if (checked.kind === 'locked') throw lockedOut(tr, checked.retryAfterMs);
      if (checked.kind === 'wrong') return renderLogin(ctx, flowId, rd, 400, tr.t('login.error_password'), identifier);
      const trusted = await honouredDevice(ctx, rule);
      if (trusted?.user.username === checked.user.username) {
        return signIn(ctx, checked.user, deviceProof(trusted.device, ['password', 'otp']), rule.name, rd, flowId);
      }
      proven.push('password');
    }
    const result = await deps.challenges.start({
      flowId,
      identifier,
      ip: rc.facts.ip,
      host: rc.facts.host,
      returnTo: rd,
      rule: rule.name,
      channels: rule.channels,
      locale: tr.locale,
      proven,
      trustDeviceMs: rule.trustedDevice,
      knownBrowser: await knownBrowser(ctx),
    });
    if (!result.ok) return renderLogin(ctx, flowId, rd, 429, refusalText(tr, result.refusal), identifier);
    ctx.redirect(`${prefix()}/code`);
    ctx.status = 303;
  }

  /** "Continue as …" on a trusted browser: no code, where the rule honours the trust. */
  router.post('/login/device', async (ctx) => {
    const { flowId, form } = await flowForm(ctx);
    const rd = safeReturnTo(form.rd, deps.state().findApp);
    const rule = ruleFor(rd, deps.context(ctx), deps.state());
    await keepingInput({ action: `${prefix()}/login/device`, csrf: form.csrf ?? '', rd }, async () => {
      const trusted = await codeFreeDevice(ctx, rule);
      if (!trusted) return renderLogin(ctx, flowId, rd, 400, respond.texts(ctx).t('login.error_device'));
      await signIn(ctx, trusted.user, deviceProof(trusted.device, ['otp']), rule.name, rd, flowId);
    });
  });

  router.get('/code', async (ctx) => {
    const flowId = cookies.flowId(ctx);
    const view = flowId && (await deps.challenges.view(flowId));
    if (!flowId || !view)
      return renderLogin(ctx, flowId ?? cookies.startFlow(ctx), '/', 200, respond.texts(ctx).t('code.expired'));
    await renderCode(ctx, flowId, view);
  });

  router.post('/resend', async (ctx) => {
    const { flowId, form } = await flowForm(ctx);
    await keepingInput({ action: `${prefix()}/resend`, csrf: form.csrf ?? '' }, () =>
      resend(ctx, flowId, form.channel),
    );
  });

  /** A new code; `channel`, when the person picked one of the rule's other channels, goes first. */
  async function resend(ctx: Context, flowId: string, channel?: string): Promise<void> {
    const rc = deps.context(ctx);
    const tr = respond.texts(ctx);
    const result: StartResult | undefined = await deps.challenges.resend({
      flowId,
      ip: rc.facts.ip,
      host: rc.facts.host,
      channel,
      locale: tr.locale,
    });
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
    await keepingInput({ action: `${prefix()}/verify`, csrf: form.csrf ?? '', code: form.code ?? '' }, () =>
      verify(ctx, flowId, form),
    );
  });

  async function verify(ctx: Context, flowId: string, form: Record<string, string>): Promise<void> {
    const rc = deps.context(ctx);
    const result = await deps.challenges.verify({ flowId, code: form.code ?? '', ip: rc.facts.ip });
    switch (result.kind) {
      case 'login': {
        if (form.trust === '1' && result.trustDeviceMs !== undefined) {
          cookies.setDevice(
            ctx,
            await deps.devices.trust(result.user.username, result.trustDeviceMs),
            result.trustDeviceMs,
          );
        }
        return signIn(
          ctx,
          result.user,
          { factors: result.factors, method: result.method },
          result.rule,
          result.returnTo,
          flowId,
        );
      }
      case 'wrong': {
        const view = await deps.challenges.view(flowId);
        if (view)
          return renderCode(
            ctx,
            flowId,
            view,
            400,
            respond.texts(ctx).plural('code.wrong', result.triesLeft, { tries: result.triesLeft }),
          );
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
        throw lockedOut(respond.texts(ctx), result.retryAfterMs);
    }
  }

  function lockedOut(tr: Translator, retryAfterMs: number): GateError {
    return new GateError(
      429,
      'locked_out',
      {
        heading: text('errors.locked_out_heading'),
        text: text('errors.locked_out_text', { wait: minutes(tr, retryAfterMs) }),
        link: { href: `${prefix()}/login`, text: text('errors.back_to_sign_in') },
      },
      { retryAfterSeconds: Math.ceil(retryAfterMs / 1000) },
    );
  }
}

type LoginRule = Pick<CompiledRule, 'name' | 'channels' | 'factors' | 'trustedDevice'>;

/**
 * The rule that will judge the destination decides factors, channels and browser trust; a login
 * for anything else asks for a code on every channel and trusts no browser.
 */
function ruleFor(rd: string, rc: RequestContext, state: GateState): LoginRule {
  const fallback: LoginRule = {
    name: '(login)',
    channels: Object.keys(state.config.channels),
    factors: ['otp'],
    trustedDevice: undefined,
  };
  const url = new URL(rd, 'http://placeholder.invalid');
  const host = rd.startsWith('/') ? rc.facts.host : normaliseHost(url.host);
  const path = normalisePath(url.pathname + url.search);
  if (host === undefined || !path.ok) return fallback;
  const decision = decide(state.policy, { host, path: path.path, method: 'GET', ip: rc.facts.ip });
  return decision.action === 'challenge' ? decision.rule : fallback;
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
    case 'network-hourly-limit':
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
