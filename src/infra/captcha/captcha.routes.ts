import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import type { Captcha } from './captcha.js';

// R10: the challenge endpoint and the ALTCHA widget's files, both from our own origin (no third party, and the
// CSP's 'self'). The widget files are served straight from node_modules/altcha, so nothing vendored sits in git.
//
// What the widget (altcha 3.x) needs under our CSP `script-src 'self'; style-src 'self'` (no inline, no blob:):
// - Its default build (dist/main) injects its CSS as a <style> element (allowed only with a nonce, which it looks
//   for in document.currentScript or <meta name="csp-nonce">; we have none) and starts its proof-of-work workers
//   from blob: URLs (data: URLs if that throws). Workers fall back to script-src, so both are refused.
// - Its "external" build (dist/external, package export "altcha/external") injects no CSS and bundles no workers.
//   So we link dist/external/altcha.css as a stylesheet, and /assets/captcha.js (public/, ours) registers the
//   PBKDF2 worker, dist/workers/pbkdf2.js, by URL from 'self' in the widget's global `$altcha.algorithms`.
// - The element renders in the light DOM (no shadow root), so the external stylesheet reaches it. It moves
//   things only through the CSSOM (element.style.setProperty / cssText), which CSP does not govern; its
//   templates carry no style="" attributes.
// - Checked in headless Chromium under the portal's CSP: this setup solves and posts a payload that verifies,
//   with no CSP violation; the default build reports style-src-elem and worker-src blob: violations and fails.
// - Spanish strings come from dist/i18n/es-es.js (English is built in); the widget takes the `language`
//   attribute, else <html lang>, matching "es" to "es-es" by prefix.
// - It only works in a secure context (https, or http://localhost): elsewhere it shows an error.
// - v3 reads the challenge URL from the `challenge` attribute (v2's `challengeurl` is gone).

/** Where the widget's files are served. */
export const ALTCHA_ASSETS_PREFIX = '/assets/vendor/altcha/';

/** The widget's script, its stylesheet, its Spanish strings and the worker our setup script registers. */
export const ALTCHA_ASSETS = {
  script: `${ALTCHA_ASSETS_PREFIX}external/altcha.min.js`,
  stylesheet: `${ALTCHA_ASSETS_PREFIX}external/altcha.css`,
  spanish: `${ALTCHA_ASSETS_PREFIX}i18n/es-es.js`,
  worker: `${ALTCHA_ASSETS_PREFIX}workers/pbkdf2.js`,
} as const;

/** Our own script (public/captcha.js) that registers the worker; it must name ALTCHA_ASSETS.worker. */
export const CAPTCHA_SETUP_SCRIPT = '/assets/captcha.js';

/** The package's dist folder, found the way Node resolves the package, wherever npm placed it. */
export const altchaDistDir = dirname(dirname(createRequire(import.meta.url).resolve('altcha/altcha.css')));

// Only the files the pages use; the rest of the package (other builds, 50 languages) stays unserved.
const SERVED = new Set(Object.values(ALTCHA_ASSETS).map((url) => `/${url.slice(ALTCHA_ASSETS_PREFIX.length)}`));

export interface CaptchaRoutesOptions {
  captcha: Captcha;
  /** Cache lifetime of the widget's files, as for /assets (they change only with the altcha package). */
  maxAge?: number | string;
}

/** GET /captcha/challenge for the widget, and the widget's files under /assets/vendor/altcha/ (R10). */
export async function captchaRoutes(app: FastifyInstance, opts: CaptchaRoutesOptions): Promise<void> {
  // Every challenge is new and single use: no browser or proxy may keep one.
  app.get('/captcha/challenge', { logLevel: 'warn' }, async (_request, reply) => {
    const challenge = await opts.captcha.challenge();
    return reply.header('cache-control', 'no-store').send(challenge);
  });

  await app.register(fastifyStatic, {
    root: altchaDistDir,
    prefix: ALTCHA_ASSETS_PREFIX,
    decorateReply: false,
    index: false,
    allowedPath: (pathName) => SERVED.has(pathName),
    maxAge: opts.maxAge ?? 0,
  });
}
