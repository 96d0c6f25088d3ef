// The phone side of signing in by approval (issue 20): the page a scanned QR code or a push
// notification opens. It needs this phone to be signed in as the same person, well enough for
// the rule the desktop answers to (a stale sign-in is sent to sign in again and comes back); it
// says which browser, from which address and for which app is asking, and asks for the number
// the desktop shows before Approve counts. Deny ends the attempt.
import type Router from '@koa/router';
import type { Context } from 'koa';

import type { Approval, Approver, Decision } from '../../challenge/approvals.js';
import { approvalPath } from '../../challenge/approvals.js';
import type { ProofFacts } from '../../policy/proof.js';
import { shortfall } from '../../policy/proof.js';
import { SCAN } from '../../policy/types.js';
import { assertCsrf, assertSameOrigin, csrfToken, readForm } from '../form.js';
import { text } from '../gate-error.js';
import { keepingInput } from '../store-unavailable.js';
import type { LoginRouteDeps } from './login-flow.js';
import { prefixOf, seeOther } from './login-flow.js';

export function registerApproveRoutes(router: Router, deps: LoginRouteDeps): void {
  router.get('/approve/:id', (ctx) => showApprove(deps, ctx));
  router.post('/approve/:id', (ctx) => postApprove(deps, ctx));
}

/**
 * Who this phone is signed in as, and what that proves; `bind` ties the page's form to it (CSRF):
 * a digest, so no session id shows in the page.
 */
interface PhoneSignIn {
  user: string;
  bind: string;
  proof: ProofFacts;
}

/** A sign-in made this recently that still falls short will not do better by signing in again: the page says so instead of looping. */
const JUST_SIGNED_IN_MS = 60_000;

/** The phone's session, else its trusted-browser cookie, the first that satisfies the attempt; else what it has. */
async function phoneSignIns(deps: LoginRouteDeps, ctx: Context): Promise<PhoneSignIn[]> {
  const now = deps.clock.now();
  // A store that fails knows no one here: the page asks to sign in (fail closed).
  const session = await deps.sessions.resolve(deps.cookies.session(ctx)).catch(() => undefined);
  const device = await deps.devices.resolve(deps.cookies.device(ctx)).catch(() => undefined);
  const found: PhoneSignIn[] = [];
  if (session) {
    const { proof } = session;
    found.push({
      user: session.user,
      bind: bindTo(deps, `session:${session.id}`),
      proof: {
        sessionAgeMs: now - session.createdAt,
        provenAgeMs: now - proof.at,
        factors: proof.factors,
        deviceAgeMs: proof.deviceTrustedAt === undefined ? undefined : now - proof.deviceTrustedAt,
      },
    });
  }
  // A trusted browser stands in for a code as it would at sign-in: just now, within the rule's trusted_device.
  if (device)
    found.push({
      user: device.user,
      bind: bindTo(deps, `device:${device.id}`),
      proof: { sessionAgeMs: 0, provenAgeMs: 0, factors: ['otp'], deviceAgeMs: now - device.trustedAt },
    });
  return found;
}

const bindTo = (deps: LoginRouteDeps, what: string) => deps.signer.digest('approve-form', what).toString('base64url');

type Standing =
  { kind: 'ok'; signIn: PhoneSignIn } | { kind: 'sign-in' } | { kind: 'not-enough' } | { kind: 'not-yours' };

/** Whether this phone may answer the attempt: the same person, signed in well enough for the desktop's rule. */
async function standing(deps: LoginRouteDeps, ctx: Context, approval: Approval): Promise<Standing> {
  const signIns = await phoneSignIns(deps, ctx);
  if (signIns.length === 0) return { kind: 'sign-in' };
  const theirs = signIns.filter((s) => s.user === approval.user);
  if (theirs.length === 0) return { kind: 'not-yours' };
  const enough = theirs.find((s) => shortfall(approval.requirements, s.proof) === undefined);
  if (enough) return { kind: 'ok', signIn: enough };
  return theirs.some((s) => s.proof.provenAgeMs < JUST_SIGNED_IN_MS) ? { kind: 'not-enough' } : { kind: 'sign-in' };
}

/** The channel the approval came by: a push notification's link says so, else the QR code was scanned. */
const viaOf = (value: unknown): string => (value === 'push' ? 'push' : SCAN);

