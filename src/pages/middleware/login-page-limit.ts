// The sign-in page costs the gate about what a proxied request does, and anyone may ask for it:
// a client address, and its network, may open it pages.max_login_pages_per_*_per_minute times a
// minute; past that the answer is a short page saying so (429 with Retry-After). Counted by this
// process in fixed one-minute windows, with no store round trip: it guards this process's CPU.
import type { IncomingMessage } from 'node:http';

import type { Context, Middleware } from 'koa';
import { LRUCache } from 'lru-cache';

import type { GateState } from '../../http/gate-state.js';
import type { RequestContext } from '../../http/request-context.js';
import type { Clock } from '../../shared/clock.js';
import { networkKey } from '../../shared/net/network-key.js';
import type { GatePage } from '../gate-error.js';
import { text } from '../gate-error.js';
import type { GateKoaState, Responder } from '../respond.js';

const WINDOW_MS = 60_000;
/** Addresses and networks counted at once; the least recently seen are forgotten first. */
const TRACKED = 50_000;

const LOGIN_BUSY: GatePage = { heading: text('errors.login_busy_heading'), text: text('errors.login_busy_text') };

/**
 * Counts one view of the sign-in page; the seconds to wait when it is past a limit. A request is
 * counted once, whoever asks first: the page answered ahead of Koa hands a refusal to Koa's page.
 */
export type LoginPageCounter = (req: IncomingMessage, rc: RequestContext) => number | undefined;

export function createLoginPageCounter(deps: { state: () => GateState; clock: Clock }): LoginPageCounter {
  const counts = new LRUCache<string, { window: number; count: number }>({ max: TRACKED });
  /** Refused requests, with their wait: only these are remembered. */
  const refused = new WeakMap<IncomingMessage, number>();
  /** Counts one more view in this window; true when that is past the limit. */
  const over = (key: string, window: number, limit: number): boolean => {
    const seen = counts.get(key);
    if (seen?.window === window) return ++seen.count > limit;
    counts.set(key, { window, count: 1 });
    return false; // every limit is at least 1
  };
  return (req, rc) => {
    if (refused.has(req)) return refused.get(req);
    const { config } = deps.state();
    const now = deps.clock.now();
    const window = Math.floor(now / WINDOW_MS);
    const limits = config.pages.loginPagesPerMinute;
    // Both are counted, so a network's budget holds however its addresses take turns.
    const byAddress = over(`ip:${rc.facts.ip}`, window, limits.address);
    const byNetwork = over(`net:${networkKey(rc.facts.ip, config.otp.networkBits)}`, window, limits.network);
    if (!byAddress && !byNetwork) return undefined;
    const wait = Math.ceil(((window + 1) * WINDOW_MS - now) / 1000);
    refused.set(req, wait);
    return wait;
  };
}

export interface LoginPageLimitDeps {
  state: () => GateState;
  counter: LoginPageCounter;
  respond: Responder;
  context: (ctx: Context) => RequestContext | undefined;
}

export function createLoginPageLimit(deps: LoginPageLimitDeps): Middleware<GateKoaState> {
  return async function loginPageLimit(ctx, next) {
    const rc = deps.context(ctx);
    if (
      !rc ||
      (ctx.method !== 'GET' && ctx.method !== 'HEAD') ||
      ctx.path !== `${deps.state().config.server.pathPrefix}/login`
    )
      return next();
    const wait = deps.counter(ctx.req, rc);
    if (wait === undefined) return next();
    // Answered here rather than thrown: a refusal should cost less than the page it stands for.
    ctx.set('Retry-After', String(wait));
    deps.respond.message(ctx, 429, 'too_many_requests', LOGIN_BUSY);
  };
}
