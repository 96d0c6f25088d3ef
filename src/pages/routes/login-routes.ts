// The challenge flow a person walks through: identify (with a password where the rule asks for
// one) → code (sent, or from an authenticator app; skipped on a browser the rule trusts) → back to
// where they were going, with the request they were making when it was a form post (step-up).
// These are the sign-in steps; the code steps are in code-routes.ts.
import type Router from '@koa/router';
import type { Context } from 'koa';

import type { LoginRule } from '../../policy/login-rule.js';
import { approvalFirst, asksPassword, offersWebauthn, takesCodes } from '../../policy/login-rule.js';
import type { Proof } from '../../session/sessions.js';
import { safeReturnTo } from '../return-to.js';
import { keepingInput } from '../store-unavailable.js';
import { approvalReaches } from './approval-reach.js';
import { lockedOut } from './flow-errors.js';
import type { LoginRouteDeps } from './login-flow.js';
import {
  deviceProof,
  flowForm,
  prefixOf,
  renderLogin,
  ruleFor,
  seeOther,
  sendCode,
  signIn,
  trustedBrowser,
} from './login-flow.js';
import { startApproval } from './scan-routes.js';

export function registerLoginRoutes(router: Router, deps: LoginRouteDeps): void {
  router.get('/login', (ctx) => showLogin(deps, ctx));
  router.post('/login', (ctx) => postLogin(deps, ctx));
  router.post('/login/device', (ctx) => continueAsTrusted(deps, ctx));
}

async function showLogin(deps: LoginRouteDeps, ctx: Context): Promise<void> {
  const rd = safeReturnTo(ctx.query.rd, deps.state().findApp);
  const flowId = deps.cookies.flowId(ctx) ?? deps.cookies.startFlow(ctx);
  await renderLogin(deps, ctx, { flowId, rd });
}

async function postLogin(deps: LoginRouteDeps, ctx: Context): Promise<void> {
  const { flowId, form } = await flowForm(deps, ctx);
  const rd = safeReturnTo(form.rd, deps.state().findApp);
  const identifier = (form.identifier ?? '').trim();
  if (identifier.length === 0 || identifier.length > 100) {
    return renderLogin(deps, ctx, {
      flowId,
      rd,
      status: 400,
      error: deps.respond.texts(ctx).t('login.error_empty'),
      identifier: identifier.slice(0, 100),
    });
  }
  // The password is never put back into a retry form.
  const retry = { action: `${prefixOf(deps)}/login`, csrf: form.csrf ?? '', rd, identifier };
  await keepingInput(retry, () => identify(deps, ctx, { flowId, rd, identifier, password: form.password }));
}

interface Identify {
  flowId: string;
  rd: string;
  identifier: string;
  password: string | undefined;
}

/** The password where the rule asks for one (a trusted browser then skips the code), else a code sent. */
async function identify(
  deps: LoginRouteDeps,
  ctx: Context,
  { flowId, rd, identifier, password }: Identify,
): Promise<void> {
  const rc = deps.context(ctx);
  const rule = ruleFor(deps, ctx, rd);
  const tr = deps.respond.texts(ctx);
  const proven: Array<Proof['factors'][number]> = [];
  if (asksPassword(rule)) {
    const checked = await deps.challenges.checkPassword({
      identifier,
      password: password ?? '',
      ip: rc.facts.ip,
      rule: rule.name,
    });
    if (checked.kind === 'locked') throw lockedOut(tr, checked.retryAfterMs, prefixOf(deps));
    if (checked.kind === 'wrong')
      return renderLogin(deps, ctx, { flowId, rd, status: 400, error: tr.t('login.error_password'), identifier });
    const trusted = await trustedBrowser(deps, ctx, rule, 'after-password');
    if (trusted?.user.username === checked.user.username) {
      return signIn(deps, ctx, {
        user: checked.user,
        proof: deviceProof(trusted.device, ['password', 'otp']),
        rule: rule.name,
        returnTo: rd,
        flowId,
      });
    }
    proven.push('password');
  }
  if (await offersPasskey(deps, rule, identifier)) {
    await deps.webauthn!.pending.save(flowId, {
      user: deps.state().directory.lookup(identifier).user?.username,
      identifier,
      returnTo: rd,
      proven,
    });
    return seeOther(ctx, `${prefixOf(deps)}/webauthn`);
  }
  // A rule listing an approval channel first (scan, whatsapp_reply, push) sends no code until asked.
  if (approvalFirst(rule) && (await approvalReaches(deps, rule, identifier)))
    return startApproval(deps, ctx, { flowId, rd, identifier, rule, proven });
  await sendCode(deps, ctx, { flowId, rd, identifier, rule, proven });
}

/**
 * A passkey or security key comes first where the rule takes one and the person has one; where
 * the rule asks for one, always (someone without one is told how to add one).
 */
async function offersPasskey(deps: LoginRouteDeps, rule: LoginRule, identifier: string): Promise<boolean> {
  if (!deps.webauthn || !offersWebauthn(rule)) return false;
  if (!takesCodes(rule)) return true;
  const user = deps.state().directory.lookup(identifier).user;
  return user !== undefined && (await deps.webauthn.credentials.list(user.username)).length > 0;
}

/** "Continue as …" on a trusted browser: no code, where the rule honours the trust. */
async function continueAsTrusted(deps: LoginRouteDeps, ctx: Context): Promise<void> {
  const { flowId, form } = await flowForm(deps, ctx);
  const rd = safeReturnTo(form.rd, deps.state().findApp);
  const rule = ruleFor(deps, ctx, rd);
  await keepingInput({ action: `${prefixOf(deps)}/login/device`, csrf: form.csrf ?? '', rd }, async () => {
    const trusted = await trustedBrowser(deps, ctx, rule, 'continue-as');
    if (!trusted)
      return renderLogin(deps, ctx, {
        flowId,
        rd,
        status: 400,
        error: deps.respond.texts(ctx).t('login.error_device'),
      });
    await signIn(deps, ctx, {
      user: trusted.user,
      proof: deviceProof(trusted.device, ['otp']),
      rule: rule.name,
      returnTo: rd,
      flowId,
    });
  });
}
