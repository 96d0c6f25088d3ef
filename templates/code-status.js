// Polls the gate's delivery status for the code page and updates its status line, so the person
// sees "delivered", or that the code moved on to SMS, without reloading; also the arrival sentence
// (the channel may change) and, when the provider reported the code failed, the resend hint: a new
// code may then be asked for at once. Served by the gate from its own origin (CSP script-src
// 'self'); the page works the same without it, on reload.
(function () {
  'use strict';
  var line = document.getElementById('delivery-status');
  if (!line || !window.fetch) return;
  var arrival = document.getElementById('code-arrival');
  var hint = document.getElementById('resend-hint');
  var url = line.getAttribute('data-status-url');
  var final = { delivered: true, failed: true, expired: true };
  var started = Date.now();

  function show(status) {
    if (typeof status.message === 'string') line.textContent = status.message;
    if (typeof status.state === 'string') line.setAttribute('data-state', status.state);
    if (arrival && typeof status.arrival === 'string') arrival.textContent = status.arrival;
    // code-entry.js stops its countdown when it sees data-wait="0".
    if (hint && status.resend_in_seconds === 0 && hint.getAttribute('data-wait') !== '0') {
      hint.setAttribute('data-wait', '0');
      hint.textContent = hint.getAttribute('data-ready');
    }
  }

  function poll() {
    fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then(function (res) {
        return res.json();
      })
      .then(function (status) {
        show(status);
        if (!final[status.state] && Date.now() - started < 5 * 60 * 1000) setTimeout(poll, 2000);
      })
      .catch(function () {
        setTimeout(poll, 5000);
      });
  }

  if (!final[line.getAttribute('data-state')]) setTimeout(poll, 1000);
})();
