import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext } from 'playwright-core';
import { recordDataAccess } from '../../src/infra/audit/data-access.js';
import {
  chromiumSkip,
  checkPage,
  launchBrowser,
  startServer,
  watchPage,
  type RunningServer,
} from '../helpers/browser.js';
import { memberWithAccount, signedIn, type TestMember } from '../helpers/fixture.js';
import { giveReason, signedInStaff } from '../helpers/staff.js';
import { databaseKinds } from '../helpers/databases.js';
import type { BrowserAgent } from '../helpers/browser-agent.js';

// R36 in Chromium: /area/data (accesses, export, closing), the readable copy, the closing form and the back office's
// reason form, in both languages at 320/360 and 1280 px: nothing scrolls sideways and axe finds nothing. With
// SHOTS_DIR set, each page is also saved as a screenshot to look at (STYLE 22).

const skip = chromiumSkip();
const shots = process.env.SHOTS_DIR;

for (const kind of databaseKinds)
  describe(`your data in the browser (R36) [${kind}]`, { skip }, () => {
    let server: RunningServer;
    let browser: Browser;
    let member: BrowserAgent;
    let staffAgent: BrowserAgent;
    let m: TestMember;
    const problems: string[] = [];

    before(async () => {
      server = await startServer({}, { kind });
      browser = await launchBrowser();
      const ctx = server.ctx;
      m = await memberWithAccount(ctx);
      const a = await signedInStaff(ctx, 'agent');
      const b = await signedInStaff(ctx, 'admin');
      await giveReason(a.agent, m.memberId, { access_reason: 'member_call' });
      await giveReason(b.agent, m.memberId, { access_reason: 'complaint' });
      await recordDataAccess(
        ctx.db.kysely,
        ctx.clock,
        {},
        {
          memberId: m.memberId,
          what: 'record',
          who: { by: 'api', client: 'core' },
        },
      );
      member = await signedIn(ctx, m);
      staffAgent = (await signedInStaff(ctx, 'agent')).agent;
      if (shots) mkdirSync(shots, { recursive: true });
    });
    after(async () => {
      await browser?.close();
      await server?.close();
    });

    async function contextFor(agent: BrowserAgent, lang: 'es' | 'en', width: number): Promise<BrowserContext> {
      const context = await browser.newContext({
        locale: lang === 'es' ? 'es-ES' : 'en-GB',
        viewport: { width, height: 800 },
      });
      await context.addCookies(
        Object.entries(agent.cookies).map(([name, value]) => ({ name, value, url: server.baseUrl })),
      );
      return context;
    }

    for (const lang of ['es', 'en'] as const)
      for (const width of [320, 360, 1280]) {
        test(`member pages, ${lang}, ${width} px: no sideways scroll, axe clean`, async () => {
          const context = await contextFor(member, lang, width);
          const page = await context.newPage();
          watchPage(page, problems);
          for (const [path, name] of [
            ['/area/data', 'area-data'],
            ['/area/data/export', 'area-data-export'],
            ['/area/data/close', 'area-data-close'],
          ] as const) {
            const res = await page.goto(`${server.baseUrl}${path}?lang=${lang}`);
            assert.equal(res?.status(), 200, path);
            await checkPage(page, `${path} (${lang}, ${width} px)`);
            if (name === 'area-data') assert.equal(await page.locator('li.data-access').count(), 3);
            if (shots && width !== 320)
              await page.screenshot({ path: `${shots}/${kind}-${name}-${lang}-${width}.png`, fullPage: true });
          }
          await context.close();
          assert.deepEqual(problems, []);
        });

        test(`back office reason form, ${lang}, ${width} px: axe clean`, async () => {
          const context = await contextFor(staffAgent, lang, width);
          const page = await context.newPage();
          watchPage(page, problems);
          const res = await page.goto(`${server.baseUrl}/backoffice/members/${m.memberId}?lang=${lang}`);
          assert.equal(res?.status(), 200);
          assert.equal(await page.locator('input[name="access_reason"]').count(), 6);
          await checkPage(page, `reason form (${lang}, ${width} px)`);
          if (shots && width !== 320)
            await page.screenshot({ path: `${shots}/${kind}-bo-reason-${lang}-${width}.png`, fullPage: true });
          await context.close();
          assert.deepEqual(problems, []);
        });
      }
  });
