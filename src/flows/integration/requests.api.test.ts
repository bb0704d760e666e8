import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { describeEachDatabase } from '../../../test/helpers/databases.js';
import { accountFor, memberFeedRow, memberWithAccount, type TestMember } from '../../../test/helpers/fixture.js';
import { countingPacer, setup, type TestContext } from '../../../test/helpers/setup.js';
import { FEED_HEADER, nif, toCsvLine, yearsBefore } from '../../feed/demo-feed.js';
import { importFeed } from '../../feed/feed.import.js';
import { todayIn } from '../../domain/calendar.js';
import { createApiKey } from '../../identity/api-keys.js';
import { receiveFile, type ReceivedFile } from '../../infra/files/upload.js';
import { createRequest, type NewRequest } from '../../infra/requests/requests.repository.js';
import { decodeCursor, encodeCursor } from './requests.api.routes.js';

// R31 (issue 26 item 4): the core system's API for requests, on both databases. Reads (list by cursor, one request,
// a file's bytes) each recorded as a data access by the key's name (R36); status changes only along R31's graph with
// compare-and-set versions (409) and Idempotency-Key replays; every change emails the people who follow the request
// with the reference and a link only (R25, STYLE habit 19); an approved authorization takes a letter.

type Json = Record<string, unknown>;
const TZ = 'Europe/Madrid';
const PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n',
);
const LETTER = Buffer.from(PDF.toString().replace('/Count 0', '/Count 0 /Letter true'));
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
let tokens = 0;
const formToken = () => `api-test-token-${String(++tokens).padStart(8, '0')}`;

