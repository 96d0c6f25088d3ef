// The code steps of the sign-in flow: the code page, a new code, and checking the one typed.
import type Router from '@koa/router';
import type { Context } from 'koa';

import { keepingInput } from '../store-unavailable.js';
import { codeExpired, lockedOut, refusalText } from './flow-errors.js';
import type { LoginRouteDeps } from './login-flow.js';
import { flowForm, prefixOf, renderCode, renderLogin, seeOther, signIn, signInAgain } from './login-flow.js';

export function registerCodeRoutes(router: Router, deps: LoginRouteDeps): void {
  router.get('/code', (ctx) => showCode(deps, ctx));
  router.post('/resend', (ctx) => postResend(deps, ctx));
  router.post('/verify', (ctx) => postVerify(deps, ctx));
}

async function showCode(deps: LoginRouteDeps, ctx: Context): Promise<void> {
  const flowId = deps.cookies.flowId(ctx);
  const view = flowId && (await deps.challenges.view(flowId));
  if (!flowId || !view) {
    return renderLogin(deps, ctx, {
      flowId: flowId ?? deps.cookies.startFlow(ctx),
      rd: '/',
      error: deps.respond.texts(ctx).t('code.expired'),
    });
  }
  await renderCode(deps, ctx, { flowId, view });
}

async function postResend(deps: LoginRouteDeps, ctx: Context): Promise<void> {
  const { flowId, form } = await flowForm(deps, ctx);
  await keepingInput({ action: `${prefixOf(deps)}/resend`, csrf: form.csrf ?? '' }, () =>
    resend(deps, ctx, { flowId, channel: form.channel }),
  );
}

/** A new code; `channel`, when the person picked one of the rule's other channels, goes first. */
async function resend(
  deps: LoginRouteDeps,
  ctx: Context,
  { flowId, channel }: { flowId: string; channel: string | undefined },
): Promise<void> {
  const rc = deps.context(ctx);
  const tr = deps.respond.texts(ctx);
  const result = await deps.challenges.resend({
    flowId,
    ip: rc.facts.ip,
    host: rc.facts.host,
    channel,
    locale: tr.locale,
  });
  if (!result) return renderLogin(deps, ctx, { flowId, rd: '/', error: tr.t('code.expired') });
  if (!result.ok) {
    const error = refusalText(tr, result.refusal);
    const view = await deps.challenges.view(flowId);
    if (view) return renderCode(deps, ctx, { flowId, view, status: 429, error });
    return renderLogin(deps, ctx, { flowId, rd: '/', status: 429, error });
  }
  seeOther(ctx, `${prefixOf(deps)}/code`);
}

async function postVerify(deps: LoginRouteDeps, ctx: Context): Promise<void> {
  const { flowId, form } = await flowForm(deps, ctx);
  await keepingInput({ action: `${prefixOf(deps)}/verify`, csrf: form.csrf ?? '', code: form.code ?? '' }, () =>
    verify(deps, ctx, { flowId, form }),
  );
}

async function verify(
  deps: LoginRouteDeps,
  ctx: Context,
  { flowId, form }: { flowId: string; form: Record<string, string> },
): Promise<void> {
  const rc = deps.context(ctx);
  const result = await deps.challenges.verify({ flowId, code: form.code ?? '', ip: rc.facts.ip });
  switch (result.kind) {
    case 'login': {
      if (form.trust === '1' && result.trustDeviceMs !== undefined) {
        deps.cookies.setDevice(
          ctx,
          await deps.devices.trust(result.user.username, result.trustDeviceMs),
          result.trustDeviceMs,
        );
      }
      const proof = { factors: result.factors, method: result.method };
      return signIn(deps, ctx, { user: result.user, proof, rule: result.rule, returnTo: result.returnTo, flowId });
    }
    case 'wrong':
      return codePageAgain(deps, ctx, {
        flowId,
        rd: form.rd,
        error: deps.respond.texts(ctx).plural('code.wrong', result.triesLeft, { tries: result.triesLeft }),
      });
    case 'code-dead':
      return codePageAgain(deps, ctx, { flowId, rd: form.rd, error: deps.respond.texts(ctx).t('code.dead') });
    case 'expired':
      throw codeExpired(signInAgain(deps, form.rd));
    case 'locked':
      throw lockedOut(deps.respond.texts(ctx), result.retryAfterMs, prefixOf(deps));
  }
}

/** The code page again with what was wrong with the code, while the challenge lives. */
async function codePageAgain(
  deps: LoginRouteDeps,
  ctx: Context,
  { flowId, rd, error }: { flowId: string; rd: string | undefined; error: string },
): Promise<void> {
  const view = await deps.challenges.view(flowId);
  if (!view) throw codeExpired(signInAgain(deps, rd));
  await renderCode(deps, ctx, { flowId, view, status: 400, error });
}
