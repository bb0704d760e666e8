import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { todayIn } from '../../src/domain/calendar.js';
import { FEED_HEADER, nif, toCsvLine, yearsBefore } from '../../src/feed/demo-feed.js';
import { importFeed } from '../../src/feed/feed.import.js';
import { translator, type Lang } from '../../src/infra/i18n/i18n.js';
import { accountFor, memberFeedRow, signedIn } from '../helpers/fixture.js';
import {
  chromiumSkip,
  checkPage,
  launchBrowser,
  startServer,
  watchPage,
  type RunningServer,
} from '../helpers/browser.js';

// Issue 25 item 9 as the member sees it: one person, one account, two member records on two policies (PRODUCT §2,
// R5) gets a card for each on the home (R13), and is one person in the selector and the insured people, her minor
// still in the selector (R14). Both languages, 320 to 1280 px, axe, and without scripts (R21).

const skip = chromiumSkip();

const NURIA = { username: nif(10000066), email: 'nuria.vidal@example.com' };

describe('a member on several policies in the browser', { skip }, () => {
  let server: RunningServer;
  let browser: Browser;
  let shotDir: string;
  const problems: string[] = [];

  before(async () => {
    server = await startServer();
    const { ctx } = server;
    const today = todayIn(ctx.config.timeZone, ctx.clock.now());
    const nuria = { first_name: 'Nuria', last_name: 'Vidal Soler', date_of_birth: '1979-05-05', email: NURIA.email };
    const rows = [
      memberFeedRow({ ...nuria, policy_number: 'POL-700100', product: 'Salud Plus', member_number: 'AS-7001' }),
      memberFeedRow({
        policy_number: 'POL-700100',
        product: 'Salud Plus',
        member_number: 'AS-7003',
        role: 'dependent',
        first_name: 'Leo',
        last_name: 'Vidal Soler',
        date_of_birth: yearsBefore(today, 9),
        guardian_member_numbers: 'AS-7001',
      }),
      memberFeedRow({
        ...nuria,
        policy_number: 'POL-700200',
        product: 'Dental Familia Internacional Plus',
        policy_start: '2026-02-01',
        member_number: 'AS-7002',
      }),
    ];
    await importFeed(
      { db: ctx.db, clock: ctx.clock, courier: ctx.courier, timeZone: ctx.config.timeZone },
      Readable.from([FEED_HEADER + rows.map(toCsvLine).join('')]),
    );
    await accountFor(ctx, { username: NURIA.username, memberNumbers: ['AS7001', 'AS7002'], email: NURIA.email });
    shotDir = process.env.SCREENSHOT_OUT ?? mkdtempSync(join(tmpdir(), 'several-policies-'));
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    if (!process.env.SCREENSHOT_OUT && shotDir) rmSync(shotDir, { recursive: true, force: true });
  });

  /** A browser page signed in as Nuria (both steps through the routes; the session cookie handed to Chromium). */
  async function signedInPage(lang: Lang, width: number, javaScriptEnabled = true): Promise<Page> {
    const agent = await signedIn(server.ctx, NURIA);
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
    const res = await page.goto(`${server.baseUrl}/area?lang=${lang}`);
    assert.equal(res?.status(), 200);
    return page;
  }

  const texts = (page: Page, selector: string) =>
    page.$$eval(selector, (els) => els.map((e) => (e.textContent ?? '').replace(/\s+/g, ' ').trim()));

  for (const [lang, width] of [
    ['es', 360],
    ['en', 1280],
    ['es', 320],
  ] as const) {
    test(`both her cards on the home, and “you” once (${lang}, ${width} px; issue 25 item 9, R13, R14)`, async () => {
      const t = translator(lang);
      const page = await signedInPage(lang, width);
      assert.equal(await page.textContent('main h2:has(+ .member-cards)'), t('card.titleMany'));
      assert.deepEqual(await texts(page, 'main .member-card .card-number'), ['AS7002', 'AS7001']);
      const cards = await texts(page, 'main .member-card');
      assert.match(cards[0]!, /POL700200.*Dental Familia Internacional Plus/);
      assert.match(cards[1]!, /POL700100.*Salud Plus/);
      assert.deepEqual(await texts(page, 'main .member-cards .card-open a'), [
        t('card.printPolicy', { policy: 'POL700200' }),
        t('card.printPolicy', { policy: 'POL700100' }),
      ]);

      // The selector: her once, then her son; the insured people: her once with both records, then her son.
      const you = t('selector.you');
      assert.deepEqual(await texts(page, '#member option'), [`Nuria Vidal Soler (${you})`, 'Leo Vidal Soler']);
      const people = await texts(page, 'main ul.people > li');
      assert.equal(people.length, 2, people.join(' | '));
      assert.ok(people[0]!.startsWith(`Nuria Vidal Soler · ${t('area.peopleSelf')}`), people[0]);
      assert.deepEqual(await texts(page, 'main ul.people > li > ul > li'), [
        t('area.peopleRecord', {
          member: 'AS7002',
          policy: 'POL700200',
          product: 'Dental Familia Internacional Plus',
        }),
        t('area.peopleRecord', { member: 'AS7001', policy: 'POL700100', product: 'Salud Plus' }),
      ]);
      assert.equal(people[1], `Leo Vidal Soler · AS7003 · ${t('area.peopleMinor')}`);
      await checkPage(page, `the home with two cards at ${width} px`);
      await page.screenshot({ path: join(shotDir, `home-two-cards-${lang}-${width}.png`), fullPage: true });

      // Each card's link opens that card alone.
      await Promise.all([page.waitForNavigation(), page.click('main a[href="/area/card?member=AS7001"]')]);
      assert.deepEqual(await texts(page, 'main .member-card .card-number'), ['AS7001']);
      await page.context().close();
    });
  }

  test('without scripts: both cards, and the selector still switches to her son and back (R14, R21)', async () => {
    const page = await signedInPage('es', 360, false);
    assert.deepEqual(await texts(page, 'main .member-card .card-number'), ['AS7002', 'AS7001']);
    await page.selectOption('#member', 'AS7003');
    await Promise.all([page.waitForNavigation(), page.click('main form[action="/area/switch"] button')]);
    assert.deepEqual(await texts(page, 'main .member-card .card-number'), ['AS7003'], 'her son’s card alone');
    await page.selectOption('#member', 'AS7002');
    await Promise.all([page.waitForNavigation(), page.click('main form[action="/area/switch"] button')]);
    assert.deepEqual(await texts(page, 'main .member-card .card-number'), ['AS7002', 'AS7001']);
    assert.equal(await page.$eval('#member', (s) => (s as HTMLSelectElement).value), 'AS7002', 'she is the one shown');
    await checkPage(page, 'the home without scripts', { axe: false });
    await page.context().close();
  });

  test('no CSP violation and no uncaught error', () => {
    assert.deepEqual(problems, []);
  });
});
