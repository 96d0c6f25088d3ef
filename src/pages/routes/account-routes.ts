// The signed-in person's own page: who they are, how they signed in, and one section per thing
// they manage themselves (authenticator app, and whatever else registers a section). Each section
// fills its own part of templates/account.html; changes happen on the section's own routes, behind
// the recent-sign-in guard of signed-in.ts.
import type Router from '@koa/router';
import type { Context } from 'koa';

import type { Translator } from '../../i18n/locales.js';
import type { Session } from '../../session/sessions.js';
import { csrfToken } from '../form.js';
import type { SignedIn } from '../signed-in.js';
import type { TemplateValues } from '../templates.js';
import type { LogoutRouteDeps } from './logout-routes.js';

/** One part of the account page, named as its block in templates/account.html. */
export interface AccountSection {
  name: string;
  /** Its values for this person, or undefined to leave it out (e.g. its config section is absent). */
  values(ctx: Context, session: Session): TemplateValues | undefined | Promise<TemplateValues | undefined>;
}

export interface AccountRouteDeps extends LogoutRouteDeps {
  signedIn: SignedIn;
  sections: readonly AccountSection[];
}

export function registerAccountRoutes(router: Router, deps: AccountRouteDeps): void {
  const prefix = () => deps.state().config.server.pathPrefix;
  const render = accountPage(deps);

  router.get('/account', async (ctx) => {
    const session = await deps.signedIn.session(ctx);
    if (!session) return deps.signedIn.toSignIn(ctx, `${prefix()}/account`);
    await render(ctx, session);
  });
}

/** Renders the account page for a session; a section's own POST uses it to answer with the page (status). */
export function accountPage(deps: Omit<AccountRouteDeps, 'sessions' | 'cookies' | 'audit' | 'context'>) {
  const prefix = () => deps.state().config.server.pathPrefix;
  return async (ctx: Context, session: Session, status = 200): Promise<void> => {
    const values: TemplateValues = {
      user: session.user,
      method: session.proof.method,
      reauth_minutes: Math.max(1, Math.round(deps.state().config.account.reauthWithin / 60_000)),
      // Signing out from here is the same form as the sign-out page's, bound the same way.
      logout_action: `${prefix()}/logout`,
      logout_csrf: csrfToken(deps.signer, `logout:${session.id}`),
    };
    for (const section of deps.sections) {
      const own = await section.values(ctx, session);
      if (own) values[section.name] = [own];
    }
    deps.respond.page(ctx, status, 'account', values);
  };
}

/**
 * "Added 5 Dec 2026, 10:00 UTC · last used …" for a row of the account page (a key, a device):
 * `keys.used` with {added} and {used}, or `keys.never` with {added} alone.
 */
export function addedAndUsed(
  tr: Translator,
  keys: { used: string; never: string },
  createdAt: number,
  lastUsedAt: number | undefined,
): string {
  const when = new Intl.DateTimeFormat(tr.locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });
  const added = `${when.format(createdAt)} UTC`;
  return lastUsedAt === undefined
    ? tr.t(keys.never, { added })
    : tr.t(keys.used, { added, used: `${when.format(lastUsedAt)} UTC` });
}

/**
 * What a section's change routes share: the account page's path, whether a sign-in is recent
 * enough to change something there (account.reauth_within, read at each request), and the 303
 * back to the page after a change.
 */
export function accountChanges(deps: Pick<AccountRouteDeps, 'state' | 'signedIn'>) {
  const page = () => `${deps.state().config.server.pathPrefix}/account`;
  return {
    page,
    isRecent: (session: Session) => deps.signedIn.isRecent(session, deps.state().config.account.reauthWithin),
    back(ctx: Context): void {
      ctx.redirect(page());
      ctx.status = 303;
    },
  };
}
