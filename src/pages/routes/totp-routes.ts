// Setting up an authenticator app: a signed-in person scans a QR code and confirms with one code.
// Replacing or removing an app that is set up needs a recent sign-in, so a browser left signed in
// is not enough to take over someone's second factor.
import type Router from '@koa/router';
import type { Context } from 'koa';
import QRCode from 'qrcode';

import type { Session } from '../../session/sessions.js';
import type { TotpEnrolments } from '../../totp/totp-enrolments.js';
import { csrfToken } from '../form.js';
import { text } from '../gate-error.js';
import type { SignedIn } from '../signed-in.js';
import { keepingInput } from '../store-unavailable.js';
import type { AccountSection } from './account-routes.js';
import type { LogoutRouteDeps } from './logout-routes.js';

/** What signing out needs (a session's own page with forms), the enrolments and who is signed in. */
export interface TotpRouteDeps extends LogoutRouteDeps {
  /** Absent when the config has no `totp:` section: then there are no such pages. */
  totp?: TotpEnrolments | undefined;
  signedIn: SignedIn;
}

/** Set up: the secret in groups of four, as people type it into an app. */
const grouped = (secret: string) => secret.replace(/(.{4})(?=.)/g, '$1 ');

/** The authenticator app's part of the account page: whether one is set up, and the way to its page. */
export function totpAccountSection(deps: Pick<TotpRouteDeps, 'totp' | 'state'>): AccountSection {
  return {
    name: 'totp',
    async values(_ctx, session) {
      if (!deps.totp) return undefined;
      return {
        enrolled: await deps.totp.isEnrolled(session.user),
        href: `${deps.state().config.server.pathPrefix}/totp`,
      };
    },
  };
}

export function registerTotpRoutes(router: Router, deps: TotpRouteDeps): void {
  const { totp, respond } = deps;
  if (!totp) return;
  const prefix = () => deps.state().config.server.pathPrefix;
  const page = () => `${prefix()}/totp`;
  const bind = (session: Session) => deps.signedIn.binding('totp', session);
  const issuer = () => deps.state().config.totp?.issuer ?? '';
  const isRecent = (session: Session) => deps.signedIn.isRecent(session, deps.state().config.totp?.reauthWithin ?? 0);
  const provenSession = (ctx: Context) => deps.signedIn.proven(ctx);
  const toSignIn = (ctx: Context) => deps.signedIn.toSignIn(ctx, page());
  const sessionForm = (ctx: Context, action: string) => deps.signedIn.form(ctx, action, 'totp');

  async function renderSetup(
    ctx: Context,
    session: Session,
    shown: { secret: string; uri: string },
    status = 200,
    error?: string,
  ) {
    respond.page(
      ctx,
      status,
      'totp',
      {
        setup: true,
        qr: await QRCode.toDataURL(shown.uri),
        secret: grouped(shown.secret),
        account: session.user,
        issuer: issuer(),
        confirm_action: `${page()}/confirm`,
        csrf: csrfToken(deps.signer, bind(session)),
        error,
      },
      { switchHref: page() },
    );
  }

  const record = (ctx: Context, event: 'totp_enrolled' | 'totp_removed', user: string, outcome: 'ok' | 'fail') =>
    deps.audit.record({ event, user, ip: deps.context(ctx).facts.ip, outcome, channel: 'totp' });

  router.get('/totp', async (ctx) => {
    const session = await provenSession(ctx);
    if (!session) return toSignIn(ctx);
    if (await totp.isEnrolled(session.user)) {
      return respond.page(ctx, 200, 'totp', {
        enrolled: true,
        account: session.user,
        restart_action: `${page()}/restart`,
        remove_action: `${page()}/remove`,
        csrf: csrfToken(deps.signer, bind(session)),
      });
    }
    // A reload shows the same secret, so an app that already scanned it still matches.
    await renderSetup(
      ctx,
      session,
      (await totp.pending(session.id, session.user)) ?? (await totp.begin(session.id, session.user)),
    );
  });

  router.post('/totp/confirm', async (ctx) => {
    const action = `${page()}/confirm`;
    const { session, form } = await sessionForm(ctx, action);
    if (!session) return toSignIn(ctx);
    await keepingInput({ action, csrf: form.csrf ?? '', code: form.code ?? '' }, async () => {
      // A secret begun before someone else set the app up must not replace it without a fresh sign-in.
      if (!isRecent(session) && (await totp.isEnrolled(session.user))) return toSignIn(ctx);
      if (await totp.confirm(session.id, session.user, form.code ?? '')) {
        record(ctx, 'totp_enrolled', session.user, 'ok');
        return respond.message(ctx, 200, 'totp_enrolled', {
          heading: text('totp.done_heading'),
          text: text('totp.done_text'),
        });
      }
      record(ctx, 'totp_enrolled', session.user, 'fail');
      const tr = respond.texts(ctx);
      const values = { issuer: issuer(), account: session.user };
      const pending = await totp.pending(session.id, session.user);
      if (pending) return renderSetup(ctx, session, pending, 400, tr.t('totp.error_wrong', values));
      await renderSetup(
        ctx,
        session,
        await totp.begin(session.id, session.user),
        400,
        tr.t('totp.error_expired', values),
      );
    });
  });

  router.post('/totp/restart', async (ctx) => {
    const action = `${page()}/restart`;
    const { session, form } = await sessionForm(ctx, action);
    if (!session || !isRecent(session)) return toSignIn(ctx);
    // The old app keeps working until the new one is confirmed.
    await keepingInput({ action, csrf: form.csrf ?? '' }, async () =>
      renderSetup(ctx, session, await totp.begin(session.id, session.user)),
    );
  });

  router.post('/totp/remove', async (ctx) => {
    const action = `${page()}/remove`;
    const { session, form } = await sessionForm(ctx, action);
    if (!session || !isRecent(session)) return toSignIn(ctx);
    await keepingInput({ action, csrf: form.csrf ?? '' }, () => totp.remove(session.user));
    record(ctx, 'totp_removed', session.user, 'ok');
    respond.message(ctx, 200, 'totp_removed', {
      heading: text('totp.removed_heading'),
      text: text('totp.removed_text'),
    });
  });
}
