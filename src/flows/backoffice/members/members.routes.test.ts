import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { FEED_HEADER, nie, nif, toCsvLine } from '../../../feed/demo-feed.js';
import { importFeed } from '../../../feed/feed.import.js';
import { translator } from '../../../infra/i18n/i18n.js';
import {
  memberFeedRow,
  memberIdOf,
  memberWithAccount,
  signedIn,
  TEST_PASSWORD,
  type TestMember,
} from '../../../../test/helpers/fixture.js';
import { BrowserAgent } from '../../../../test/helpers/browser-agent.js';
import { describeEachDatabase } from '../../../../test/helpers/databases.js';
import { setup, type TestContext } from '../../../../test/helpers/setup.js';
import { giveReason, signedInStaff, type TestStaff } from '../../../../test/helpers/staff.js';

// R16, R19, R22, R23 through HTTP: an agent's member search, member page and actions, each behind the staff guard,
// CSRF and a confirmation step; a refusal is a clear 4xx that changes nothing; a success is audited with the agent.

const es = translator('es');
const html = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
const says = (body: string, text: string) => body.includes(text) || body.includes(html(text));

describeEachDatabase('back office: member routes (R16, R19, R23)', (kind) => {
  let ctx: TestContext;
  let agent: BrowserAgent;
  let staff: TestStaff;
  let n = 0;

  before(async () => {
    ctx = await setup(kind);
    ({ agent, staff } = await signedInStaff(ctx, 'agent'));
  });
  after(() => ctx.close());

  const memberId = (memberNumber: string) => memberIdOf(ctx, memberNumber);
  const account = (id: number) =>
    ctx.db.kysely.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const signInStatus = async (username: string) => {
    await ctx.db.kysely.deleteFrom('rate_limits').execute();
    return (await new BrowserAgent(ctx.app).post('/sign-in', { username, password: TEST_PASSWORD })).statusCode;
  };

  /** A registered member whose username is a NIE (one argon2 hash). */
  async function nieMember(): Promise<TestMember & { id: number; nie: string }> {
    n++;
    const m = await memberWithAccount(ctx, { n: 300 + n });
    const username = nie('X', 3_000_000 + n);
    await ctx.db.kysely
      .updateTable('accounts')
      .set({ username, document_type: 'NIE' })
      .where('id', '=', m.accountId)
      .execute();
    await ctx.db.kysely
      .updateTable('members')
      .set({ document_type: 'NIE', document_number: username })
      .where('member_number', '=', m.memberNumber)
      .execute();
    const id = await memberId(m.memberNumber);
    await giveReason(agent, id);
    return { ...m, username, nie: username, id };
  }

  test('R23: search by member number and by a name typed without accents; bad queries are a 400 with the message', async () => {
    const report = await importFeed(
      { db: ctx.db, clock: ctx.clock, courier: ctx.courier, timeZone: 'Europe/Madrid' },
      Readable.from([
        FEED_HEADER +
          toCsvLine(
            memberFeedRow({
              policy_number: 'SP1',
              member_number: 'SRCH1',
              document_type: 'NIF',
              first_name: 'Begoña',
              last_name: 'Núñez Álvarez',
              document_number: nif(44_000_001),
              email: 'bego@example.com',
            }),
          ),
      ]),
    );
    assert.equal(report.skipped, 0, JSON.stringify(report.problems));
    const id = await memberId('SRCH1');
    for (const q of ['SRCH1', 'begona nunez', 'ALVAREZ', 'bego@example.com']) {
      const res = await agent.get(`/backoffice/members?q=${encodeURIComponent(q)}`);
      assert.equal(res.statusCode, 200, q);
      assert.ok(res.body.includes(`href="/backoffice/members/${id}"`), `${q} finds the member`);
      assert.ok(says(res.body, 'Begoña Núñez Álvarez'), q);
    }
    const none = await agent.get('/backoffice/members?q=zzzzqq');
    assert.equal(none.statusCode, 200);
    assert.ok(!none.body.includes('/backoffice/members/'.concat(String(id))));
    const empty = await agent.get('/backoffice/members');
    assert.equal(empty.statusCode, 200);
    assert.ok(empty.body.includes('name="q"'));
    const cases: [string, string][] = [
      [`q=${'a'.repeat(101)}`, es('field.too_long', { max: 100 })],
      ['q=%20', es('field.required')],
      ['q=%2B%2B', es('field.search_unusable')],
      ['q=SRCH1&page=0', es('field.page_invalid', { max: 50 })],
      ['q=SRCH1&page=abc', es('field.page_invalid', { max: 50 })],
    ];
    for (const [bad, message] of cases) {
      const res = await agent.get(`/backoffice/members?${bad}`);
      assert.equal(res.statusCode, 400, bad);
      assert.ok(res.body.includes('id="error-summary"') && says(res.body, message), bad);
    }
  });

  test('R23: the member page shows the records, the account and the actions; unknown or bad ids are a 404', async () => {
    const m = await nieMember();
    const res = await agent.get(`/backoffice/members/${m.id}`);
    assert.equal(res.statusCode, 200);
    for (const text of [
      m.memberNumber,
      `HP${300 + n}`,
      m.nie,
      m.email,
      `/backoffice/members/${m.id}/username`,
      `/backoffice/members/${m.id}/disable`,
    ])
      assert.ok(res.body.includes(text), text);
    for (const path of [
      '/backoffice/members/99999999',
      '/backoffice/members/abc',
      '/backoffice/members/0',
      '/backoffice/members/99999999/username',
      `/backoffice/members/${m.id}?before=x`,
    ]) {
      const r = await agent.get(path);
      assert.equal(r.statusCode, 404, path);
      assert.ok(says(r.body, es('bo.members.notFound')), path);
    }
    const post = await agent.post('/backoffice/members/99999999/sessions', { confirm: 'yes' });
    assert.equal(post.statusCode, 404);
    assert.equal((await agent.get(`/backoffice/members/${m.id}?done=username`)).statusCode, 200);
  });

  test('R16 end to end: form → review → confirm; the old username stops, the new one signs in; sessions end; emailed; audited', async () => {
    const m = await nieMember();
    const browser = await signedIn(ctx, { username: m.nie, email: m.email });
    const form = await agent.get(`/backoffice/members/${m.id}/username`);
    assert.equal(form.statusCode, 200);
    assert.ok(form.body.includes(`name="expected_username" value="${m.nie}"`));
    const newNif = nif(52_000_000 + n);
    const fields = {
      expected_username: m.nie,
      document_type: 'NIF',
      document_number: newNif.toLowerCase(),
      reason: 'Nacionalidad española (ticket 77)',
    };

    const review = await agent.post(`/backoffice/members/${m.id}/username`, fields);
    assert.equal(review.statusCode, 200);
    assert.ok(review.body.includes(newNif) && review.body.includes('name="confirm" value="yes"'));
    assert.equal((await account(m.accountId)).username, m.nie, 'the review changes nothing');

    const done = await agent.post(`/backoffice/members/${m.id}/username`, {
      ...fields,
      document_number: newNif,
      confirm: 'yes',
    });
    assert.equal(done.statusCode, 303);
    assert.equal(done.headers.location, `/backoffice/members/${m.id}?done=username`);
    const page = await agent.get(done.headers.location as string);
    assert.ok(says(page.body, es('bo.members.done.username')));

    assert.equal((await account(m.accountId)).username, newNif);
    assert.equal((await browser.get('/area')).statusCode, 303, "the member's session ended");
    assert.equal(await signInStatus(m.nie), 401, 'the NIE no longer signs in');
    assert.equal(
      (await (await signedIn(ctx, { username: newNif, email: m.email })).get('/area')).statusCode,
      200,
      'the NIF does',
    );
    assert.equal(
      (await ctx.outbox()).filter((x) => x.recipient === m.email && x.template === 'username-changed').length,
      1,
    );
    const row = await ctx.db.kysely
      .selectFrom('audit_events')
      .selectAll()
      .where('event', '=', 'backoffice.username.change')
      .where('account_id', '=', m.accountId)
      .executeTakeFirstOrThrow();
    assert.equal(row.actor, `staff:${staff.username}`);
    assert.equal(row.outcome, 'success');
    assert.ok(!JSON.stringify(row).includes(TEST_PASSWORD));
  });

  test('R23 contact correction carries the country: a foreign address is reviewed, stored and shown; a bad Spanish postal code is a 400 (issue 25 item 10, R3, R15)', async () => {
    const m = await memberWithAccount(ctx, {
      n: 390,
      address: { address_line: 'Calle Mayor 1', postal_code: '28013', city: 'Madrid', province: 'Madrid' },
    });
    await ctx.db.kysely.updateTable('accounts').set({ country: 'ES' }).where('id', '=', m.accountId).execute();
    const id = await memberId(m.memberNumber);
    await giveReason(agent, id);
    const form = await agent.get(`/backoffice/members/${id}/contact`);
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /<select id="country" name="country" autocomplete="off" required/);
    assert.match(form.body, /<option value="ES" selected(="")?>España<\/option>/);
    const fields = {
      email: m.email,
      mobile: '',
      address_line: 'Rua Augusta 100',
      postal_code: '1100 053',
      city: 'Lisboa',
      province: '',
      country: 'PT',
      reason: 'Se ha mudado (ticket 12)',
    };
    const review = await agent.post(`/backoffice/members/${id}/contact`, fields);
    assert.equal(review.statusCode, 200);
    assert.ok(says(review.body, 'Calle Mayor 1, 28013 Madrid, Madrid, España'), 'before, with its country');
    assert.ok(says(review.body, 'Rua Augusta 100, 1100-053 Lisboa, Portugal'), 'after, with its country');
    assert.ok(review.body.includes('name="country" value="PT"'), 'the country goes on to the confirming post');
    assert.equal((await account(m.accountId)).country, 'ES', 'the review changes nothing');

    const done = await agent.post(`/backoffice/members/${id}/contact`, { ...fields, confirm: 'yes' });
    assert.equal(done.statusCode, 303);
    const a = await account(m.accountId);
    assert.deepEqual(
      [a.address_line, a.postal_code, a.city, a.country],
      ['Rua Augusta 100', '1100-053', 'Lisboa', 'PT'],
    );
    assert.match((await agent.get(`/backoffice/members/${id}/contact`)).body, /<option value="PT" selected/);

    // Back to Spain with the Portuguese code: refused with R3's message, nothing changed.
    const bad = await agent.post(`/backoffice/members/${id}/contact`, { ...fields, country: 'ES' });
    assert.equal(bad.statusCode, 400);
    assert.ok(says(bad.body, es('field.postal_code_invalid')));
    assert.equal((await account(m.accountId)).country, 'PT');
  });

  test('R16 refusals: invalid or taken document, no reason, no confirmation, a stale form: a 4xx and nothing changed', async () => {
    const m = await nieMember();
    const other = await nieMember();
    const path = `/backoffice/members/${m.id}/username`;
    const base = {
      expected_username: m.nie,
      document_type: 'NIF',
      document_number: nif(53_000_000 + n),
      reason: 'Ticket 12',
    };
    const cases: [Record<string, string>, number, string][] = [
      [{ document_number: '12345678A' }, 400, 'field.nif_letter'],
      [{ document_type: 'NIE', document_number: other.nie }, 409, 'field.document_taken'],
      [{ reason: '' }, 400, 'field.required'],
      [{ expected_username: 'X0000000T' }, 409, 'field.conflict'],
    ];
    for (const [change, status, key] of cases) {
      for (const confirm of [{}, { confirm: 'yes' }] as Record<string, string>[]) {
        const res = await agent.post(path, { ...base, ...change, ...confirm });
        assert.equal(res.statusCode, status, `${JSON.stringify(change)} ${JSON.stringify(confirm)}`);
        assert.ok(says(res.body, es(key as Parameters<typeof es>[0])), `${key} shown`);
        assert.ok(res.body.includes('name="document_number"'), 'the form again');
      }
    }
    assert.equal((await account(m.accountId)).username, m.nie);
    assert.equal((await account(other.accountId)).username, other.nie);
    assert.equal(
      (await ctx.outbox()).filter((x) => x.template === 'username-changed' && x.recipient === m.email).length,
      0,
    );
    // A simple action: without confirm=yes it is shown again; disabling needs a reason.
    const disable = `/backoffice/members/${m.id}/disable`;
    assert.equal((await agent.post(disable, { reason: 'x' })).statusCode, 400);
    assert.equal((await agent.post(disable, { confirm: 'yes', reason: '' })).statusCode, 400);
    assert.equal((await account(m.accountId)).status, 'active');
    const ok = await agent.post(disable, { confirm: 'yes', reason: 'Fraude (ticket 9)' });
    assert.equal(ok.headers.location, `/backoffice/members/${m.id}?done=disable`);
    assert.equal((await account(m.accountId)).status, 'disabled');
    assert.equal((await agent.post(disable, { confirm: 'yes', reason: 'again' })).statusCode, 409, 'already disabled');
  });

  test('R23: without a staff session, with only a member session, or without CSRF every member route is refused', async () => {
    const m = await nieMember();
    const routes = ['username', 'contact', 'enrolment', 'unlock', 'sessions', 'disable', 'enable'].map(
      (a) => `/backoffice/members/${m.id}/${a}`,
    );
    const refusals = async () =>
      (
        await ctx.db.kysely
          .selectFrom('audit_events')
          .select('id')
          .where('event', '=', 'backoffice.access')
          .where('outcome', '=', 'refused')
          .execute()
      ).length;
    const member = await signedIn(ctx, { username: m.nie, email: m.email });
    const stranger = new BrowserAgent(ctx.app);
    await stranger.get('/register');
    for (const browser of [stranger, member]) {
      const before = await refusals();
      for (const path of ['/backoffice/members', `/backoffice/members/${m.id}`, ...routes]) {
        const res = await browser.get(path);
        assert.equal(res.statusCode, 303, path);
        assert.equal(res.headers.location, `/backoffice/sign-in?next=${encodeURIComponent(path)}`);
      }
      for (const path of routes)
        assert.equal(
          (
            await browser.post(path, {
              confirm: 'yes',
              reason: 'r',
              expected_username: m.nie,
              document_type: 'NIF',
              document_number: nif(54_000_000 + n),
            })
          ).statusCode,
          401,
          path,
        );
      assert.equal((await refusals()) - before, 2 + 2 * routes.length, 'each refusal audited');
    }
    const noCsrf = await ctx.app.inject({
      method: 'POST',
      url: routes[5]!,
      cookies: agent.cookies,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'confirm=yes&reason=Fraude',
    });
    assert.equal(noCsrf.statusCode, 403);
    const a = await account(m.accountId);
    assert.equal(a.status, 'active');
    assert.equal(a.username, m.nie);
  });
});
