// What the self-service pages (account, authenticator app, and what later lands on them) share:
// who is signed in, whether that sign-in is recent enough to change a factor, and the way back
// through the sign-in page when it is not.
import type { Context } from 'koa';

import type { GateState } from '../http/gate-state.js';
import type { Session, Sessions } from '../session/sessions.js';
import type { Signer } from '../session/signer.js';
import type { Clock } from '../shared/clock.js';
import type { GateCookies } from './cookies.js';
import type { Form } from './form.js';
import { assertCsrf, assertSameOrigin, readForm } from './form.js';
import { keepingInput } from './store-unavailable.js';

export interface SignedInDeps {
  state: () => GateState;
  sessions: Sessions;
  cookies: GateCookies;
  signer: Signer;
  clock: Clock;
}

export interface SignedIn {
  /** The signed-in session, whatever it rests on (enough to show a page). */
  session(ctx: Context): Promise<Session | undefined>;
  /**
   * The signed-in session, unless it rests on a trusted browser alone: changing a factor must
   * follow proving one, not a cookie that skipped the proof.
   */
  proven(ctx: Context): Promise<Session | undefined>;
  /** Whether the session's factors were proven less than `withinMs` ago. */
  isRecent(session: Session, withinMs: number): boolean;
  /** To the sign-in page and back to `page`: a new sign-in is a new session with a fresh proof. */
  toSignIn(ctx: Context, page: string): void;
  /**
   * Every POST of a self-service page: same origin, a form, a proven session, and a CSRF token
   * bound to that session under `purpose`. No session: the caller sends the person to sign in.
   */
  form(ctx: Context, action: string, purpose: string): Promise<{ session: Session | undefined; form: Form }>;
  /** The CSRF binding of a self-service form: one purpose, one session. */
  binding(purpose: string, session: Session): string;
}

export function createSignedIn(deps: SignedInDeps): SignedIn {
  const binding = (purpose: string, session: Session) => `${purpose}:${session.id}`;
  const session = (ctx: Context) => deps.sessions.resolve(deps.cookies.session(ctx));
  const proven = async (ctx: Context) => {
    const found = await session(ctx);
    return found?.proof.method === 'device' ? undefined : found;
  };
  return {
    session,
    proven,
    // A setting removed by a reload (withinMs 0) leaves no window in which anything counts as recent.
    isRecent: (s, withinMs) => deps.clock.now() - s.proof.at < withinMs,
    toSignIn(ctx, page) {
      ctx.redirect(`${deps.state().config.server.pathPrefix}/login?rd=${encodeURIComponent(page)}`);
      ctx.status = 303;
    },
    async form(ctx, action, purpose) {
      assertSameOrigin(ctx);
      const form = await readForm(ctx, deps.state().config.server.maxFormBytes);
      const found = await keepingInput({ action, csrf: form.csrf ?? '' }, () => proven(ctx));
      // An expired form starts again from the account page, where every self-service page is linked.
      if (found)
        assertCsrf(deps.signer, form, binding(purpose, found), `${deps.state().config.server.pathPrefix}/account`);
      return { session: found, form };
    },
    binding,
  };
}
