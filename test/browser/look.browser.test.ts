import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { todayIn } from '../../src/domain/calendar.js';
import { demoFeedCsv, nif } from '../../src/feed/demo-feed.js';
import { importFeed } from '../../src/feed/feed.import.js';
import { translator, type Lang } from '../../src/infra/i18n/i18n.js';
import { accountFor, lastCode, TEST_PASSWORD } from '../helpers/fixture.js';
import {
  checkPage,
  chromiumSkip,
  clickAndLoad,
  launchBrowser,
  startServer,
  watchPage,
  type RunningServer,
} from '../helpers/browser.js';

// R37 in a real browser: the member's navigation folds into a <details> menu on phones and opens by keyboard with no
// script, is a bar from 768 px, and marks the current section with aria-current; the home's dashboard, the card with
// its QR code, the contact and security pages and the card's check page (R33) are axe-clean and never scroll
// sideways from 320 to 1280 px, with scripts on and off.

const skip = chromiumSkip();
const LUCIA = { username: nif(10000001), email: 'lucia.garcia@example.com' };
const WIDTHS = [320, 360, 768, 1280];
const PAGES = ['/area', '/area/card', '/area/contact', '/area/security'];

describe('the portal’s look in the browser (R33, R37)', { skip }, () => {
  let server: RunningServer;
  let browser: Browser;
  const problems: string[] = [];

  before(async () => {
    server = await startServer();
    const { ctx } = server;
    await importFeed(
      { db: ctx.db, clock: ctx.clock, courier: ctx.courier, timeZone: ctx.config.timeZone },
      Readable.from([demoFeedCsv(todayIn(ctx.config.timeZone, ctx.clock.now()))]),
    );
    await accountFor(ctx, { username: LUCIA.username, memberNumbers: ['AS1001'], email: LUCIA.email });
    browser = await launchBrowser();
  });
  beforeEach(async () => {
    await server?.ctx.db.kysely.deleteFrom('rate_limits').execute();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  async function signedInPage(lang: Lang, width: number, javaScriptEnabled = true): Promise<Page> {
    const context = await browser.newContext({
      locale: lang === 'es' ? 'es-ES' : 'en-GB',
      viewport: { width, height: 800 },
      javaScriptEnabled,
    });
    const page = await context.newPage();
    watchPage(page, problems);
    await page.goto(`${server.baseUrl}/sign-in?lang=${lang}`);
    await page.fill('#username', LUCIA.username);
    await page.fill('#password', TEST_PASSWORD);
    await clickAndLoad(page, 'main form[action="/sign-in"] button[type=submit]');
    // Issue 32: once the email is the preferred channel, the password step has sent its code.
    if (await page.isVisible('#channel-email')) {
      await page.check('#channel-email');
      await clickAndLoad(page, 'main form[action="/sign-in/verify/send"] button[type=submit]');
    }
    await page.fill('input[autocomplete="one-time-code"]', await lastCode(server.ctx, LUCIA.email));
    await clickAndLoad(page, 'main form[action="/sign-in/verify/code"] button[type=submit]');
    assert.equal(new URL(page.url()).pathname, '/area');
    return page;
  }

  const visibleLinks = (page: Page) =>
    page.evaluate(
      `[...document.querySelectorAll('.member-nav .nav-list a')].filter((a) => a.checkVisibility()).length`,
    ) as Promise<number>;

  test('on a phone the menu is closed, opens from the keyboard without scripts, and marks the page', async () => {
    const t = translator('es');
    const page = await signedInPage('es', 360, false);
    await page.goto(`${server.baseUrl}/area/security/password`);
    assert.equal(await visibleLinks(page), 0, 'folded: only the toggle shows');
    assert.equal(await page.textContent('.member-nav summary'), t('nav.menu'));
    await page.focus('.member-nav summary');
    await page.keyboard.press('Enter');
    assert.equal(await visibleLinks(page), 7, 'Enter opens it');
    assert.equal(
      await page.getAttribute('.member-nav a[aria-current="page"]', 'href'),
      '/area/security',
      'a page below a section marks that section',
    );
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate('document.activeElement.getAttribute("href")'), '/area', 'Tab walks the links');
    await checkPage(page, 'the open menu at 360 px', { axe: false });
    await page.context().close();
  });

  test('from 768 px the links are a bar, no toggle', async () => {
    const page = await signedInPage('en', 768);
    assert.equal(await visibleLinks(page), 7);
    assert.equal(await page.isVisible('.member-nav summary'), false);
    assert.equal(await page.getAttribute('.member-nav a[aria-current="page"]', 'href'), '/area');
    await page.context().close();
  });

  test('home, card, contact and security: axe-clean and no sideways scroll from 320 to 1280 px', async () => {
    for (const lang of ['es', 'en'] as const) {
      const page = await signedInPage(lang, 320);
      for (const width of WIDTHS) {
        await page.setViewportSize({ width, height: 800 });
        for (const path of PAGES) {
          await page.goto(`${server.baseUrl}${path}`);
          await checkPage(page, `${path} (${lang}, ${width} px)`);
        }
      }
      // The card's QR code leads to its check page, which a receptionist's phone opens with no cookie.
      await page.goto(`${server.baseUrl}/area/card`);
      const alt = (await page.getAttribute('.card-qr img', 'alt')) ?? '';
      const address = /https?:\/\/\S+\/verify\/card\/[A-Za-z0-9_-]+/.exec(alt)?.[0];
      assert.ok(address, `the QR code's text alternative gives the address: ${alt}`);
      const clinic = await browser.newContext({ viewport: { width: 320, height: 700 } });
      const check = await clinic.newPage();
      watchPage(check, problems);
      const res = await check.goto(`${server.baseUrl}${new URL(address).pathname}?lang=${lang}`);
      assert.equal(res?.status(), 200);
      assert.equal(await check.textContent('h1'), translator(lang)('cardCheck.title'));
      await checkPage(check, `the card's check page (${lang}, 320 px)`);
      await clinic.close();
      await page.context().close();
    }
    assert.deepEqual(problems, [], 'no CSP violation or script error');
  });
});
