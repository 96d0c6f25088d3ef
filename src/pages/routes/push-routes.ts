// A signed-in person's browsers registered for sign-in approvals by Web Push: their section of the
// account page (each with its name, when it was added and last asked, and a remove button),
// registering this browser (templates/push-register.js posts its subscription), removing one, and
// the two scripts: the registration script and the service worker that shows the notifications.
// Adding and removing need a recent sign-in (account.reauth_within), like every change on the
// account page. Only with a push: section in the config.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type Router from '@koa/router';
import type { Context } from 'koa';

import type { PushSubscriptions } from '../../channels/push-subscriptions.js';
import { parseSubscription } from '../../channels/push-subscriptions.js';
import { SHIPPED_TEMPLATES_DIR } from '../../config/compile-config.js';
import { PUSH } from '../../policy/types.js';
import type { Clock } from '../../shared/clock.js';
import { browserSummary } from '../browser-summary.js';
import { csrfToken } from '../form.js';
import type { TemplateValues } from '../templates.js';
import type { AccountRouteDeps, AccountSection } from './account-routes.js';
import { accountChanges, addedAndUsed } from './account-routes.js';

export interface PushRouteDeps extends Omit<AccountRouteDeps, 'sections'> {
  /** Registered browsers, when the config has a push: section. */
  pushDevices?: PushSubscriptions | undefined;
  clock: Clock;
}

const PURPOSE = 'push';
const NAME_MAX = 60;
export const PUSH_SCRIPT_PATH = '/assets/push-register.js';
/**
 * The service worker, directly under the path prefix: a worker's scope is at most its own folder,
 * and <prefix>/ is where the gate's pages are (it handles no fetch, so it takes over nothing).
 */
export const PUSH_WORKER_PATH = '/push-sw.js';

export function pushAccountSection(deps: PushRouteDeps): AccountSection {
  return {
    name: 'push',
    async values(ctx, session) {
      const push = deps.state().config.push;
      if (!deps.pushDevices || !push) return undefined;
      const prefix = deps.state().config.server.pathPrefix;
      const tr = deps.respond.texts(ctx);
      const keys = { used: 'push.used', never: 'push.never_used' };
      const devices: TemplateValues[] = (await deps.pushDevices.list(session.user)).map((d) => ({
        id: d.id,
        name: d.name,
        used: addedAndUsed(tr, keys, d.createdAt, d.lastUsedAt),
        remove_label: tr.t('push.remove_label', { name: d.name }),
      }));
      return {
        devices,
        csrf: csrfToken(deps.signer, deps.signedIn.binding(PURPOSE, session)),
        add_action: `${prefix}/push/add`,
        remove_action: `${prefix}/push/remove`,
        // This browser in a few words ("Chrome on Android"), for the person to keep or change.
        default_name: browserSummary(ctx.get('user-agent')) ?? '',
        public_key: push.vapid.publicKey,
        worker: `${prefix}${PUSH_WORKER_PATH}`,
        script: `${prefix}${PUSH_SCRIPT_PATH}`,
      };
    },
  };
}

export function registerPushRoutes(router: Router, deps: PushRouteDeps): void {
  const devices = deps.pushDevices;
  if (!devices) return;
  const prefix = () => deps.state().config.server.pathPrefix;
  const { page: accountPage, isRecent, back } = accountChanges(deps);
  const record = (ctx: Context, event: 'push_device_added' | 'push_device_removed', user: string, fields: Audited) =>
    deps.audit.record({ event, user, ip: deps.context(ctx).facts.ip, channel: PUSH, ...fields });

  for (const [path, file] of [
    [PUSH_SCRIPT_PATH, 'push-register.js'],
    [PUSH_WORKER_PATH, 'push-sw.js'],
  ] as const) {
    const script = readFileSync(join(SHIPPED_TEMPLATES_DIR, file), 'utf8');
    router.get(path, (ctx) => {
      ctx.type = 'text/javascript; charset=utf-8';
      ctx.body = script;
    });
  }

  router.post('/push/add', async (ctx) => {
    const { session, form } = await deps.signedIn.form(ctx, `${prefix()}/push/add`, PURPOSE);
    if (!session || !isRecent(session)) return deps.signedIn.toSignIn(ctx, accountPage());
    const config = deps.state().config.push;
    const subscription = config && parseSubscription(parseJson(form.subscription), config.services);
    if (!config || !subscription) {
      record(ctx, 'push_device_added', session.user, { outcome: 'fail', reason: 'subscription refused' });
      return deps.respond.message(ctx, 400, 'push_not_added', {
        heading: { key: 'push.not_added_heading' },
        text: { key: 'push.not_added_text' },
        link: { href: accountPage(), text: { key: 'account.back' } },
      });
    }
    const tr = deps.respond.texts(ctx);
    const name = (form.name ?? '').trim().slice(0, NAME_MAX) || tr.t('push.unnamed');
    const { added, dropped } = await devices.add(session.user, subscription, name, deps.clock.now(), config.maxDevices);
    record(ctx, 'push_device_added', session.user, { outcome: 'ok', device: added.id });
    for (const old of dropped)
      record(ctx, 'push_device_removed', session.user, { outcome: 'ok', device: old.id, reason: 'max_devices' });
    back(ctx);
  });

  router.post('/push/remove', async (ctx) => {
    const { session, form } = await deps.signedIn.form(ctx, `${prefix()}/push/remove`, PURPOSE);
    if (!session || !isRecent(session)) return deps.signedIn.toSignIn(ctx, accountPage());
    const id = form.id ?? '';
    if (await devices.remove(session.user, id))
      record(ctx, 'push_device_removed', session.user, { outcome: 'ok', device: id, reason: 'by its owner' });
    back(ctx);
  });
}

interface Audited {
  outcome: 'ok' | 'fail';
  device?: string;
  reason?: string;
}

function parseJson(text: string | undefined): unknown {
  try {
    return JSON.parse(text ?? '') as unknown;
  } catch {
    return undefined;
  }
}
