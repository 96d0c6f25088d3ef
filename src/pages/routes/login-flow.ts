// What the sign-in and code routes share: their dependencies, the flow's form check, the rule a
// sign-in answers to, what this browser is known by, the two pages, and signing in.
import type { Context } from 'koa';

import type { AuditLog } from '../../audit/audit-log.js';
import { auditFlowId } from '../../audit/audit-log.js';
import type { Challenges, ChallengeView } from '../../challenge/challenges.js';
import type { Deliveries } from '../../channels/delivery.js';
import type { User } from '../../directory/types.js';
import type { GateState } from '../../http/gate-state.js';
import type { RequestContext } from '../../http/request-context.js';
import type { LoginRule, TrustedSignIn } from '../../policy/login-rule.js';
import { asksPassword, honoursTrust, loginRule, trustedSignIn } from '../../policy/login-rule.js';
import { TOTP } from '../../policy/types.js';
import type { Resumes } from '../../session/resumes.js';
import type { Proof, Sessions } from '../../session/sessions.js';
import type { Signer } from '../../session/signer.js';
import type { TrustedDevice, TrustedDevices } from '../../session/trusted-devices.js';
import type { Clock } from '../../shared/clock.js';
import type { GateCookies } from '../cookies.js';
import { codePageDeliveryValues, deliveryView } from '../delivery-view.js';
import { assertCsrf, assertSameOrigin, csrfToken, readForm } from '../form.js';
import type { Responder } from '../respond.js';
import { safeReturnTo } from '../return-to.js';

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

export const prefixOf = (deps: LoginRouteDeps): string => deps.state().config.server.pathPrefix;

/** A form post answered by the next page of the flow. */
export function seeOther(ctx: Context, location: string): void {
  ctx.redirect(location);
  ctx.status = 303;
}

/** Every POST of the flow: same origin, a form, and a CSRF token bound to this flow. */
export async function flowForm(
  deps: LoginRouteDeps,
  ctx: Context,
): Promise<{ flowId: string; form: Record<string, string> }> {
  assertSameOrigin(ctx);
  const form = await readForm(ctx, deps.state().config.server.maxFormBytes);
  const flowId = deps.cookies.flowId(ctx);
  assertCsrf(deps.signer, form, flowId, signInAgain(deps, form.rd));
  return { flowId: flowId!, form };
}

/** The sign-in page for the destination a form carried (checked again: a form is client input). */
export function signInAgain(deps: LoginRouteDeps, rd: string | undefined): string {
  return `${prefixOf(deps)}/login?rd=${encodeURIComponent(safeReturnTo(rd, deps.state().findApp))}`;
}

/** The rule a sign-in for `rd` answers to, from this request's host and address. */
export function ruleFor(deps: LoginRouteDeps, ctx: Context, rd: string): LoginRule {
  const { facts } = deps.context(ctx);
  const state = deps.state();
  return loginRule(state.policy, {
    returnTo: rd,
    host: facts.host,
    ip: facts.ip,
    channels: Object.keys(state.config.channels),
  });
}

/** What this browser's cookies say, each looked up at most once per request however many steps ask. */
interface BrowserCookies {
  /** Whose session it has: on the sign-in page, whose session fell short of the rule (step-up). */
  sessionUser(): Promise<string | undefined>;
  /** The trust behind its trusted-browser cookie. */
  device(): Promise<TrustedDevice | undefined>;
}

const browsers = new WeakMap<Context, BrowserCookies>();

function browserOf(deps: LoginRouteDeps, ctx: Context): BrowserCookies {
  let browser = browsers.get(ctx);
  if (!browser) {
    // A store that fails knows no session and trusts no browser: the person is asked for a code (fail closed).
    browser = {
      sessionUser: once(
        async () => (await deps.sessions.resolve(deps.cookies.session(ctx)).catch(() => undefined))?.user,
      ),
      device: once(() => deps.devices.resolve(deps.cookies.device(ctx)).catch(() => undefined)),
    };
    browsers.set(ctx, browser);
  }
  return browser;
}

function once<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => (loaded ??= load());
}

/** Whom this browser has signed in as: a live session, else a trusted-browser cookie (whatever the rule honours). */
export async function knownBrowser(deps: LoginRouteDeps, ctx: Context): Promise<string | undefined> {
  const browser = browserOf(deps, ctx);
  return (await browser.sessionUser()) ?? (await browser.device())?.user;
}

