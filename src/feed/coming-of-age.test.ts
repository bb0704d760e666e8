import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { describeEachDatabase } from '../../test/helpers/databases.js';
import { accountFor, memberFeedRow } from '../../test/helpers/fixture.js';
import { setup, type TestContext } from '../../test/helpers/setup.js';
import { giveReason, signedInStaff } from '../../test/helpers/staff.js';
import { BrowserAgent } from '../../test/helpers/browser-agent.js';
import { todayIn } from '../domain/calendar.js';
import { createApiKey } from '../identity/api-keys.js';
import { createCourier } from '../infra/outbox/courier.js';
import { FEED_HEADER, nif, toCsvLine, yearsBefore } from './demo-feed.js';
import type { RawFeedRow } from './feed-row.js';
import { importFeed } from './feed.import.js';
import { sendComingOfAgeEnrolments } from './coming-of-age.js';

// R19 (issue 16 item 3): a minor who turns 18 gets the enrolment email on that day (Europe/Madrid), at their own
// email on record, once, even with several nodes running the job at once; with no email on record the back office
// shows them as waiting for contact data. Real member files: a guardian and their children on one family policy,
// one child without an email, one on an international policy, one whose document already has an account.

describeEachDatabase('coming of age: the enrolment email on the 18th birthday (R19)', (kind) => {
  let ctx: TestContext;
  const job = () =>
    sendComingOfAgeEnrolments({ db: ctx.db.kysely, clock: ctx.clock, courier: ctx.courier, timeZone: 'Europe/Madrid' });
  const enrolments = async (to: string) =>
    (await ctx.outbox()).filter((m) => m.recipient === to && m.template === 'enrolment');

  before(async () => {
    ctx = await setup(kind);
    // Noon in Madrid on 2 December 2026; the children born on 3 December 2008 turn 18 tomorrow.
    ctx.clock.set('2026-12-02T11:00:00.000Z');
    const rows = [
      memberFeedRow({
        policy_number: 'FAM1',
        member_number: 'MA1',
        first_name: 'Marta',
        date_of_birth: '1975-05-05',
        email: 'marta@example.com',
      }),
      memberFeedRow({
        policy_number: 'FAM1',
        member_number: 'MA2',
        role: 'dependent',
        first_name: 'Leo',
        date_of_birth: '2008-12-03',
        email: 'leo@example.com',
        guardian_member_numbers: 'MA1',
        language: 'en',
      }),
      memberFeedRow({
        policy_number: 'FAM1',
        member_number: 'MA3',
        role: 'dependent',
        first_name: 'Iria',
        date_of_birth: '2008-12-03',
        email: '',
        guardian_member_numbers: 'MA1',
      }),
      memberFeedRow({
        policy_number: 'INT1',
        scheme: 'international',
        member_number: 'MA4',
        first_name: 'Noa',
        date_of_birth: '2008-12-03',
        email: 'noa@example.com',
      }),
      memberFeedRow({
        policy_number: 'OLD1',
        policy_status: 'cancelled',
        member_number: 'MA6',
        first_name: 'Dani',
        date_of_birth: '2008-12-03',
        email: 'dani.old@example.com',
        document_type: 'NIF',
        document_number: nif(44_444_444),
      }),
      memberFeedRow({
        policy_number: 'FAM1',
        member_number: 'MA5',
        role: 'dependent',
        first_name: 'Dani',
        date_of_birth: '2008-12-03',
        email: 'dani@example.com',
        document_type: 'NIF',
        document_number: nif(44_444_444),
        guardian_member_numbers: 'MA1',
      }),
    ];
    await importFeed(
      { db: ctx.db, clock: ctx.clock, courier: ctx.courier, timeZone: 'Europe/Madrid' },
      Readable.from([FEED_HEADER + rows.map(toCsvLine).join('')]),
    );
    // Dani already has an account from an earlier policy (the same person on several records).
    await accountFor(ctx, { username: nif(44_444_444), memberNumbers: ['MA6'], email: 'dani.old@example.com' });
  });
  after(() => ctx.close());

  test("nothing the day before, even at 23:30 in Madrid; the email at 00:30 Madrid (23:30 UTC), once, in the member's language", async () => {
    assert.deepEqual(await job(), { sent: 0, waitingForContact: 0 });
    ctx.clock.set('2026-12-02T22:30:00.000Z'); // 23:30 in Madrid
    assert.deepEqual(await job(), { sent: 0, waitingForContact: 0 });
    ctx.clock.set('2026-12-02T23:30:00.000Z'); // 00:30 on the 3rd in Madrid
    // Three nodes run the job at the same moment.
    const reports = await Promise.all([job(), job(), job()]);
    assert.equal(
      reports.reduce((n, r) => n + r.sent, 0),
      1,
      'sent once across nodes',
    );
    const leo = await enrolments('leo@example.com');
    assert.equal(leo.length, 1);
    assert.match(leo[0]!.body_text, /MA2/);
    assert.match(leo[0]!.body_text, /FAM1/);
    assert.match(leo[0]!.subject ?? '', /[A-Za-z]/);
    assert.equal(leo[0]!.language, 'en');
    assert.equal(
      (await enrolments('noa@example.com')).length,
      0,
      'international policies register elsewhere (R2, R17)',
    );
    assert.equal(
      (await enrolments('dani@example.com')).length,
      0,
      'a person with an account already needs no enrolment',
    );
    assert.equal((await job()).sent, 0, 'never twice');
    ctx.clock.advance(2 * 24 * 3_600_000);
    assert.equal((await job()).sent, 0, 'nor later in the catch-up window');
    const audit = await ctx.db.kysely
      .selectFrom('audit_events')
      .select(['event', 'actor'])
      .where('event', '=', 'enrolment.coming_of_age')
      .execute();
    assert.deepEqual(audit, [{ event: 'enrolment.coming_of_age', actor: 'system' }]);
  });

  test('the new adult can register with the numbers from the email (R2)', async () => {
    const agent = new BrowserAgent(ctx.app);
    const res = await agent.post('/register', {
      member_number: 'MA2',
      birth_date: '03/12/2008',
      policy_number: 'FAM1',
    });
    assert.equal(res.headers.location, '/register/details');
  });

  test('with no email on record nothing is sent, and the back office shows the member waiting for contact data', async () => {
    assert.equal((await job()).waitingForContact, 1);
    const { agent } = await signedInStaff(ctx, 'agent');
    const iria = await ctx.db.kysely
      .selectFrom('members')
      .select('id')
      .where('member_number', '=', 'MA3')
      .executeTakeFirstOrThrow();
    await giveReason(agent, iria.id);
    const page = await agent.get(`/backoffice/members/${iria.id}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /data-status="waiting-for-contact"/);
    const leo = await ctx.db.kysely
      .selectFrom('members')
      .select('id')
      .where('member_number', '=', 'MA2')
      .executeTakeFirstOrThrow();
    await giveReason(agent, leo.id);
    assert.doesNotMatch((await agent.get(`/backoffice/members/${leo.id}`)).body, /waiting-for-contact/);
  });
});

// Issue 25 item 4 (R19): a member imported a few days after turning 18 is a new adult, so the import (CSV feed or
// integration API, one upsert path) sends the enrolment email; the birthday job, whose catch-up window still holds
// that birthday, must not send it a second time, however often it runs and on however many restarted nodes.
describeEachDatabase(
  'coming of age: a member imported just after turning 18 gets one enrolment email (R19)',
  (kind) => {
    let ctx: TestContext;
    let apiKey: string;
    // A fresh courier each time, as a node started anew would build: only the database remembers what was sent.
    const job = () =>
      sendComingOfAgeEnrolments({
        db: ctx.db.kysely,
        clock: ctx.clock,
        courier: createCourier({
          clock: ctx.clock,
          brand: ctx.config.brand,
          publicUrl: ctx.config.publicUrl,
          box: ctx.config.secretBox,
        }),
        timeZone: 'Europe/Madrid',
      });
    const enrolments = async (to: string) =>
      (await ctx.outbox()).filter((m) => m.recipient === to && m.template === 'enrolment');
    const today = () => todayIn('Europe/Madrid', ctx.clock.now());
    const importRows = (rows: RawFeedRow[]) =>
      importFeed(
        { db: ctx.db, clock: ctx.clock, courier: ctx.courier, timeZone: 'Europe/Madrid' },
        Readable.from([FEED_HEADER + rows.map(toCsvLine).join('')]),
      );

    before(async () => {
      ctx = await setup(kind);
      ctx.clock.set('2026-12-02T11:00:00.000Z'); // noon in Madrid
      const key = await createApiKey(ctx.db.kysely, ctx.clock, {
        name: 'core',
        scopes: ['members:write'],
        createdBy: 'test',
      });
      assert.ok(key.ok);
      apiKey = key.value.key;
    });
    after(() => ctx.close());

    test('imported from the CSV feed 18 years and 2 days after birth: one email from the import, none from the job run twice', async () => {
      const report = await importRows([
        memberFeedRow({
          policy_number: 'NEW1',
          member_number: 'NA1',
          first_name: 'Sara',
          date_of_birth: yearsBefore(today(), 18, 2),
          email: 'sara@example.com',
        }),
      ]);
      assert.equal(report.enrolmentEmails, 1);
      assert.equal((await enrolments('sara@example.com')).length, 1, 'the import sends it');
      assert.equal((await job()).sent, 0, 'the birthday job knows the import sent it');
      ctx.clock.advance(3_600_000);
      assert.deepEqual(await Promise.all([job(), job()]), [
        { sent: 0, waitingForContact: 0 },
        { sent: 0, waitingForContact: 0 },
      ]);
      assert.equal((await enrolments('sara@example.com')).length, 1, 'once in all');
      // Re-importing the same row changes nothing and sends nothing either.
      await importRows([
        memberFeedRow({
          policy_number: 'NEW1',
          member_number: 'NA1',
          first_name: 'Sara',
          date_of_birth: yearsBefore(today(), 18, 2),
          email: 'sara@example.com',
        }),
      ]);
      assert.equal((await job()).sent, 0);
      assert.equal((await enrolments('sara@example.com')).length, 1);
    });

    test('created through the integration API 18 years and 2 days after birth: one email from the upsert, none from the job', async () => {
      const res = await ctx.app.inject({
        method: 'PUT',
        url: '/api/v1/members/NA2',
        headers: { authorization: `Bearer ${apiKey}` },
        payload: {
          policy_number: 'NEW2',
          policy_status: 'active',
          scheme: 'local',
          product: 'Salud',
          policy_start: '2025-01-01',
          role: 'holder',
          first_name: 'Olga',
          last_name: 'Ruiz',
          date_of_birth: yearsBefore(today(), 18, 2),
          email: 'olga@example.com',
          country: 'ES',
          language: 'es',
        },
      });
      assert.equal(res.statusCode, 201, res.body);
      assert.equal(res.json<{ enrolment_email_queued: boolean }>().enrolment_email_queued, true);
      assert.equal((await job()).sent, 0);
      assert.equal((await job()).sent, 0, 'a second run, as after a restart');
      assert.equal((await enrolments('olga@example.com')).length, 1);
    });

    test('imported as a minor the day before turning 18: nothing from the import, one email from the job on the birthday', async () => {
      await importRows([
        memberFeedRow({
          policy_number: 'NEW3',
          member_number: 'NA3',
          first_name: 'Hugo',
          date_of_birth: yearsBefore(today(), 18, -1),
          email: 'hugo@example.com',
        }),
      ]);
      assert.equal((await enrolments('hugo@example.com')).length, 0, 'a minor gets no enrolment email at import');
      assert.equal((await job()).sent, 0, 'not before the birthday');
      ctx.clock.advance(24 * 3_600_000);
      assert.equal((await job()).sent, 1, 'on the 18th birthday');
      assert.equal((await job()).sent, 0, 'once');
      ctx.clock.advance(2 * 24 * 3_600_000);
      assert.equal((await job()).sent, 0, 'nor later in the catch-up window, after a restart');
      assert.equal((await enrolments('hugo@example.com')).length, 1);
    });
  },
);
