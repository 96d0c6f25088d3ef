// Code entry on the code page, as an enhancement: the page works the same without it. Draws one
// slot a digit over the real input; counts down to when a new code may be asked for, then unlocks
// its buttons; fills the code from the SMS where the browser supports WebOTP (the SMS ends with
// "@host #code"); submits when the last digit is typed or pasted.
// Served by the gate from its own origin (CSP script-src 'self').
(function () {
  'use strict';
  var input = document.getElementById('code');
  var form = document.getElementById('verify-form');
  if (!input || !form) return;
  var length = Number(input.getAttribute('data-length')) || 6;
  var submitted = false;

  function submit() {
    if (submitted) return;
    if (form.requestSubmit) form.requestSubmit();
    else {
      submitted = true;
      form.submit();
    }
  }
  form.addEventListener('submit', function (event) {
    if (submitted) {
      event.preventDefault();
      return;
    }
    submitted = true;
  });
  // The slots are only drawn: the one <input> under them keeps the value, the caret, paste,
  // autofill and what screen readers read. Its text is transparent (gate.css, .slots).
  var box = document.createElement('div');
  var row = document.createElement('div');
  var slots = [];
  box.className = input.getAttribute('aria-invalid') === 'true' ? 'slots invalid' : 'slots';
  row.className = 'row';
  row.setAttribute('aria-hidden', 'true');
  for (var s = 0; s < length; s++) {
    var slot = document.createElement('div');
    // A gap in the middle of a long code, as the digits are read out: "123 456".
    slot.className = length > 4 && s === Math.floor(length / 2) ? 'slot split' : 'slot';
    slots.push(row.appendChild(slot));
  }
  // Moving the input takes its focus (autofocus): give it back.
  var focused = document.activeElement === input;
  input.parentNode.insertBefore(box, input);
  box.appendChild(row);
  box.appendChild(input);
  if (focused) input.focus();
  function draw() {
    // Only digits reach the slots (and the value: a pasted "123-456" or "G-123456" is six digits).
    var digits = input.value.replace(/\D/g, '').slice(0, length);
    if (digits !== input.value) input.value = digits;
    for (var i = 0; i < length; i++) {
      slots[i].textContent = digits.charAt(i);
      slots[i].className =
        slots[i].className.replace(/ active$/, '') + (i === Math.min(digits.length, length - 1) ? ' active' : '');
    }
  }
  // The slots show where the next digit goes: keep the caret at the end.
  function toEnd() {
    var end = input.value.length;
    if (input.selectionStart !== end || input.selectionEnd !== end) input.setSelectionRange(end, end);
  }
  input.addEventListener('input', draw);
  input.addEventListener('focus', toEnd);
  input.addEventListener('click', toEnd);
  input.addEventListener('keyup', toEnd);
  draw();

  // Spaces and dashes are fine (the gate strips them); submit once all digits are there.
  input.addEventListener('input', function () {
    if (input.value.replace(/\D/g, '').length === length) submit();
  });

  if ('OTPCredential' in window && navigator.credentials && window.AbortController) {
    var abort = new AbortController();
    form.addEventListener('submit', function () {
      abort.abort();
    });
    navigator.credentials
      .get({ otp: { transport: ['sms'] }, signal: abort.signal })
      .then(function (otp) {
        if (otp && otp.code && !submitted) {
          input.value = otp.code;
          draw();
          submit();
        }
      })
      .catch(function () {
        /* no SMS, or the person typed it: nothing to do */
      });
  }

  var hint = document.getElementById('resend-hint');
  var wait = hint ? Number(hint.getAttribute('data-wait')) : 0;
  if (!(wait > 0)) return;
  var until = Date.now() + wait * 1000;
  function tick() {
    var left = Math.ceil((until - Date.now()) / 1000);
    // code-status.js sets data-wait to 0 when a failure report lifted the wait.
    if (left <= 0 || hint.getAttribute('data-wait') === '0') {
      hint.textContent = hint.getAttribute('data-ready');
      // The buttons the page locked for the countdown (without JavaScript a reload unlocks them).
      var locked = document.querySelectorAll('button[data-locked]');
      for (var i = 0; i < locked.length; i++) locked[i].disabled = false;
      return;
    }
    var text = hint.getAttribute(left === 1 ? 'data-wait-one' : 'data-wait-other') || '';
    hint.textContent = text.replace('{seconds}', String(left));
    setTimeout(tick, 1000);
  }
  tick();
})();
