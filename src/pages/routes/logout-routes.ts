// Signing out: GET shows a button (a link must not be able to sign someone out), POST revokes
// the session server-side so the cookie is dead everywhere, not just forgotten by this browser.
import type Router from '@koa/router';
import type { Context } from 'koa';

import type { AuditLog } from '../../audit/audit-log.js';
import type { GateState } from '../../http/gate-state.js';
import type { RequestContext } from '../../http/request-context.js';
import type { Sessions } from '../../session/sessions.js';
import type { Signer } from '../../session/signer.js';
import type { GateCookies } from '../cookies.js';
import { assertCsrf, assertSameOrigin, csrfToken, readForm } from '../form.js';
import { text } from '../gate-error.js';
import type { Responder } from '../respond.js';
import { safeReturnTo } from '../return-to.js';
import { keepingInput } from '../store-unavailable.js';

export interface LogoutRouteDeps {
  state: () => GateState;
  sessions: Sessions;
  cookies: GateCookies;
  signer: Signer;
  respond: Responder;
  audit: AuditLog;
  context: (ctx: Context) => RequestContext;
}

export function registerLogoutRoutes(router: Router, deps: LogoutRouteDeps): void {
  const prefix = () => deps.state().config.server.pathPrefix;
  // `rd`: where the person was going when they chose to sign out (e.g. "sign in as someone else"
  // on a page their account may not open), kept so the next sign-in leads there.
  const destination = (rd: unknown) => safeReturnTo(rd, deps.state().findApp);
  const signedOut = (rd: string) => ({
    heading: text('message.signed_out_heading'),
    text: text('message.signed_out_text'),
    link: { href: `${prefix()}/login?rd=${encodeURIComponent(rd)}`, text: text('message.sign_in_again') },
  });

  router.get('/logout', async (ctx) => {
    const rd = destination(ctx.query.rd);
    const session = await deps.sessions.resolve(deps.cookies.session(ctx));
    if (!session) return deps.respond.message(ctx, 200, 'signed_out', signedOut(rd));
    deps.respond.page(ctx, 200, 'logout', {
      user: session.user,
      rd,
      action: `${prefix()}/logout`,
      csrf: csrfToken(deps.signer, `logout:${session.id}`),
      // Where people look for their account once signed in.
      account_href: `${prefix()}/account`,
    });
  });

  router.post('/logout', async (ctx) => {
    assertSameOrigin(ctx);
    const form = await readForm(ctx, deps.state().config.server.maxFormBytes);
    // Until the store has deleted the session it lives on elsewhere: say so rather than "signed out".
    const rd = destination(form.rd);
    const retry = { action: `${prefix()}/logout`, csrf: form.csrf ?? '', rd };
    const session = await keepingInput(retry, () => deps.sessions.resolve(deps.cookies.session(ctx)));
    if (session) {
      assertCsrf(deps.signer, form, `logout:${session.id}`, `${prefix()}/logout?rd=${encodeURIComponent(rd)}`);
      await keepingInput(retry, () => deps.sessions.revoke(session.id));
      deps.audit.record({ event: 'logout', user: session.user, ip: deps.context(ctx).facts.ip, outcome: 'ok' });
    }
    deps.cookies.clearSession(ctx);
    deps.respond.message(ctx, 200, 'signed_out', signedOut(rd));
  });
}
