// Signing in with a passkey or security key: the page that asks for one (after the name, and the
// password where the rule asks for it), the options its script asks for, checking the answer, and
// the way to a code where the rule also takes codes. On a passwordless rule the sign-in page
// starts the same ceremony without a name (button, or autofill in the name field).
import type Router from '@koa/router';
import type { Context } from 'koa';

import { auditFlowId } from '../../audit/audit-log.js';
import type { User } from '../../directory/types.js';
import type { LoginRule } from '../../policy/login-rule.js';
import { possessionOf, takesCodes, userVerification } from '../../policy/login-rule.js';
import type { Refusal } from '../../webauthn/ceremonies.js';
import { pageOrigin, parseAuthentication } from '../../webauthn/ceremonies.js';
import type { PendingSignIn } from '../../webauthn/pending-sign-ins.js';
import { GateError, text } from '../gate-error.js';
import { safeReturnTo } from '../return-to.js';
import { keepingInput } from '../store-unavailable.js';
import type { LoginRouteDeps, WebauthnParts } from './login-flow.js';
import { csrfFor, flowForm, prefixOf, renderLogin, ruleFor, sendCode, signIn } from './login-flow.js';
import { WEBAUTHN_SCRIPT_PATH } from './status-routes.js';

export function registerWebauthnRoutes(router: Router, deps: LoginRouteDeps): void {
  const parts = deps.webauthn;
  if (!parts) return;
  router.get('/webauthn', (ctx) => showPage(deps, ctx));
  router.post('/webauthn/options', (ctx) => postOptions(deps, parts, ctx));
  router.post('/webauthn/verify', (ctx) => postVerify(deps, parts, ctx));
  router.post('/webauthn/code', (ctx) => postCode(deps, parts, ctx));
}

const expiredLogin = (deps: LoginRouteDeps, ctx: Context, flowId: string) =>
  renderLogin(deps, ctx, { flowId, rd: '/', error: deps.respond.texts(ctx).t('code.expired') });

async function showPage(deps: LoginRouteDeps, ctx: Context): Promise<void> {
  const flowId = deps.cookies.flowId(ctx);
  const pending = flowId && (await deps.webauthn!.pending.find(flowId));
  if (!flowId || !pending) return expiredLogin(deps, ctx, flowId ?? deps.cookies.startFlow(ctx));
  renderPage(deps, ctx, flowId, pending);
}

function renderPage(
  deps: LoginRouteDeps,
  ctx: Context,
  flowId: string,
  pending: PendingSignIn,
  failure?: { status: number; error: string },
): void {
  const prefix = prefixOf(deps);
  const codes = takesCodes(ruleFor(deps, ctx, pending.returnTo)) && pending.identifier !== '';
  deps.respond.page(
    ctx,
    failure?.status ?? 200,
    'webauthn',
    {
      csrf: csrfFor(deps, flowId),
      options_action: `${prefix}/webauthn/options`,
      verify_action: `${prefix}/webauthn/verify`,
      code_action: codes ? `${prefix}/webauthn/code` : undefined,
      restart_href: `${prefix}/login?rd=${encodeURIComponent(pending.returnTo)}`,
      script: `${prefix}${WEBAUTHN_SCRIPT_PATH}`,
      error: failure?.error,
    },
    { switchHref: `${prefix}/webauthn` },
  );
}

/** The browser's options: the person's credentials, or none for a passkey sign-in without a name. */
async function postOptions(deps: LoginRouteDeps, parts: WebauthnParts, ctx: Context): Promise<void> {
  const { flowId, form } = await flowForm(deps, ctx);
  ctx.type = 'application/json';
  const pending =
    form.mode === 'passkey' ? await passwordless(deps, ctx, flowId, form.rd) : await parts.pending.find(flowId);
  if (!pending) {
    ctx.status = 409;
    ctx.body = { message: deps.respond.texts(ctx).t('code.expired'), location: `${prefixOf(deps)}/login` };
    return;
  }
  const rule = ruleFor(deps, ctx, pending.returnTo);
  const allow = pending.user ? await parts.credentials.list(pending.user) : [];
  ctx.body = await parts.ceremonies.authenticationOptions({
    bind: flowId,
    // Someone unknown is offered a key that exists nowhere, so the page looks the same as for anyone.
    allow:
      pending.user || pending.identifier === '' ? allow : [{ id: decoyId(deps, pending.identifier), transports: [] }],
    userVerification: userVerification(rule),
  });
}

