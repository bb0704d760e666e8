import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { FEED_HEADER, toCsvLine } from '../../feed/demo-feed.js';
import { importFeed } from '../../feed/feed.import.js';
import { recordDataAccess } from '../../infra/audit/data-access.js';
import { memberFeedRow, memberIdOf, memberWithAccount, signedIn } from '../../../test/helpers/fixture.js';
import { describeEachDatabase } from '../../../test/helpers/databases.js';
import { setup, type TestContext } from '../../../test/helpers/setup.js';
import { giveReason, signedInStaff, signInStaff } from '../../../test/helpers/staff.js';
import { agentPseudonym } from './data-accesses.js';

// R36 "who looked at your data": after real back-office visits with a reason, the member sees each one on /area/data,
// newest first, with the time, the agent's role, a pseudonym stable per agent and the reason; the API's reads are
// "the insurer's systems"; a guardian sees their minor's; nobody sees another member's.

const cards = (body: string) => [...body.matchAll(/<li class="card data-access"[\s\S]*?<\/li>/g)].map((m) => m[0]);
const pseudonymsIn = (body: string) => [...body.matchAll(/ID ([0-9A-Z]{4}-[0-9A-Z]{4})/g)].map((m) => m[1]);

describeEachDatabase('your data: who looked at it (R36)', (kind) => {
  let ctx: TestContext;
  before(async () => {
    ctx = await setup(kind);
  });
  after(() => ctx.close());

  test('each agent visit with a reason is listed newest first, with role, a stable pseudonym and the reason', async () => {
    const m = await memberWithAccount(ctx);
    const member = await signedIn(ctx, m);
    // The page is one tap from the home (R36, R37) as well as from the security page.
    assert.match(
      (await member.get('/area')).body,
      /<a href="\/area\/data">Tus datos: copia, accesos y cierre de la cuenta<\/a>/,
    );
    assert.match((await member.get('/area/data?lang=en')).body, /Nobody at the company has looked at this data yet/);

    const ana = await signedInStaff(ctx, 'agent');
    const admin = await signedInStaff(ctx, 'admin');
    await giveReason(ana.agent, m.memberId, { access_reason: 'member_call' });
    ctx.clock.advanceMinutes(1);
    await giveReason(admin.agent, m.memberId, { access_reason: 'complaint', access_note: 'Ticket 77, Sr. Pérez' });
    ctx.clock.advanceMinutes(1);
    // Ana again, from a new staff session: the same pseudonym.
    ctx.clock.advance(30_000);
    const anaAgain = await signInStaff(ctx, ana.staff);
    await giveReason(anaAgain, m.memberId, { access_reason: 'legal_obligation' });
    ctx.clock.advanceMinutes(1);
    await recordDataAccess(
      ctx.db.kysely,
      ctx.clock,
      {},
      {
        memberId: m.memberId,
        what: 'record',
        who: { by: 'api', client: 'core-system' },
      },
    );

    const page = await member.get('/area/data?lang=en');
    assert.equal(page.statusCode, 200);
    const list = cards(page.body);
    assert.equal(list.length, 4);
    assert.match(list[0]!, /The insurer&#39;s systems|The insurer's systems/);
    assert.match(list[1]!, /Customer service, ID/);
    assert.match(list[1]!, /Legal obligation/);
    assert.match(list[2]!, /Private area administration, ID/);
    assert.match(list[2]!, /Complaint/);
    assert.match(list[3]!, /The member called us/);
    const ids = pseudonymsIn(page.body);
    assert.equal(ids.length, 3);
    assert.equal(ids[0], ids[2], 'one agent, one pseudonym across staff sessions');
    assert.notEqual(ids[0], ids[1], 'two agents, two pseudonyms');
    assert.equal(ids[0], agentPseudonym(ctx.config.secretKey, ana.staff.id));
    for (const secret of [ana.staff.username, admin.staff.username, 'Ticket 77', 'Pérez', 'core-system'])
      assert.ok(!page.body.includes(secret), `no name, note or key name shown (${secret})`);
    // Times in the insurer's zone, machine-readable too.
    assert.match(list[3]!, /<time datetime="2026-11-27T\d\d:\d\d:\d\d\.\d{3}Z">/);
    // A junk cursor is ignored, never a 500.
    assert.equal((await member.get('/area/data?before=abc')).statusCode, 200);
    assert.equal(cards((await member.get('/area/data?before=1&lang=en')).body).length, 0);

    // Another member sees none of it.
    const other = await memberWithAccount(ctx);
    assert.equal(cards((await (await signedIn(ctx, other)).get('/area/data?lang=en')).body).length, 0);
  });

  test('the pseudonym depends on the secret key and the staff id, and reveals neither', () => {
    const a = agentPseudonym('k'.repeat(32), 1);
    assert.match(a, /^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    assert.equal(agentPseudonym('k'.repeat(32), 1), a);
    assert.notEqual(agentPseudonym('k'.repeat(32), 2), a);
    assert.notEqual(agentPseudonym('j'.repeat(32), 1), a);
  });

  test('a guardian acting for a minor sees the minor’s accesses, and only those (R14)', async () => {
    const g = await memberWithAccount(ctx, { n: 4100 });
    await importFeed(
      { db: ctx.db, clock: ctx.clock, courier: ctx.courier, timeZone: 'Europe/Madrid' },
      Readable.from([
        FEED_HEADER +
          toCsvLine(
            memberFeedRow({
              policy_number: 'HP4100',
              member_number: 'MN4100',
              role: 'dependent',
              first_name: 'Leo',
              date_of_birth: '2016-03-03',
              guardian_member_numbers: 'HM4100',
            }),
          ),
      ]),
    );
    const leo = await memberIdOf(ctx, 'MN4100');
    const { agent } = await signedInStaff(ctx, 'agent');
    await giveReason(agent, leo, { access_reason: 'request_review' });
    await giveReason(agent, g.memberId, { access_reason: 'member_written' });
    const browser = await signedIn(ctx, g);
    const own = (await browser.get('/area/data?lang=en')).body;
    assert.equal(cards(own).length, 1);
    assert.match(own, /The member wrote to us/);
    assert.equal((await browser.post('/area/switch', { member: 'MN4100' })).statusCode, 303);
    const minor = (await browser.get('/area/data?lang=en')).body;
    assert.equal(cards(minor).length, 1);
    assert.match(minor, /Reviewing a request/);
    assert.match(minor, /Leo/);
  });
});
