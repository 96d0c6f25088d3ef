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

const signedOut = { heading: text('message.signed_out_heading'), text: text('message.signed_out_text') };

export function registerLogoutRoutes(router: Router, deps: LogoutRouteDeps): void {
  router.get('/logout', async (ctx) => {
    const session = await deps.sessions.resolve(deps.cookies.session(ctx));
    if (!session) return deps.respond.message(ctx, 200, 'signed_out', signedOut);
    deps.respond.page(ctx, 200, 'logout', {
      user: session.user,
      action: `${deps.state().config.server.pathPrefix}/logout`,
      csrf: csrfToken(deps.signer, `logout:${session.id}`),
      // Where people look for their account once signed in.
      account_href: `${deps.state().config.server.pathPrefix}/account`,
    });
  });

  router.post('/logout', async (ctx) => {
    assertSameOrigin(ctx);
    const form = await readForm(ctx, deps.state().config.server.maxFormBytes);
    // Until the store has deleted the session it lives on elsewhere: say so rather than "signed out".
    const retry = { action: `${deps.state().config.server.pathPrefix}/logout`, csrf: form.csrf ?? '' };
    const session = await keepingInput(retry, () => deps.sessions.resolve(deps.cookies.session(ctx)));
    if (session) {
      assertCsrf(deps.signer, form, `logout:${session.id}`);
      await keepingInput(retry, () => deps.sessions.revoke(session.id));
      deps.audit.record({ event: 'logout', user: session.user, ip: deps.context(ctx).facts.ip, outcome: 'ok' });
    }
    deps.cookies.clearSession(ctx);
    deps.respond.message(ctx, 200, 'signed_out', signedOut);
  });
}
