// One Web Push message to one registered browser (RFC 8030): the payload encrypted to the
// browser's keys (RFC 8291, aes128gcm) and the request signed with the gate's VAPID key (RFC 8292),
// both by the web-push package; the POST itself is Node's fetch, with a timeout. The push
// service's answer says whether the browser is still there: 404 and 410 mean the subscription
// is gone for good. Errors name the push service's origin only: the endpoint's path is a
// capability.
import webpush from 'web-push';

import type { PushConfig } from '../config/types.js';
import type { NewSubscription } from './push-subscriptions.js';

/** What the service worker (templates/push-sw.js) shows, and opens when the notification is tapped. */
export interface PushPayload {
  title: string;
  body: string;
  /** The approval page to open. */
  url: string;
  /** Notifications with the same tag replace each other (one per sign-in attempt). */
  tag: string;
}

export type PushOutcome =
  | { kind: 'sent' }
  /** The push service no longer knows the subscription (404/410): remove it. */
  | { kind: 'gone'; status: number }
  /** Anything else (refused, 5xx, no answer): try again at the next sign-in. */
  | { kind: 'failed'; reason: string };

export interface PushSend {
  subscription: NewSubscription;
  payload: PushPayload;
  /** How long the push service may hold it for an offline browser, seconds (the attempt's remaining life). */
  ttlSeconds: number;
  timeoutMs: number;
}

export async function sendPush(vapid: PushConfig['vapid'], send: PushSend): Promise<PushOutcome> {
  const { subscription } = send;
  const details = webpush.generateRequestDetails(
    { endpoint: subscription.endpoint, keys: { p256dh: subscription.p256dh, auth: subscription.auth } },
    JSON.stringify(send.payload),
    {
      vapidDetails: vapid,
      TTL: Math.max(0, Math.floor(send.ttlSeconds)),
      contentEncoding: 'aes128gcm',
      // A person is waiting at the sign-in page: ask the service not to hold it for battery.
      urgency: 'high',
    },
  );
  // fetch sets Content-Length itself from the body.
  const headers = Object.fromEntries(
    Object.entries(details.headers)
      .filter(([k]) => k.toLowerCase() !== 'content-length')
      .map(([k, v]) => [k, String(v)]),
  );
  let response: Response;
  try {
    response = await fetch(details.endpoint, {
      method: 'POST',
      headers,
      body: new Uint8Array(details.body),
      redirect: 'error',
      signal: AbortSignal.timeout(send.timeoutMs),
    });
    await response.body?.cancel();
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
    return { kind: 'failed', reason: timedOut ? `no answer within ${send.timeoutMs} ms` : 'could not connect' };
  }
  if (response.status === 404 || response.status === 410) return { kind: 'gone', status: response.status };
  if (response.status >= 200 && response.status < 300) return { kind: 'sent' };
  return { kind: 'failed', reason: `answered ${response.status}` };
}

/** The push service's origin, the one part of an endpoint fit for a log line. */
export function pushService(endpoint: string): string {
  return URL.canParse(endpoint) ? new URL(endpoint).origin : '(unparsable endpoint)';
}
