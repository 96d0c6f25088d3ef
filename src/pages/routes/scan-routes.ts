// The desktop side of signing in by approval from a phone (issue 20): after the name (and any
// password), a rule listing an approval channel first shows a QR code of the approval page and the
// number to type there (scan), a WhatsApp link with a one-time phrase (whatsapp_reply), and alerts
// the person's devices (push). The page learns the approval by polling where scripts run, or by
// the "I approved it" button; the session is then made as after a correct code.
import type Router from '@koa/router';
import type { Context } from 'koa';
import QRCode from 'qrcode';

import type { Approval, ApprovalRequirements } from '../../challenge/approvals.js';
import { approvalPath } from '../../challenge/approvals.js';
import { enrolledUser } from '../../challenge/enrolled-people.js';
import type { User } from '../../directory/types.js';
import type { LoginRule } from '../../policy/login-rule.js';
import { approvalChannels } from '../../policy/login-rule.js';
import { normaliseHost } from '../../policy/normalise-path.js';
import type { CompiledRule } from '../../policy/types.js';
import { APPROVAL_CHANNELS, SCAN, WHATSAPP_REPLY } from '../../policy/types.js';
import { browserSummary } from '../browser-summary.js';
import { keepingInput } from '../store-unavailable.js';
import { codeExpired, refusalText } from './flow-errors.js';
import type { CodeStart, LoginRouteDeps } from './login-flow.js';
import {
  csrfFor,
  flowForm,
  prefixOf,
  renderLogin,
  ruleFor,
  seeOther,
  sendCode,
  signIn,
  signInAgain,
  trustLabel,
  userNamed,
} from './login-flow.js';
import { APPROVAL_SCRIPT_PATH } from './status-routes.js';

export function registerScanRoutes(router: Router, deps: LoginRouteDeps): void {
  router.get('/scan', (ctx) => showScan(deps, ctx));
  router.get('/scan/status', (ctx) => scanStatus(deps, ctx));
  router.post('/scan/done', (ctx) => postDone(deps, ctx));
  router.post('/scan/code', (ctx) => postCode(deps, ctx));
}

/** Starts waiting for approval from the person's phone, then the waiting page; a refusal (prompt limit) back on the sign-in page. */
export async function startApproval(deps: LoginRouteDeps, ctx: Context, start: CodeStart): Promise<void> {
  const { flowId, rd, identifier, rule, proven } = start;
  const rc = deps.context(ctx);
  const state = deps.state();
  const user = await personTyped(deps, identifier);
  const target = new URL(rd, `${rc.proto}://${rc.facts.host}`);
  const result = await deps.approvals.approvals.start({
    flowId,
    user: user?.username,
    limitKey: user ? `user:${user.username}` : `unknown:${identifier.toLowerCase()}`,
    identifier,
    rule: rule.name,
    requirements: requirementsOf(rule, state.config.session.lifetime),
    returnTo: rd,
    proven,
    trustDeviceMs: rule.trustedDevice,
    browser: browserSummary(ctx.get('user-agent')) ?? '',
    ip: rc.facts.ip,
    app: state.findApp(normaliseHost(target.host) ?? rc.facts.host, target.pathname)?.name ?? target.host,
    phrase: approvalChannels(rule).includes(WHATSAPP_REPLY),
    locale: deps.respond.texts(ctx).locale,
  });
  if (!result.ok) {
    const tr = deps.respond.texts(ctx);
    return renderLogin(deps, ctx, { flowId, rd, status: 429, error: refusalText(tr, result.refusal), identifier });
  }
  if (user) notify(deps, ctx, rule, result.approval);
  seeOther(ctx, `${prefixOf(deps)}/scan`);
}

/** The absolute approval page for attempt `id`, on the host the desktop used (where the person's phone holds its cookie too). */
export function approvalUrl(deps: LoginRouteDeps, ctx: Context, id: string): string {
  return `${deps.context(ctx).proto}://${ctx.host}${approvalPath(prefixOf(deps), id)}`;
}

/** Tells the person's devices (push), after the response; a notifier's failure leaves the QR code to do. */
function notify(deps: LoginRouteDeps, ctx: Context, rule: LoginRule, approval: Approval): void {
  const locale = deps.respond.texts(ctx).locale;
  const url = `${approvalUrl(deps, ctx, approval.id)}?via=`;
  for (const channel of approvalChannels(rule)) {
    const notifier = deps.approvals.notifiers.get(channel);
    if (!notifier || approval.user === undefined) continue;
    const { user, browser, ip, app, expiresAt } = approval;
    notifier
      .notify({ user, url: url + encodeURIComponent(channel), browser, ip, app, expiresAt, locale })
      .catch(() => undefined);
  }
}

/** Who a typed name is: a users-file user, else a person enrolled by phone. */
async function personTyped(deps: LoginRouteDeps, identifier: string): Promise<User | undefined> {
  const { user, phone } = deps.state().directory.lookup(identifier);
  if (user || phone === undefined) return user;
  const person = await deps.people.find(phone);
  return person && enrolledUser(person);
}

/** What the approving session must satisfy: the deciding rule, or a fresh code for a sign-in no rule judges. */
function requirementsOf(rule: LoginRule, defaultLifetimeMs: number): ApprovalRequirements {
  const compiled = rule as Partial<CompiledRule>;
  return {
    factors: rule.factors,
    sessionLifetime: compiled.sessionLifetime ?? defaultLifetimeMs,
    maxSessionAge: compiled.maxSessionAge,
    trustedDevice: rule.trustedDevice,
  };
}