/** A passkey sign-in that starts without a name, only where the rule signs in with a passkey alone. */
async function passwordless(
  deps: LoginRouteDeps,
  ctx: Context,
  flowId: string,
  rd: string | undefined,
): Promise<PendingSignIn> {
  const returnTo = safeReturnTo(rd, deps.state().findApp);
  if (possessionOf(ruleFor(deps, ctx, returnTo)) !== 'passkey')
    throw new GateError(403, 'passwordless_not_allowed', {
      heading: text('webauthn.heading'),
      text: text('webauthn.error_not_here'),
    });
  const pending = { user: undefined, identifier: '', returnTo, proven: [] };
  await deps.webauthn!.pending.save(flowId, pending);
  return pending;
}

function decoyId(deps: LoginRouteDeps, identifier: string): string {
  return deps.signer.digest('webauthn-decoy', identifier.toLowerCase()).toString('base64url');
}

async function postVerify(deps: LoginRouteDeps, parts: WebauthnParts, ctx: Context): Promise<void> {
  const { flowId, form } = await flowForm(deps, ctx);
  await keepingInput({ action: `${prefixOf(deps)}/webauthn`, csrf: form.csrf ?? '' }, async () => {
    const pending = await parts.pending.find(flowId);
    if (!pending) return expiredLogin(deps, ctx, flowId);
    const rule = ruleFor(deps, ctx, pending.returnTo);
    const outcome = await check(deps, parts, ctx, { flowId, pending, rule, response: form.response ?? '' });
    if (!outcome.ok) {
      const tr = deps.respond.texts(ctx);
      deps.audit.record({
        event: outcome.refusal === 'cloned' ? 'webauthn_cloned' : 'login',
        user: outcome.user,
        ip: deps.context(ctx).facts.ip,
        rule: rule.name,
        flow: auditFlowId(flowId),
        outcome: outcome.refusal === 'cloned' ? 'refused' : 'fail',
        channel: 'webauthn',
        reason: outcome.refusal,
      });
      return renderPage(deps, ctx, flowId, pending, {
        status: 400,
        error: tr.t(`webauthn.refused_${outcome.refusal}`),
      });
    }
    await parts.pending.end(flowId);
    await signIn(deps, ctx, {
      user: outcome.user,
      proof: { factors: [...pending.proven, outcome.userVerified ? 'passkey' : 'webauthn'], method: 'webauthn' },
      rule: rule.name,
      returnTo: pending.returnTo,
      flowId,
    });
  });
}

type Checked =
  | { ok: true; user: User; userVerified: boolean }
  | { ok: false; refusal: Refusal | 'unknown'; user: string | undefined };

/** The answer checked against the credential it names, which must be the person's own. */
async function check(
  deps: LoginRouteDeps,
  parts: WebauthnParts,
  ctx: Context,
  { flowId, pending, rule, response }: { flowId: string; pending: PendingSignIn; rule: LoginRule; response: string },
): Promise<Checked> {
  const answer = parseAuthentication(response);
  if (!answer) return { ok: false, refusal: 'unreadable', user: pending.user };
  const owner = pending.user ?? (pending.identifier === '' ? await parts.credentials.owner(answer.id) : undefined);
  const credential = owner && (await parts.credentials.list(owner)).find((c) => c.id === answer.id);
  const user = owner && deps.state().directory.find(owner);
  if (!owner || !credential || !user) return { ok: false, refusal: 'unknown', user: owner };
  const origin = pageOrigin(deps.context(ctx).proto, ctx.get('host'), deps.state().config.webauthn?.rpId ?? '');
  if (!origin) return { ok: false, refusal: 'origin', user: owner };
  const verified = await parts.ceremonies.verifyAuthentication({
    bind: flowId,
    response: answer,
    origin,
    credential,
    userVerification: userVerification(rule),
  });
  if (!verified.ok) return { ok: false, refusal: verified.refusal, user: owner };
  await parts.credentials.recordUse(owner, credential.id, verified.counter, deps.clock.now());
  return { ok: true, user, userVerified: verified.userVerified };
}

/** A code instead, where the rule also takes codes. */
async function postCode(deps: LoginRouteDeps, parts: WebauthnParts, ctx: Context): Promise<void> {
  const { flowId, form } = await flowForm(deps, ctx);
  await keepingInput({ action: `${prefixOf(deps)}/webauthn/code`, csrf: form.csrf ?? '' }, async () => {
    const pending = await parts.pending.find(flowId);
    if (!pending) return expiredLogin(deps, ctx, flowId);
    const rule = ruleFor(deps, ctx, pending.returnTo);
    if (!takesCodes(rule) || pending.identifier === '') {
      return renderPage(deps, ctx, flowId, pending, {
        status: 400,
        error: deps.respond.texts(ctx).t('webauthn.error_no_codes'),
      });
    }
    await parts.pending.end(flowId);
    await sendCode(deps, ctx, {
      flowId,
      rd: pending.returnTo,
      identifier: pending.identifier,
      rule,
      proven: pending.proven,
    });
  });
}
