// The code page's delivery status: a small JSON endpoint it polls, and the same-origin script
// that polls it (CSP allows scripts from the gate itself only, no inline script). Without
// JavaScript the page's "Check delivery status" link reloads the page, which shows the same.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Router from '@koa/router';
import type { Challenges } from '../../challenge/challenges.js';
import type { Deliveries } from '../../channels/delivery.js';
import type { Clock } from '../../clock.js';
import { SHIPPED_TEMPLATES_DIR } from '../../config/compile-config.js';
import type { GateCookies } from '../cookies.js';
import { deliveryView } from '../delivery-view.js';

export interface StatusRouteDeps {
  challenges: Challenges;
  deliveries: Deliveries;
  cookies: GateCookies;
  clock: Clock;
}

export const STATUS_SCRIPT_PATH = '/assets/code-status.js';

export function registerStatusRoutes(router: Router, deps: StatusRouteDeps): void {
  const script = readFileSync(join(SHIPPED_TEMPLATES_DIR, 'code-status.js'), 'utf8');

  router.get('/code/status', async (ctx) => {
    const flowId = deps.cookies.flowId(ctx);
    const view = flowId ? await deps.challenges.view(flowId) : undefined;
    ctx.type = 'application/json';
    if (!flowId || !view) {
      ctx.status = 404;
      ctx.body = { state: 'expired', message: 'Your code has expired. Ask for a new one.' };
      return;
    }
    ctx.body = await deliveryView(deps.deliveries, flowId, view, deps.clock.now());
  });

  router.get(STATUS_SCRIPT_PATH, (ctx) => {
    ctx.type = 'text/javascript; charset=utf-8';
    ctx.body = script;
  });
}
