import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { generate } from 'otplib';
import { purgeClosedAccounts } from '../../identity/account-closure.js';
import { passwordChangedEmail } from '../../identity/password.emails.js';
import { receiveFile } from '../../infra/files/upload.js';
import { createRequest } from '../../infra/requests/requests.repository.js';
import { registrationStatus } from '../integration/integration.flow.js';
import { BrowserAgent } from '../../../test/helpers/browser-agent.js';
import {
  lastCode,
  memberWithAccount,
  passkeyFor,
  signedIn,
  TEST_PASSWORD,
  type TestMember,
} from '../../../test/helpers/fixture.js';
import { describeEachDatabase } from '../../../test/helpers/databases.js';
import { setup, type TestContext } from '../../../test/helpers/setup.js';
import { giveReason, signedInStaff } from '../../../test/helpers/staff.js';

// R36 closing the account: password and a second-step code; blocked at once (sign-in refused with a clear message,
// sessions ended, passkeys removed, nothing sent but the confirmation); customer service sees only "closed on" and
// can reopen it within the retention (audited); the purge removes it after CLOSED_ACCOUNT_RETENTION_DAYS (90 by
// default), once even when two nodes run it at the same moment, and the member records stay.

const DAY = 86_400_000;

describeEachDatabase('your data: closing the account (R36)', (kind) => {
  let ctx: TestContext;
  before(async () => {
    ctx = await setup(kind);
  });
  after(() => ctx.close());

  const accountRow = (id: number) =>
    ctx.db.kysely.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
  const mailsTo = async (email: string) => (await ctx.outbox()).filter((m) => m.recipient === email);

  async function closeWithEmailCode(m: TestMember, browser: BrowserAgent) {
    assert.equal((await browser.get('/area/data/close')).statusCode, 200);
    const step = await browser.post('/area/data/close', { password: TEST_PASSWORD, channel: 'email' });
    assert.equal(step.headers.location, '/area/data/close/confirm');
    const code = await lastCode(ctx, m.email, 'close-code');
    const done = await browser.post('/area/data/close/confirm', { code });
    assert.equal(done.headers.location, '/sign-in?closed=1');
  }

  test('password and an emailed code close the account: blocked at once, sessions and passkeys gone, one confirmation', async () => {
    const m = await memberWithAccount(ctx);
    await passkeyFor(ctx, m.accountId, 'Móvil');
    const other = await signedIn(ctx, m);
    const browser = await signedIn(ctx, m);

    // A wrong password, or no second step chosen, is a 400 that starts nothing.
    const wrong = await browser.post('/area/data/close', { password: 'nope', channel: 'email' });
    assert.equal(wrong.statusCode, 400);
    assert.equal(
      (await browser.post('/area/data/close', { password: TEST_PASSWORD, channel: 'pigeon' })).statusCode,
      400,
    );
    assert.equal((await browser.get('/area/data/close/confirm')).headers.location, '/area/data/close');

    await browser.post('/area/data/close', { password: TEST_PASSWORD, channel: 'email' });
    const wrongCode = await browser.post('/area/data/close/confirm', { code: '000000' });
    assert.equal(wrongCode.statusCode, 400);
    assert.equal((await accountRow(m.accountId))!.status, 'active', 'a wrong code closes nothing');
    const before = (await mailsTo(m.email)).length;
    const done = await browser.post('/area/data/close/confirm', { code: await lastCode(ctx, m.email, 'close-code') });
    assert.equal(done.headers.location, '/sign-in?closed=1');

    const a = (await accountRow(m.accountId))!;
    assert.equal(a.status, 'closed');
    assert.equal(a.closed_at, ctx.clock.now().toISOString());
    for (const b of [browser, other]) assert.match(String((await b.get('/area')).headers.location), /^\/sign-in/);
    const live = await ctx.db.kysely
      .selectFrom('sessions')
      .select('id')
      .where('account_id', '=', m.accountId)
      .where('ended_at', 'is', null)
      .execute();
    assert.equal(live.length, 0);
    const keys = await ctx.db.kysely
      .selectFrom('passkeys')
      .select('id')
      .where('account_id', '=', m.accountId)
      .execute();
    assert.equal(keys.length, 0);
    const sent = (await mailsTo(m.email)).slice(before);
    assert.deepEqual(
      sent.map((x) => x.template),
      ['account-closed'],
    );
    assert.match(sent[0]!.body_text, /reopen it until/);

    // Sign-in: the right password is told, clearly, that the account is closed; nothing is sent.
    const fresh = new BrowserAgent(ctx.app);
    await fresh.get('/sign-in');
    const refused = await fresh.post('/sign-in', { username: m.username, password: TEST_PASSWORD });
    assert.equal(refused.statusCode, 403);
    assert.match(refused.body, /data-notice="closed"/);
    const wrongPw = await fresh.post('/sign-in', { username: m.username, password: 'Otra-clave-1' });
    assert.doesNotMatch(wrongPw.body, /data-notice="closed"/, 'a stranger learns nothing');
    // Recovery sends nothing either.
    await fresh.get('/recovery');
    await fresh.post('/recovery', { username: m.username });
    assert.equal((await mailsTo(m.email)).length, before + 1, 'the confirmation was the last email');
    // The API exports nothing of it.
    assert.deepEqual(await registrationStatus(ctx.db, ctx.clock, m.memberNumber), {
      memberNumber: m.memberNumber,
      registered: false,
      accountStatus: null,
    });
  });

  test('notices still waiting in the outbox for the member are withdrawn; an address another account shares keeps its own', async () => {
    const m = await memberWithAccount(ctx, { mobile: '+34600111222' });
    const partner = await memberWithAccount(ctx);
    const browser = await signedIn(ctx, m);
    // An outage holds three messages: two for the member (an email and an SMS), one for a partner sharing nothing.
    await ctx.courier.email(ctx.db.kysely, m.email, 'es', passwordChangedEmail, { how: 'change' });
    await ctx.courier.sms(ctx.db.kysely, '+34600111222', 'es', 'notice', 'Aviso de prueba');
    await ctx.courier.email(ctx.db.kysely, partner.email, 'es', passwordChangedEmail, { how: 'change' });
    const waiting = async (to: string) =>
      ctx.db.kysely
        .selectFrom('outbox')
        .select(['template', 'status', 'last_error', 'subject', 'body_text'])
        .where('recipient', '=', to)
        .orderBy('id')
        .execute();
    await closeWithEmailCode(m, browser);
    const mine = await waiting(m.email);
    const withdrawn = mine.filter((x) => x.template === 'password-changed');
    assert.equal(withdrawn.length, 1);
    assert.equal(withdrawn[0]!.status, 'failed');
    assert.match(String(withdrawn[0]!.last_error), /withdrawn/);
    assert.equal(withdrawn[0]!.subject, null, 'blanked like a sent message (R29)');
    assert.equal(withdrawn[0]!.body_text, '');
    assert.equal(mine.find((x) => x.template === 'account-closed')?.status, 'pending', 'the confirmation goes');
    assert.deepEqual(
      (await waiting('+34600111222')).map((x) => x.status),
      ['failed'],
    );
    assert.deepEqual(
      (await waiting(partner.email)).filter((x) => x.template === 'password-changed').map((x) => x.status),
      ['pending'],
      'another member’s message stays',
    );

    // Two accounts with one email (a couple): the outbox cannot tell whose a message is, so it stays.
    const one = await memberWithAccount(ctx, { email: 'familia.ruiz@example.com' });
    await memberWithAccount(ctx, { email: 'familia.ruiz@example.com' });
    const oneBrowser = await signedIn(ctx, one);
    await ctx.courier.email(ctx.db.kysely, one.email, 'es', passwordChangedEmail, { how: 'change' });
    await closeWithEmailCode(one, oneBrowser);
    assert.equal((await waiting(one.email)).find((x) => x.template === 'password-changed')?.status, 'pending');
  });

  test('the authenticator app can be the second step; a replayed or wrong code does not close', async () => {
    const m = await memberWithAccount(ctx);
    const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
    await ctx.db.kysely
      .updateTable('accounts')
      .set({ totp_secret: ctx.secretBox.seal(secret), totp_enabled_at: ctx.clock.now().toISOString() })
      .where('id', '=', m.accountId)
      .execute();
    const browser = await signedIn(ctx, m);
    ctx.clock.advance(60_000);
    await browser.post('/area/data/close', { password: TEST_PASSWORD, channel: 'totp' });
    assert.equal((await browser.post('/area/data/close/confirm', { code: '123456' })).statusCode, 400);
    const code = await generate({ secret, epoch: Math.floor(ctx.clock.now().getTime() / 1000) });
    assert.equal((await browser.post('/area/data/close/confirm', { code })).headers.location, '/sign-in?closed=1');
    assert.equal((await accountRow(m.accountId))!.status, 'closed');
  });

  test('customer service sees only "closed on", cannot act on it, and reopens it on request (audited); not after the retention', async () => {
    const m = await memberWithAccount(ctx);
    await closeWithEmailCode(m, await signedIn(ctx, m));
    const { agent, staff } = await signedInStaff(ctx, 'agent');
    await giveReason(agent, m.memberId);
    const page = await agent.get(`/backoffice/members/${m.memberId}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /data-status="account-closed"/);
    assert.ok(page.body.includes(m.memberNumber), 'the insurer’s record stays visible');
    assert.ok(!page.body.includes(m.email), 'the account’s data is blocked');
    const disable = await agent.post(`/backoffice/members/${m.memberId}/disable`, { confirm: 'yes', reason: 'x' });
    assert.equal(disable.statusCode, 409);
    const enrol = await agent.post(`/backoffice/members/${m.memberId}/contact`, {
      confirm: 'yes',
      email: 'x@example.com',
    });
    assert.equal(enrol.statusCode, 409);
    assert.equal(
      (await agent.post(`/backoffice/members/${m.memberId}/reopen`, { confirm: 'yes', reason: '' })).statusCode,
      400,
    );
    const reopened = await agent.post(`/backoffice/members/${m.memberId}/reopen`, {
      confirm: 'yes',
      reason: 'Llamó: quiere recuperarla',
    });
    assert.equal(reopened.statusCode, 303);
    assert.match((await agent.get(String(reopened.headers.location))).body, /Account reopened|Cuenta reabierta/);
    const a = (await accountRow(m.accountId))!;
    assert.equal(a.status, 'active');
    assert.equal(a.closed_at, null);
    const audit = await ctx.db.kysely
      .selectFrom('audit_events')
      .selectAll()
      .where('event', '=', 'backoffice.account.reopen')
      .where('outcome', '=', 'success')
      .where('account_id', '=', m.accountId)
      .executeTakeFirstOrThrow();
    assert.equal(audit.actor, `staff:${staff.username}`);
    assert.match(audit.details!, /quiere recuperarla/);
    assert.ok((await mailsTo(m.email)).some((x) => x.template === 'account-reopened'));
    await signedIn(ctx, m);

    // Past the retention, reopening is refused.
    const late = await memberWithAccount(ctx);
    await closeWithEmailCode(late, await signedIn(ctx, late));
    ctx.clock.advance(90 * DAY + 60_000);
    const again = await signedInStaff(ctx, 'agent');
    await giveReason(again.agent, late.memberId);
    assert.match(
      (await again.agent.get(`/backoffice/members/${late.memberId}`)).body,
      /will be deleted shortly|se borrará en breve/,
    );
    const refused = await again.agent.post(`/backoffice/members/${late.memberId}/reopen`, {
      confirm: 'yes',
      reason: 'tarde',
    });
    assert.equal(refused.statusCode, 409);
    assert.equal((await accountRow(late.accountId))!.status, 'closed');
  });

  test('the purge removes the account and its data after the retention, once with two runs at once; records stay', async () => {
    await ctx.db.kysely
      .updateTable('accounts')
      .set({ status: 'active', closed_at: null })
      .where('status', '=', 'closed')
      .execute();
    const m = await memberWithAccount(ctx);
    const bytes = Buffer.from('%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n');
    const file = await receiveFile(
      { file: Readable.from([bytes]), filename: 'factura.pdf', mimetype: 'application/pdf' },
      ctx.secretBox,
      'files',
    );
    assert.ok(file.ok);
    await createRequest(ctx.db.kysely, ctx.clock, 'Europe/Madrid', {
      type: 'reimbursement',
      accountId: m.accountId,
      memberId: m.memberId,
      patientMemberId: m.memberId,
      formToken: 'form-token-99000001',
      files: [file.value],
      fields: {
        service_date: '2026-11-01',
        provider: 'Clínica',
        concept: 'consultation',
        amount_claimed: 5_000,
        iban_sealed: ctx.secretBox.seal('ES9121000418450200051332'),
        iban_masked: 'ES•• •••• •••• •••• •••• 1332',
      },
    });
    await closeWithEmailCode(m, await signedIn(ctx, m));
    const keep = await memberWithAccount(ctx);

    ctx.clock.advance(90 * DAY - 60_000);
    assert.equal(await purgeClosedAccounts(ctx.db.kysely, ctx.clock, 90), 0, 'not before the retention');
    assert.ok(await accountRow(m.accountId));
    ctx.clock.advance(2 * 60_000);
    const runs = await Promise.all([
      purgeClosedAccounts(ctx.db.kysely, ctx.clock, 90),
      purgeClosedAccounts(ctx.db.kysely, ctx.clock, 90),
    ]);
    assert.equal(runs[0]! + runs[1]!, 1, `one node purges (${runs.join(', ')})`);
    assert.equal(await accountRow(m.accountId), undefined);
    const k = ctx.db.kysely;
    for (const table of [
      'sessions',
      'one_time_tokens',
      'password_history',
      'passkeys',
      'known_devices',
      'requests',
    ] as const)
      assert.equal(
        (await k.selectFrom(table).select('account_id').where('account_id', '=', m.accountId).execute()).length,
        0,
        table,
      );
    assert.equal((await k.selectFrom('files').select('id').where('name', '=', 'factura.pdf').execute()).length, 0);
    const record = await k.selectFrom('members').selectAll().where('id', '=', m.memberId).executeTakeFirstOrThrow();
    assert.equal(record.account_id, null, 'the member record stays, unlinked');
    const purged = await k
      .selectFrom('audit_events')
      .selectAll()
      .where('event', '=', 'account.purged')
      .where('account_id', '=', m.accountId)
      .execute();
    assert.equal(purged.length, 1);
    assert.ok(!JSON.stringify(purged).includes(m.email));
    assert.equal((await accountRow(keep.accountId))!.status, 'active', 'an open account is untouched');
    assert.equal(await purgeClosedAccounts(ctx.db.kysely, ctx.clock, 90), 0, 'nothing left to purge');
  });
});
