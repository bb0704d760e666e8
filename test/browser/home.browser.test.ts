import { join } from 'node:path';
import { tmpdir } from 'node:os';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, ConsoleMessage, Page } from 'playwright-core';
import { chromiumSkip, checkA11y, launchBrowser, startServer, type RunningServer } from '../helpers/browser.js';

// Smoke test in a real browser: language (R20), responsive layout from small phones up (R21), WCAG 2.1 AA as far as
// axe can tell, and a CSP the pages actually live within.

const skip = chromiumSkip();

const VIEWPORTS = [
  { width: 360, height: 740 },
  { width: 1280, height: 800 },
];
const HOME_H1 = { es: 'Tu área privada', en: 'Your private area' } as const;
const NOT_FOUND_H1 = { es: 'No encontramos esta página', en: 'We could not find this page' } as const;
const LANGS = ['es', 'en'] as const;

describe('home page in the browser', { skip }, () => {
  let server: RunningServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const consoleErrors: string[] = [];
  const pageErrors: string[] = [];

  /** A fresh browser profile (no cookies) whose Accept-Language is Spanish, like most members'. */
  async function newPage(
    options: { viewport?: { width: number; height: number }; locale?: string } = {},
  ): Promise<Page> {
    const context = await browser.newContext({
      locale: options.locale ?? 'es-ES',
      viewport: options.viewport ?? VIEWPORTS[1]!,
    });
    contexts.push(context);
    const page = await context.newPage();
    page.on('console', (msg: ConsoleMessage) => {
      if (msg.type() === 'error') consoleErrors.push(`${page.url()}: ${msg.text()}`);
    });
    page.on('pageerror', (err) => pageErrors.push(`${page.url()}: ${err.message}`));
    return page;
  }

  async function visit(page: Page, path: string, status = 200): Promise<void> {
    const res = await page.goto(server.baseUrl + path, { waitUntil: 'load' });
    assert.equal(res?.status(), status, `GET ${path}`);
  }

  const htmlLang = (page: Page) => page.getAttribute('html', 'lang');
  const h1 = (page: Page) => page.textContent('h1').then((s) => s?.trim());

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });

  after(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await server?.close();
  });

  test('is in Spanish by default, switches to English with the link, and remembers the choice', async () => {
    const page = await newPage();
    await visit(page, '/');
    assert.equal(await htmlLang(page), 'es');
    assert.equal(await h1(page), HOME_H1.es);

    await Promise.all([page.waitForURL(/[?&]lang=en\b/), page.click('nav.lang-switch a[hreflang="en"]')]);
    assert.equal(await htmlLang(page), 'en');
    assert.equal(await h1(page), HOME_H1.en);

    // Back to / without the query, with a Spanish Accept-Language: the cookie wins.
    await visit(page, '/');
    assert.equal(await htmlLang(page), 'en');
    assert.equal(await h1(page), HOME_H1.en);
    assert.equal(await page.getAttribute('nav.lang-switch a', 'hreflang'), 'es');
  });

  test('falls back to Spanish for a browser in neither language', async () => {
    const page = await newPage({ locale: 'de-DE' });
    await visit(page, '/');
    assert.equal(await htmlLang(page), 'es');
    assert.equal(await h1(page), HOME_H1.es);
  });

  for (const viewport of VIEWPORTS) {
    for (const lang of LANGS) {
      test(`at ${viewport.width}×${viewport.height} in ${lang}: no horizontal scrolling and no axe violations`, async () => {
        const page = await newPage({ viewport });
        await visit(page, `/?lang=${lang}`);
        assert.equal(await htmlLang(page), lang);
        assert.equal(await h1(page), HOME_H1[lang]);
        const { scrollWidth, innerWidth } = (await page.evaluate(
          '({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth })',
        )) as { scrollWidth: number; innerWidth: number };
        assert.ok(
          scrollWidth <= innerWidth,
          `the page scrolls sideways: scrollWidth ${scrollWidth} > innerWidth ${innerWidth}`,
        );
        if (viewport.width === 360 && lang === 'es')
          await page.screenshot({ path: join(tmpdir(), 'home-360.png'), fullPage: true });
        const { violations, summary } = await checkA11y(page);
        assert.equal(violations.length, 0, summary);
      });
    }
  }

  for (const lang of LANGS) {
    test(`the 404 page in ${lang} is in that language and has no axe violations`, async () => {
      const page = await newPage({ viewport: VIEWPORTS[0]! });
      await visit(page, `/no-such-page?lang=${lang}`, 404);
      assert.equal(await htmlLang(page), lang);
      assert.equal(await h1(page), NOT_FOUND_H1[lang]);
      const { violations, summary } = await checkA11y(page);
      assert.equal(violations.length, 0, summary);
    });
  }

  for (const lang of LANGS) {
    test(`the help centre (R26) in ${lang} at 320 px: reachable from the footer, every topic by its contents link, axe clean`, async () => {
      const page = await newPage({ viewport: { width: 320, height: 640 } });
      await visit(page, `/sign-in?lang=${lang}`);
      await Promise.all([page.waitForURL(/\/help$/), page.click('footer a[href="/help"]')]);
      assert.equal(await h1(page), lang === 'es' ? 'Ayuda' : 'Help');
      const topics = await page.locator('nav .help-toc a').count();
      assert.ok(topics >= 16, `${topics} topics in the contents`);
      await page.click('nav .help-toc a[href="#minors"]');
      assert.ok(await page.isVisible('#minors'));
      const { scrollWidth, innerWidth } = (await page.evaluate(
        '({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth })',
      )) as { scrollWidth: number; innerWidth: number };
      assert.ok(scrollWidth <= innerWidth, `sideways scroll: ${scrollWidth} > ${innerWidth}`);
      const { violations, summary } = await checkA11y(page);
      assert.equal(violations.length, 0, summary);
    });
  }

  // Runs last: it judges every page the tests above opened. (The 404 page's own status is logged as an error too,
  // which is why only CSP reports and uncaught exceptions count here.)
  test('the browser console shows no CSP violation and no uncaught error', () => {
    const csp = consoleErrors.filter((m) => /Content Security Policy/i.test(m));
    assert.deepEqual(csp, [], `CSP violations:\n${csp.join('\n')}`);
    assert.deepEqual(pageErrors, [], `uncaught errors:\n${pageErrors.join('\n')}`);
  });
});
