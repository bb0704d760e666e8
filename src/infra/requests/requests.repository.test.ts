import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { describeEachDatabase } from '../../../test/helpers/databases.js';
import { memberWithAccount, type TestMember } from '../../../test/helpers/fixture.js';
import { setup, type TestContext } from '../../../test/helpers/setup.js';
import { randomBytes } from 'node:crypto';
import { createSecretBox, DEVELOPMENT_KEY, SecretBoxError } from '../crypto/secret-box.js';
import { resealSecrets } from '../crypto/secrets-at-rest.js';
import { findFile, listFilesOfRequest, openFile } from '../files/files.repository.js';
import { receiveFile, type ReceivedFile } from '../files/upload.js';
import {
  createRequest,
  ibanUsedBefore,
  listRequestsOfPatients,
  requestTimeline,
  transitionRequest,
  type NewRequest,
} from './requests.repository.js';
import { REQUEST_BYTES_PER_DAY, REQUESTS_PER_DAY, takeDailyQuota } from './request-quota.js';

// R31 on both databases: references are distinct and sequential under a burst; one form sent 40 times at once makes
// one request; a request is stored with its files and first event or not at all; transitions are compare-and-set;
// the daily quota holds under a burst.

const TZ = 'Europe/Madrid';
const MB = 1024 * 1024;
let tokenN = 0;
const token = () => `form-token-${String(++tokenN).padStart(8, '0')}`;

