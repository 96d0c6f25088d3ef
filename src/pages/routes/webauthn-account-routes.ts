// A signed-in person's passkeys and security keys: their section of the account page (each with
// its name, when it was added and last used, and a remove button), adding one (the options the
// page's script asks for, then the browser's answer), and removing one. Adding and removing need a
// recent sign-in (account.reauth_within), like every change on the account page.
import type Router from '@koa/router';
import type { Context } from 'koa';

import type { Clock } from '../../shared/clock.js';
import { pageOrigin } from '../../webauthn/ceremonies.js';
import { csrfToken } from '../form.js';
import type { TemplateValues } from '../templates.js';
import type { AccountRouteDeps, AccountSection } from './account-routes.js';
import { accountChanges, addedAndUsed } from './account-routes.js';
import type { WebauthnParts } from './login-flow.js';
import { WEBAUTHN_SCRIPT_PATH } from './status-routes.js';

export interface WebauthnAccountDeps extends Omit<AccountRouteDeps, 'sections'> {
  webauthn?: WebauthnParts | undefined;
  clock: Clock;
}

const PURPOSE = 'webauthn';
const NAME_MAX = 60;

/** The person's handle in their credentials: stable and opaque (authenticators may show or sync it). */
const userHandle = (deps: WebauthnAccountDeps, user: string) =>
  deps.signer.digest('webauthn-user', user).subarray(0, 16);

export function webauthnAccountSection(deps: WebauthnAccountDeps): AccountSection {
  return {
    name: 'webauthn',
    async values(ctx, session) {
      if (!deps.webauthn) return undefined;
      const prefix = deps.state().config.server.pathPrefix;
      const tr = deps.respond.texts(ctx);
      const keys = { used: 'account.webauthn_used', never: 'account.webauthn_never_used' };
      const credentials: TemplateValues[] = (await deps.webauthn.credentials.list(session.user)).map((c) => ({
        id: c.id,
        name: c.name,
        used: addedAndUsed(tr, keys, c.createdAt, c.lastUsedAt),
        remove_label: tr.t('account.webauthn_remove_label', { name: c.name }),
      }));
      return {
        credentials,
        csrf: csrfToken(deps.signer, deps.signedIn.binding(PURPOSE, session)),
        add_action: `${prefix}/webauthn/add`,
        options_action: `${prefix}/webauthn/add/options`,
        remove_action: `${prefix}/webauthn/remove`,
        script: `${prefix}${WEBAUTHN_SCRIPT_PATH}`,
      };
    },
  };
}

export function registerWebauthnAccountRoutes(router: Router, deps: WebauthnAccountDeps): void {
  const parts = deps.webauthn;
  if (!parts) return;
  const prefix = () => deps.state().config.server.pathPrefix;
  const { page: accountPage, isRecent, back } = accountChanges(deps);
  const origin = (ctx: Context) =>
    pageOrigin(deps.context(ctx).proto, ctx.get('host'), deps.state().config.webauthn?.rpId ?? '');
  const record = (
    ctx: Context,
    event: 'webauthn_added' | 'webauthn_removed',
    user: string,
    ok: boolean,
    reason?: string,
  ) =>
    deps.audit.record({
      event,
      user,
      ip: deps.context(ctx).facts.ip,
      outcome: ok ? 'ok' : 'fail',
      channel: 'webauthn',
      reason,
    });

  router.post('/webauthn/add/options', async (ctx) => {
    const { session } = await deps.signedIn.form(ctx, `${prefix()}/webauthn/add/options`, PURPOSE);
    ctx.type = 'application/json';
    if (!session || !isRecent(session)) {
      // The script goes to sign in again, and back to the account page.
      ctx.status = 401;
      ctx.body = { location: `${prefix()}/login?rd=${encodeURIComponent(accountPage())}` };
      return;
    }
    const user = deps.state().directory.find(session.user);
    ctx.body = await parts.ceremonies.registrationOptions({
      bind: session.id,
      user: session.user,
      displayName: user?.name ?? session.user,
      userHandle: userHandle(deps, session.user),
      existing: await parts.credentials.list(session.user),
    });
  });

  router.post('/webauthn/add', async (ctx) => {
    const { session, form } = await deps.signedIn.form(ctx, `${prefix()}/webauthn/add`, PURPOSE);
    if (!session || !isRecent(session)) return deps.signedIn.toSignIn(ctx, accountPage());
    const tr = deps.respond.texts(ctx);
    const name = (form.name ?? '').trim().slice(0, NAME_MAX) || tr.t('account.webauthn_unnamed');
    const at = origin(ctx);
    const added = at
      ? await parts.ceremonies.verifyRegistration({
          bind: session.id,
          response: form.response ?? '',
          origin: at,
          name,
          now: deps.clock.now(),
        })
      : ({ ok: false, refusal: 'origin' } as const);
    if (!added.ok) {
      record(ctx, 'webauthn_added', session.user, false, added.refusal);
      return deps.respond.message(ctx, 400, 'webauthn_not_added', {
        heading: { key: 'account.webauthn_not_added_heading' },
        text: { key: `webauthn.refused_${added.refusal}` },
        link: { href: accountPage(), text: { key: 'account.back' } },
      });
    }
    await parts.credentials.add(session.user, added.credential);
    record(ctx, 'webauthn_added', session.user, true);
    back(ctx);
  });

  router.post('/webauthn/remove', async (ctx) => {
    const { session, form } = await deps.signedIn.form(ctx, `${prefix()}/webauthn/remove`, PURPOSE);
    if (!session || !isRecent(session)) return deps.signedIn.toSignIn(ctx, accountPage());
    if (await parts.credentials.remove(session.user, form.id ?? ''))
      record(ctx, 'webauthn_removed', session.user, true);
    back(ctx);
  });
}
