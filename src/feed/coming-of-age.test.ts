import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { describeEachDatabase } from '../../test/helpers/databases.js';
import { accountFor, memberFeedRow } from '../../test/helpers/fixture.js';
import { setup, type TestContext } from '../../test/helpers/setup.js';
import { signedInStaff } from '../../test/helpers/staff.js';
import { BrowserAgent } from '../../test/helpers/browser-agent.js';
import { FEED_HEADER, nif, toCsvLine } from './demo-feed.js';
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
    const page = await agent.get(`/backoffice/members/${iria.id}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /data-status="waiting-for-contact"/);
    const leo = await ctx.db.kysely
      .selectFrom('members')
      .select('id')
      .where('member_number', '=', 'MA2')
      .executeTakeFirstOrThrow();
    assert.doesNotMatch((await agent.get(`/backoffice/members/${leo.id}`)).body, /waiting-for-contact/);
  });
});