describeEachDatabase('requests repository (R31)', (kind) => {
  let ctx: TestContext;
  let member: TestMember;
  let pdf: ReceivedFile;

  before(async () => {
    ctx = await setup(kind);
    ctx.clock.set('2026-12-05T10:00:00.000Z');
    member = await memberWithAccount(ctx);
    const bytes = Buffer.from('%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n');
    const r = await receiveFile(
      { file: Readable.from([bytes]), filename: 'factura.pdf', mimetype: 'application/pdf' },
      ctx.secretBox,
      'files',
    );
    assert.ok(r.ok);
    pdf = r.value;
  });
  after(async () => {
    await ctx.close();
  });

  const reimbursement = (formToken: string, files: readonly ReceivedFile[] = [pdf]): NewRequest => ({
    type: 'reimbursement',
    accountId: member.accountId,
    memberId: member.memberId,
    patientMemberId: member.memberId,
    formToken,
    files,
    fields: {
      service_date: '2026-12-01',
      provider: 'Clínica Central',
      concept: 'consultation',
      amount_claimed: 8_000,
      iban_sealed: ctx.secretBox.seal('ES9121000418450200051332'),
      iban_masked: 'ES•• •••• •••• •••• •••• 1332',
    },
  });
  const count = async (table: 'requests' | 'files' | 'request_events' | 'request_files') =>
    Number(
      (
        await ctx.db.kysely
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  test('a failure half-way stores nothing: no request, no file, no event, no reference used', async () => {
    const broken = { ...pdf, sealed: null as unknown as Buffer };
    await assert.rejects(createRequest(ctx.db.kysely, ctx.clock, TZ, reimbursement(token(), [pdf, broken])));
    assert.deepEqual(
      [await count('requests'), await count('files'), await count('request_events'), await count('request_files')],
      [0, 0, 0, 0],
    );
    const next = await createRequest(ctx.db.kysely, ctx.clock, TZ, reimbursement(token()));
    assert.equal(next.request.reference, 'REE-2026-000001', 'the failed attempt took no number');
  });

  test('40 concurrent requests get 40 distinct, consecutive references; each with its file and first event', async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 40 }, () => createRequest(ctx.db.kysely, ctx.clock, TZ, reimbursement(token()))),
    );
    assert.ok(outcomes.every((o) => o.created));
    const refs = outcomes.map((o) => o.request.reference).sort();
    assert.deepEqual(
      refs,
      Array.from({ length: 40 }, (_, i) => `REE-2026-${String(i + 2).padStart(6, '0')}`),
    );
    for (const o of outcomes.slice(0, 3)) {
      const files = await listFilesOfRequest(ctx.db.kysely, o.request.id);
      assert.deepEqual(
        files.map((f) => [f.name, f.role, f.sha256]),
        [['factura.pdf', 'invoice', pdf.sha256]],
      );
      assert.deepEqual(
        (await requestTimeline(ctx.db.kysely, o.request.id)).map((e) => e.status),
        ['received'],
      );
    }
    const auth = await createRequest(ctx.db.kysely, ctx.clock, TZ, {
      type: 'authorization',
      accountId: member.accountId,
      memberId: member.memberId,
      patientMemberId: member.memberId,
      formToken: token(),
      files: [pdf],
      fields: {
        category: 'imaging',
        prescription: 'RM rodilla',
        prescribing_doctor: 'Dra. Ruiz',
        preferred_provider: 'Clínica Central',
      },
    });
    assert.equal(auth.request.reference, 'AUT-2026-000001', 'each type counts on its own');
    ctx.clock.set('2027-01-01T00:30:00.000Z'); // 01:30 in Madrid: a new year
    const nextYear = await createRequest(ctx.db.kysely, ctx.clock, TZ, reimbursement(token()));
    assert.equal(nextYear.request.reference, 'REE-2027-000001');
    ctx.clock.set('2026-12-05T10:00:00.000Z');
  });

  test('40 concurrent posts of one form make one request, one set of files, one event', async () => {
    const before = [await count('requests'), await count('files'), await count('request_events')];
    const formToken = token();
    const outcomes = await Promise.all(
      Array.from({ length: 40 }, () => createRequest(ctx.db.kysely, ctx.clock, TZ, reimbursement(formToken))),
    );
    assert.equal(outcomes.filter((o) => o.created).length, 1);
    assert.equal(new Set(outcomes.map((o) => o.request.id)).size, 1, 'every post answers the same request');
    assert.deepEqual(
      [await count('requests'), await count('files'), await count('request_events')],
      before.map((n) => n + 1),
    );
  });

  test('a stored file opens to its bytes and matches its SHA-256 (blob on SQLite, bytea on PostgreSQL)', async () => {
    const made = await createRequest(ctx.db.kysely, ctx.clock, TZ, reimbursement(token()));
    const [listed] = await listFilesOfRequest(ctx.db.kysely, made.request.id);
    const stored = await findFile(ctx.db.kysely, listed!.id);
    assert.ok(stored && Buffer.isBuffer(stored.sealed));
    assert.match(openFile(ctx.secretBox, stored).toString('latin1'), /^%PDF-1\.4[\s\S]*%%EOF\n$/);
    const altered = Buffer.from(stored.sealed);
    altered[altered.length - 20]! ^= 1;
    assert.throws(() => openFile(ctx.secretBox, { ...stored, sealed: altered }));
  });

  test('a reimbursement goes through the graph with its timeline; forbidden steps change nothing', async () => {
    const { request } = await createRequest(ctx.db.kysely, ctx.clock, TZ, reimbursement(token()));
    const staff = { kind: 'staff', username: 'agent1' } as const;
    const step = (
      version: number,
      to: Parameters<typeof transitionRequest>[3]['to'],
      fields = {},
      files?: ReceivedFile[],
    ) =>
      transitionRequest(ctx.db.kysely, ctx.clock, TZ, {
        id: request.id,
        version,
        to,
        fields,
        actor: to === 'in_review' && version === 3 ? { kind: 'member', accountId: member.accountId } : staff,
        ...(files ? { files } : {}),
      });
    const paidTooSoon = await step(1, 'paid', { amount_paid: 100, paid_on: '2026-12-05' });
    assert.deepEqual(paidTooSoon, {
      ok: false,
      errors: [{ field: 'status', code: 'transition_forbidden', params: { from: 'received', to: 'paid' } }],
    });
    assert.ok((await step(1, 'in_review')).ok);
    assert.ok((await step(2, 'needs_info', { message: 'Falta la factura detallada' })).ok);
    assert.ok((await step(3, 'in_review', { answer: 'Adjunto la factura' }, [pdf])).ok);
    const partial = await step(4, 'partially_approved', { amount_approved: 6_000, reason: 'Tope de la póliza' });
    assert.ok(partial.ok && partial.value.amount_approved === 6_000 && partial.value.version === 5);
    const overpaid = await step(5, 'paid', { amount_paid: 6_001, paid_on: '2026-12-05' });
    assert.equal(!overpaid.ok && overpaid.errors[0]!.code, 'amount_too_high');
    const paid = await step(5, 'paid', { amount_paid: 6_000, paid_on: '2026-12-05' });
    assert.ok(paid.ok && paid.value.status === 'paid' && paid.value.paid_on === '2026-12-05');
    const timeline = await requestTimeline(ctx.db.kysely, request.id);
    assert.deepEqual(
      timeline.map((e) => e.status),
      ['received', 'in_review', 'needs_info', 'in_review', 'partially_approved', 'paid'],
    );
    assert.equal(JSON.parse(timeline[2]!.details).message, 'Falta la factura detallada');
    assert.deepEqual([timeline[3]!.actor, timeline[3]!.actor_id], ['member', String(member.accountId)]);
    const files = await listFilesOfRequest(ctx.db.kysely, request.id);
    assert.deepEqual(
      files.map((f) => f.role),
      ['invoice', 'answer'],
    );
    assert.equal((await step(6, 'in_review')).ok, false, 'paid is final');
  });

  test('two concurrent changes from the same version: one wins, the other is told the request changed', async () => {
    const { request } = await createRequest(ctx.db.kysely, ctx.clock, TZ, reimbursement(token()));
    const staff = { kind: 'staff', username: 'agent1' } as const;
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        transitionRequest(ctx.db.kysely, ctx.clock, TZ, {
          id: request.id,
          version: 1,
          to: 'in_review',
          fields: {},
          actor: staff,
        }),
      ),
    );
    assert.equal(results.filter((r) => r.ok).length, 1);
    for (const r of results.filter((r) => !r.ok)) assert.equal(!r.ok && r.errors[0]!.code, 'stale_version');
    assert.equal((await requestTimeline(ctx.db.kysely, request.id)).length, 2);
    const missing = await transitionRequest(ctx.db.kysely, ctx.clock, TZ, {
      id: 999_999,
      version: 1,
      to: 'in_review',
      fields: {},
      actor: staff,
    });
    assert.equal(!missing.ok && missing.errors[0]!.code, 'request_not_found');
  });

  test('requests are listed by patient, newest first, and only theirs', async () => {
    const other = await memberWithAccount(ctx);
    assert.deepEqual(await listRequestsOfPatients(ctx.db.kysely, [other.memberId]), []);
    const mine = await listRequestsOfPatients(ctx.db.kysely, [member.memberId], { limit: 5 });
    assert.equal(mine.length, 5);
    assert.ok(mine.every((r, i) => i === 0 || r.id < mine[i - 1]!.id));
    assert.ok(mine.every((r) => r.patient_member_id === member.memberId));
  });

  test('a burst of 40 against the daily quota: 20 requests pass; the bytes limit holds the same way', async () => {
    const a = await memberWithAccount(ctx);
    const burst = await Promise.all(
      Array.from({ length: 40 }, () => takeDailyQuota(ctx.db.kysely, ctx.clock, a.accountId, 1)),
    );
    assert.equal(burst.filter((q) => q.ok).length, REQUESTS_PER_DAY);
    for (const q of burst.filter((q) => !q.ok))
      assert.deepEqual(!q.ok && q.errors, [{ field: 'request', code: 'request_limit', params: { max: 20 } }]);
    // One kept request given back (a repeat of a form) lets exactly one more through.
    const kept = burst.find((q) => q.ok)!;
    if (kept.ok) await kept.release();
    const again = await Promise.all(
      Array.from({ length: 5 }, () => takeDailyQuota(ctx.db.kysely, ctx.clock, a.accountId, 1)),
    );
    assert.equal(again.filter((q) => q.ok).length, 1);

    const b = await memberWithAccount(ctx);
    const eight = 8 * MB;
    const bytes = await Promise.all(
      Array.from({ length: 40 }, () => takeDailyQuota(ctx.db.kysely, ctx.clock, b.accountId, eight)),
    );
    assert.equal(bytes.filter((q) => q.ok).length, Math.floor(REQUEST_BYTES_PER_DAY / eight));
    const codes = new Set(bytes.flatMap((q) => (q.ok ? [] : q.errors.map((e) => e.code))));
    assert.ok(codes.has('request_bytes_limit'));
    assert.ok(
      [...codes].every((c) => c === 'request_bytes_limit' || c === 'request_limit'),
      [...codes].join(),
    );

    ctx.clock.advance(24 * 60 * 60 * 1000);
    assert.equal((await takeDailyQuota(ctx.db.kysely, ctx.clock, a.accountId, 1)).ok, true, 'a new day');
    ctx.clock.set('2026-12-05T10:00:00.000Z');
  });

  test('secrets rotate re-seals every file and IBAN under the new key (R29)', async () => {
    const { request } = await createRequest(ctx.db.kysely, ctx.clock, TZ, reimbursement(token()));
    const [listed] = await listFilesOfRequest(ctx.db.kysely, request.id);
    const newKey = randomBytes(32);
    const report = await resealSecrets(ctx.db.kysely, createSecretBox(newKey, [DEVELOPMENT_KEY]), 'rotate');
    assert.equal(report.files, await count('files'));
    assert.ok(report.requests >= 1);
    const stored = (await findFile(ctx.db.kysely, listed!.id))!;
    const newOnly = createSecretBox(newKey);
    assert.match(openFile(newOnly, stored).toString('latin1'), /^%PDF/);
    assert.throws(() => openFile(ctx.secretBox, stored), SecretBoxError, 'the old key alone no longer opens it');
    const iban = (
      await ctx.db.kysely
        .selectFrom('requests')
        .select('iban_sealed')
        .where('id', '=', request.id)
        .executeTakeFirstOrThrow()
    ).iban_sealed!;
    assert.equal(newOnly.open(iban), 'ES9121000418450200051332');
    assert.equal(
      (await resealSecrets(ctx.db.kysely, createSecretBox(newKey, [DEVELOPMENT_KEY]), 'rotate')).files,
      0,
      'idempotent',
    );
    await resealSecrets(ctx.db.kysely, createSecretBox(DEVELOPMENT_KEY, [newKey]), 'rotate');
  });

  test('an IBAN the account was paid into before is known; another, or another account’s, is not', async () => {
    await createRequest(ctx.db.kysely, ctx.clock, TZ, reimbursement(token()));
    const used = (iban: string, accountId = member.accountId) =>
      ibanUsedBefore(ctx.db.kysely, ctx.secretBox, accountId, iban);
    assert.equal(await used('ES9121000418450200051332'), true);
    assert.equal(await used('DE89370400440532013000'), false);
    const other = await memberWithAccount(ctx);
    assert.equal(await used('ES9121000418450200051332', other.accountId), false);
  });
});