async function showApprove(deps: LoginRouteDeps, ctx: Context): Promise<void> {
  const id = ctx.params.id ?? '';
  const approval = await deps.approvals.approvals.find(id);
  if (!approval || approval.status !== 'pending') return over(deps, ctx);
  const via = viaOf(ctx.query.via);
  const stood = await standing(deps, ctx, approval);
  if (stood.kind !== 'ok') return notNow(deps, ctx, stood, id, via);
  renderApprove(deps, ctx, approval, stood.signIn, via);
}

function renderApprove(
  deps: LoginRouteDeps,
  ctx: Context,
  approval: Approval,
  signIn: PhoneSignIn,
  via: string,
  failure?: { status: number; error: string },
): void {
  const tr = deps.respond.texts(ctx);
  const path = approvalPath(prefixOf(deps), approval.id);
  deps.respond.page(
    ctx,
    failure?.status ?? 200,
    'approve',
    {
      action: path,
      csrf: csrfToken(deps.signer, `${signIn.bind}:${approval.id}`),
      via,
      app: approval.app,
      browser: approval.browser || tr.t('approve.unknown_browser'),
      ip: approval.ip,
      minutes: Math.max(1, Math.ceil((approval.expiresAt - deps.clock.now()) / 60_000)),
      error: failure?.error,
    },
    { switchHref: `${path}?via=${via}` },
  );
}

/** This phone may not answer (yet): sign in (and come back), or why not. */
function notNow(
  deps: LoginRouteDeps,
  ctx: Context,
  stood: Exclude<Standing, { kind: 'ok' }>,
  id: string,
  via: string,
): void {
  const back = `${approvalPath(prefixOf(deps), id)}?via=${via}`;
  if (stood.kind === 'sign-in') return seeOther(ctx, `${prefixOf(deps)}/login?rd=${encodeURIComponent(back)}`);
  deps.respond.message(ctx, 403, stood.kind === 'not-yours' ? 'approval_not_yours' : 'approval_not_enough', {
    heading: text('approve.heading'),
    text: text(stood.kind === 'not-yours' ? 'approve.not_yours' : 'approve.not_enough'),
  });
}

function over(deps: LoginRouteDeps, ctx: Context): void {
  deps.respond.message(ctx, 410, 'approval_over', { heading: text('approve.heading'), text: text('approve.over') });
}

async function postApprove(deps: LoginRouteDeps, ctx: Context): Promise<void> {
  assertSameOrigin(ctx);
  const form = await readForm(ctx, deps.state().config.server.maxFormBytes);
  const id = ctx.params.id ?? '';
  const via = viaOf(form.via);
  const path = approvalPath(prefixOf(deps), id);
  await keepingInput({ action: path, csrf: form.csrf ?? '' }, async () => {
    const approval = await deps.approvals.approvals.find(id);
    if (!approval || approval.status !== 'pending') return over(deps, ctx);
    const stood = await standing(deps, ctx, approval);
    if (stood.kind !== 'ok') return notNow(deps, ctx, stood, id, via);
    assertCsrf(deps.signer, form, `${stood.signIn.bind}:${id}`, `${path}?via=${via}`);
    const approver: Approver = { user: stood.signIn.user, method: via, ip: deps.context(ctx).facts.ip };
    const decision =
      form.decision === 'deny'
        ? await deps.approvals.approvals.deny(id, approver)
        : await deps.approvals.approvals.approve(id, approver, form.number ?? '');
    answered(deps, ctx, decision);
  });
}

const ANSWERS: Record<Decision['kind'], { status: number; key: string }> = {
  approved: { status: 200, key: 'approve.approved' },
  denied: { status: 200, key: 'approve.denied' },
  'wrong-number': { status: 400, key: 'approve.wrong_number' },
  'not-yours': { status: 403, key: 'approve.not_yours' },
  expired: { status: 410, key: 'approve.over' },
  decided: { status: 410, key: 'approve.over' },
};

function answered(deps: LoginRouteDeps, ctx: Context, decision: Decision): void {
  const answer = ANSWERS[decision.kind];
  deps.respond.message(ctx, answer.status, `approval_${decision.kind.replace('-', '_')}`, {
    heading: text('approve.heading'),
    text: text(answer.key),
  });
}
