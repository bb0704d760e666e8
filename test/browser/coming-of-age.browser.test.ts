import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { FEED_HEADER, toCsvLine } from '../../src/feed/demo-feed.js';
import { importFeed } from '../../src/feed/feed.import.js';
import { sendComingOfAgeEnrolments } from '../../src/feed/coming-of-age.js';
import { translator } from '../../src/infra/i18n/i18n.js';
import {
  chromiumSkip,
  checkPage,
  launchBrowser,
  startServer,
  watchPage,
  type RunningServer,
} from '../helpers/browser.js';
import { memberFeedRow } from '../helpers/fixture.js';
import { giveReason, signedInStaff } from '../helpers/staff.js';
import { databaseKinds } from '../helpers/databases.js';

// R19 (issue 16 item 3) as the people involved see it: the new adult's enrolment email arrives on the birthday
// (Europe/Madrid), and the agent's member page says when a new adult has no email on record, in both languages.

const skip = chromiumSkip();

// Both databases (issue 16): the job's once-only notice row is the database's.
for (const kind of databaseKinds)
  describe(`turning 18 in the browser (R19) [${kind}]`, { skip }, () => {
    let server: RunningServer;
    let browser: Browser;
    const problems: string[] = [];

    before(async () => {
      server = await startServer({}, { kind });
      browser = await launchBrowser();
      const ctx = server.ctx;
      ctx.clock.set('2026-12-03T08:00:00.000Z'); // 09:00 in Madrid on the birthday
      const rows = [
        memberFeedRow({
          policy_number: 'B18',
          member_number: 'BX181',
          first_name: 'Ana',
          date_of_birth: '1976-01-01',
          email: 'ana@example.com',
        }),
        memberFeedRow({
          policy_number: 'B18',
          member_number: 'BX182',
          role: 'dependent',
          first_name: 'Sara',
          date_of_birth: '2008-12-03',
          email: '',
          guardian_member_numbers: 'BX181',
        }),
      ];
      await importFeed(
        { db: ctx.db, clock: ctx.clock, courier: ctx.courier, timeZone: 'Europe/Madrid' },
        Readable.from([FEED_HEADER + rows.map(toCsvLine).join('')]),
      );
      assert.deepEqual(
        await sendComingOfAgeEnrolments({
          db: ctx.db.kysely,
          clock: ctx.clock,
          courier: ctx.courier,
          timeZone: 'Europe/Madrid',
        }),
        { sent: 0, waitingForContact: 1 },
      );
    });
    after(async () => {
      await browser?.close();
      await server?.close();
    });

    for (const lang of ['es', 'en'] as const) {
      test(`an agent sees that a new adult without an email is waiting for contact data (${lang}, 360 px)`, async () => {
        const { agent } = await signedInStaff(server.ctx, 'agent');
        server.ctx.clock.advance(30_000);
        const sara = await server.ctx.db.kysely
          .selectFrom('members')
          .select('id')
          .where('member_number', '=', 'BX182')
          .executeTakeFirstOrThrow();
        await giveReason(agent, sara.id);
        const context = await browser.newContext({
          locale: lang === 'es' ? 'es-ES' : 'en-GB',
          viewport: { width: 360, height: 740 },
        });
        // The agent's browser carries the staff session the sign-in gave (signed in through the real pages).
        await context.addCookies(
          Object.entries(agent.cookies).map(([name, value]) => ({ name, value, url: server.baseUrl })),
        );
        const page = await context.newPage();
        watchPage(page, problems);
        await page.goto(`${server.baseUrl}/backoffice/members/${sara.id}?lang=${lang}`);
        assert.equal(new URL(page.url()).pathname, `/backoffice/members/${sara.id}`);
        assert.equal(
          (await page.textContent('[data-status="waiting-for-contact"]'))?.trim(),
          translator(lang)('bo.members.waitingForContact'),
        );
        await checkPage(page, `member page, waiting for contact data (${lang})`);
        await context.close();
        assert.deepEqual(problems, []);
      });
    }
  });
