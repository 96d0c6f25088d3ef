// What the sign-in and code routes share: their dependencies, the flow's form check, the rule a
// sign-in answers to, what this browser is known by, the two pages, and signing in.
import type { Context } from 'koa';

import type { AuditLog } from '../../audit/audit-log.js';
import { auditFlowId } from '../../audit/audit-log.js';
import type { ApprovalNotifier, Approvals } from '../../challenge/approvals.js';
import type { Challenges, ChallengeView } from '../../challenge/challenges.js';
import type { EnrolledPeople } from '../../challenge/enrolled-people.js';
import { enrolledUser } from '../../challenge/enrolled-people.js';
import type { Refusal } from '../../challenge/limits.js';
import type { Deliveries } from '../../channels/delivery.js';
import { isEnrolledId } from '../../directory/enrolled-id.js';
import type { User } from '../../directory/types.js';
import type { GateState } from '../../http/gate-state.js';
import type { RequestContext } from '../../http/request-context.js';
import type { Translator } from '../../i18n/locales.js';
import type { LoginRule, TrustedSignIn } from '../../policy/login-rule.js';
import { asksPassword, honoursTrust, loginRule, possessionOf, trustedSignIn } from '../../policy/login-rule.js';
import type { Factor } from '../../policy/types.js';
import { TOTP } from '../../policy/types.js';
import type { HeldSignIns } from '../../session/held-sign-ins.js';
import type { Resumes } from '../../session/resumes.js';
import type { Proof, Sessions } from '../../session/sessions.js';
import type { Signer } from '../../session/signer.js';
import type { TrustedDevice, TrustedDevices } from '../../session/trusted-devices.js';
import type { Clock } from '../../shared/clock.js';
import type { Ceremonies } from '../../webauthn/ceremonies.js';
import type { WebauthnCredentials } from '../../webauthn/credentials.js';
import type { PendingSignIns } from '../../webauthn/pending-sign-ins.js';
import type { GateCookies } from '../cookies.js';
import { codePageDeliveryValues, deliveryView } from '../delivery-view.js';
import { assertCsrf, assertSameOrigin, csrfToken, readForm } from '../form.js';
import type { Responder } from '../respond.js';
import { safeReturnTo } from '../return-to.js';
import { refusalText } from './flow-errors.js';
import { WEBAUTHN_SCRIPT_PATH } from './status-routes.js';

export interface LoginRouteDeps {
  state: () => GateState;
  challenges: Challenges;
  /** Where the code went and whether it arrived, for the code page. */
  deliveries: Deliveries;
  sessions: Sessions;
  devices: TrustedDevices;
  /** People enrolled by phone (open enrolment): users beside the users file. */
  people: Pick<EnrolledPeople, 'find' | 'rename'>;
  /** Sign-ins held while a newly enrolled person gives their name. */
  held: HeldSignIns;
  /** Sign-ins approved from a phone (scan, whatsapp_reply, push). */
  approvals: ApprovalParts;
  /** Form posts kept across a sign-in, to be made again after it. */
  resumes: Resumes;
  cookies: GateCookies;
  signer: Signer;
  respond: Responder;
  audit: AuditLog;
  clock: Clock;
  /** The request's resolved facts (client address etc.), set before Koa runs. */
  context: (ctx: Context) => RequestContext;
  /** Passkeys and security keys, when the config has a `webauthn:` section. */
  webauthn?: WebauthnParts | undefined;
}

/** What the passkey pages work with. */
export interface WebauthnParts {
  credentials: WebauthnCredentials;
  ceremonies: Ceremonies;
  pending: PendingSignIns;
}

/** What the approval pages work with. */
export interface ApprovalParts {
  approvals: Approvals;
  /** Channels that alert the person's devices of a new attempt (push), by the channel name rules list. */
  notifiers: ReadonlyMap<string, ApprovalNotifier>;
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
/** The CSRF token of the flow's forms. */
export const csrfFor = (deps: LoginRouteDeps, flowId: string): string => csrfToken(deps.signer, flowId);

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
  const user = device && (await userNamed(deps, device.user));
  if (!device || !user || !honoursTrust(rule, deps.clock.now() - device.trustedAt)) return undefined;
  return { device, user };
}

