// Runs the passkey and security key ceremonies for the gate's forms marked data-webauthn:
// "create" adds a credential (account page), "get" signs in with one (the passkey page, and the
// sign-in page of a passwordless rule, which also offers passkeys as autofill in the name field
// where the browser supports it). The form's own fields are posted to data-options for the
// options; the browser's answer goes into the form's "response" field and the form is submitted.
// Served by the gate from its own origin (CSP script-src 'self').
(function () {
  'use strict';
  if (!window.PublicKeyCredential || !navigator.credentials) return;

  function toBytes(base64url) {
    var base64 = base64url.replace(/-/g, '+').replace(/_/g, '/');
    var binary = atob(base64 + '==='.slice((base64.length + 3) % 4));
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes.buffer;
  }

  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = '';
    for (var i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
    return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function descriptors(list) {
    return (list || []).map(function (c) {
      return { type: c.type || 'public-key', id: toBytes(c.id), transports: c.transports };
    });
  }

  function creationOptions(o) {
    return Object.assign({}, o, {
      challenge: toBytes(o.challenge),
      user: Object.assign({}, o.user, { id: toBytes(o.user.id) }),
      excludeCredentials: descriptors(o.excludeCredentials),
    });
  }

  function requestOptions(o) {
    return Object.assign({}, o, { challenge: toBytes(o.challenge), allowCredentials: descriptors(o.allowCredentials) });
  }

  function answer(credential) {
    var r = credential.response;
    var response = { clientDataJSON: toBase64url(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = toBase64url(r.attestationObject);
      response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      response.authenticatorData = toBase64url(r.authenticatorData);
      response.signature = toBase64url(r.signature);
      if (r.userHandle) response.userHandle = toBase64url(r.userHandle);
    }
    return JSON.stringify({
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      response: response,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      clientExtensionResults: credential.getClientExtensionResults(),
    });
  }

  /** Options for this form's ceremony; a sign-in that is too old sends the page to sign in again. */
  function options(form) {
    var body = new URLSearchParams(new FormData(form));
    body.delete('response');
    return fetch(form.getAttribute('data-options'), {
      method: 'POST',
      headers: { Accept: 'application/json' },
      body: body,
      credentials: 'same-origin',
    }).then(function (res) {
      return res.json().then(function (json) {
        if (json.location) {
          window.location.assign(json.location);
          throw new Error('signing in again');
        }
        if (!res.ok) throw new Error(json.message || 'refused');
        return json;
      });
    });
  }

  function failed(form) {
    var message = document.getElementById(form.getAttribute('data-failed'));
    if (message) message.hidden = false;
  }

  function send(form, credential) {
    form.elements.response.value = answer(credential);
    form.submit();
  }

  function ceremony(form, mediation, signal) {
    var create = form.getAttribute('data-webauthn') === 'create';
    return options(form).then(function (o) {
      if (create) return navigator.credentials.create({ publicKey: creationOptions(o) });
      var request = { publicKey: requestOptions(o) };
      if (mediation) request.mediation = mediation;
      if (signal) request.signal = signal;
      return navigator.credentials.get(request);
    });
  }

  var forms = document.querySelectorAll('form[data-webauthn]');
  Array.prototype.forEach.call(forms, function (form) {
    var conditional;
    // The autofill request, settled (a browser takes one request at a time).
    var autofill = Promise.resolve();
    form.addEventListener('submit', function (event) {
      if (form.elements.response.value) return;
      event.preventDefault();
      if (conditional) conditional.abort();
      autofill
        .then(function () {
          return ceremony(form);
        })
        .then(
          function (credential) {
            send(form, credential);
          },
          function () {
            failed(form);
          },
        );
    });
    // Passkeys offered as autofill in the name field, where the browser can (conditional mediation).
    var field = form.getAttribute('data-conditional');
    if (!field || !PublicKeyCredential.isConditionalMediationAvailable) return;
    PublicKeyCredential.isConditionalMediationAvailable().then(function (available) {
      if (!available || !document.getElementById(field)) return;
      conditional = new AbortController();
      autofill = ceremony(form, 'conditional', conditional.signal).then(
        function (credential) {
          send(form, credential);
        },
        function () {
          // Dismissed or aborted for the button: the name field works as before.
        },
      );
    });
  });
})();