describeEachDatabase('requests API (R31)', (kind) => {
  let ctx: TestContext;
  const pacer = countingPacer();
  let member: TestMember;
  let other: TestMember;
  let guardianAccount: number;
  let minorId: number;
  let pdf: ReceivedFile;
  let reader: string;
  let writer: string;
  let membersKey: string;

  const call = (method: 'GET' | 'POST' | 'PUT', url: string, key?: string, payload?: Json, headers: Json = {}) =>
    ctx.app.inject({
      method,
      url,
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(headers as Record<string, string>) },
      ...(payload ? { payload } : {}),
    });
  const get = (url: string, key = reader) => call('GET', url, key);
  const move = (id: number, body: Json, key = writer, headers: Json = {}) =>
    call('POST', `/api/v1/requests/${id}/status`, key, body, headers);

  const reimbursement = (who: TestMember, over: Partial<NewRequest> = {}): NewRequest =>
    ({
      type: 'reimbursement',
      accountId: who.accountId,
      memberId: who.memberId,
      patientMemberId: who.memberId,
      formToken: formToken(),
      files: [pdf],
      fields: {
        service_date: '2026-12-01',
        provider: 'Clínica Dental Sonrisas',
        concept: 'dental_cleaning',
        amount_claimed: 12_345,
        iban_sealed: ctx.secretBox.seal('ES9121000418450200051332'),
        iban_masked: 'ES•• •••• •••• •••• •••• 1332',
      },
      ...over,
    }) as NewRequest;
  const authorization = (who: TestMember): NewRequest => ({
    type: 'authorization',
    accountId: who.accountId,
    memberId: who.memberId,
    patientMemberId: who.memberId,
    formToken: formToken(),
    files: [pdf],
    fields: {
      category: 'imaging',
      prescription: 'Resonancia magnética de rodilla izquierda',
      prescribing_doctor: 'Dr. Ortega',
      preferred_provider: 'Hospital del Sur',
    },
  });
  const create = async (input: NewRequest) => (await createRequest(ctx.db.kysely, ctx.clock, TZ, input)).request;
  const emailsOf = async (template = 'request-status') => (await ctx.outbox()).filter((m) => m.template === template);
  const accessRows = (ref: string) =>
    ctx.db.kysely
      .selectFrom('audit_events')
      .selectAll()
      .where('event', '=', 'data.access')
      .where('details', 'like', `%${ref}%`)
      .orderBy('id')
      .execute();

  before(async () => {
    ctx = await setup(kind, { uploadPacer: pacer });
    ctx.clock.set('2026-12-05T10:00:00.000Z');
    member = await memberWithAccount(ctx, { language: 'en' });
    other = await memberWithAccount(ctx, { language: 'es' });
    const r = await receiveFile(
      { file: Readable.from([PDF]), filename: 'factura.pdf', mimetype: 'application/pdf' },
      ctx.secretBox,
      'files',
    );
    assert.ok(r.ok);
    pdf = r.value;
    // R14: a guardian (Spanish) and her nine-year-old on one policy.
    const today = todayIn(TZ, ctx.clock.now());
    const mother = memberFeedRow({
      policy_number: 'APIPOL1',
      member_number: 'APIM1',
      first_name: 'Marta',
      document_type: 'NIF',
      document_number: nif(41000001),
      email: 'marta@example.com',
      language: 'es',
    });
    const child = memberFeedRow({
      policy_number: 'APIPOL1',
      member_number: 'APIM2',
      role: 'dependent',
      first_name: 'Nico',
      date_of_birth: yearsBefore(today, 9),
      guardian_member_numbers: 'APIM1',
    });
    await importFeed(
      { db: ctx.db, clock: ctx.clock, courier: ctx.courier, timeZone: TZ },
      Readable.from([FEED_HEADER + toCsvLine(mother) + toCsvLine(child)]),
    );
    guardianAccount = await accountFor(ctx, {
      username: nif(41000001),
      memberNumbers: ['APIM1'],
      email: 'marta@example.com',
      language: 'es',
    });
    minorId = (
      await ctx.db.kysely
        .selectFrom('members')
        .select('id')
        .where('member_number', '=', 'APIM2')
        .executeTakeFirstOrThrow()
    ).id;
    const key = async (name: string, scopes: ('requests:read' | 'requests:write' | 'members:write')[]) => {
      const k = await createApiKey(ctx.db.kysely, ctx.clock, { name, scopes, createdBy: 't', ratePerMinute: 10_000 });
      assert.ok(k.ok);
      return k.value.key;
    };
    reader = await key('core-reader', ['requests:read']);
    writer = await key('core-system', ['requests:read', 'requests:write']);
    membersKey = await key('feed', ['members:write']);
  });
  after(async () => {
    await ctx.close();
  });

  test('a request round trip: listed with its fields and files, read with its timeline, its file byte for byte', async () => {
    const ree = await create(reimbursement(member));
    const list = await get('/api/v1/requests?limit=500');
    assert.equal(list.statusCode, 200, list.body);
    const item = list.json<{ items: Json[] }>().items.find((i) => i.id === ree.id)!;
    assert.deepEqual(
      {
        type: item.type,
        reference: item.reference,
        status: item.status,
        version: item.version,
        member_number: item.member_number,
        patient_member_number: item.patient_member_number,
        policy_number: item.policy_number,
        service_date: item.service_date,
        provider: item.provider,
        concept: item.concept,
        amount_claimed: item.amount_claimed,
        iban: item.iban,
        submitted_at: item.submitted_at,
      },
      {
        type: 'reimbursement',
        reference: ree.reference,
        status: 'received',
        version: 1,
        member_number: member.memberNumber,
        patient_member_number: member.memberNumber,
        policy_number: member.memberNumber.replace('HM', 'HP'),
        service_date: '2026-12-01',
        provider: 'Clínica Dental Sonrisas',
        concept: 'dental_cleaning',
        amount_claimed: 12_345,
        iban: 'ES9121000418450200051332',
        submitted_at: '2026-12-05T10:00:00.000Z',
      },
    );
    const files = item.files as { id: number; name: string; content_type: string; size: number; sha256: string }[];
    assert.equal(files.length, 1);
    assert.deepEqual(
      { ...files[0], id: 0 },
      {
        id: 0,
        name: 'factura.pdf',
        content_type: 'application/pdf',
        size: PDF.length,
        sha256: sha(PDF),
        role: 'invoice',
      },
    );

    const one = await get(`/api/v1/requests/${ree.id}`);
    assert.equal(one.statusCode, 200, one.body);
    assert.deepEqual(
      one.json<{ timeline: Json[] }>().timeline.map((e) => [e.status, e.by]),
      [['received', 'member']],
    );

    const file = await get(`/api/v1/requests/${ree.id}/files/${files[0]!.id}`);
    assert.equal(file.statusCode, 200);
    assert.equal(sha(file.rawPayload), sha(PDF), 'byte for byte');
    assert.equal(file.headers['content-type'], 'application/pdf');
    assert.match(String(file.headers['content-disposition']), /^attachment; filename="factura\.pdf"/);
    assert.equal(file.headers['x-content-type-options'], 'nosniff');
    assert.match(String(file.headers['content-security-policy']), /sandbox/);

    // R36: each read recorded for the patient, by the key's name.
    const rows = await accessRows(ree.reference);
    assert.ok(rows.length >= 2, 'the listing and the read');
    for (const row of rows) {
      assert.equal(row.actor, 'api:core-reader');
      assert.equal(row.member_id, member.memberId);
      assert.deepEqual(JSON.parse(row.details!), { what: 'request', ref: ree.reference, by: 'api' });
    }
    const fileRows = await ctx.db.kysely
      .selectFrom('audit_events')
      .selectAll()
      .where('event', '=', 'data.access')
      .where('details', 'like', '%"what":"file"%')
      .execute();
    assert.deepEqual(
      fileRows.map((r) => [r.actor, r.member_id, JSON.parse(r.details!).ref]),
      [['api:core-reader', member.memberId, String(files[0]!.id)]],
    );
  });

  test('unknown ids and another request’s file are 404 problems; bad ids 400', async () => {
    const a = await create(reimbursement(member));
    const b = await create(reimbursement(other));
    const bFile = (await get(`/api/v1/requests/${b.id}`)).json<{ files: { id: number }[] }>().files[0]!.id;
    for (const url of [
      '/api/v1/requests/999999',
      `/api/v1/requests/${a.id}/files/${bFile}`,
      `/api/v1/requests/${a.id}/files/999999`,
    ]) {
      const res = await get(url);
      assert.equal(res.statusCode, 404, url);
      assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
    }
    assert.equal((await move(999999, { status: 'in_review', version: 1 })).statusCode, 404);
    // Past any row's id (an integer column on both engines): not found, never a database error.
    assert.equal((await get('/api/v1/requests/9999999999')).statusCode, 404);
    assert.equal((await get(`/api/v1/requests/${a.id}/files/9999999999`)).statusCode, 404);
    assert.equal((await move(9999999999, { status: 'in_review', version: 1 })).statusCode, 404);
    assert.equal((await get(`/api/v1/requests?after=${encodeCursor(9999999999)}`)).statusCode, 400);
    assert.equal((await get('/api/v1/requests/abc')).statusCode, 400);
    assert.equal((await get('/api/v1/requests/0')).statusCode, 400);
    assert.equal((await get('/api/v1/requests?after=bm9wZQ')).statusCode, 400, 'not a cursor this API gave');
    assert.equal((await get('/api/v1/requests?limit=501')).statusCode, 400);
    assert.equal((await get('/api/v1/requests?limit=-1')).statusCode, 400);
    assert.equal((await get('/api/v1/requests?status=lost')).statusCode, 400);
  });

  test('scopes: no key 401, a read key cannot write, a members key cannot read requests', async () => {
    const r = await create(reimbursement(member));
    const none = await call('GET', '/api/v1/requests');
    assert.equal(none.statusCode, 401);
    assert.match(String(none.headers['www-authenticate']), /^Bearer/);
    assert.equal((await call('GET', `/api/v1/requests/${r.id}`, 'mak_not_a_key')).statusCode, 401);
    const readOnly = await move(r.id, { status: 'in_review', version: 1 }, reader);
    assert.equal(readOnly.statusCode, 403);
    assert.match(String(readOnly.headers['www-authenticate']), /insufficient_scope/);
    assert.equal((await get(`/api/v1/requests/${r.id}`, membersKey)).statusCode, 403);
    assert.equal((await get(`/api/v1/requests`, membersKey)).statusCode, 403);
    const unchanged = (await get(`/api/v1/requests/${r.id}`)).json<Json>();
    assert.equal(unchanged.status, 'received');
    assert.equal(unchanged.version, 1);
  });

  test('cursors walk 250 requests oldest first with no duplicate or gap, one sent meanwhile included', async () => {
    const before = new Set(
      (await get('/api/v1/requests?limit=500')).json<{ items: { id: number }[] }>().items.map((i) => i.id),
    );
    const made: number[] = [];
    for (let i = 0; i < 250; i++) made.push((await create(reimbursement(i % 2 ? member : other))).id);
    const seen: number[] = [];
    let after: string | null = null;
    let pages = 0;
    let late: number | undefined;
    do {
      const res = await get(`/api/v1/requests?limit=37${after ? `&after=${after}` : ''}`);
      assert.equal(res.statusCode, 200, res.body);
      const page = res.json<{ items: { id: number }[]; next_cursor: string | null }>();
      seen.push(...page.items.map((i) => i.id));
      after = page.next_cursor;
      if (++pages === 3) late = (await create(reimbursement(member))).id;
    } while (after !== null && pages < 100);
    assert.deepEqual(
      seen,
      [...seen].sort((a, b) => a - b),
      'oldest first',
    );
    assert.equal(new Set(seen).size, seen.length, 'no duplicates');
    assert.deepEqual(
      seen.filter((id) => !before.has(id)),
      [...made, late],
      'every request made, in order, the late one last',
    );
    // A status filter walks the same way.
    const received = await get('/api/v1/requests?status=received&limit=500');
    assert.ok(received.json<{ items: { status: string }[] }>().items.every((i) => i.status === 'received'));
    assert.equal(decodeCursor(encodeCursor(42)), 42);
    assert.equal(decodeCursor('cjEuMDQy'), undefined, 'r1.042 is not how the API writes 42');
  });

  test('R31’s graph: a forbidden transition and a stale version are 409 problems; bad values 422; nothing changes', async () => {
    const r = await create(reimbursement(member));
    const skip = await move(r.id, { status: 'approved', version: 1 });
    assert.equal(skip.statusCode, 409, skip.body);
    assert.match(String(skip.headers['content-type']), /^application\/problem\+json/);
    assert.equal(skip.json<{ errors: { code: string }[] }>().errors[0]!.code, 'transition_forbidden');
    const ok = await move(r.id, { status: 'in_review', version: 1 });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json<Json>().version, 2);
    const stale = await move(r.id, { status: 'needs_info', version: 1, message: 'Envíe la factura completa.' });
    assert.equal(stale.statusCode, 409);
    assert.deepEqual(stale.json<{ errors: Json[] }>().errors[0], {
      pointer: '/version',
      code: 'stale_version',
      detail: 'The request changed in the meantime. Reload it and make the change again.',
      params: { version: 2 },
    });
    const missing = await move(r.id, { status: 'rejected', version: 2 });
    assert.equal(missing.statusCode, 422);
    assert.equal(missing.json<{ errors: Json[] }>().errors[0]!.pointer, '/reason');
    const tooMuch = await move(r.id, { status: 'partially_approved', version: 2, amount_approved: 1e9, reason: 'x' });
    assert.equal(tooMuch.statusCode, 422);
    const unknown = await move(r.id, { status: 'in_review', version: 2, colour: 'blue' });
    assert.equal(unknown.statusCode, 400);
    const detail = (await get(`/api/v1/requests/${r.id}`)).json<{ version: number; timeline: Json[] }>();
    assert.equal(detail.version, 2);
    assert.equal(detail.timeline.length, 2);

    // The whole way to paid; then nothing more.
    assert.equal((await move(r.id, { status: 'approved', version: 2 })).json<Json>().amount_approved, 12_345);
    const paid = await move(r.id, { status: 'paid', version: 3, amount_paid: 12_345, paid_on: '2026-12-05' });
    assert.equal(paid.statusCode, 200, paid.body);
    assert.deepEqual(
      paid.json<{ timeline: Json[] }>().timeline.map((e) => [e.status, e.by]),
      [
        ['received', 'member'],
        ['in_review', 'core'],
        ['approved', 'core'],
        ['paid', 'core'],
      ],
    );
    assert.equal((await move(r.id, { status: 'in_review', version: 4 })).statusCode, 409);
  });

  test('every status change emails the member the reference and a link, never what the request holds', async () => {
    const r = await create(reimbursement(member));
    const a = await create(authorization(member));
    const before = (await emailsOf()).length;
    assert.equal((await move(r.id, { status: 'in_review', version: 1 })).statusCode, 200);
    assert.equal(
      (
        await move(r.id, {
          status: 'partially_approved',
          version: 2,
          amount_approved: 10_000,
          reason: 'Tope anual de higiene dental',
        })
      ).statusCode,
      200,
    );
    assert.equal((await move(a.id, { status: 'in_review', version: 1 })).statusCode, 200);
    const sent = (await emailsOf()).slice(before);
    assert.deepEqual(
      sent.map((m) => m.recipient),
      [member.email, member.email, member.email],
    );
    for (const m of sent) {
      const ref = m.body_text!.includes(r.reference) ? r.reference : a.reference;
      for (const part of [m.subject!, m.body_text!, m.body_html!]) assert.ok(part.includes(ref), 'the reference');
      assert.ok(m.body_text!.includes(`${ctx.config.publicUrl}/area/requests/${ref}`), 'a link to the request');
      assert.equal(m.language, 'en');
      for (const part of [m.subject!, m.body_text!, m.body_html!]) {
        for (const secret of [
          'Clínica',
          'Sonrisas',
          'dental',
          'Resonancia',
          'rodilla',
          'Ortega',
          'Hospital',
          'imaging',
          '123,45',
          '123.45',
          '12345',
          '100,00',
          '100.00',
          'Tope',
          '1332',
          'approved',
          'aprobad',
        ])
          assert.ok(!part.toLowerCase().includes(secret.toLowerCase()), `no "${secret}" in ${m.template}`);
      }
      assert.deepEqual(
        [...m.body_text!.matchAll(/https?:\/\/\S+/g)].map((x) => new URL(x[0]).pathname),
        [`/area/requests/${ref}`],
        'the only link is the request’s page',
      );
    }
  });

  test('R14: a minor’s request emails the guardian, in her language; nobody else', async () => {
    const minorRequest = await create({
      ...reimbursement(member),
      accountId: guardianAccount,
      memberId: (
        await ctx.db.kysely
          .selectFrom('members')
          .select('id')
          .where('member_number', '=', 'APIM1')
          .executeTakeFirstOrThrow()
      ).id,
      patientMemberId: minorId,
    });
    const before = (await emailsOf()).length;
    assert.equal((await move(minorRequest.id, { status: 'in_review', version: 1 })).statusCode, 200);
    const sent = (await emailsOf()).slice(before);
    assert.deepEqual(
      sent.map((m) => [m.recipient, m.language]),
      [['marta@example.com', 'es']],
    );
    assert.match(sent[0]!.subject!, new RegExp(`Novedades en tu solicitud ${minorRequest.reference}`));
    // R14: a guardian who no longer sees the minor (the link removed, or the minor turned 18) drops out the same day,
    // though she sent the request.
    const link = await ctx.db.kysely
      .selectFrom('guardian_links')
      .selectAll()
      .where('minor_member_id', '=', minorId)
      .execute();
    await ctx.db.kysely.deleteFrom('guardian_links').where('minor_member_id', '=', minorId).execute();
    const unlinked = (await emailsOf()).length;
    const asked = await move(minorRequest.id, { status: 'needs_info', version: 2, message: '¿Fecha?' });
    assert.equal(asked.statusCode, 200);
    assert.equal((await emailsOf()).length, unlinked, 'no email to whoever no longer sees the request');
    await ctx.db.kysely.insertInto('guardian_links').values(link).execute();
    const item = (await get(`/api/v1/requests/${minorRequest.id}`)).json<Json>();
    assert.equal(item.patient_member_number, 'APIM2');
    assert.equal(item.member_number, 'APIM1');
  });

  test('Idempotency-Key: the same call replays its answer, another body under the key is 422', async () => {
    const r = await create(reimbursement(member));
    const headers = { 'idempotency-key': 'c0ffee00-0000-4000-8000-000000000001' };
    const first = await move(r.id, { status: 'in_review', version: 1 }, writer, headers);
    assert.equal(first.statusCode, 200);
    assert.equal(first.headers['idempotency-replayed'], undefined);
    const again = await move(r.id, { version: 1, status: 'in_review' }, writer, headers);
    assert.equal(again.statusCode, 200);
    assert.equal(again.headers['idempotency-replayed'], 'true');
    assert.equal(again.body, first.body, 'the same answer, byte for byte (keys in another order are the same call)');
    const different = await move(r.id, { status: 'needs_info', version: 2, message: '¿Fecha?' }, writer, headers);
    assert.equal(different.statusCode, 422);
    assert.match(different.json<{ type: string }>().type, /idempotency-key-reused/);
    // A refusal is replayed too: the key named that call, not "try again until it works".
    const staleKey = { 'idempotency-key': 'stale-key-1' };
    assert.equal(
      (await move(r.id, { status: 'needs_info', version: 1, message: 'x' }, writer, staleKey)).statusCode,
      409,
    );
    const staleAgain = await move(r.id, { status: 'needs_info', version: 1, message: 'x' }, writer, staleKey);
    assert.equal(staleAgain.statusCode, 409);
    assert.equal(staleAgain.headers['idempotency-replayed'], 'true');
    // A key that is not visible ASCII is refused before anything is read.
    const bad = await move(r.id, { status: 'needs_info', version: 2, message: 'x' }, writer, {
      'idempotency-key': 'é',
    });
    assert.equal(bad.statusCode, 400);
    assert.equal((await get(`/api/v1/requests/${r.id}`)).json<{ version: number }>().version, 2);
  });

  test('40 concurrent calls with one Idempotency-Key: one transition, one email, forty equal answers', async () => {
    const r = await create(reimbursement(member));
    const emailsBefore = (await emailsOf()).length;
    const headers = { 'idempotency-key': 'burst-0001' };
    const answers = await Promise.all(
      Array.from({ length: 40 }, () => move(r.id, { status: 'in_review', version: 1 }, writer, headers)),
    );
    assert.deepEqual(
      [...new Set(answers.map((a) => a.statusCode))],
      [200],
      answers.map((a) => a.body.slice(0, 200)).join('\n'),
    );
    assert.equal(new Set(answers.map((a) => a.body)).size, 1, 'one answer, replayed');
    assert.equal(answers.filter((a) => a.headers['idempotency-replayed'] !== 'true').length, 1);
    const events = await ctx.db.kysely
      .selectFrom('request_events')
      .selectAll()
      .where('request_id', '=', r.id)
      .execute();
    assert.deepEqual(
      events.map((e) => e.status),
      ['received', 'in_review'],
    );
    assert.equal((await emailsOf()).length - emailsBefore, 1, 'one email');
  });

  test('PUT letter: an approved authorization takes a PDF (replaced by a second); others 409; not a PDF 422', async () => {
    const a = await create(authorization(member));
    const boundary = '----letterboundary';
    const form = (bytes: Buffer, name = 'carta.pdf', type = 'application/pdf', field = 'file') =>
      Buffer.concat([
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${name}"\r\nContent-Type: ${type}\r\n\r\n`,
        ),
        bytes,
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
    const put = (id: number, body: Buffer, key = writer) =>
      ctx.app.inject({
        method: 'PUT',
        url: `/api/v1/requests/${id}/letter`,
        headers: { authorization: `Bearer ${key}`, 'content-type': `multipart/form-data; boundary=${boundary}` },
        payload: body,
      });
    assert.equal((await put(a.id, form(LETTER))).statusCode, 409, 'not approved yet');
    assert.equal((await put(a.id, form(LETTER), reader)).statusCode, 403);
    await move(a.id, { status: 'in_review', version: 1 });
    const approved = await move(a.id, {
      status: 'approved',
      version: 2,
      authorization_number: 'AUT-998877',
      valid_from: '2026-12-05',
      valid_until: '2027-03-05',
      provider: 'Hospital del Sur',
    });
    assert.equal(approved.statusCode, 200, approved.body);
    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
    assert.equal((await put(a.id, form(png, 'carta.png', 'image/png'))).statusCode, 422);
    assert.equal((await put(a.id, form(LETTER, 'carta.pdf', 'application/pdf', 'other'))).statusCode, 400);
    // A file that is empty, a truncated PDF, or over 10 MB: refused, nothing stored.
    assert.equal((await put(a.id, form(Buffer.alloc(0)))).statusCode, 422);
    assert.equal((await put(a.id, form(LETTER.subarray(0, LETTER.length - 8)))).statusCode, 422);
    const big = await put(a.id, form(Buffer.concat([LETTER, Buffer.alloc(11 * 1024 * 1024, 0x20)])));
    assert.equal(big.statusCode, 413, big.body);
    assert.match(String(big.headers['content-type']), /^application\/problem\+json/);
    assert.equal((await put(a.id, Buffer.from('{}'))).statusCode, 400, 'a body that is not multipart after all');
    const twoFiles = Buffer.concat([form(LETTER).subarray(0, -`--${boundary}--\r\n`.length), form(LETTER)]);
    assert.equal((await put(a.id, twoFiles)).statusCode, 400, 'one file only');
    const json = await call('PUT', `/api/v1/requests/${a.id}/letter`, writer, { file: 'x' });
    assert.equal(json.statusCode, 415);
    const paced = { bytes: pacer.bytes, stores: pacer.stores };
    const first = await put(a.id, form(LETTER));
    assert.equal(first.statusCode, 201, first.body);
    // PRODUCT §5: read at the node's upload pace, stored in its lane.
    assert.equal(pacer.bytes - paced.bytes, LETTER.length);
    assert.equal(pacer.stores - paced.stores, 1);
    const second = await put(a.id, form(LETTER, 'carta-2.pdf'));
    assert.equal(second.statusCode, 200, second.body);
    assert.equal(second.json<{ replaced: boolean }>().replaced, true);
    const files = (await get(`/api/v1/requests/${a.id}`)).json<{
      files: { id: number; role: string; name: string }[];
    }>().files;
    assert.deepEqual(
      files.map((f) => [f.role, f.name]),
      [
        ['prescription', 'factura.pdf'],
        ['letter', 'carta-2.pdf'],
      ],
    );
    const bytes = await get(`/api/v1/requests/${a.id}/files/${files[1]!.id}`);
    assert.equal(sha(bytes.rawPayload), sha(LETTER));
    const r = await create(reimbursement(member));
    assert.equal((await put(r.id, form(LETTER))).statusCode, 409, 'a reimbursement takes no letter');
    assert.equal((await put(999999, form(LETTER))).statusCode, 404);
  });

  test('the OpenAPI document describes every requests route with its scope', async () => {
    const doc = (await ctx.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json<{
      paths: Record<string, Record<string, { description?: string }>>;
    }>();
    const paths = doc.paths;
    assert.match(paths['/api/v1/requests']?.get?.description ?? '', /requests:read/);
    assert.match(paths['/api/v1/requests/{id}']?.get?.description ?? '', /requests:read/);
    assert.match(paths['/api/v1/requests/{id}/files/{fileId}']?.get?.description ?? '', /requests:read/);
    assert.match(paths['/api/v1/requests/{id}/status']?.post?.description ?? '', /requests:write/);
    assert.match(paths['/api/v1/requests/{id}/letter']?.put?.description ?? '', /requests:write/);
  });
});