/** A user as now: from the users file, else an enrolled person still in the store. */
export async function userNamed(deps: LoginRouteDeps, name: string): Promise<User | undefined> {
  const known = deps.state().directory.find(name);
  if (known || !isEnrolledId(name)) return known;
  const person = await deps.people.find(name);
  return person && enrolledUser(person);
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
  // An enrolled person's session carries who they are; a users-file user's is looked up per request.
  const enrolled = isEnrolledId(user.username) ? { name: user.name, groups: user.groups } : undefined;
  const { cookie } = await deps.sessions.create(user.username, proof, enrolled);
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

export interface CodeStart {
  flowId: string;
  rd: string;
  identifier: string;
  rule: LoginRule;
  /** Factors proven before the code (a password). */
  proven: Factor[];
}

/** A code sent over the rule's channels, then the code page; a refusal (limits) back on the sign-in page. */
export async function sendCode(
  deps: LoginRouteDeps,
  ctx: Context,
  { flowId, rd, identifier, rule, proven }: CodeStart,
): Promise<void> {
  const rc = deps.context(ctx);
  const tr = deps.respond.texts(ctx);
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
    knownBrowser: await knownBrowser(deps, ctx),
    enrol: rule.enrol,
  });
  if (!result.ok)
    return renderLogin(deps, ctx, { flowId, rd, status: 429, error: refusalText(tr, result.refusal), identifier });
  seeOther(ctx, `${prefixOf(deps)}/code`);
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
      // A rule that asks for a passkey or security key sends no code: the page says so.
      keys: possessionOf(rule) !== 'otp',
      device_name: device?.user.name,
      // A passwordless rule: a passkey signs in without a name (a button, and autofill in the name field).
      ...(deps.webauthn && possessionOf(rule) === 'passkey'
        ? {
            passkey_action: `${prefix}/webauthn/verify`,
            passkey_options: `${prefix}/webauthn/options`,
            webauthn_script: `${prefix}${WEBAUTHN_SCRIPT_PATH}`,
          }
        : {}),
    },
    { switchHref: `${prefix}/login?rd=${encodeURIComponent(rd)}` },
  );
}

/** "Trust this browser for 30 days", where the rule's trusted_device lets the person ask. */
export function trustLabel(tr: Translator, trustDeviceMs: number | undefined): string | undefined {
  if (trustDeviceMs === undefined) return undefined;
  const days = Math.max(1, Math.round(trustDeviceMs / 86_400_000));
  return tr.plural('code.trust_browser', days, { days });
}

export interface CodePage {
  flowId: string;
  view: ChallengeView;
  status?: number;
  /** What was wrong with the code typed. */
  error?: string;
  /** The code has no tries left: the page offers only a new code, not a field that cannot succeed. */
  dead?: boolean;
  /** Why a new code was not sent: said beside the resend button, never against the code field. */
  refused?: Refusal;
}

export async function renderCode(
  deps: LoginRouteDeps,
  ctx: Context,
  { flowId, view, status = 200, error, dead = false, refused }: CodePage,
): Promise<void> {
  const prefix = prefixOf(deps);
  const otp = deps.state().config.otp;
  const app = view.channel === TOTP;
  const tr = deps.respond.texts(ctx);
  // A refused resend waits as long as its refusal says; a countdown only for the short cooldown,
  // a longer limit is said once in words and its button stays locked until the page is reloaded.
  const cooldown = Math.max(
    view.resendAt - deps.clock.now(),
    refused?.reason === 'cooldown' ? refused.retryAfterMs : 0,
  );
  const wait = app ? 0 : Math.ceil(cooldown / 1000);
  const limited = refused !== undefined && refused.reason !== 'cooldown';
  const delivery = await deliveryView(deps.deliveries, flowId, view, deps.clock.now(), tr);
  deps.respond.page(
    ctx,
    status,
    'code',
    {
      app,
      trust_label: trustLabel(tr, view.trustDeviceMs),
      destination: view.destination,
      ...codePageDeliveryValues(delivery, prefix, tr),
      length: app ? TOTP_DIGITS : otp.length,
      csrf: csrfToken(deps.signer, flowId),
      verify_action: `${prefix}/verify`,
      resend_action: `${prefix}/resend`,
      restart_href: `${prefix}/login?rd=${encodeURIComponent(view.returnTo)}`,
      // Carried by the code forms so that a code expiring meanwhile still leads back there.
      rd: view.returnTo,
      seconds: wait > 0 ? wait : undefined,
      // The countdown script fills {seconds} itself; the page says the same without it.
      resend_wait: wait > 0 ? tr.plural('code.resend_wait', wait, { seconds: wait }) : undefined,
      resend_locked: wait > 0 || limited,
      limited,
      refusal: refused && refusalText(tr, refused),
      dead,
      resend_wait_one: tr.raw('code.resend_wait_one'),
      resend_wait_other: tr.raw('code.resend_wait_other'),
      error,
    },
    { switchHref: `${prefix}/code` },
  );
}
