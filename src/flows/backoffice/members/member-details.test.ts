import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { FEED_HEADER, nif, toCsvLine } from '../../../feed/demo-feed.js';
import { importFeed } from '../../../feed/feed.import.js';
import { recordAudit } from '../../../infra/audit/audit.repository.js';
import { accountFor, memberFeedRow, signedIn } from '../../../../test/helpers/fixture.js';
import { describeEachDatabase } from '../../../../test/helpers/databases.js';
import { setup, type TestContext } from '../../../../test/helpers/setup.js';
import { findMemberDetails, listMemberAudit, loadMemberPage, parseAuditCursor } from './member-details.repository.js';

// R23: the member page's data: every record of the person with its policy, the account with status, lock and
// verified channels, the last sign-ins, guardian links both ways, and the audit trail newest first, paged.

const GUARDIAN_NIF = nif(61_000_001);
const SOLO_NIF = nif(61_000_002);

const feed = [
  memberFeedRow({
    policy_number: 'DP1',
    member_number: 'DG1',
    first_name: 'Elena',
    last_name: 'Sanz',
    date_of_birth: '1980-04-04',
    document_type: 'NIF',
    document_number: GUARDIAN_NIF,
    email: 'elena@example.com',
  }),
  memberFeedRow({
    policy_number: 'DP1',
    member_number: 'DH1',
    first_name: 'Pablo',
    last_name: 'Sanz',
    date_of_birth: '1979-05-05',
    email: 'pablo@example.com',
  }),
  memberFeedRow({
    policy_number: 'DP1',
    member_number: 'DK1',
    role: 'dependent',
    first_name: 'Nico',
    last_name: 'Sanz',
    date_of_birth: '2016-06-06',
    guardian_member_numbers: 'DG1;DH1',
  }),
  memberFeedRow({
    policy_number: 'DP2',
    product: 'Dental',
    member_number: 'DG2',
    first_name: 'Elena',
    last_name: 'Sanz',
    date_of_birth: '1980-04-04',
    document_type: 'NIF',
    document_number: GUARDIAN_NIF,
    email: 'elena@example.com',
  }),
  memberFeedRow({
    policy_number: 'DP3',
    member_number: 'DS1',
    first_name: 'Rosa',
    last_name: 'Gil',
    date_of_birth: '1960-01-01',
    document_type: 'NIF',
    document_number: SOLO_NIF,
  }),
  memberFeedRow({
    policy_number: 'DP4',
    policy_status: 'cancelled',
    policy_end: '2026-01-31',
    member_number: 'DS2',
    first_name: 'Rosa',
    last_name: 'Gil',
    date_of_birth: '1960-01-01',
    document_type: 'NIF',
    document_number: SOLO_NIF,
  }),
];

