// Personal access tokens on the account page: a signed-in person sees, makes and revokes their
// own. Making one needs a recent sign-in (account.reauth_within), as changing a factor does: a
// browser left signed in must not be enough to mint a credential that outlives its session.
// The token text is shown once, in the page that answers the form, and kept nowhere.
import type Router from '@koa/router';
import type { Context } from 'koa';

import type { Session } from '../../session/sessions.js';
import type { AccessToken, Tokens } from '../../session/tokens.js';
import { TokenNameTaken } from '../../session/tokens.js';
import { csrfToken } from '../form.js';
import type { SignedIn } from '../signed-in.js';
import type { TemplateValues } from '../templates.js';
import type { AccountRouteDeps, AccountSection } from './account-routes.js';
import { accountPage } from './account-routes.js';

export interface TokenRouteDeps extends AccountRouteDeps {
  tokens: Tokens;
  signedIn: SignedIn;
}

/** The lifetimes a person may choose, in days. */
export const PERSONAL_TOKEN_DAYS = [7, 30, 90, 365] as const;
const DAY = 86_400_000;
const PURPOSE = 'tokens';
const NAME = /^[\p{L}\p{N}][\p{L}\p{N} ._-]{0,39}$/u;

/** What the form that answered left for the page: the new token's text, or what was wrong. */
interface Shown {
  created?: { name: string; text: string };
  error?: string;
}
const shownOn = new WeakMap<Context, Shown>();

export function tokensAccountSection(
  deps: Pick<TokenRouteDeps, 'tokens' | 'state' | 'signer' | 'respond'>,
): AccountSection {
  const prefix = () => deps.state().config.server.pathPrefix;
  return {
    name: 'tokens',
    async values(ctx, session) {
      const own = await deps.tokens.list(session.user);
      const shown = shownOn.get(ctx) ?? {};
      const tr = deps.respond.texts(ctx);
      const values: TemplateValues = {
        list: own.map((t) => row(t)),
        none: own.length === 0,
        create_action: `${prefix()}/account/tokens`,
        revoke_action: `${prefix()}/account/tokens/revoke`,
        csrf: csrfToken(deps.signer, `${PURPOSE}:${session.id}`),
        apps: deps.state().config.apps.map((a, i) => ({ field: `app_${i}`, name: a.name })),
        lifetimes: PERSONAL_TOKEN_DAYS.map((days) => ({
          days,
          label: tr.t('tokens.days', { days: String(days) }),
          selected: days === 90,
        })),
      };
      if (shown.created) values.created = [shown.created];
      if (shown.error) values.error = shown.error;
      return values;
    },
  };
}

const row = (t: AccessToken) => ({
  id: t.id,
  name: t.name,
  apps: t.apps.join(', '),
  expires: new Date(t.expiresAt).toISOString().slice(0, 10),
});

export function registerTokenRoutes(router: Router, deps: TokenRouteDeps): void {
  const prefix = () => deps.state().config.server.pathPrefix;
  const account = () => `${prefix()}/account`;
  const render = accountPage(deps);
  const again = (ctx: Context, session: Session, shown: Shown, status: number) => {
    shownOn.set(ctx, shown);
    return render(ctx, session, status);
  };
  const record = (ctx: Context, event: 'token_created' | 'token_revoked', session: Session, token: AccessToken) =>
    deps.audit.record({
      event,
      user: session.user,
      ip: deps.context(ctx).facts.ip,
      outcome: 'ok',
      token: token.name,
      tokenId: token.id,
      app: token.apps.join(','),
    });

  router.post('/account/tokens', async (ctx) => {
    const { session, form } = await deps.signedIn.form(ctx, `${prefix()}/account/tokens`, PURPOSE);
    if (!session || !deps.signedIn.isRecent(session, deps.state().config.account.reauthWithin))
      return deps.signedIn.toSignIn(ctx, account());
    const tr = deps.respond.texts(ctx);
    const name = (form.name ?? '').trim();
    const known = deps.state().config.apps.map((a) => a.name);
    const apps = Object.entries(form)
      .filter(([field, value]) => field.startsWith('app_') && known.includes(value))
      .map(([, value]) => value);
    const days = Number(form.days);
    if (!NAME.test(name)) return again(ctx, session, { error: tr.t('tokens.error_name') }, 400);
    if (apps.length === 0) return again(ctx, session, { error: tr.t('tokens.error_apps') }, 400);
    if (!(PERSONAL_TOKEN_DAYS as readonly number[]).includes(days))
      return again(ctx, session, { error: tr.t('tokens.error_days') }, 400);
    try {
      const { token, text } = await deps.tokens.create({
        kind: 'personal',
        name,
        user: session.user,
        apps,
        groups: [],
        lifetimeMs: days * DAY,
      });
      record(ctx, 'token_created', session, token);
      ctx.set('Cache-Control', 'no-store');
      return again(ctx, session, { created: { name, text } }, 201);
    } catch (err) {
      if (!(err instanceof TokenNameTaken)) throw err;
      return again(ctx, session, { error: tr.t('tokens.error_taken', { name }) }, 409);
    }
  });

  router.post('/account/tokens/revoke', async (ctx) => {
    const { session, form } = await deps.signedIn.form(ctx, `${prefix()}/account/tokens/revoke`, PURPOSE);
    if (!session) return deps.signedIn.toSignIn(ctx, account());
    // Only one's own: a token id of someone else's is as good as unknown here.
    const token = (await deps.tokens.list(session.user)).find((t) => t.id === form.id);
    if (token) {
      await deps.tokens.revoke(token.id);
      record(ctx, 'token_revoked', session, token);
    }
    ctx.redirect(account());
    ctx.status = 303;
  });
}
