// Answers requests the gate will not forward: sends people to sign in (API clients get 401),
// explains denials, and refuses — never passes — when the session can't be checked.
import type { Context, Middleware } from 'koa';
import type { AuditLog } from '../../audit/audit-log.js';
import type { Logger } from '../../log.js';
import { encodePath } from '../../policy/normalise-path.js';
import type { UpstreamFailure } from '../../forward/upstreams.js';
import type { Verdict } from '../authorize.js';
import { GateError } from '../gate-error.js';
import { STORE_RETRY_AFTER_SECONDS } from '../store-unavailable.js';
import type { RequestContext } from '../request-context.js';
import type { GateKoaState, Responder } from '../respond.js';
import { wantsHtml } from '../respond.js';

/** Why the gate is answering instead of the upstream; set before Koa runs. */
export type Outcome =
  | { kind: 'verdict'; verdict: Exclude<Verdict, { kind: 'forward' }> }
  | { kind: 'unknown-host' }
  | { kind: 'bad-request'; reason: string }
  | { kind: 'upstream-failed'; failure: UpstreamFailure };

export interface VerdictDeps {
  respond: Responder;
  audit: AuditLog;
  log: Logger;
  pathPrefix: () => string;
  outcome: (ctx: Context) => Outcome | undefined;
  context: (ctx: Context) => RequestContext | undefined;
}

export function createVerdictResponder(deps: VerdictDeps): Middleware<GateKoaState> {
  return async function verdictResponder(ctx, next) {
    const outcome = deps.outcome(ctx);
    if (!outcome) return next();
    const rc = deps.context(ctx);
    switch (outcome.kind) {
      case 'bad-request':
        throw new GateError(400, 'bad_request', { heading: 'Bad request', text: `The gate could not read this request: ${outcome.reason}.` });
      case 'unknown-host':
        throw new GateError(404, 'unknown_host', { heading: 'Not found', text: 'This gate does not serve that host.' });
      case 'upstream-failed':
        throw outcome.failure === 'timeout'
          ? new GateError(504, 'upstream_timeout', { heading: 'The application is not answering', text: 'The application behind the gate took too long to answer. Please try again in a moment.' })
          : new GateError(502, 'upstream_unreachable', { heading: 'The application is unreachable', text: 'The gate could not reach the application behind it. Please try again in a moment.' });
    }
    const verdict = outcome.verdict;
    const ip = rc?.facts.ip ?? '';
    switch (verdict.kind) {
      case 'unavailable':
        deps.log.error({ err: verdict.error }, 'session check failed; refusing the request');
        throw new GateError(503, 'unavailable', { heading: 'Temporarily unavailable', text: 'Sign-in is unavailable for a moment. Please try again shortly.' }, { retryAfterSeconds: STORE_RETRY_AFTER_SECONDS });
      case 'deny':
        deps.audit.record({ event: 'denied', user: verdict.user, ip, rule: verdict.rule?.name ?? '(default deny)', outcome: 'refused', host: rc?.facts.host, path: rc?.facts.path });
        throw new GateError(403, 'forbidden', {
          heading: 'Access denied',
          text: verdict.user ? `You are signed in as ${verdict.user}, who may not open this page.` : 'This page is not available through the gate.',
          ...(verdict.user ? { link: { href: `${deps.pathPrefix()}/logout`, text: 'Sign in as someone else' } } : {}),
        });
      case 'challenge': {
        const target = rc ? encodePath(rc.facts.path) + rc.query : '/';
        const login = `${deps.pathPrefix()}/login?rd=${encodeURIComponent(target)}`;
        if (wantsHtml(ctx) && (ctx.method === 'GET' || ctx.method === 'HEAD')) {
          ctx.redirect(login);
          return;
        }
        ctx.status = 401;
        ctx.set('WWW-Authenticate', 'OTP-Gate');
        ctx.body = { error: 'unauthenticated', message: 'Sign in first.', href: login };
      }
    }
  };
}
