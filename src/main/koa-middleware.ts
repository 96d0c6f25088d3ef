// The gate as Koa middleware for a Koa app of one's own: `app.use(otpGate({ config: 'gate.yaml' }))`.
// Same resolution, policy, session check and pages as the proxy; a passing request continues to
// the app's own middleware with the identity in ctx.state.otpGate (and the identity headers set,
// client-sent ones removed). Everything else is answered by the gate's own Koa app.
import type { Middleware } from 'koa';

import { loadGate } from '../config/load-gate.js';
import type { LoadedGate } from '../config/types.js';
import type { Identity } from '../http/forward/upstream-headers.js';
import { admissionInput, forUpstream, toPages } from '../http/handler.js';
import { REQUEST_ID_HEADER } from '../http/request-id.js';
import type { AssembledGate, GateOptions } from './assemble-gate.js';
import { assembleGate } from './assemble-gate.js';

export interface OtpGateOptions extends GateOptions {
  /** A config file path (loaded like `serve` does, with process.env) or an already loaded gate. */
  config: string | LoadedGate;
}

/** What a passing request carries in ctx.state.otpGate. */
export interface OtpGateState {
  /** Undefined when a bypass rule let the request through without a session. */
  identity: Identity | undefined;
  rule: string;
  requestId: string;
}

export interface OtpGateMiddleware extends Middleware {
  /** Resolves once the store and channels passed their start-up checks; rejects when they did not. */
  ready: Promise<AssembledGate>;
  /** Resolves with the restart-only settings the new set changes: they keep their start-up values. */
  reload(loaded: LoadedGate): Promise<string[]>;
  close(): Promise<void>;
}

export function otpGate(options: OtpGateOptions): OtpGateMiddleware {
  const ready = (async () => {
    const loaded =
      typeof options.config === 'string' ? (await loadGate(options.config, process.env)).gate : options.config;
    return assembleGate(loaded, options);
  })();
  // Don't let an early failure become an unhandled rejection; requests and `ready` still see it.
  ready.catch(() => {});
  const parts = ready.then((core) => ({ core, gateCallback: core.gateApp.callback() }));
  parts.catch(() => {});

  const middleware: Middleware = async function otpGateMiddleware(ctx, next) {
    const { core, gateCallback } = await parts;
    const { req, res } = ctx;
    if (core.ops(req, res)) {
      ctx.respond = false;
      return;
    }
    const admission = await core.admit(admissionInput(req, 'middleware'));
    req.headers[REQUEST_ID_HEADER] = admission.requestId;
    ctx.set('X-Request-Id', admission.requestId);
    if (admission.kind === 'forward') {
      forUpstream(core.state(), req, admission);
      const gateState: OtpGateState = {
        identity: admission.verdict.identity,
        rule: admission.verdict.rule.name,
        requestId: admission.requestId,
      };
      ctx.state.otpGate = gateState;
      return next();
    }
    ctx.respond = false;
    toPages({ handoffs: core.handoffs, gateApp: gateCallback }, req, res, admission);
  };

  return Object.assign(middleware, {
    ready,
    async reload(loaded: LoadedGate) {
      return (await parts).core.reload(loaded);
    },
    async close() {
      const core = await ready.catch(() => undefined);
      await core?.close();
    },
  });
}
