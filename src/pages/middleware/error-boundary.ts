// The single error path for the gate's own responses: a GateError becomes its page or JSON;
// anything else is logged with context and answered 500 without details.
import type { Middleware } from 'koa';

import type { Logger } from '../../shared/log.js';
import { StoreError } from '../../store/store.js';
import { GateError, text } from '../gate-error.js';
import type { GateKoaState, Responder } from '../respond.js';
import { storeUnavailable } from '../store-unavailable.js';

export function createErrorBoundary(deps: { log: Logger; respond: Responder }): Middleware<GateKoaState> {
  return async function errorBoundary(ctx, next) {
    try {
      await next();
    } catch (thrown) {
      // A store failure that no route turned into a page of its own: 503, never 500.
      const again = ctx.method === 'GET' ? ctx.originalUrl : undefined;
      const err = thrown instanceof StoreError ? storeUnavailable(thrown, undefined, again) : thrown;
      if (err instanceof GateError) {
        if (err.status >= 500) deps.log.error({ err, path: ctx.path, requestId: ctx.get('x-request-id') }, err.message);
        if (err.retryAfterSeconds !== undefined) ctx.set('Retry-After', String(err.retryAfterSeconds));
        deps.respond.message(ctx, err.status, err.code, err.page);
        return;
      }
      deps.log.error(
        { err, method: ctx.method, path: ctx.path, requestId: ctx.get('x-request-id') },
        'unhandled error in gate route',
      );
      deps.respond.message(ctx, 500, 'internal_error', {
        heading: text('errors.internal_heading'),
        text: text('errors.internal_text'),
      });
    }
  };
}
