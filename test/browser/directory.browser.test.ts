import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { translator, type Lang } from '../../src/infra/i18n/i18n.js';
import { loadProviders, providerFeedRow as row } from '../helpers/fixture.js';
import {
  chromiumSkip,
  checkPage,
  clickAndLoad,
  launchBrowser,
  startServer,
  watchPage,
  type RunningServer,
} from '../helpers/browser.js';
import { Lynx, lynxUnavailable } from '../helpers/lynx.js';

// R34 (issue 29 item 4): the directory as people see it — a GET form that works without scripts and in lynx, at
// 320 and 1280 px, in both languages, axe-clean, with tel: and map links.

const skip = chromiumSkip();

describe('the provider directory in the browser', { skip }, () => {
  let server: RunningServer;
  let browser: Browser;
  const problems: string[] = [];

  before(async () => {
    server = await startServer();
    await loadProviders(
      server.ctx,
      row({ provider_id: 'MAL-1' }),
      row({
        provider_id: 'MAL-2',
        name: 'Hospital Costa del Sol',
        kind: 'hospital',
        specialties: 'Urgencias;Traumatología',
        postal_code: '29603',
        city: 'Marbella',
        latitude: '36.5100',
        longitude: '-4.8820',
      }),
    );
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  for (const lang of ['es', 'en'] as const satisfies Lang[])
    for (const width of [320, 1280])
      test(`searching finds by accent-free words, axe-clean, ${lang} at ${width} px`, async () => {
        const t = translator(lang);
        const context = await browser.newContext({ viewport: { width, height: 800 } });
        const page = await context.newPage();
        watchPage(page, problems);
        await page.goto(`${server.baseUrl}/directory?lang=${lang}`);
        await checkPage(page, `empty directory ${lang} ${width}`);
        await page.fill('#q', 'traumatologia malaga');
        await page.fill('#near', '29005');
        assert.equal(await clickAndLoad(page, 'form[role=search] button[type=submit]'), 200);
        assert.match(
          page.url(),
          /\/directory\?q=traumatologia\+malaga&specialty=&place=&near=29005/,
          'a shareable URL',
        );
        const names = await page.locator('.provider h3').allTextContents();
        assert.deepEqual(names, ['Dra. María Núñez Pérez', 'Hospital Costa del Sol'], 'nearest first');
        assert.equal(await page.locator('.provider a[href^="tel:"]').count(), 2);
        assert.equal(await page.locator('.provider a[href^="https://www.openstreetmap.org/"]').count(), 2);
        assert.match(
          (await page.textContent('#main')) ?? '',
          new RegExp(t('directory.byDistanceFrom', { from: '29005' })),
        );
        await checkPage(page, `results ${lang} ${width}`);
        assert.deepEqual(problems, []);
        await context.close();
      });

  test('without scripts, the GET form does the same search', async () => {
    const context = await browser.newContext({ viewport: { width: 320, height: 800 }, javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${server.baseUrl}/directory?lang=es`);
    assert.equal(await page.locator('#use-location').isVisible(), false, 'no location button without scripts');
    await page.fill('#q', 'NUNEZ');
    assert.equal(await clickAndLoad(page, 'form[role=search] button[type=submit]'), 200);
    assert.deepEqual(await page.locator('.provider h3').allTextContents(), ['Dra. María Núñez Pérez']);
    await checkPage(page, 'no scripts', { axe: false });
    await context.close();
  });

  test('in lynx', { skip: lynxUnavailable() ?? false }, async () => {
    const lynx = await Lynx.open(`${server.baseUrl}/directory?lang=es`);
    try {
      await lynx.fillAndSubmit(['nunez']);
      assert.match(lynx.screen(), /Dra\. María Núñez Pérez/);
      assert.match(lynx.screen(), /Ver en el mapa/);
    } finally {
      lynx.close();
    }
  });
});