async function showScan(deps: LoginRouteDeps, ctx: Context): Promise<void> {
  const flowId = deps.cookies.flowId(ctx);
  const approval = flowId && (await deps.approvals.approvals.forFlow(flowId));
  if (!flowId || !approval) throw codeExpired(`${prefixOf(deps)}/login`);
  await renderScan(deps, ctx, approval);
}

async function renderScan(deps: LoginRouteDeps, ctx: Context, approval: Approval, status = 200, note?: string) {
  const prefix = prefixOf(deps);
  const tr = deps.respond.texts(ctx);
  const rule = ruleFor(deps, ctx, approval.returnTo);
  const channels = approvalChannels(rule);
  const pending = approval.status === 'pending';
  const approveUrl = channels.includes(SCAN) ? approvalUrl(deps, ctx, approval.id) : undefined;
  const waLink = whatsappLink(deps, approval, tr.t('scan.whatsapp_text', { phrase: approval.phraseText ?? '' }));
  deps.respond.page(
    ctx,
    status,
    'scan',
    {
      pending,
      scan: pending && approveUrl !== undefined,
      qr: pending && approveUrl ? await QRCode.toDataURL(approveUrl, { margin: 1, width: 240 }) : undefined,
      approve_url: approveUrl,
      number: approval.number,
      push: pending && channels.some((c) => deps.approvals.notifiers.has(c)),
      whatsapp: pending && waLink !== undefined,
      wa_link: waLink,
      wa_qr: pending && waLink ? await QRCode.toDataURL(waLink, { margin: 1, width: 240 }) : undefined,
      phrase: approval.phraseText,
      error:
        approval.status === 'denied'
          ? tr.t('scan.denied')
          : approval.status === 'expired'
            ? tr.t('scan.expired')
            : note,
      csrf: csrfFor(deps, approval.flowId),
      done_action: `${prefix}/scan/done`,
      code_action: pending && codeChannels(rule).length > 0 ? `${prefix}/scan/code` : undefined,
      status_url: `${prefix}/scan/status`,
      restart_href: `${prefix}/login?rd=${encodeURIComponent(approval.returnTo)}`,
      trust_label: trustLabel(tr, approval.trustDeviceMs),
      rd: approval.returnTo,
      script: `${prefix}${APPROVAL_SCRIPT_PATH}`,
    },
    { switchHref: `${prefix}/scan` },
  );
}

/** https://wa.me/<business number>?text=<the prefilled message>, where the attempt has a phrase and WhatsApp a number. */
function whatsappLink(deps: LoginRouteDeps, approval: Approval, message: string): string | undefined {
  const whatsapp = deps.state().config.channels.whatsapp;
  const number = whatsapp?.type === 'whatsapp' ? whatsapp.businessNumber : undefined;
  if (approval.phraseText === undefined || number === undefined) return undefined;
  return `https://wa.me/${number.slice(1)}?text=${encodeURIComponent(message)}`;
}

/** What the waiting page's script asks: pending, approved, denied or expired. */
async function scanStatus(deps: LoginRouteDeps, ctx: Context): Promise<void> {
  const flowId = deps.cookies.flowId(ctx);
  const approval = flowId ? await deps.approvals.approvals.forFlow(flowId) : undefined;
  ctx.type = 'application/json';
  ctx.status = approval ? 200 : 404;
  ctx.body = { status: approval?.status ?? 'expired' };
}

/** "I approved it" (the script presses it too): the approved attempt, taken once, signs this browser in. */
async function postDone(deps: LoginRouteDeps, ctx: Context): Promise<void> {
  const { flowId, form } = await flowForm(deps, ctx);
  await keepingInput({ action: `${prefixOf(deps)}/scan/done`, csrf: form.csrf ?? '' }, async () => {
    const approval = await deps.approvals.approvals.collect(flowId);
    const user = approval?.user === undefined ? undefined : await userNamed(deps, approval.user);
    if (!approval || !user) {
      const waiting = await deps.approvals.approvals.forFlow(flowId);
      if (!waiting) throw codeExpired(signInAgain(deps, form.rd));
      return renderScan(deps, ctx, waiting, 400, deps.respond.texts(ctx).t('scan.not_yet'));
    }
    if (form.trust === '1' && approval.trustDeviceMs !== undefined)
      deps.cookies.setDevice(
        ctx,
        await deps.devices.trust(user.username, approval.trustDeviceMs),
        approval.trustDeviceMs,
      );
    await signIn(deps, ctx, {
      user,
      // Approval from the person's phone shows possession as a code does.
      proof: { factors: [...approval.proven, 'otp'], method: approval.decidedBy ?? SCAN },
      rule: approval.rule,
      returnTo: approval.returnTo,
      flowId,
    });
  });
}

/** A code instead, where the rule also sends codes: the attempt ends first. */
async function postCode(deps: LoginRouteDeps, ctx: Context): Promise<void> {
  const { flowId, form } = await flowForm(deps, ctx);
  await keepingInput({ action: `${prefixOf(deps)}/scan/code`, csrf: form.csrf ?? '' }, async () => {
    const approval = await deps.approvals.approvals.forFlow(flowId);
    if (!approval) throw codeExpired(signInAgain(deps, form.rd));
    await deps.approvals.approvals.end(flowId);
    const rule = ruleFor(deps, ctx, approval.returnTo);
    const { returnTo: rd, identifier, proven } = approval;
    await sendCode(deps, ctx, { flowId, rd, identifier, rule: { ...rule, channels: codeChannels(rule) }, proven });
  });
}

/** The rule's channels that send codes (the approval ones left out: the person asked for a code). */
function codeChannels(rule: LoginRule): string[] {
  return rule.channels.filter((c) => !APPROVAL_CHANNELS.includes(c));
}
