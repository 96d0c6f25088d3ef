// The single error path for the gate's own responses: a GateError becomes its page or JSON;
// anything else is logged with context and answered 500 without details.
import type { Middleware } from 'koa';
import type { Logger } from '../../log.js';
import { GateError } from '../gate-error.js';
import type { GateKoaState, Responder } from '../respond.js';

export function createErrorBoundary(deps: { log: Logger; respond: Responder }): Middleware<GateKoaState> {
  return async function errorBoundary(ctx, next) {
    try {
      await next();
    } catch (err) {
      if (err instanceof GateError) {
        if (err.status >= 500) deps.log.error({ err, path: ctx.path }, err.message);
        deps.respond.message(ctx, err.status, err.code, err.page);
        return;
      }
      deps.log.error({ err, method: ctx.method, path: ctx.path }, 'unhandled error in gate route');
      deps.respond.message(ctx, 500, 'internal_error', {
        heading: 'Something went wrong',
        text: 'The gate could not complete your request. Please try again in a moment.',
      });
    }
  };
}
