// Makes again the form post a person was sending when the gate asked them to sign in (step-up),
// as an enhancement: without JavaScript the page's "Continue" button does the same.
// Served by the gate from its own origin (CSP script-src 'self').
(function () {
  'use strict';
  var form = document.getElementById('resume-form');
  if (form) form.submit();
})();
