// The gate's service worker: shows a sign-in request pushed to this browser (the payload, which
// only this browser can decrypt, is {title, body, url, tag}) and opens its approval page when
// tapped. It handles no fetch: the gate's pages never go through it.
'use strict';

self.addEventListener('push', function (event) {
  var message = readMessage(event.data);
  if (!message || typeof message.url !== 'string') return;
  event.waitUntil(
    self.registration.showNotification(message.title || '', {
      body: message.body || '',
      tag: message.tag,
      renotify: true,
      requireInteraction: true,
      data: { url: message.url },
    }),
  );
});

/** The payload as JSON, or null when there is none or it is not JSON (then nothing is shown). */
function readMessage(data) {
  try {
    return data ? data.json() : null;
  } catch {
    return null;
  }
}

self.addEventListener('notificationclick', function (event) {
  event.notification.close();
  var url = event.notification.data && event.notification.data.url;
  if (typeof url === 'string') event.waitUntil(self.clients.openWindow(url));
});
