import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { NOSCRIPT_MIN_WAIT_MS } from '../../src/infra/captcha/captcha.js';
import { translator } from '../../src/infra/i18n/i18n.js';
import {
  chromiumSkip,
  checkPage,
  clickAndLoad,
  launchBrowser,
  startServer,
  type RunningServer,
} from '../helpers/browser.js';
import { Readable } from 'node:stream';
import { FEED_HEADER, nif, toCsvLine } from '../../src/feed/demo-feed.js';
import { importFeed } from '../../src/feed/feed.import.js';
import { memberFeedRow, memberWithAccount } from '../helpers/fixture.js';
import { databaseKinds } from '../helpers/databases.js';

// R21 (issue 16 item 2): with JavaScript turned off, the seed's old browsers and text-mode ones can still recover a
// password (the captcha's no-script path: a short wait, limits per address) and sign in with a code, at 320 px.
// The test clock stands in for the member's few seconds of reading (tests never sleep).

const skip = chromiumSkip();

const PASSWORD = 'Primavera2030';
const NEW_PASSWORD = 'Verano2032Nuevo';

// Both databases (issue 16): the waiting token is spent in the database, once across nodes.
for (const kind of databaseKinds)
  describe(`JavaScript off in the browser (R21) [${kind}]`, { skip }, () => {
    let server: RunningServer;
    let browser: Browser;
    let n = 0;

    before(async () => {
      server = await startServer({ env: { TRUST_PROXY: 'true' } }, { kind });
      browser = await launchBrowser();
    });
    after(async () => {
      await browser?.close();
      await server?.close();
    });

    const submit = (page: Page, action: string) => clickAndLoad(page, `form[action="${action}"] button[type=submit]`);
    const lastMail = async (to: string, template: string) =>
      (await server.ctx.outbox()).filter((m) => m.recipient === to && m.template === template).at(-1)?.body_text ?? '';

    test('registration in three steps with scripts off: the password checklist after submit, no script needed (es, 320 px)', async () => {
      const t = translator('es');
      await importFeed(
        { db: server.ctx.db, clock: server.ctx.clock, courier: server.ctx.courier, timeZone: 'Europe/Madrid' },
        Readable.from([
          FEED_HEADER +
            toCsvLine(
              memberFeedRow({
                policy_number: 'NS-1',
                member_number: 'NS1',
                date_of_birth: '1972-02-02',
                email: 'noscript@example.com',
                address_line: 'Calle Mayor 1',
                postal_code: '28013',
                city: 'Madrid',
              }),
            ),
        ]),
      );
      const context = await browser.newContext({
        javaScriptEnabled: false,
        locale: 'es-ES',
        viewport: { width: 320, height: 700 },
      });
      const page = await context.newPage();
      await page.goto(`${server.baseUrl}/register`);
      await page.fill('#member_number', 'ns1');
      await page.fill('#birth_date', '02/02/1972');
      await page.fill('#policy_number', 'ns-1');
      assert.equal(await submit(page, '/register'), 200);
      assert.equal((await page.textContent('h1'))?.trim(), t('register.detailsTitle'));
      await page.selectOption('#document_type', 'NIF');
      await page.fill('#document_number', nif(27_272_727));
      assert.equal(await submit(page, '/register/details'), 200);
      await page.fill('#password', 'corto');
      await page.fill('#password_confirmation', 'corto');
      assert.equal(await submit(page, '/register/password'), 400);
      assert.equal(
        await page.getAttribute('li[data-rule="length"]', 'class'),
        'unmet',
        'R4: the checklist after submit',
      );
      await page.fill('#password', 'Sinscript2031');
      await page.fill('#password_confirmation', 'Sinscript2031');
      assert.equal(await submit(page, '/register/password'), 200);
      assert.equal((await page.textContent('h1'))?.trim(), t('register.done.title'));
      await context.close();
    });

    for (const lang of ['es', 'en'] as const) {
      test(`recovery and then a sign-in with an emailed code, scripts off (${lang}, 320 px)`, async () => {
        const t = translator(lang);
        const m = await memberWithAccount(server.ctx, { n: ++n, password: PASSWORD, language: lang });
        const context = await browser.newContext({
          javaScriptEnabled: false,
          locale: lang === 'es' ? 'es-ES' : 'en-GB',
          viewport: { width: 320, height: 700 },
          extraHTTPHeaders: { 'x-forwarded-for': `198.51.100.${n}` },
        });
        const page = await context.newPage();
        const base = server.baseUrl;

        await page.goto(`${base}/recovery`);
        assert.ok(
          ((await page.textContent('main')) ?? '').includes(
            t('captcha.noscript', { seconds: NOSCRIPT_MIN_WAIT_MS / 1000 }),
          ),
          'the no-script note is shown',
        );
        await checkPage(page, 'recovery, scripts off', { axe: false });
        await page.fill('#username', m.username);
        assert.equal(await submit(page, '/recovery'), 400, 'too quick: the form comes back');
        assert.match((await page.textContent('main')) ?? '', new RegExp(t('field.captcha_wait').slice(0, 20)));
        await page.fill('#username', m.username);
        server.ctx.clock.advance(NOSCRIPT_MIN_WAIT_MS); // the member reads the page
        assert.equal(await submit(page, '/recovery'), 200);
        assert.ok(page.url().endsWith('/recovery/send'), `after the wait: ${page.url()}`);
        assert.equal(await submit(page, '/recovery/send'), 200);
        const link = /http:\/\/localhost:3000(\/recovery\/reset\/[A-Za-z0-9_-]+)/.exec(
          await lastMail(m.email, 'recovery-link'),
        )?.[1];
        assert.ok(link);
        await page.goto(`${base}${link}`);
        await page.fill('#password', NEW_PASSWORD);
        await page.fill('#password_confirmation', NEW_PASSWORD);
        assert.equal(await submit(page, '/recovery/reset'), 200);
        assert.ok(page.url().endsWith('/recovery/done'));

        await page.goto(`${base}/sign-in`);
        await page.fill('#username', m.username);
        await page.fill('#password', NEW_PASSWORD);
        assert.equal(await submit(page, '/sign-in'), 200);
        assert.equal(await submit(page, '/sign-in/verify/send'), 200);
        const code = /\b(\d{6})\b/.exec(await lastMail(m.email, 'signin-code'))?.[1];
        assert.ok(code);
        await page.fill('input[autocomplete="one-time-code"]', code);
        assert.equal(await submit(page, '/sign-in/verify/code'), 200);
        assert.ok(page.url().endsWith('/area'), `signed in: ${page.url()}`);
        await checkPage(page, 'area, scripts off', { axe: false });
        await context.close();
      });
    }
    test("a browser that runs scripts but not modules (the seed's Internet Explorer): recovery through the waiting check; a current browser gets the widget only (R21, R10)", async () => {
      const t = translator('es');
      const m = await memberWithAccount(server.ctx, { n: ++n, password: PASSWORD });
      // Module scripts never run in such a browser: every script of ours is refused here, scripts stay on.
      const old = await browser.newContext({
        locale: 'es-ES',
        viewport: { width: 320, height: 700 },
        extraHTTPHeaders: { 'x-forwarded-for': `198.51.100.${n}` },
      });
      await old.route('**/assets/**/*.js', (route) => route.abort());
      const page = await old.newPage();
      await page.goto(`${server.baseUrl}/recovery`);
      assert.ok(await page.isVisible('[data-captcha-fallback]'), 'the waiting check is shown');
      assert.ok(
        ((await page.textContent('main')) ?? '').includes(
          t('captcha.noscript', { seconds: NOSCRIPT_MIN_WAIT_MS / 1000 }),
        ),
      );
      await page.fill('#username', m.username);
      server.ctx.clock.advance(NOSCRIPT_MIN_WAIT_MS);
      assert.equal(await submit(page, '/recovery'), 200);
      assert.ok(page.url().endsWith('/recovery/send'), `after the wait: ${page.url()}`);
      await old.close();

      const current = await browser.newContext({ locale: 'es-ES', viewport: { width: 320, height: 700 } });
      const modern = await current.newPage();
      await modern.goto(`${server.baseUrl}/recovery`);
      await modern.waitForFunction(() => customElements.get('altcha-widget') !== undefined);
      assert.equal(
        await modern.locator('[data-captcha-fallback]').count(),
        0,
        'the waiting check is gone where the widget runs',
      );
      assert.equal(await modern.locator('input[name="altcha_noscript"]').count(), 0);
      await current.close();
    });
  });
