import { refusalOf } from '../../../domain/error-codes.js';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { FEED_HEADER, nie, nif, toCsvLine } from '../../../feed/demo-feed.js';
import type { RawFeedRow } from '../../../feed/feed-row.js';
import { importFeed } from '../../../feed/feed.import.js';
import { hashToken, randomToken } from '../../../infra/crypto/tokens.js';
import { issueRecoveryLink } from '../../../identity/recovery-links.js';
import { bucket } from '../../../infra/rate-limit/rate-limit.js';
import { BrowserAgent } from '../../../../test/helpers/browser-agent.js';
import {
  memberFeedRow,
  memberIdOf,
  memberWithAccount,
  signedIn,
  TEST_PASSWORD,
  type TestMember,
} from '../../../../test/helpers/fixture.js';
import { describeEachDatabase } from '../../../../test/helpers/databases.js';
import { setup, type TestContext } from '../../../../test/helpers/setup.js';
import {
  changeUsername,
  correctContact,
  disableAccount,
  enableAccount,
  endAllSessions,
  ENROLMENT_RESENDS_PER_DAY,
  previewContactCorrection,
  previewUsernameChange,
  resendEnrolmentEmail,
  unlockAccount,
  type MemberActionDeps,
} from './member-actions.flow.js';

// R16 (username change), R19 (enrolment email again), R23 (contact correction, unlock, end sessions, disable and
// enable), each audited with the agent as actor and never a secret (R22), emails through the outbox (R25).

const agent = { id: 7, username: 'ana.agent' };
const otherAgent = { id: 8, username: 'luis.agent' };
const auditCtx = { ip: '10.1.2.3', userAgent: 'backoffice-test', requestId: 'req-1' };
const codes = (r: { ok: boolean; errors?: { field: string; code: string }[] }) =>
  r.ok ? 'ok' : r.errors!.map((e) => `${e.field}:${e.code}`).join();

