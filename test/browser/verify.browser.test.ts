import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { FEED_HEADER, toCsvLine } from '../../src/feed/demo-feed.js';
import { importFeed } from '../../src/feed/feed.import.js';
import { issueVerificationToken } from '../../src/identity/verification.js';
import { translator } from '../../src/infra/i18n/i18n.js';
import { memberFeedRow, memberWithAccount } from '../helpers/fixture.js';
import {
  chromiumSkip,
  checkPage,
  launchBrowser,
  startServer,
  watchPage,
  type RunningServer,
} from '../helpers/browser.js';
import { Lynx, lynxUnavailable } from '../helpers/lynx.js';

// R32's verification page as a stranger sees it: genuine, genuine but cancelled, not genuine; both languages, 320 to
// 1280 px, axe, no cookie kept, and in lynx (R21).

const skip = chromiumSkip();

describe('the verification page in the browser', { skip }, () => {
  let server: RunningServer;
  let browser: Browser;
  let shotDir: string;
  const paths: Record<'genuine' | 'cancelled' | 'notGenuine', string> = {
    genuine: '',
    cancelled: '',
    notGenuine: '/verify/AAAAAAAAAAAAAAAAAAAAAAAA',
  };
  const problems: string[] = [];

  before(async () => {
    server = await startServer();
    const { ctx } = server;
    const tokenFor = async (memberId: number) => {
      const { policy_id } = await ctx.db.kysely
        .selectFrom('members')
        .select('policy_id')
        .where('id', '=', memberId)
        .executeTakeFirstOrThrow();
      return issueVerificationToken(ctx.db.kysely, ctx.clock, { kind: 'certificate', memberId, policyId: policy_id });
    };
    const record = {
      first_name: 'María Ángeles',
      last_name: 'Castaño de la Vega',
      product: 'Salud Integral Familia Internacional',
      policy_end: '2027-12-31',
    };
    const active = await memberWithAccount(ctx, { record });
    paths.genuine = `/verify/${await tokenFor(active.memberId)}`;
    const ended = memberFeedRow({ ...record, policy_number: 'PV2', member_number: 'MV2' });
    await importFeed(
      { db: ctx.db, clock: ctx.clock, courier: ctx.courier, timeZone: ctx.config.timeZone },
      Readable.from([FEED_HEADER + toCsvLine(ended)]),
    );
    const mv2 = await ctx.db.kysely
      .selectFrom('members')
      .select('id')
      .where('member_number', '=', 'MV2')
      .executeTakeFirstOrThrow();
    paths.cancelled = `/verify/${await tokenFor(mv2.id)}`;
    await importFeed(
      { db: ctx.db, clock: ctx.clock, courier: ctx.courier, timeZone: ctx.config.timeZone },
      Readable.from([FEED_HEADER + toCsvLine({ ...ended, policy_status: 'cancelled' })]),
    );
    shotDir = process.env.SCREENSHOT_OUT ?? mkdtempSync(join(tmpdir(), 'verify-'));
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    if (!process.env.SCREENSHOT_OUT && shotDir) rmSync(shotDir, { recursive: true, force: true });
  });

  const headings = {
    genuine: 'verification.genuine.heading',
    cancelled: 'verification.inactive.heading',
    notGenuine: 'verification.notGenuine.heading',
  } as const;

  for (const [lang, width] of [
    ['es', 360],
    ['en', 1280],
    ['es', 320],
    ['en', 360],
    ['es', 1280],
  ] as const) {
    test(`genuine, cancelled and not genuine (${lang}, ${width} px)`, async () => {
      const t = translator(lang);
      const context = await browser.newContext({
        locale: lang === 'es' ? 'es-ES' : 'en-GB',
        viewport: { width, height: 800 },
      });
      const page = await context.newPage();
      watchPage(page, problems);
      for (const state of ['genuine', 'cancelled', 'notGenuine'] as const) {
        const res = await page.goto(server.baseUrl + paths[state]);
        assert.equal(res?.status(), state === 'notGenuine' ? 404 : 200);
        assert.equal(await page.getAttribute('html', 'lang'), lang, 'the browser’s language, no cookie');
        assert.equal((await page.textContent('main .alert h2'))?.trim(), t(headings[state]));
        if (state !== 'notGenuine') {
          assert.equal((await page.textContent('main dl.verify-facts dd'))?.trim(), 'M. Á. C. V.');
          // On a phone the long product name gets the whole width: each value under its label, on one line.
          const product = await page.locator('main dl.verify-facts dd').nth(1).boundingBox();
          const label = await page.locator('main dl.verify-facts dt').nth(1).boundingBox();
          if (width <= 360) assert.ok(product!.y >= label!.y + label!.height - 1, 'the value sits under its label');
          assert.ok(product!.height < 40, `the product name fits on one line at ${width} px`);
        }
        await checkPage(page, `${state} at ${width} px (${lang})`);
        await page.screenshot({ path: join(shotDir, `verify-${state}-${lang}-${width}.png`), fullPage: true });
      }
      assert.deepEqual(await context.cookies(), [], 'the page sets no cookie');
      await context.close();
    });
  }

  test('in lynx', { skip: lynxUnavailable() ?? false }, async () => {
    const lynx = await Lynx.open(`${server.baseUrl}${paths.genuine}?lang=es`);
    try {
      const screen = lynx.screen();
      assert.match(screen, /Certificado auténtico: cobertura en vigor hoy/);
      assert.match(screen, /M\. Á\. C\. V\./);
      assert.match(screen, /Salud Integral Familia Internacional/);
    } finally {
      lynx.close();
    }
  });

  test('no CSP violation and no uncaught error', () => {
    assert.deepEqual(problems, []);
  });
});
