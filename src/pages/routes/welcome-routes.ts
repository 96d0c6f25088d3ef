// The welcome step of open enrolment (issue 21): a person who has just proven a number nobody knew
// is asked, once, what to call them. Their sign-in is held meanwhile (session/held-sign-ins.ts)
// and made when they answer; leaving the name empty keeps their number as their name.
import type Router from '@koa/router';
import type { Context } from 'koa';

import { MAX_DISPLAY_NAME } from '../../challenge/enrolled-people.js';
import type { HeldSignIn } from '../../session/held-sign-ins.js';
import { csrfToken } from '../form.js';
import { keepingInput } from '../store-unavailable.js';
import { codeExpired } from './flow-errors.js';
import type { LoginRouteDeps } from './login-flow.js';
import { flowForm, prefixOf, signIn, userNamed } from './login-flow.js';

export function registerWelcomeRoutes(router: Router, deps: LoginRouteDeps): void {
  router.get('/welcome', (ctx) => showWelcome(deps, ctx));
  router.post('/welcome', (ctx) => postWelcome(deps, ctx));
}

/** Holds the proven sign-in and shows the name page. */
export async function askName(deps: LoginRouteDeps, ctx: Context, flowId: string, pending: HeldSignIn): Promise<void> {
  await deps.held.hold(flowId, pending);
  renderWelcome(deps, ctx, flowId);
}

function renderWelcome(deps: LoginRouteDeps, ctx: Context, flowId: string): void {
  deps.respond.page(ctx, 200, 'welcome', {
    action: `${prefixOf(deps)}/welcome`,
    csrf: csrfToken(deps.signer, flowId),
    max_length: MAX_DISPLAY_NAME,
  });
}

/** The page again (a reload): only while a sign-in is held for this flow. */
async function showWelcome(deps: LoginRouteDeps, ctx: Context): Promise<void> {
  const flowId = deps.cookies.flowId(ctx);
  if (!flowId || !(await deps.held.has(flowId))) throw codeExpired(prefixOf(deps));
  renderWelcome(deps, ctx, flowId);
}

async function postWelcome(deps: LoginRouteDeps, ctx: Context): Promise<void> {
  const { flowId, form } = await flowForm(deps, ctx);
  // A retry after the store failed posts no name: the person is shown by their number until they sign in again.
  await keepingInput({ action: `${prefixOf(deps)}/welcome`, csrf: form.csrf ?? '' }, async () => {
    const pending = await deps.held.take(flowId);
    if (!pending) throw codeExpired(prefixOf(deps));
    const name = (form.name ?? '').trim();
    if (name) await deps.people.rename(pending.user, name);
    // As the person is now: removed meanwhile is no sign-in; promoted to the users file is that user.
    const user = await userNamed(deps, pending.user);
    if (!user) throw codeExpired(prefixOf(deps));
    await signIn(deps, ctx, { user, proof: pending.proof, rule: pending.rule, returnTo: pending.returnTo, flowId });
  });
}
