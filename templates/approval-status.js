// The approval waiting page: asks every two seconds whether the phone answered. Approved: the
// "I approved it" form is sent for the person; denied or expired: the page reloads to say so.
// Without JavaScript the button does the same by hand.
(function () {
  'use strict';
  var form = document.getElementById('scan-done');
  if (!form || !window.fetch) return;
  var url = form.getAttribute('data-status-url');
  var stopped = false;
  function ask() {
    if (stopped) return;
    fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (response) {
        return response.json();
      })
      .then(function (answer) {
        if (answer.status === 'approved') {
          stopped = true;
          form.submit();
        } else if (answer.status === 'denied' || answer.status === 'expired') {
          stopped = true;
          window.location.reload();
        } else setTimeout(ask, 2000);
      })
      .catch(function () {
        setTimeout(ask, 5000);
      });
  }
  setTimeout(ask, 2000);
})();