describeEachDatabase('back office: member actions', (kind) => {
  let ctx: TestContext;
  let deps: MemberActionDeps;
  let n = 0;

  before(async () => {
    ctx = await setup(kind);
    deps = { db: ctx.db, clock: ctx.clock, courier: ctx.courier, timeZone: 'Europe/Madrid' };
  });
  after(async () => {
    await ctx.close();
  });

  /** A registered member (English by default). */
  async function registered(options: { language?: 'es' | 'en' } = {}): Promise<TestMember> {
    n++;
    return memberWithAccount(ctx, { n: 100 + n, ...(options.language ? { language: options.language } : {}) });
  }

  /** A member record that has not registered. */
  async function unregistered(partial: Partial<RawFeedRow>): Promise<number> {
    n++;
    const number = `UR${n}`;
    const report = await importFeed(
      { db: ctx.db, clock: ctx.clock, courier: ctx.courier, timeZone: 'Europe/Madrid' },
      Readable.from([
        FEED_HEADER +
          toCsvLine(
            memberFeedRow({ policy_number: `URP${n}`, member_number: number, email: `ur${n}@example.com`, ...partial }),
          ),
      ]),
    );
    assert.equal(report.skipped, 0, JSON.stringify(report.problems));
    return await memberIdOf(ctx, number);
  }

  const account = (id: number) =>
    ctx.db.kysely.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const auditRows = (event: string) =>
    ctx.db.kysely.selectFrom('audit_events').selectAll().where('event', '=', event).orderBy('id').execute();
  const mails = async (to: string, template: string) =>
    (await ctx.outbox()).filter((m) => m.recipient === to && m.template === template);
  const signInStatus = async (username: string) => {
    await ctx.db.kysely.deleteFrom('rate_limits').execute();
    return (await new BrowserAgent(ctx.app).post('/sign-in', { username, password: TEST_PASSWORD })).statusCode;
  };

  // ——— R16 ———

  test('R16: NIE → NIF: the username changes, every session ends, the old username stops working, the member is emailed', async () => {
    const m = await registered();
    const oldNie = nie('Y', 2_000_000 + n);
    await ctx.db.kysely
      .updateTable('accounts')
      .set({ username: oldNie, document_type: 'NIE' })
      .where('id', '=', m.accountId)
      .execute();
    const phone = await signedIn(ctx, { username: oldNie, email: m.email });
    const laptop = await signedIn(ctx, { username: oldNie, email: m.email });
    assert.equal((await phone.get('/area')).statusCode, 200);
    // A third browser is between the password and the code when the change happens.
    const midway = new BrowserAgent(ctx.app);
    assert.equal((await midway.post('/sign-in', { username: oldNie, password: TEST_PASSWORD })).statusCode, 303);

    const newNif = nif(51_000_000 + n);
    const typed = `${newNif.slice(0, 2)} ${newNif.slice(2, 8)}-${newNif.slice(8).toLowerCase()}`;
    const input = {
      memberId: m.memberId,
      expectedUsername: oldNie,
      documentType: 'nif',
      documentNumber: typed,
      reason: 'Member got Spanish nationality (ticket 4411)',
    };
    const preview = await previewUsernameChange(deps, input);
    assert.ok(preview.ok);
    assert.deepEqual([preview.value.from, preview.value.to, preview.value.toType], [oldNie, newNif, 'NIF']);
    assert.equal((await account(m.accountId)).username, oldNie, 'the preview changes nothing');

    const result = await changeUsername(deps, agent, input, auditCtx);
    assert.ok(result.ok, codes(result));
    assert.deepEqual(result.value, {
      from: oldNie,
      to: newNif,
      documentType: 'NIF',
      sessionsEnded: 2,
      recordsJoined: 0,
    });
    const after = await account(m.accountId);
    assert.equal(after.username, newNif);
    assert.equal(after.document_type, 'NIF');

    // Sessions end at once, in the database and for the browsers.
    const open = await ctx.db.kysely
      .selectFrom('sessions')
      .select('id')
      .where('account_id', '=', m.accountId)
      .where('ended_at', 'is', null)
      .execute();
    assert.equal(open.length, 0);
    for (const browser of [phone, laptop]) assert.equal((await browser.get('/area')).statusCode, 303);
    assert.equal(
      (await midway.get('/sign-in/verify')).headers.location,
      '/sign-in',
      'a sign-in begun with the old username cannot finish',
    );

    // The old username gets what any wrong username gets; the new one signs in with both steps.
    assert.equal(await signInStatus(oldNie), 401);
    assert.equal((await (await signedIn(ctx, { username: newNif, email: m.email })).get('/area')).statusCode, 200);

    // R16 email, in the member's language (English), HTML and text, the new document masked, no secret.
    const [mail, ...more] = await mails(m.email, 'username-changed');
    assert.ok(mail);
    assert.equal(more.length, 0);
    assert.equal(mail.language, 'en');
    assert.match(mail.subject ?? '', /username has changed/);
    assert.match(mail.body_text, new RegExp(`NIF ending in ${newNif.slice(-3)}`));
    assert.ok(mail.body_html?.includes('NIF ending in'));
    assert.ok(!mail.body_text.includes(newNif) && !mail.body_text.includes(TEST_PASSWORD));

    // R22: audited with the agent as actor, the reason and both usernames; never a password.
    const [row] = await auditRows('backoffice.username.change');
    assert.ok(row);
    assert.equal(row.actor, 'staff:ana.agent');
    assert.equal(row.outcome, 'success');
    assert.equal(row.account_id, m.accountId);
    assert.equal(row.member_id, m.memberId);
    assert.equal(row.ip, '10.1.2.3');
    const details = JSON.parse(row.details ?? '{}') as Record<string, unknown>;
    assert.equal(details.reason, 'Member got Spanish nationality (ticket 4411)');
    assert.equal(details.from, oldNie);
    assert.equal(details.to, newNif);
    const everything = JSON.stringify(await ctx.db.kysely.selectFrom('audit_events').selectAll().execute());
    assert.ok(!everything.includes(TEST_PASSWORD));
  });

  test('R16 refusals: a bad or unchanged document, a missing or long reason, a document of another account or person', async () => {
    const m = await registered();
    const other = await registered();
    const base = {
      memberId: m.memberId,
      expectedUsername: m.username,
      documentType: 'NIF',
      documentNumber: nif(52_000_000 + n),
      reason: 'Typo at registration',
    };
    const refused = async (patch: Partial<typeof base>) =>
      codes(await changeUsername(deps, agent, { ...base, ...patch }, auditCtx));

    const wrongLetter = nif(52_000_001).slice(0, 8) + (nif(52_000_001).endsWith('A') ? 'B' : 'A');
    assert.equal(await refused({ documentNumber: wrongLetter }), 'document_number:nif_letter');
    assert.equal(await refused({ documentType: 'NIE', documentNumber: 'X123' }), 'document_number:nie_format');
    assert.equal(await refused({ documentType: 'PASSPORT', documentNumber: 'AB1' }), 'document_number:passport_format');
    assert.equal(await refused({ documentType: 'DNI' }), 'document_type:document_type_invalid');
    assert.equal(await refused({ documentNumber: 'x'.repeat(10_000) }), 'document_number:too_long');
    assert.equal(await refused({ reason: '   ' }), 'reason:required');
    assert.equal(await refused({ reason: 'r'.repeat(501) }), 'reason:too_long');
    assert.equal(await refused({ reason: 'bell\u0007' }), 'reason:invalid');
    assert.equal(await refused({ documentNumber: m.username }), 'document_number:document_unchanged');
    assert.equal(await refused({ documentNumber: other.username }), 'document_number:document_taken');
    // A record (not registered) of someone else carries the document, with another birth date.
    const stranger = nif(53_000_000 + n);
    await unregistered({ document_type: 'NIF', document_number: stranger, date_of_birth: '1990-09-09' });
    assert.equal(await refused({ documentNumber: stranger }), 'document_number:document_other_person');
    assert.equal(await refused({ memberId: 99_999_999 }), 'member:member_not_found');
    assert.equal(await refused({ expectedUsername: 'STALE' }), 'form:conflict');
    const unregisteredId = await unregistered({});
    assert.equal(await refused({ memberId: unregisteredId }), 'member:not_registered');

    assert.equal(refusalOf([{ field: 'document_number', code: 'nif_letter' }]), 'invalid');
    assert.equal(refusalOf([{ field: 'form', code: 'conflict' }]), 'conflict');
    assert.equal(refusalOf([{ field: 'member', code: 'member_not_found' }]), 'notFound');
    assert.equal((await account(m.accountId)).username, m.username, 'nothing changed');
    const refusedRows = (await auditRows('backoffice.username.change')).filter(
      (r) => r.outcome === 'refused' && r.member_id === m.memberId,
    );
    assert.ok(refusedRows.length >= 10);
    assert.ok(refusedRows.every((r) => r.actor === 'staff:ana.agent' && !r.details?.includes('x'.repeat(50))));
  });

  test('R16: the same person’s unlinked record with the new document joins the account (R5)', async () => {
    const m = await registered();
    const doc = nif(54_000_000 + n);
    const recordId = await unregistered({ document_type: 'NIF', document_number: doc, date_of_birth: '1981-01-01' });
    const r = await changeUsername(
      deps,
      agent,
      {
        memberId: m.memberId,
        expectedUsername: m.username,
        documentType: 'NIF',
        documentNumber: doc,
        reason: 'New NIF',
      },
      auditCtx,
    );
    assert.ok(r.ok, codes(r));
    assert.equal(r.value.recordsJoined, 1);
    const joined = await ctx.db.kysely
      .selectFrom('members')
      .select('account_id')
      .where('id', '=', recordId)
      .executeTakeFirstOrThrow();
    assert.equal(joined.account_id, m.accountId);
  });

  test('R16: two agents changing the same account at once: one wins, the other gets a conflict', async () => {
    const m = await registered();
    const [a, b] = await Promise.all([
      changeUsername(
        deps,
        agent,
        {
          memberId: m.memberId,
          expectedUsername: m.username,
          documentType: 'NIF',
          documentNumber: nif(55_000_000 + n),
          reason: 'a',
        },
        auditCtx,
      ),
      changeUsername(
        deps,
        otherAgent,
        {
          memberId: m.memberId,
          expectedUsername: m.username,
          documentType: 'PASSPORT',
          documentNumber: `PA${n}77777`,
          reason: 'b',
        },
        auditCtx,
      ),
    ]);
    assert.deepEqual([codes(a), codes(b)].sort(), ['form:conflict', 'ok']);
    const winner = a.ok ? a.value.to : b.ok ? b.value.to : '';
    assert.equal((await account(m.accountId)).username, winner);
    assert.equal((await mails(m.email, 'username-changed')).length, 1, 'one email, from the winner');
  });

  test('R16: two agents giving two accounts the same new document at once: one wins, the other is told it is taken', async () => {
    const x = await registered();
    const y = await registered();
    const doc = nif(56_000_000 + n);
    const results = await Promise.all([
      changeUsername(
        deps,
        agent,
        { memberId: x.memberId, expectedUsername: x.username, documentType: 'NIF', documentNumber: doc, reason: 'x' },
        auditCtx,
      ),
      changeUsername(
        deps,
        otherAgent,
        { memberId: y.memberId, expectedUsername: y.username, documentType: 'NIF', documentNumber: doc, reason: 'y' },
        auditCtx,
      ),
    ]);
    assert.deepEqual(results.map(codes).sort(), ['document_number:document_taken', 'ok']);
    const holders = await ctx.db.kysely.selectFrom('accounts').select('id').where('username', '=', doc).execute();
    assert.equal(holders.length, 1);
  });

  // ——— R19 ———

  test('R19: the enrolment email again, in the member’s language, to the record’s email; refused when it cannot help', async () => {
    const id = await unregistered({ language: 'en', first_name: 'Oliver' });
    const record = await ctx.db.kysely.selectFrom('members').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const before = (await mails(record.email!, 'enrolment')).length;
    assert.equal(before, 1, 'the import sent the first one');
    const r = await resendEnrolmentEmail(deps, agent, { memberId: id, reason: 'Member lost the email' }, auditCtx);
    assert.ok(r.ok, codes(r));
    const sent = await mails(record.email!, 'enrolment');
    assert.equal(sent.length, 2);
    assert.equal(sent[1]!.language, 'en');
    assert.ok(sent[1]!.body_text.includes(record.member_number));
    assert.ok(sent[1]!.body_html);
    const [row] = (await auditRows('backoffice.enrolment.resend')).filter((a) => a.member_id === id);
    assert.equal(row?.actor, 'staff:ana.agent');

    const resend = (memberId: number) => resendEnrolmentEmail(deps, agent, { memberId }, auditCtx).then(codes);
    const m = await registered();
    assert.equal(await resend(m.memberId), 'member:already_registered');
    // A record whose document is already someone's username is that person: registered too (R2).
    assert.equal(
      await resend(await unregistered({ document_type: 'NIF', document_number: m.username })),
      'member:already_registered',
    );
    assert.equal(await resend(await unregistered({ date_of_birth: '2015-01-01' })), 'member:minor');
    assert.equal(await resend(await unregistered({ email: '' })), 'member:no_email');
    assert.equal(await resend(await unregistered({ scheme: 'international' })), 'member:not_local');
    assert.equal(
      await resend(await unregistered({ policy_status: 'cancelled', policy_end: '2026-01-01' })),
      'member:policy_cancelled',
    );
    for (let i = 1; i < ENROLMENT_RESENDS_PER_DAY; i++) assert.equal(await resend(id), 'ok');
    assert.equal(await resend(id), 'member:resend_limit');
    assert.equal(refusalOf([{ field: 'member', code: 'resend_limit' }]), 'limited');
  });

  // ——— contact data ———

  test('contact correction: stored unconfirmed, the old email told; a sign-in code to the new email confirms it', async () => {
    const m = await registered({ language: 'es' });
    await ctx.db.kysely
      .updateTable('accounts')
      .set({
        email_verified_at: ctx.clock.now().toISOString(),
        mobile: '+34600111222',
        mobile_verified_at: ctx.clock.now().toISOString(),
        preferred_channel: 'sms',
      })
      .where('id', '=', m.accountId)
      .execute();
    // A recovery link already sent to the old address (issue 15 item 6): the correction must void it.
    await issueRecoveryLink(
      ctx.db.kysely,
      { clock: ctx.clock, courier: ctx.courier, publicUrl: ctx.config.publicUrl },
      { id: m.accountId, email: m.email, language: 'es' },
      'es',
    );
    const oldLink = /(\/recovery\/reset\/[A-Za-z0-9_-]+)/.exec(
      (await mails(m.email, 'recovery-link')).at(-1)!.body_text,
    )![1]!;
    const input = {
      memberId: m.memberId,
      email: ' New.Address@Example.ORG ',
      mobile: '',
      addressLine: 'Calle Mayor 1',
      postalCode: '28013',
      city: 'Madrid',
      province: '',
      country: '',
      reason: 'Called from her usual phone',
    };
    const preview = await previewContactCorrection(deps, input);
    assert.ok(preview.ok, codes(preview));
    assert.deepEqual(preview.value, {
      email: 'New.Address@example.org',
      mobile: null,
      address: { addressLine: 'Calle Mayor 1', postalCode: '28013', city: 'Madrid', province: null, country: 'ES' },
    });

    const r = await correctContact(deps, agent, input, auditCtx);
    assert.ok(r.ok, codes(r));
    const a = await account(m.accountId);
    assert.equal(a.email, 'New.Address@example.org');
    assert.equal(a.email_verified_at, null, 'typed by an agent: not proven yet');
    assert.equal(a.mobile, null);
    assert.equal(a.mobile_verified_at, null);
    assert.equal(a.preferred_channel, 'email', 'no mobile, no SMS preference');
    assert.equal(a.postal_code, '28013');
    assert.equal(
      (await new BrowserAgent(ctx.app).get(oldLink)).statusCode,
      410,
      'the link sent to the old email no longer works',
    );
    const [notice] = await mails(m.email, 'contact-corrected');
    assert.ok(notice, 'the old email is told');
    assert.equal(notice.language, 'es');
    assert.ok(notice.body_text.includes('New.Address@example.org') && notice.body_html?.includes('dirección postal'));
    const [row] = (await auditRows('backoffice.contact.correct')).filter((x) => x.account_id === m.accountId);
    assert.equal(row?.actor, 'staff:ana.agent');
    assert.deepEqual(JSON.parse(row?.details ?? '{}'), {
      fields: 'email,mobile,address',
      reason: 'Called from her usual phone',
    });

    await signedIn(ctx, { username: m.username, email: 'New.Address@example.org' });
    assert.ok((await account(m.accountId)).email_verified_at, 'a code received there proves it');

    const again = (patch: Partial<typeof input>) =>
      correctContact(deps, agent, { ...input, ...patch }, auditCtx).then(codes);
    assert.equal(await again({ email: 'New.Address@example.org' }), 'form:nothing_changed');
    assert.equal(await again({ email: 'not-an-email' }), 'email:email_invalid');
    assert.equal(await again({ email: '' }), 'email:required');
    assert.equal(await again({ mobile: '12' }), 'mobile:phone_invalid');
    assert.equal(await again({ postalCode: '99999' }), 'postal_code:postal_code_invalid');
    assert.equal(await again({ addressLine: '', city: '' }), 'address_line:required,city:required');
  });

  // ——— unlock, sessions, disable, enable ———

  test('unlock lifts the R9 lock and the failure count; a clean account is not_locked', async () => {
    const m = await registered();
    assert.equal(await unlockAccount(deps, agent, { memberId: m.memberId }, auditCtx).then(codes), 'member:not_locked');
    const now = ctx.clock.now();
    const until = new Date(now.getTime() + 15 * 60_000).toISOString();
    const lock = async () => {
      await ctx.db.kysely
        .insertInto('rate_limits')
        .values({
          bucket: bucket('signin-lock', m.username),
          window_start: now.toISOString(),
          count: 1,
          expires_at: until,
        })
        .execute();
      await ctx.db.kysely
        .updateTable('accounts')
        .set({ locked_until: until, failed_logins: 10 })
        .where('id', '=', m.accountId)
        .execute();
    };
    await lock();
    const locked = await new BrowserAgent(ctx.app).post('/sign-in', { username: m.username, password: TEST_PASSWORD });
    assert.equal(locked.statusCode, 429, 'R9 lock in force');
    const r = await unlockAccount(deps, agent, { memberId: m.memberId, reason: '' }, auditCtx);
    assert.ok(r.ok, codes(r));
    assert.equal(r.value.wasLocked, true);
    const a = await account(m.accountId);
    assert.equal(a.locked_until, null);
    assert.equal(a.failed_logins, 0);
    assert.equal(
      (await new BrowserAgent(ctx.app).post('/sign-in', { username: m.username, password: TEST_PASSWORD })).statusCode,
      303,
    );
    const [row] = (await auditRows('backoffice.account.unlock')).filter(
      (x) => x.account_id === m.accountId && x.outcome === 'success',
    );
    assert.equal(row?.actor, 'staff:ana.agent');
  });

  test('end all sessions: every browser is signed out at once', async () => {
    const m = await registered();
    const one = await signedIn(ctx, m);
    const two = await signedIn(ctx, m);
    const r = await endAllSessions(deps, agent, { memberId: m.memberId }, auditCtx);
    assert.ok(r.ok, codes(r));
    assert.equal(r.value.ended, 2);
    for (const browser of [one, two]) assert.equal((await browser.get('/area')).statusCode, 303);
    const again = await endAllSessions(deps, agent, { memberId: m.memberId }, auditCtx);
    assert.ok(again.ok);
    assert.equal(again.value.ended, 0);
    assert.equal((await auditRows('backoffice.sessions.end')).filter((x) => x.account_id === m.accountId).length, 2);
  });

  test('disable: a reason is required; sessions end; no sign-in and no recovery, even with a link sent before; enable undoes it', async () => {
    const m = await registered();
    const browser = await signedIn(ctx, m);
    const link = randomToken();
    const now = ctx.clock.now();
    await ctx.db.kysely
      .insertInto('one_time_tokens')
      .values({
        purpose: 'recovery',
        token_hash: hashToken(link),
        account_id: m.accountId,
        channel: 'email',
        destination: m.email,
        expires_at: new Date(now.getTime() + 3_600_000).toISOString(),
        created_at: now.toISOString(),
      })
      .execute();

    assert.equal(
      await disableAccount(deps, agent, { memberId: m.memberId, reason: '' }, auditCtx).then(codes),
      'reason:required',
    );
    const r = await disableAccount(
      deps,
      agent,
      { memberId: m.memberId, reason: 'Suspected fraud, case 991' },
      auditCtx,
    );
    assert.ok(r.ok, codes(r));
    assert.equal(r.value.sessionsEnded, 1);
    assert.equal((await account(m.accountId)).status, 'disabled');
    assert.equal((await browser.get('/area')).statusCode, 303);
    assert.equal(await signInStatus(m.username), 403);
    assert.equal(
      (await new BrowserAgent(ctx.app).get(`/recovery/reset/${link}`)).statusCode,
      410,
      'the reset link sent before is void',
    );
    assert.equal(
      await disableAccount(deps, otherAgent, { memberId: m.memberId, reason: 'again' }, auditCtx).then(codes),
      'member:already_disabled',
    );

    const e = await enableAccount(deps, agent, { memberId: m.memberId }, auditCtx);
    assert.ok(e.ok, codes(e));
    assert.equal((await account(m.accountId)).status, 'active');
    assert.equal((await (await signedIn(ctx, m)).get('/area')).statusCode, 200);
    assert.equal(
      await enableAccount(deps, agent, { memberId: m.memberId }, auditCtx).then(codes),
      'member:not_disabled',
    );
    const rows = (
      await ctx.db.kysely
        .selectFrom('audit_events')
        .selectAll()
        .where('account_id', '=', m.accountId)
        .where('event', 'like', 'backoffice.%')
        .orderBy('id')
        .execute()
    ).map((x) => `${x.event}:${x.outcome}:${x.actor}`);
    assert.deepEqual(rows, [
      'backoffice.account.disable:refused:staff:ana.agent',
      'backoffice.account.disable:success:staff:ana.agent',
      'backoffice.account.disable:refused:staff:luis.agent',
      'backoffice.account.enable:success:staff:ana.agent',
      'backoffice.account.enable:refused:staff:ana.agent',
    ]);
  });

  test('actions on a member without an account are refused with not_registered', async () => {
    const id = await unregistered({});
    for (const action of [unlockAccount, endAllSessions, enableAccount])
      assert.equal(await action(deps, agent, { memberId: id }, auditCtx).then(codes), 'member:not_registered');
    assert.equal(
      await disableAccount(deps, agent, { memberId: id, reason: 'x' }, auditCtx).then(codes),
      'member:not_registered',
    );
  });
});
