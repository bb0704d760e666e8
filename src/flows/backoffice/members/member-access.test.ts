import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { memberWithAccount, type TestMember } from '../../../../test/helpers/fixture.js';
import { describeEachDatabase } from '../../../../test/helpers/databases.js';
import { setup, type TestContext } from '../../../../test/helpers/setup.js';
import { giveReason, signedInStaff, signInStaff, type TestStaff } from '../../../../test/helpers/staff.js';
import type { BrowserAgent } from '../../../../test/helpers/browser-agent.js';

// R36, STYLE 19: an agent sees nothing of a member's record before giving a reason; the reason is audited once and
// holds for that member in that staff session for 30 minutes; bad reasons are a 400 that records nothing.

describeEachDatabase('back office: a reason before a member record (R36)', (kind) => {
  let ctx: TestContext;
  let agent: BrowserAgent;
  let staff: TestStaff;

  before(async () => {
    ctx = await setup(kind);
    ({ agent, staff } = await signedInStaff(ctx, 'agent'));
  });
  after(() => ctx.close());

  const accesses = (memberId: number) =>
    ctx.db.kysely
      .selectFrom('audit_events')
      .selectAll()
      .where('event', '=', 'data.access')
      .where('member_id', '=', memberId)
      .orderBy('id')
      .execute();
  const showsNothingOf = (body: string, m: TestMember) => {
    for (const text of [m.memberNumber, m.email, m.username, 'Olga', 'Ruiz'])
      assert.ok(!body.includes(text), `the reason form shows nothing of the record (${text})`);
  };

  test('without a reason every page of the record is the reason form, and an action is refused (403) unchanged', async () => {
    const m = await memberWithAccount(ctx);
    for (const path of ['', '/username', '/disable', '/contact', '?before=5']) {
      const res = await agent.get(`/backoffice/members/${m.memberId}${path}`);
      assert.equal(res.statusCode, 200, path);
      assert.match(res.body, new RegExp(`action="/backoffice/members/${m.memberId}/access"`), path);
      assert.match(res.body, /name="access_reason" value="member_call"/);
      showsNothingOf(res.body, m);
    }
    const disable = await agent.post(`/backoffice/members/${m.memberId}/disable`, { confirm: 'yes', reason: 'Fraude' });
    assert.equal(disable.statusCode, 403);
    showsNothingOf(disable.body, m);
    const account = await ctx.db.kysely
      .selectFrom('accounts')
      .select('status')
      .where('id', '=', m.accountId)
      .executeTakeFirstOrThrow();
    assert.equal(account.status, 'active', 'nothing done without a reason');
    assert.equal((await accesses(m.memberId)).length, 0);
    assert.equal((await agent.get('/backoffice/members/99999999')).statusCode, 404, 'an unknown id is a 404 first');
    assert.equal(
      (await agent.post('/backoffice/members/99999999/access', { access_reason: 'member_call' })).statusCode,
      404,
    );
  });

  test('a missing, unknown or unexplained reason is a 400 that records nothing; a good one is audited once', async () => {
    const m = await memberWithAccount(ctx);
    const path = `/backoffice/members/${m.memberId}/access`;
    for (const bad of [
      {},
      { access_reason: 'curiosity' },
      { access_reason: 'other' },
      { access_reason: 'other', access_note: '   ' },
      { access_reason: ['member_call', 'complaint'] },
    ]) {
      const res = await agent.post(path, bad as Record<string, string>);
      assert.equal(res.statusCode, 400, JSON.stringify(bad));
      assert.match(res.body, /id="access_reason-error"/);
      showsNothingOf(res.body, m);
    }
    assert.equal((await accesses(m.memberId)).length, 0);

    const ok = await agent.post(path, {
      access_reason: 'other',
      access_note: 'Llamada\u0007del juzgado',
      next: `/backoffice/members/${m.memberId}/username`,
    });
    assert.equal(ok.statusCode, 303);
    assert.equal(ok.headers.location, `/backoffice/members/${m.memberId}/username`, 'back to the page asked for');
    const [row, ...rest] = await accesses(m.memberId);
    assert.equal(rest.length, 0);
    assert.equal(row!.actor, `staff:${staff.username}`);
    assert.deepEqual(JSON.parse(row!.details!), {
      what: 'record',
      ref: null,
      by: 'staff',
      staff_id: staff.id,
      role: 'agent',
      reason: 'other',
      note: 'Llamada del juzgado',
    });
    // Several pages and an action later, still one access recorded: the reason holds.
    for (const p of ['', '/username', '/sessions']) {
      const res = await agent.get(`/backoffice/members/${m.memberId}${p}`);
      assert.equal(res.statusCode, 200);
      assert.doesNotMatch(res.body, /name="access_reason"/, p);
    }
    assert.ok((await agent.get(`/backoffice/members/${m.memberId}`)).body.includes(m.memberNumber));
    assert.equal((await accesses(m.memberId)).length, 1);
  });

  test('next never leaves the member: another member or another site goes to the record itself', async () => {
    const m = await memberWithAccount(ctx);
    const other = await memberWithAccount(ctx);
    for (const next of [
      'https://evil.example/',
      '//evil.example',
      `/backoffice/members/${other.memberId}`,
      `/backoffice/members/${m.memberId}0`,
      `/backoffice/members/${m.memberId}/../../staff`,
      `/backoffice/members/${m.memberId}//evil.example`,
    ]) {
      const res = await agent.post(`/backoffice/members/${m.memberId}/access`, { access_reason: 'complaint', next });
      assert.equal(res.headers.location, `/backoffice/members/${m.memberId}`, next);
    }
    assert.match((await agent.get(`/backoffice/members/${other.memberId}`)).body, /name="access_reason"/);
  });

  test('the reason holds 30 minutes in that staff session only: another session, or later, is asked again', async () => {
    const m = await memberWithAccount(ctx);
    await giveReason(agent, m.memberId, { access_reason: 'member_written' });
    ctx.clock.advance(30_000);
    const second = await signInStaff(ctx, staff);
    assert.match((await second.get(`/backoffice/members/${m.memberId}`)).body, /name="access_reason"/);
    // Keep the first session alive (15 idle minutes) while the reason's 30 minutes run out.
    for (const minutes of [10, 10, 9]) {
      ctx.clock.advanceMinutes(minutes);
      assert.doesNotMatch((await agent.get(`/backoffice/members/${m.memberId}`)).body, /name="access_reason"/);
    }
    ctx.clock.advanceMinutes(2);
    assert.match((await agent.get(`/backoffice/members/${m.memberId}`)).body, /name="access_reason"/);
    await giveReason(agent, m.memberId);
    assert.equal((await accesses(m.memberId)).length, 2, 'a new visit is a new access the member sees');
  });
});
