// Answers requests the gate will not forward: sends people to sign in (API clients get 401),
// explains denials, and refuses — never passes — when the session can't be checked.
import coBody from 'co-body';
import type { Context, Middleware } from 'koa';

import type { AuditLog } from '../../audit/audit-log.js';
import { authenticateHeaders } from '../../http/authenticate-header.js';
import type { Outcome } from '../../http/handoff.js';
import type { RequestContext } from '../../http/request-context.js';
import { encodePath } from '../../policy/normalise-path.js';
import type { Resumes } from '../../session/resumes.js';
import { FAILED_CHECK_WINDOW_MS } from '../../session/tokens.js';
import type { Logger } from '../../shared/log.js';
import type { GateCookies } from '../cookies.js';
import { provenSameOrigin } from '../form.js';
import { GateError, text } from '../gate-error.js';
import type { GateKoaState, Responder } from '../respond.js';
import { wantsHtml } from '../respond.js';
import { STORE_RETRY_AFTER_SECONDS } from '../store-unavailable.js';

export interface VerdictDeps {
  respond: Responder;
  cookies: GateCookies;
  resumes: Resumes;
  maxFormBytes: () => number;
  audit: AuditLog;
  log: Logger;
  pathPrefix: () => string;
  outcome: (ctx: Context) => Outcome | undefined;
  context: (ctx: Context) => RequestContext | undefined;
}

/** The URL the request asked for, as a sign-in's destination. */
const here = (rc: RequestContext | undefined) => (rc ? encodePath(rc.facts.path) + rc.query : '/');

export function createVerdictResponder(deps: VerdictDeps): Middleware<GateKoaState> {
  /** A same-origin form post from a page is kept with the login flow and made again after sign-in (session/resumes.ts). */
  async function keptForAfterSignIn(ctx: Context, target: string): Promise<boolean> {
    if (
      ctx.method !== 'POST' ||
      !wantsHtml(ctx) ||
      !ctx.is('application/x-www-form-urlencoded') ||
      !provenSameOrigin(ctx)
    )
      return false;
    let body: string;
    try {
      body = await coBody.text(ctx.req, { limit: deps.maxFormBytes() });
    } catch {
      return false; // Too large or unreadable: the person signs in and fills the form again.
    }
    const flowId = deps.cookies.flowId(ctx) ?? deps.cookies.startFlow(ctx);
    await deps.resumes.keep(flowId, target, body);
    return true;
  }

  return async function verdictResponder(ctx, next) {
    const outcome = deps.outcome(ctx);
    if (!outcome) return next();
    const rc = deps.context(ctx);
    switch (outcome.kind) {
      case 'bad-request':
        throw new GateError(400, 'bad_request', {
          heading: text('errors.bad_request_heading'),
          text: text('errors.bad_request_text', { reason: outcome.reason }),
        });
      case 'unknown-host':
        throw new GateError(404, 'unknown_host', {
          heading: text('errors.unknown_host_heading'),
          text: text('errors.unknown_host_text'),
        });
      case 'upstream-failed': {
        // A way forward: load the same address again (GET only; a form post is not repeated by a link).
        const link = ctx.method === 'GET' ? { link: { href: ctx.originalUrl, text: text('errors.try_again') } } : {};
        throw outcome.failure === 'timeout'
          ? new GateError(504, 'upstream_timeout', {
              heading: text('errors.upstream_timeout_heading'),
              text: text('errors.upstream_timeout_text'),
              ...link,
            })
          : new GateError(502, 'upstream_unreachable', {
              heading: text('errors.upstream_unreachable_heading'),
              text: text('errors.upstream_unreachable_text'),
              ...link,
            });
      }
    }
    const verdict = outcome.verdict;
    const ip = rc?.facts.ip ?? '';
    switch (verdict.kind) {
      case 'unavailable':
        deps.log.error({ err: verdict.error }, 'session check failed; refusing the request');
        throw new GateError(
          503,
          'unavailable',
          { heading: text('errors.unavailable_heading'), text: text('errors.unavailable_text') },
          { retryAfterSeconds: STORE_RETRY_AFTER_SECONDS },
        );
      case 'deny':
        deps.audit.record({
          event: 'denied',
          user: verdict.user,
          ip,
          rule: verdict.rule?.name ?? '(default deny)',
          outcome: 'refused',
          host: rc?.facts.host,
          path: rc?.facts.path,
        });
        throw new GateError(403, 'forbidden', {
          heading: text('errors.forbidden_heading'),
          text: verdict.user
            ? text('errors.forbidden_user_text', { user: verdict.user })
            : text('errors.forbidden_text'),
          ...(verdict.user
            ? {
                link: {
                  href: `${deps.pathPrefix()}/logout?rd=${encodeURIComponent(here(rc))}`,
                  text: text('errors.forbidden_link'),
                },
              }
            : {}),
        });
      case 'token-refused':
        // A script never gets a login page: JSON, and the RFC 6750 challenge (audited by the authorizer).
        ctx.status = verdict.status;
        ctx.set('Cache-Control', 'no-store');
        if (verdict.status === 429) ctx.set('Retry-After', String(Math.ceil(FAILED_CHECK_WINDOW_MS / 1000)));
        else ctx.set('WWW-Authenticate', authenticateHeaders(verdict, rc?.app?.name ?? 'otp-gate'));
        ctx.body = { error: verdict.error, message: verdict.message };
        return;
      case 'challenge': {
        const target = here(rc);
        const login = `${deps.pathPrefix()}/login?rd=${encodeURIComponent(target)}`;
        if (wantsHtml(ctx) && (ctx.method === 'GET' || ctx.method === 'HEAD')) {
          ctx.redirect(login);
          return;
        }
        if (await keptForAfterSignIn(ctx, target)) {
          ctx.redirect(login);
          ctx.status = 303;
          return;
        }
        ctx.status = 401;
        ctx.set('WWW-Authenticate', authenticateHeaders(verdict, rc?.app?.name ?? 'otp-gate'));
        ctx.body = { error: 'unauthenticated', message: 'Sign in first.', href: login };
      }
    }
  };
}
