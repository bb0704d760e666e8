import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { translator, type Lang } from '../../src/infra/i18n/i18n.js';
import { memberWithAccount, signedIn, type TestMember } from '../helpers/fixture.js';
import {
  chromiumSkip,
  checkPage,
  clickAndLoad,
  launchBrowser,
  startServer,
  watchPage,
  type RunningServer,
} from '../helpers/browser.js';

// Issue 25 item 10 as the member sees it: the contact page's postal address has registration's country field, so a
// member who moves abroad corrects it there (R15), and the postal code follows the country chosen (R3: Spain's are
// 5 digits, 01-52). Both languages, 360 and 1280 px, axe, and without scripts (R21).

const skip = chromiumSkip();

describe('the country on the contact page in the browser', { skip }, () => {
  let server: RunningServer;
  let browser: Browser;
  let shotDir: string;
  const problems: string[] = [];

  before(async () => {
    server = await startServer();
    shotDir = process.env.SCREENSHOT_OUT ?? mkdtempSync(join(tmpdir(), 'contact-country-'));
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    if (!process.env.SCREENSHOT_OUT && shotDir) rmSync(shotDir, { recursive: true, force: true });
  });

  /** A member with a Madrid address, signed in (both steps through the routes), on the contact page in Chromium. */
  async function contactPage(
    lang: Lang,
    width: number,
    javaScriptEnabled = true,
  ): Promise<{ page: Page; m: TestMember }> {
    const m = await memberWithAccount(server.ctx, {
      language: lang,
      address: { address_line: 'Calle Mayor 1', postal_code: '28013', city: 'Madrid', province: 'Madrid' },
    });
    await server.ctx.db.kysely.updateTable('accounts').set({ country: 'ES' }).where('id', '=', m.accountId).execute();
    const agent = await signedIn(server.ctx, m);
    const context = await browser.newContext({
      locale: lang === 'es' ? 'es-ES' : 'en-GB',
      viewport: { width, height: 800 },
      javaScriptEnabled,
    });
    await context.addCookies(
      Object.entries(agent.cookies).map(([name, value]) => ({ name, value, url: server.baseUrl })),
    );
    const page = await context.newPage();
    watchPage(page, problems);
    const res = await page.goto(`${server.baseUrl}/area/contact?lang=${lang}`);
    assert.equal(res?.status(), 200);
    return { page, m };
  }

  const text = (page: Page, selector: string) =>
    page.textContent(selector).then((s) => (s ?? '').replace(/\s+/g, ' ').trim());
  /** The current address as shown (innerText: each line break a space). */
  const shownAddress = (page: Page) =>
    page.innerText('section[aria-labelledby="current-title"] dd').then((s) => s.replace(/\s+/g, ' ').trim());
  const saveAddress = (page: Page) => clickAndLoad(page, 'main form[action="/area/contact/address"] button');

  for (const [lang, width, js] of [
    ['es', 360, true],
    ['en', 1280, true],
    ['es', 320, false],
  ] as const) {
    test(`a member moves to Portugal and back (${lang}, ${width} px${js ? '' : ', no scripts'}; issue 25 item 10, R3, R15)`, async () => {
      const t = translator(lang);
      const { page, m } = await contactPage(lang, width, js);
      const names = new Intl.DisplayNames([lang], { type: 'region' });
      assert.equal(await text(page, 'label[for="country"]'), t('address.country'));
      assert.equal(await page.inputValue('#country'), 'ES', 'her country, as registration left it');
      if (js) await checkPage(page, 'the contact page');
      if (js && width === 360)
        await page.screenshot({ path: join(shotDir, `contact-${lang}-${width}.png`), fullPage: true });

      await page.fill('#address_line', 'Rua Augusta 100, 2º');
      await page.fill('#postal_code', '1100 053');
      await page.fill('#city', 'Lisboa');
      await page.fill('#province', '');
      await page.selectOption('#country', { label: names.of('PT')! });
      assert.equal(await saveAddress(page), 200);
      assert.equal(await text(page, 'main .alert.success'), t('contact.done.address'));
      assert.equal(await shownAddress(page), `Rua Augusta 100, 2º 1100-053 Lisboa ${names.of('PT')}`);
      assert.equal(await page.inputValue('#country'), 'PT');
      const a = await server.ctx.db.kysely
        .selectFrom('accounts')
        .select(['postal_code', 'country'])
        .where('id', '=', m.accountId)
        .executeTakeFirstOrThrow();
      assert.deepEqual(a, { postal_code: '1100-053', country: 'PT' });
      if (js) await checkPage(page, 'the contact page abroad');
      if (js) await page.screenshot({ path: join(shotDir, `contact-abroad-${lang}-${width}.png`), fullPage: true });

      // Back to Spain, forgetting to change the postal code: R3's message, on the field and in the summary.
      await page.selectOption('#country', 'ES');
      assert.equal(await saveAddress(page), 400);
      assert.equal(await text(page, '#postal_code-error'), t('field.postal_code_invalid'));
      assert.equal(
        await text(page, '#error-summary a[href="#postal_code"]'),
        `${t('address.postalCode')}: ${t('field.postal_code_invalid')}`,
      );
      assert.equal(await page.getAttribute('#postal_code', 'aria-invalid'), 'true');
      assert.equal(await page.inputValue('#country'), 'ES', 'the country chosen stays');
      if (js) await checkPage(page, 'the contact page with an error');
      if (js) await page.screenshot({ path: join(shotDir, `contact-error-${lang}-${width}.png`), fullPage: true });
      await page.fill('#postal_code', '28013');
      await page.fill('#city', 'Madrid');
      await page.fill('#address_line', 'Calle Mayor 1');
      assert.equal(await saveAddress(page), 200);
      assert.equal(await page.inputValue('#country'), 'ES');
      assert.match(await shownAddress(page), new RegExp(`28013 Madrid ${names.of('ES')}$`));
      await page.context().close();
    });
  }

  test('no CSP violation and no uncaught error', () => {
    assert.deepEqual(problems, []);
  });
});
