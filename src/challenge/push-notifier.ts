// The `push` channel: when a desktop's sign-in starts waiting for approval, every browser the
// person registered gets an encrypted notification that opens the approval page. The notifier is
// called only after the approvals core let the attempt start (its per-person prompt limit is the
// push-fatigue limit) and only for a known person. A browser whose push service answers 404 or
// 410 is forgotten. What a notification says: the app and the requesting browser, in the
// desktop page's language; never the matching number, a code, the address or the person's name.
import type { AuditLog } from '../audit/audit-log.js';
import type { PushPayload } from '../channels/push-sender.js';
import { pushService, sendPush } from '../channels/push-sender.js';
import type { PushSubscription, PushSubscriptions } from '../channels/push-subscriptions.js';
import type { PushConfig } from '../config/types.js';
import type { Translator } from '../i18n/locales.js';
import { PUSH } from '../policy/types.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/log.js';
import type { ApprovalNotice, ApprovalNotifier } from './approvals.js';

export interface PushNotifierDeps {
  devices: PushSubscriptions;
  config: () => PushConfig | undefined;
  audit: AuditLog;
  clock: Clock;
  log: Logger;
  /** The texts of a language (the desktop page's), falling back as pages do. */
  texts: (locale: string | undefined) => Translator;
}

/** How long one push service may take to answer: the person is waiting at the desktop. */
const PUSH_TIMEOUT_MS = 10_000;
/** One tag for every request: a new one replaces the last on the device instead of piling up. */
const TAG = 'otp-gate-sign-in';

export function createPushNotifier(deps: PushNotifierDeps): ApprovalNotifier {
  return {
    reaches: async (user) => deps.config() !== undefined && (await deps.devices.list(user)).length > 0,
    async notify(notice) {
      const config = deps.config();
      if (!config) return;
      const devices = await deps.devices.list(notice.user).catch((err: unknown) => {
        deps.log.warn({ err }, 'push: the registered browsers could not be read; no request sent');
        return [];
      });
      if (devices.length === 0) return;
      const tr = deps.texts(notice.locale);
      const payload: PushPayload = {
        title: tr.t('push.notification_title', { app: notice.app }),
        // A browser that does not say what it is gets the sentence without it.
        body: tr.t(notice.browser ? 'push.notification_body' : 'push.notification_body_unknown', {
          browser: notice.browser,
        }),
        url: notice.url,
        tag: TAG,
      };
      const ttlSeconds = Math.max(0, (notice.expiresAt - deps.clock.now()) / 1000);
      await Promise.all(
        devices.map((device) =>
          deliver(deps, config, notice, device, payload, ttlSeconds).catch((err: unknown) =>
            // The store or a malformed stored key: logged here, since the caller does not wait.
            deps.log.warn({ err, device: device.id }, 'push: a sign-in request could not be sent'),
          ),
        ),
      );
    },
  };
}

async function deliver(
  deps: PushNotifierDeps,
  config: PushConfig,
  notice: ApprovalNotice,
  device: PushSubscription,
  payload: PushPayload,
  ttlSeconds: number,
): Promise<void> {
  const event = { user: notice.user, ip: notice.ip, app: notice.app, channel: PUSH, device: device.id };
  const destination = pushService(device.endpoint);
  const outcome = await sendPush(config.vapid, {
    subscription: device,
    payload,
    ttlSeconds,
    timeoutMs: PUSH_TIMEOUT_MS,
  });
  if (outcome.kind === 'sent') {
    deps.audit.record({ ...event, event: 'push_sent', outcome: 'ok', destination });
    await deps.devices.recordUse(notice.user, device.id, deps.clock.now());
    return;
  }
  const reason = outcome.kind === 'gone' ? 'gone' : outcome.reason;
  deps.audit.record({ ...event, event: 'push_failed', outcome: 'fail', destination, reason });
  if (outcome.kind === 'failed') {
    deps.log.warn({ service: destination, reason }, 'push: a push service did not take a sign-in request');
    return;
  }
  // The browser unsubscribed or its subscription expired: asking it again would never work.
  if (await deps.devices.remove(notice.user, device.id))
    deps.audit.record({
      ...event,
      event: 'push_device_removed',
      outcome: 'ok',
      reason: `push service answered ${outcome.status}`,
    });
}
