// The code page's scripts and delivery status: a small JSON endpoint it polls, and the
// same-origin scripts (CSP allows scripts from the gate itself only, no inline script): the status
// poll, and code entry (resend countdown, WebOTP autofill, submit on the last digit), and the
// pages' icon. Without JavaScript the page works the same: its "Check delivery status" link reloads it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type Router from '@koa/router';
import type { Context } from 'koa';

import type { Challenges } from '../../challenge/challenges.js';
import type { Deliveries } from '../../channels/delivery.js';
import { SHIPPED_TEMPLATES_DIR } from '../../config/compile-config.js';
import type { Translator } from '../../i18n/locales.js';
import type { Clock } from '../../shared/clock.js';
import type { GateCookies } from '../cookies.js';
import { deliveryView } from '../delivery-view.js';
import { FAVICON_PATH } from '../respond.js';

export interface StatusRouteDeps {
  challenges: Challenges;
  deliveries: Deliveries;
  cookies: GateCookies;
  clock: Clock;
  texts: (ctx: Context) => Translator;
}

export const STATUS_SCRIPT_PATH = '/assets/code-status.js';
export const ENTRY_SCRIPT_PATH = '/assets/code-entry.js';
/** Re-submits a form post kept across a sign-in (see session/resumes.ts). */
export const RESUME_SCRIPT_PATH = '/assets/resume.js';
/** Runs the passkey and security key ceremonies in the browser (navigator.credentials). */
export const WEBAUTHN_SCRIPT_PATH = '/assets/webauthn.js';
/** Polls whether the phone approved a sign-in (the approval waiting page). */
export const APPROVAL_SCRIPT_PATH = '/assets/approval-status.js';

export function registerStatusRoutes(router: Router, deps: StatusRouteDeps): void {
  const scripts = new Map(
    [STATUS_SCRIPT_PATH, ENTRY_SCRIPT_PATH, RESUME_SCRIPT_PATH, WEBAUTHN_SCRIPT_PATH, APPROVAL_SCRIPT_PATH].map(
      (path) => [path, readFileSync(join(SHIPPED_TEMPLATES_DIR, path.slice('/assets/'.length)), 'utf8')],
    ),
  );

  router.get('/code/status', async (ctx) => {
    const flowId = deps.cookies.flowId(ctx);
    const view = flowId ? await deps.challenges.view(flowId) : undefined;
    ctx.type = 'application/json';
    ctx.vary('Accept-Language');
    if (!flowId || !view) {
      ctx.status = 404;
      ctx.body = { state: 'expired', message: deps.texts(ctx).t('code.expired') };
      return;
    }
    ctx.body = await deliveryView(deps.deliveries, flowId, view, deps.clock.now(), deps.texts(ctx));
  });

  for (const [path, script] of scripts) {
    router.get(path, (ctx) => {
      ctx.type = 'text/javascript; charset=utf-8';
      ctx.body = script;
    });
  }
  const favicon = readFileSync(join(SHIPPED_TEMPLATES_DIR, FAVICON_PATH.slice('/assets/'.length)));
  router.get(FAVICON_PATH, (ctx) => {
    ctx.type = 'image/svg+xml';
    // The same bytes for everyone and no token inside: browsers may keep it (the pages stay no-store).
    ctx.set('Cache-Control', 'public, max-age=86400');
    ctx.body = favicon;
  });
}