/** This browser's trust, when the rule honours it for signing in the `way` asked, and its user still exists. */
export async function trustedBrowser(
  deps: LoginRouteDeps,
  ctx: Context,
  rule: LoginRule,
  way: TrustedSignIn,
): Promise<{ device: TrustedDevice; user: User } | undefined> {
  // No store lookup for a browser the rule would not let sign in this way.
  if (trustedSignIn(rule) !== way) return undefined;
  const device = await browserOf(deps, ctx).device();
  const user = device && deps.state().directory.find(device.user);
  if (!device || !user || !honoursTrust(rule, deps.clock.now() - device.trustedAt)) return undefined;
  return { device, user };
}

/** What a sign-in through a trusted browser proves: the factors it stood in for, and since when it is trusted. */
export function deviceProof(device: TrustedDevice, factors: Proof['factors']): Omit<Proof, 'at'> {
  return { factors, method: 'device', deviceTrustedAt: device.trustedAt };
}

export interface SignIn {
  user: User;
  proof: Omit<Proof, 'at'>;
  /** The rule's name, for the audit line. */
  rule: string;
  returnTo: string;
  flowId: string;
}

/** A new session for what was proven (no fixation: any older one in this browser ends), then back where the person was going. */
export async function signIn(
  deps: LoginRouteDeps,
  ctx: Context,
  { user, proof, rule, returnTo, flowId }: SignIn,
): Promise<void> {
  const previous = await deps.sessions.resolve(deps.cookies.session(ctx));
  if (previous) await deps.sessions.revoke(previous.id);
  const { cookie } = await deps.sessions.create(user.username, proof);
  deps.cookies.setSession(ctx, cookie);
  deps.cookies.clearFlow(ctx);
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
    return deps.respond.page(ctx, 200, 'resume', {
      action: target,
      fields: resume.fields,
      script: `${prefixOf(deps)}/assets/resume.js`,
    });
  seeOther(ctx, target);
}

export interface LoginPage {
  flowId: string;
  /** Where the person goes after signing in, already made safe. */
  rd: string;
  status?: number;
  error?: string;
  /** What the person typed, on a retry; else the name of a session that fell short (step-up). */
  identifier?: string;
}

export async function renderLogin(
  deps: LoginRouteDeps,
  ctx: Context,
  { flowId, rd, status = 200, error, identifier }: LoginPage,
): Promise<void> {
  const prefix = prefixOf(deps);
  const rule = ruleFor(deps, ctx, rd);
  const device = await trustedBrowser(deps, ctx, rule, 'continue-as');
  deps.respond.page(
    ctx,
    status,
    'login',
    {
      action: `${prefix}/login`,
      device_action: `${prefix}/login/device`,
      csrf: csrfToken(deps.signer, flowId),
      rd,
      error,
      identifier: identifier ?? (await browserOf(deps, ctx).sessionUser()),
      password: asksPassword(rule),
      device_name: device?.user.name,
    },
    { switchHref: `${prefix}/login?rd=${encodeURIComponent(rd)}` },
  );
}

export interface CodePage {
  flowId: string;
  view: ChallengeView;
  status?: number;
  error?: string;
}

export async function renderCode(
  deps: LoginRouteDeps,
  ctx: Context,
  { flowId, view, status = 200, error }: CodePage,
): Promise<void> {
  const prefix = prefixOf(deps);
  const otp = deps.state().config.otp;
  const app = view.channel === TOTP;
  const wait = app ? 0 : Math.ceil((view.resendAt - deps.clock.now()) / 1000);
  const tr = deps.respond.texts(ctx);
  const delivery = await deliveryView(deps.deliveries, flowId, view, deps.clock.now(), tr);
  const trustDays =
    view.trustDeviceMs === undefined ? undefined : Math.max(1, Math.round(view.trustDeviceMs / 86_400_000));
  deps.respond.page(
    ctx,
    status,
    'code',
    {
      app,
      trust_label:
        trustDays === undefined ? undefined : tr.plural('code.trust_browser', trustDays, { days: trustDays }),
      destination: view.destination,
      ...codePageDeliveryValues(delivery, prefix, tr),
      length: app ? TOTP_DIGITS : otp.length,
      ttl_minutes: Math.round(otp.ttl / 60_000),
      csrf: csrfToken(deps.signer, flowId),
      verify_action: `${prefix}/verify`,
      resend_action: `${prefix}/resend`,
      restart_href: `${prefix}/login?rd=${encodeURIComponent(view.returnTo)}`,
      // Carried by the code forms so that a code expiring meanwhile still leads back there.
      rd: view.returnTo,
      seconds: wait > 0 ? wait : undefined,
      // The countdown script fills {seconds} itself; the page says the same without it.
      resend_wait: wait > 0 ? tr.plural('code.resend_wait', wait, { seconds: wait }) : undefined,
      resend_wait_one: tr.raw('code.resend_wait_one'),
      resend_wait_other: tr.raw('code.resend_wait_other'),
      error,
    },
    { switchHref: `${prefix}/code` },
  );
}
