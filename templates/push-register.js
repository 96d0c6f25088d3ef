// Registers this browser for sign-in approvals, for the account page's form marked
// data-push-worker: installs the gate's service worker (which shows the notifications), asks for
// notification permission, subscribes with the gate's VAPID public key (data-push-key) and posts
// the subscription in the form's "subscription" field. Served by the gate (CSP script-src 'self').
(function () {
  'use strict';
  var form = document.querySelector('form[data-push-worker]');
  if (!form) return;

  function show(id) {
    var el = document.getElementById(form.getAttribute(id));
    if (el) el.hidden = false;
  }

  function toBytes(base64url) {
    var base64 = base64url.replace(/-/g, '+').replace(/_/g, '/');
    var binary = atob(base64 + '==='.slice((base64.length + 3) % 4));
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  if (!('serviceWorker' in navigator) || !('PushManager' in window) || !window.isSecureContext) {
    show('data-unsupported');
    form.querySelector('button').disabled = true;
    return;
  }

  var submitting = false;
  form.addEventListener('submit', function (event) {
    if (submitting) return;
    event.preventDefault();
    var worker = form.getAttribute('data-push-worker');
    Notification.requestPermission()
      .then(function (permission) {
        if (permission !== 'granted') {
          show('data-blocked');
          throw new Error('notifications not allowed');
        }
        return navigator.serviceWorker.register(worker);
      })
      .then(function () {
        return navigator.serviceWorker.ready;
      })
      .then(function (registration) {
        return registration.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: toBytes(form.getAttribute('data-push-key')),
        });
      })
      .then(function (subscription) {
        form.elements.subscription.value = JSON.stringify(subscription.toJSON());
        submitting = true;
        form.submit();
      })
      .catch(function (err) {
        if (err && err.message !== 'notifications not allowed') show('data-unsupported');
      });
  });
})();