describeEachDatabase('back office: member details', (kind) => {
  let ctx: TestContext;
  const ids: Record<string, number> = {};
  let accountId = 0;

  before(async () => {
    ctx = await setup(kind);
    const report = await importFeed(
      { db: ctx.db, clock: ctx.clock, courier: ctx.courier, timeZone: 'Europe/Madrid' },
      Readable.from([FEED_HEADER + feed.map(toCsvLine).join('')]),
    );
    assert.equal(report.skipped, 0, JSON.stringify(report.problems));
    for (const m of await ctx.db.kysely.selectFrom('members').select(['id', 'member_number']).execute())
      ids[m.member_number] = m.id;
    accountId = await accountFor(ctx, {
      username: GUARDIAN_NIF,
      memberNumbers: ['DG1', 'DG2'],
      email: 'elena@example.com',
      mobile: '+34600123456',
    });
  });
  after(async () => {
    await ctx.close();
  });

  test('a registered guardian: both records and policies, the account, sign-ins, the minor in her care', async () => {
    const first = await signedIn(ctx, { username: GUARDIAN_NIF, email: 'elena@example.com' });
    ctx.clock.advanceMinutes(1);
    await signedIn(ctx, { username: GUARDIAN_NIF, email: 'elena@example.com' });
    await first.post('/sign-out', {});
    const until = new Date(ctx.clock.now().getTime() + 10 * 60_000).toISOString();
    await ctx.db.kysely
      .updateTable('accounts')
      .set({ locked_until: until, preferred_channel: 'sms' })
      .where('id', '=', accountId)
      .execute();

    const d = await findMemberDetails(ctx.db.kysely, ids.DG2!, ctx.clock.now().toISOString());
    assert.ok(d);
    assert.equal(d.member.memberNumber, 'DG2');
    assert.deepEqual(
      d.records.map((r) => [r.memberNumber, r.policy.number, r.policy.product, r.policy.status, r.role]),
      [
        ['DG1', 'DP1', 'Salud', 'active', 'holder'],
        ['DG2', 'DP2', 'Dental', 'active', 'holder'],
      ],
    );
    assert.ok(d.account);
    assert.equal(d.account.username, GUARDIAN_NIF);
    assert.equal(d.account.documentType, 'NIF');
    assert.equal(d.account.status, 'active');
    assert.equal(d.account.lockedUntil, until);
    assert.ok(d.account.emailVerifiedAt, 'proven by the sign-in code');
    assert.equal(d.account.mobile, '+34600123456');
    assert.equal(d.account.mobileVerifiedAt, null);
    assert.equal(d.account.preferredChannel, 'sms');
    assert.equal(d.signIns.length, 2);
    assert.deepEqual(
      d.signIns.map((s) => [s.secondFactor, s.active, s.endedAt !== null]),
      [
        ['email', true, false],
        ['email', false, true],
      ],
      'newest first; the signed-out one ended',
    );
    assert.deepEqual(d.guardians, []);
    assert.deepEqual(
      d.wards.map((w) => [w.viaMemberNumber, w.memberNumber, w.registered]),
      [['DG1', 'DK1', false]],
    );
    ctx.clock.advanceMinutes(20);
    const later = await findMemberDetails(ctx.db.kysely, ids.DG1!, ctx.clock.now().toISOString());
    assert.equal(later?.account?.lockedUntil, null, 'a lock in the past is no lock');
    assert.ok(
      later?.signIns.every((s) => !s.active),
      'idle sessions have expired',
    );
  });

  test('a minor: no account, both guardians listed with whether they registered', async () => {
    const d = await findMemberDetails(ctx.db.kysely, ids.DK1!, ctx.clock.now().toISOString());
    assert.ok(d);
    assert.equal(d.account, null);
    assert.deepEqual(d.signIns, []);
    assert.deepEqual(
      d.guardians.map((g) => [g.memberNumber, g.firstName, g.registered]),
      [
        ['DG1', 'Elena', true],
        ['DH1', 'Pablo', false],
      ],
    );
    assert.deepEqual(d.wards, []);
  });

  test('a person who has not registered: every record with the same document and birth date', async () => {
    const d = await findMemberDetails(ctx.db.kysely, ids.DS1!, ctx.clock.now().toISOString());
    assert.deepEqual(
      d?.records.map((r) => [r.memberNumber, r.policy.status, r.policy.endDate]),
      [
        ['DS1', 'active', null],
        ['DS2', 'cancelled', '2026-01-31'],
      ],
    );
    assert.equal(await findMemberDetails(ctx.db.kysely, 987_654, ctx.clock.now().toISOString()), undefined);
  });

  test('the audit trail: the account’s and the records’ events, newest first, in pages that do not shift', async () => {
    const c = { ip: '10.0.0.1' };
    await recordAudit(ctx.db.kysely, ctx.clock, c, { event: 'test.member-only', outcome: 'info', memberId: ids.DG2! });
    await recordAudit(ctx.db.kysely, ctx.clock, c, { event: 'test.other-person', outcome: 'info', memberId: ids.DS1! });
    const subject = { accountId, memberIds: [ids.DG1!, ids.DG2!] };
    const all = await listMemberAudit(ctx.db.kysely, subject, undefined, 1000);
    assert.equal(all.nextBefore, undefined);
    assert.ok(all.entries.length >= 5, 'sign-in events and the member-only one');
    assert.equal(all.entries[0]!.event, 'test.member-only');
    assert.ok(!all.entries.some((e) => e.event === 'test.other-person'));
    assert.ok(all.entries.some((e) => e.event === 'signin.password' && e.outcome === 'success'));
    const idsDesc = all.entries.map((e) => e.id);
    assert.deepEqual(
      idsDesc,
      [...idsDesc].sort((a, b) => b - a),
    );

    const page1 = await listMemberAudit(ctx.db.kysely, subject, undefined, 2);
    assert.equal(page1.entries.length, 2);
    assert.ok(page1.nextBefore);
    // A new event arrives between the two page loads: page 2 still starts where page 1 ended.
    await recordAudit(ctx.db.kysely, ctx.clock, c, { event: 'test.meanwhile', outcome: 'info', accountId });
    const page2 = await listMemberAudit(ctx.db.kysely, subject, page1.nextBefore, 2);
    assert.deepEqual(
      [...page1.entries, ...page2.entries].map((e) => e.id),
      idsDesc.slice(0, 4),
    );
    const page = await loadMemberPage(ctx.db.kysely, ctx.clock, 'Europe/Madrid', ids.DG2!, page1.nextBefore);
    assert.deepEqual(
      page?.audit.entries.map((e) => e.id),
      page2.entries
        .concat((await listMemberAudit(ctx.db.kysely, subject, page2.nextBefore, 23)).entries)
        .map((e) => e.id),
    );
    assert.deepEqual(page?.throttle, { locked: false, failures: 0 });
    assert.equal(
      (await loadMemberPage(ctx.db.kysely, ctx.clock, 'Europe/Madrid', ids.DK1!))?.throttle,
      undefined,
      'no account, no throttle',
    );
    assert.equal(await loadMemberPage(ctx.db.kysely, ctx.clock, 'Europe/Madrid', 987_654), undefined);
    assert.deepEqual(parseAuditCursor(undefined), { ok: true, value: undefined });
    assert.deepEqual(parseAuditCursor('42'), { ok: true, value: 42 });
    for (const bad of ['0', '-1', 'x', '1'.repeat(30), '4 2']) assert.equal(parseAuditCursor(bad).ok, false, bad);
  });
});
