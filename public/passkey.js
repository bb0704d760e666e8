// R27: passkeys, as a progressive enhancement. Every page works without this script for anyone who has no passkey;
// with it, forms marked data-passkey run a WebAuthn ceremony through @simplewebauthn/browser (served from /assets,
// loaded before this script) and post the authenticator's answer in the form's hidden "response" field. The server
// keeps the challenge in a stored flow and checks everything again.
const lib = globalThis.SimpleWebAuthnBrowser;
const supported = Boolean(lib && lib.browserSupportsWebAuthn());

// Parts sent as inert templates (so a text browser never shows them) are put in the page where passkeys work.
for (const template of document.querySelectorAll('script[type="text/html"][data-passkey-template]')) {
  if (!supported) continue;
  const holder = document.createElement('div');
  holder.innerHTML = template.textContent;
  template.replaceWith(...holder.childNodes);
}

// Parts shown only where passkeys can work, and the sentence shown where they cannot.
for (const el of document.querySelectorAll('[data-passkey-when="supported"]')) el.hidden = !supported;
for (const el of document.querySelectorAll('[data-passkey-when="unsupported"]')) el.hidden = supported;

async function optionsFor(form) {
  if (form.dataset.optionsId) {
    const script = document.getElementById(form.dataset.optionsId);
    return JSON.parse(script ? script.textContent : 'null');
  }
  // A fresh challenge for this browser: the server starts (or updates) a stored flow and answers the options.
  const csrf = form.querySelector('input[name="_csrf"]');
  const response = await fetch(form.dataset.options, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { accept: 'application/json' },
    body: new URLSearchParams({ _csrf: csrf ? csrf.value : '' }),
  });
  if (!response.ok) throw Object.assign(new Error(`options ${response.status}`), { name: 'ServerRefused' });
  return response.json();
}

for (const form of document.querySelectorAll('form[data-passkey]')) {
  const status = form.querySelector('[data-passkey-status]');
  const button = form.querySelector('button[type="submit"]');
  const say = (key) => {
    if (status) status.textContent = form.dataset[key] ?? '';
  };
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!supported) return say('msgUnsupported');
    if (button) button.disabled = true;
    say('msgWaiting');
    try {
      const optionsJSON = await optionsFor(form);
      const answer =
        form.dataset.passkey === 'register'
          ? await lib.startRegistration({ optionsJSON })
          : await lib.startAuthentication({ optionsJSON });
      form.querySelector('input[name="response"]').value = JSON.stringify(answer);
      form.submit();
    } catch (error) {
      // Cancelled, timed out, or no passkey for this site on this device: the person may try again or sign in
      // another way; nothing was sent, so nothing counts against the account.
      say(error && error.name === 'ServerRefused' ? 'msgRefused' : 'msgCancelled');
      if (button) button.disabled = false;
    }
  });
}
