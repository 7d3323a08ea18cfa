// Solves the sign-up form's proof-of-work challenge (internal/web/pow.go): finds the
// number n below data-pow-max for which SHA-256(salt + n) is the challenge, writes it
// into the form and enables the submit button. No third party, no inline script.
(function () {
  "use strict";
  var form = document.querySelector("form[data-pow-max]");
  if (!form || !window.crypto || !crypto.subtle) return;
  var status = document.getElementById("pow-status");
  var button = form.querySelector("button[type=submit]");
  var salt = form.elements.pow_salt.value;
  var challenge = form.elements.pow_challenge.value;
  var max = parseInt(form.getAttribute("data-pow-max"), 10);
  var enc = new TextEncoder();
  function hex(buf) {
    var b = new Uint8Array(buf), s = "";
    for (var i = 0; i < b.length; i++) s += (b[i] < 16 ? "0" : "") + b[i].toString(16);
    return s;
  }
  async function solve() {
    for (var n = 0; n < max; n++) {
      if (hex(await crypto.subtle.digest("SHA-256", enc.encode(salt + n))) === challenge) return n;
    }
    return -1;
  }
  button.disabled = true;
  status.textContent = status.getAttribute("data-working");
  solve().then(function (n) {
    form.elements.pow_number.value = String(n);
    button.disabled = false;
    status.textContent = status.getAttribute("data-done");
    status.classList.add("done");
  });
})();
