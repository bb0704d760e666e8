import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import {
  chromiumSkip,
  checkPage,
  launchBrowser,
  startServer,
  watchPage,
  type RunningServer,
} from '../helpers/browser.js';

// R21 (issue 16 item 2): a member whose browser refuses cookies is told so in plain words, on a page that helps,
// never "the form has expired". Chromium is made to behave like a browser set to block cookies: whatever the page
// set is gone before the form is sent, so the post carries no Cookie header at all.

const skip = chromiumSkip();

describe('cookies off in the browser (R21)', { skip }, () => {
  let server: RunningServer;
  let browser: Browser;
  const problems: string[] = [];

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  for (const lang of ['es', 'en'] as const) {
    test(`sign-in and registration say that cookies are needed (${lang}, 320 px)`, async () => {
      const context = await browser.newContext({
        locale: lang === 'es' ? 'es-ES' : 'en-GB',
        viewport: { width: 320, height: 700 },
      });
      const page = await context.newPage();
      watchPage(page, problems);
      const title = lang === 'es' ? 'Necesitas activar las cookies' : 'Cookies need to be turned on';
      for (const [path, fill] of [
        ['/sign-in', { '#username': '12345678Z', '#password': 'Secret2031' }],
        ['/register', { '#member_number': 'AS1001', '#birth_date': '01/01/1980', '#policy_number': 'POL1' }],
      ] as const) {
        await page.goto(`${server.baseUrl}${path}?lang=${lang}`);
        await context.clearCookies();
        for (const [selector, value] of Object.entries(fill)) await page.fill(selector, value);
        const [response] = await Promise.all([
          page.waitForResponse((r) => r.request().method() === 'POST'),
          page.click('main form button[type=submit]'),
        ]);
        assert.equal(response.status(), 403, path);
        await page.waitForLoadState('load');
        assert.equal((await page.textContent('h1'))?.trim(), title, path);
        assert.ok(await page.isVisible('main a[href="/help/browsers"]'), 'a way to the help on browsers');
        await checkPage(page, `cookies off: ${path}`);
      }
      await context.close();
      assert.deepEqual(problems, []);
    });
  }
});
