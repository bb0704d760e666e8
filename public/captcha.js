// R10: the ALTCHA widget's "external" build bundles no proof-of-work workers (its default build creates them from
// blob: URLs, which our CSP `script-src 'self'` refuses). This registers the PBKDF2 worker by a URL on our origin.
// Loaded after the widget (see CAPTCHA_SCRIPTS in src/infra/captcha/captcha-field.tsx); the widget only looks the
// worker up when it starts solving. The URL is ALTCHA_ASSETS.worker in src/infra/captcha/captcha.routes.ts.
/* global Worker */
globalThis.$altcha?.algorithms.set('PBKDF2/SHA-256', () => new Worker('/assets/vendor/altcha/workers/pbkdf2.js'));
// R21: the widget runs here, so the waiting check for browsers without it (scripts off, or no module scripts) goes.
if (globalThis.customElements?.get('altcha-widget')) {
  for (const fallback of document.querySelectorAll('[data-captcha-fallback]')) fallback.remove();
}
