import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { todayIn } from '../../domain/calendar.js';
import { FEED_HEADER, nif, toCsvLine, yearsBefore } from '../../feed/demo-feed.js';
import { importFeed } from '../../feed/feed.import.js';
import type { RawFeedRow } from '../../feed/feed-row.js';
import { createApiKey } from '../../identity/api-keys.js';
import type { BrowserAgent } from '../../../test/helpers/browser-agent.js';
import { describeEachDatabase } from '../../../test/helpers/databases.js';
import { accountFor, auditOf, memberFeedRow, signedIn } from '../../../test/helpers/fixture.js';
import { makePdf, multipartBody } from '../../../test/helpers/pdf.js';
import { countingPacer, setup, type TestContext } from '../../../test/helpers/setup.js';

// R32 (issue 28 item 1, 2 and 5): the core system puts and withdraws documents through the API; members see them at
// /area/documents by the rules of R32 and R14, are emailed that one arrived (and nothing of what it is: STYLE 19),
// and download them byte for byte. Bad input is a clear RFC 9457 problem, never a 500 or a half-stored document.

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
type Json = Record<string, unknown>;
type Problem = { type: string; status: number; errors?: { pointer?: string; parameter?: string; code: string }[] };

describeEachDatabase('documents: API, area and emails (R32)', (kind) => {
  let ctx: TestContext;
  const pacer = countingPacer();
  let writer: string;
  let membersOnly: string;
  let today: string;
  const rows: Record<string, RawFeedRow> = {};

  async function importRows(list: RawFeedRow[]): Promise<void> {
    const report = await importFeed(
      { db: ctx.db, clock: ctx.clock, courier: ctx.courier, timeZone: 'Europe/Madrid' },
      Readable.from([FEED_HEADER + list.map((r) => toCsvLine(r)).join('')]),
    );
    assert.deepEqual(report.problems, []);
  }

  /** A document form: the four fields and the PDF, each overridable; `null` leaves a part out. */
  function form(
    over: Partial<Record<'title_es' | 'title_en' | 'kind' | 'date', string | null>> & {
      file?: { filename: string; type: string; bytes: Buffer } | null;
      extra?: Record<string, string>;
    },
    pdf: Buffer,
  ) {
    const fields = {
      title_es: 'Recibo de la prima de enero',
      title_en: 'January premium receipt',
      kind: 'receipt',
      date: '2026-01-05',
      ...over,
    };
    const parts: Parameters<typeof multipartBody>[0][number][] = [];
    for (const [name, value] of Object.entries(fields))
      if (name !== 'file' && name !== 'extra' && value !== null && value !== undefined)
        parts.push({ name, value: value as string });
    for (const [name, value] of Object.entries(over.extra ?? {})) parts.push({ name, value });
    const file = over.file === undefined ? { filename: 'recibo.pdf', type: 'application/pdf', bytes: pdf } : over.file;
    if (file) parts.push({ name: 'file', ...file });
    return multipartBody(parts);
  }

  const put = (path: string, body: ReturnType<typeof multipartBody>, key = writer) =>
    ctx.app.inject({
      method: 'PUT',
      url: `/api/v1${path}`,
      headers: { ...body.headers, authorization: `Bearer ${key}` },
      payload: body.payload,
    });
  const del = (path: string, key = writer) =>
    ctx.app.inject({ method: 'DELETE', url: `/api/v1${path}`, headers: { authorization: `Bearer ${key}` } });

  const agents: Record<string, BrowserAgent> = {};
  const as = async (who: 'ana' | 'bea' | 'pedro') => {
    agents[who] ??= await signedIn(ctx, { username: rows[who]!.document_number, email: rows[who]!.email });
    return agents[who];
  };
  /** The ids of the documents listed on a member's page, in page order. */
  async function listed(agent: BrowserAgent, lang = 'es'): Promise<string> {
    const page = await agent.get(`/area/documents?lang=${lang}`);
    assert.equal(page.statusCode, 200);
    return page.body;
  }
  const docId = async (externalId: string) =>
    (
      await ctx.db.kysely
        .selectFrom('documents')
        .select('id')
        .where('external_id', '=', externalId)
        .executeTakeFirstOrThrow()
    ).id;
  const emailsTo = async (to: string) =>
    (await ctx.outbox()).filter((m) => m.recipient === to && m.template === 'new-document');

  before(async () => {
    ctx = await setup(kind, { uploadPacer: pacer });
    today = todayIn('Europe/Madrid', ctx.clock.now());
    const policy = { policy_number: 'POLDOC1', product: 'Salud Familia' };
    rows.ana = memberFeedRow({
      ...policy,
      member_number: 'AD1',
      first_name: 'Ana',
      last_name: 'Gómez',
      document_type: 'NIF',
      document_number: nif(40000001),
      email: 'ana@example.com',
    });
    rows.bea = memberFeedRow({
      ...policy,
      member_number: 'AD2',
      role: 'dependent',
      first_name: 'Bea',
      last_name: 'Gómez',
      date_of_birth: '1999-04-04',
      document_type: 'NIF',
      document_number: nif(40000002),
      email: 'bea@example.com',
      language: 'en',
    });
    rows.leo = memberFeedRow({
      ...policy,
      member_number: 'AD3',
      role: 'dependent',
      first_name: 'Leo',
      last_name: 'Gómez',
      date_of_birth: yearsBefore(today, 9),
      guardian_member_numbers: 'AD1',
    });
    // Mía turns 18 tomorrow.
    rows.mia = memberFeedRow({
      ...policy,
      member_number: 'AD4',
      role: 'dependent',
      first_name: 'Mía',
      last_name: 'Gómez',
      date_of_birth: yearsBefore(today, 18, -1),
      guardian_member_numbers: 'AD1',
    });
    rows.pedro = memberFeedRow({
      policy_number: 'POLDOC2',
      member_number: 'AD9',
      first_name: 'Pedro',
      last_name: 'Gil',
      document_type: 'NIF',
      document_number: nif(40000009),
      email: 'pedro@example.com',
    });
    await importRows(Object.values(rows));
    for (const [who, n] of [
      ['ana', 'AD1'],
      ['bea', 'AD2'],
      ['pedro', 'AD9'],
    ] as const)
      await accountFor(ctx, {
        username: rows[who]!.document_number,
        memberNumbers: [n],
        email: rows[who]!.email,
        language: rows[who]!.language as 'es' | 'en',
      });
    const w = await createApiKey(ctx.db.kysely, ctx.clock, {
      name: 'docs',
      scopes: ['documents:write'],
      createdBy: 't',
    });
    const m = await createApiKey(ctx.db.kysely, ctx.clock, { name: 'core', scopes: ['members:write'], createdBy: 't' });
    assert.ok(w.ok && m.ok);
    writer = w.value.key;
    membersOnly = m.value.key;
  });
  after(() => ctx.close());

  test('a member’s PDF goes in and comes out byte for byte (SHA-256), sealed at rest, and the member is emailed', async () => {
    const pdf = await makePdf('Recibo enero 2026: 84,20 €', 3);
    const paced = { bytes: pacer.bytes, stores: pacer.stores };
    const res = await put('/members/AD1/documents/REC-2026-01', form({}, pdf));
    assert.equal(res.statusCode, 201, res.body);
    // PRODUCT §5: read at the node's upload pace, stored in its lane.
    assert.equal(pacer.bytes - paced.bytes, pdf.length);
    assert.equal(pacer.stores - paced.stores, 1);
    assert.equal(res.headers.location, '/api/v1/members/AD1/documents/REC-2026-01');
    assert.deepEqual(res.json(), { external_id: 'REC-2026-01', result: 'created', size: pdf.length, sha256: sha(pdf) });
    // Sealed: the clear bytes are nowhere in the row.
    const stored = await ctx.db.kysely
      .selectFrom('documents')
      .innerJoin('files', 'files.id', 'documents.file_id')
      .select(['files.sealed', 'files.sha256', 'files.account_id'])
      .where('external_id', '=', 'REC-2026-01')
      .executeTakeFirstOrThrow();
    assert.ok(!Buffer.from(stored.sealed).includes(pdf.subarray(0, 400)), 'the PDF is sealed in the database');
    assert.equal(stored.sha256, sha(pdf));

    const ana = await as('ana');
    const page = await listed(ana);
    assert.match(page, /Recibo de la prima de enero/);
    assert.doesNotMatch(page, /January premium receipt/);
    assert.match(await listed(ana, 'en'), /January premium receipt/);
    const download = await ana.get(`/area/documents/${await docId('REC-2026-01')}`);
    assert.equal(download.statusCode, 200);
    assert.equal(sha(download.rawPayload), sha(pdf), 'byte for byte');
    assert.equal(download.headers['content-type'], 'application/pdf');
    assert.match(
      String(download.headers['content-disposition']),
      /^attachment; filename="January premium receipt\.pdf"/,
    );
    assert.equal(download.headers['x-content-type-options'], 'nosniff');
    assert.equal(download.headers['cache-control'], 'no-store');

    // R25, STYLE 19: one email, in the member's language, that says only that there is a new document, with a link.
    const mails = await emailsTo('ana@example.com');
    assert.equal(mails.length, 1);
    const mail = mails[0]!;
    assert.equal(mail.subject, 'Tienes un documento nuevo en Salud Ejemplo');
    assert.match(mail.body_text!, /Hay un documento nuevo en tu área privada\./);
    assert.match(mail.body_text!, new RegExp(`${ctx.config.publicUrl}/area/documents\\?lang=es`));
    for (const secret of ['Recibo', 'recibo', 'prima', 'receipt', 'REC-2026-01', '2026-01-05', 'PDF', 'AD1', 'Ana'])
      for (const part of [mail.subject ?? '', mail.body_text ?? '', mail.body_html ?? ''])
        assert.ok(!part.includes(secret), `the email does not say ${secret}`);
    const audit = await ctx.db.kysely
      .selectFrom('audit_events')
      .select(['event', 'outcome', 'subject', 'details'])
      .where('event', '=', 'document.put')
      .execute();
    assert.equal(audit.at(-1)?.subject, 'AD1');
    assert.doesNotMatch(String(audit.at(-1)?.details), /prima|Recibo/);
  });

  test('the same id again replaces it: one row, the old bytes gone, no second email', async () => {
    const first = await makePdf('Primera versión');
    const second = await makePdf('Segunda versión, corregida', 2);
    assert.equal((await put('/members/AD1/documents/LET-7', form({ kind: 'letter' }, first))).statusCode, 201);
    const mailsBefore = (await emailsTo('ana@example.com')).length;
    const res = await put(
      '/members/AD1/documents/LET-7',
      form({ kind: 'letter', title_es: 'Carta corregida' }, second),
    );
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json<Json>().result, 'replaced');
    const docs = await ctx.db.kysely.selectFrom('documents').selectAll().where('external_id', '=', 'LET-7').execute();
    assert.equal(docs.length, 1);
    assert.equal(docs[0]!.title_es, 'Carta corregida');
    // The member number in the path is compared as R1 says (case, hyphens and spaces aside): the same document.
    assert.equal(
      (await put('/members/ad-1/documents/LET-7', form({ kind: 'letter' }, second))).json<Json>().result,
      'replaced',
    );
    const hashes = (await ctx.db.kysely.selectFrom('files').select('sha256').execute()).map((f) => f.sha256);
    assert.ok(!hashes.includes(sha(first)), 'the old bytes are deleted');
    assert.ok(hashes.includes(sha(second)));
    const download = await (await as('ana')).get(`/area/documents/${docs[0]!.id}`);
    assert.equal(sha(download.rawPayload), sha(second));
    assert.equal((await emailsTo('ana@example.com')).length, mailsBefore, 'a correction sends no new email');
  });

  test('DELETE withdraws it: gone from the list, its download 404, its bytes deleted; a second DELETE is 404', async () => {
    const pdf = await makePdf('Para retirar');
    assert.equal(
      (await put('/members/AD1/documents/WD-1', form({ title_es: 'Documento a retirar' }, pdf))).statusCode,
      201,
    );
    const id = await docId('WD-1');
    const ana = await as('ana');
    assert.match(await listed(ana), /Documento a retirar/);
    const gone = await del('/members/AD1/documents/WD-1');
    assert.equal(gone.statusCode, 204, gone.body);
    assert.doesNotMatch(await listed(ana), /Documento a retirar/);
    assert.equal((await ana.get(`/area/documents/${id}`)).statusCode, 404);
    const hashes = (await ctx.db.kysely.selectFrom('files').select('sha256').execute()).map((f) => f.sha256);
    assert.ok(!hashes.includes(sha(pdf)));
    const again = await del('/members/AD1/documents/WD-1');
    assert.equal(again.statusCode, 404);
    assert.match(String(again.headers['content-type']), /^application\/problem\+json/);
    assert.equal((await del('/members/NOPE/documents/WD-1')).statusCode, 404);
    assert.equal((await del('/policies/POLDOC1/documents/WD-1', membersOnly)).statusCode, 403);
  });

  test('a policy’s document is every member’s of that policy; a stranger gets 404 and no email', async () => {
    const pdf = await makePdf('Condiciones generales');
    const res = await put(
      '/policies/POLDOC1/documents/COND-2026',
      form({ title_es: 'Condiciones generales 2026', title_en: 'General conditions 2026', kind: 'conditions' }, pdf),
    );
    assert.equal(res.statusCode, 201, res.body);
    const id = await docId('COND-2026');
    for (const who of ['ana', 'bea'] as const) {
      const agent = await as(who);
      assert.match(await listed(agent, 'en'), /General conditions 2026/);
      assert.equal(sha((await agent.get(`/area/documents/${id}`)).rawPayload), sha(pdf));
    }
    const pedro = await as('pedro');
    assert.doesNotMatch(await listed(pedro), /Condiciones generales/);
    const refused = await pedro.get(`/area/documents/${id}`);
    assert.equal(refused.statusCode, 404);
    assert.match(refused.body, /No encontramos este documento/);
    // The same 404 as an id that is no document at all, or no id.
    for (const path of [`/area/documents/${id + 1000}`, '/area/documents/abc', '/area/documents/0'])
      assert.equal((await pedro.get(path)).statusCode, 404);
    const audit = await auditOf(ctx, (await accountOf('AD9'))!, 'document.download');
    assert.equal(audit.at(-1)?.outcome, 'refused');
    // Emails: Ana (Spanish) and Bea (English), once each; Pedro none.
    const bea = await emailsTo('bea@example.com');
    assert.equal(bea.length, 1);
    assert.equal(bea[0]!.subject, 'You have a new document at Salud Ejemplo');
    assert.match(bea[0]!.body_text!, /There is a new document in your private area\./);
    assert.doesNotMatch(bea[0]!.body_text! + bea[0]!.body_html!, /conditions|Condiciones|COND/i);
    assert.equal((await emailsTo('pedro@example.com')).length, 0);
  });

  test('a minor’s document is the guardian’s too, until the day the minor turns 18 (R14)', async () => {
    const leoPdf = await makePdf('Carta de Leo');
    const miaPdf = await makePdf('Carta de Mía');
    const mailsBefore = (await emailsTo('ana@example.com')).length;
    assert.equal(
      (await put('/members/AD3/documents/LEO-1', form({ title_es: 'Carta para Leo', kind: 'letter' }, leoPdf)))
        .statusCode,
      201,
    );
    assert.equal(
      (await put('/members/AD4/documents/MIA-1', form({ title_es: 'Carta para Mía', kind: 'letter' }, miaPdf)))
        .statusCode,
      201,
    );
    assert.equal((await emailsTo('ana@example.com')).length, mailsBefore + 2, 'the guardian is told, once each');
    const ana = await as('ana');
    // On her own area Ana sees her documents and the policy's; switched to Leo, Leo's.
    assert.doesNotMatch(await listed(ana), /Carta para Leo/);
    assert.equal((await ana.post('/area/switch', { member: 'AD3' })).statusCode, 303);
    const leoPage = await listed(ana);
    assert.match(leoPage, /Carta para Leo/);
    assert.match(leoPage, /Estás viendo los documentos de Leo Gómez/);
    assert.match(leoPage, /Condiciones generales 2026/, 'the policy’s documents are the minor’s too');
    assert.doesNotMatch(leoPage, /Recibo de la prima/, 'not the guardian’s own');
    assert.equal(sha((await ana.get(`/area/documents/${await docId('LEO-1')}`)).rawPayload), sha(leoPdf));
    const miaId = await docId('MIA-1');
    assert.equal(sha((await ana.get(`/area/documents/${miaId}`)).rawPayload), sha(miaPdf));
    // Bea is on the policy but no guardian: a minor's own document is not hers.
    const bea = await as('bea');
    assert.equal((await bea.get(`/area/documents/${await docId('LEO-1')}`)).statusCode, 404);
    assert.doesNotMatch(await listed(bea), /Carta para/);

    // Tomorrow Mía is 18: her documents are hers alone.
    ctx.clock.advance(24 * 60 * 60 * 1000);
    delete agents.ana;
    const later = await as('ana');
    assert.equal((await later.get(`/area/documents/${miaId}`)).statusCode, 404);
    assert.equal(sha((await later.get(`/area/documents/${await docId('LEO-1')}`)).rawPayload), sha(leoPdf));
    // And a new document of hers tells only her (she has no account yet, so nobody).
    const before = (await emailsTo('ana@example.com')).length;
    assert.equal((await put('/members/AD4/documents/MIA-2', form({}, miaPdf))).statusCode, 201);
    assert.equal((await emailsTo('ana@example.com')).length, before);
    delete agents.bea;
    delete agents.pedro;
  });

  test('documents are grouped by kind, newest first within each, with date and size in the page’s language', async () => {
    const pdf = await makePdf('x');
    for (const [id, date, title] of [
      ['R-OLD', '2025-03-01', 'Recibo marzo 2025'],
      ['R-NEW', '2026-02-01', 'Recibo febrero 2026'],
    ] as const)
      assert.equal((await put(`/members/AD1/documents/${id}`, form({ date, title_es: title }, pdf))).statusCode, 201);
    const ana = await as('ana');
    const page = await listed(ana);
    const order = ['Condiciones de la póliza', 'Recibos', 'Cartas'].map((h) => page.indexOf(`>${h}</h2>`));
    assert.ok(
      order.every((i, n) => i > 0 && (n === 0 || i > order[n - 1]!)),
      `groups in order: ${order.join(',')}`,
    );
    assert.ok(page.indexOf('Recibo febrero 2026') < page.indexOf('Recibo marzo 2025'), 'newest first');
    assert.match(page, /1 de febrero de 2026/);
    assert.match(page, new RegExp(`PDF, ${Math.ceil(pdf.length / 1024)} KB`));
    assert.match(await listed(ana, 'en'), /1 February 2026/);
    // The certificate is one tap away.
    assert.match(page, /href="\/area\/certificate\?member=AD1"/);
    // And the area's home links here.
    assert.match((await ana.get('/area?lang=es')).body, /<a href="\/area\/documents">Ver tus documentos<\/a>/);
  });

  async function accountOf(memberNumber: string): Promise<number | null> {
    const row = await ctx.db.kysely
      .selectFrom('members')
      .select('account_id')
      .where('member_number', '=', memberNumber)
      .executeTakeFirstOrThrow();
    return row.account_id;
  }

  test('bad input is a clear 4xx problem, and nothing is stored', async () => {
    const pdf = await makePdf('Válido');
    const count = async () =>
      Number(
        (
          await ctx.db.kysely
            .selectFrom('files')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const filesBefore = await count();
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#c33' } })
      .png()
      .toBuffer();
    const cases: [string, ReturnType<typeof multipartBody>, number, string[]][] = [
      [
        'an honest PNG',
        form({ file: { filename: 'scan.png', type: 'image/png', bytes: png } }, pdf),
        422,
        ['/file file_not_pdf'],
      ],
      [
        'a PNG that says it is a PDF',
        form({ file: { filename: 'scan.pdf', type: 'application/pdf', bytes: png } }, pdf),
        422,
        ['/file file_type_mismatch'],
      ],
      [
        'text named .pdf',
        form(
          { file: { filename: 'a.pdf', type: 'application/pdf', bytes: Buffer.from('hello, not a PDF at all %%EOF') } },
          pdf,
        ),
        422,
        ['/file file_not_pdf'],
      ],
      [
        'an empty PDF',
        form({ file: { filename: 'a.pdf', type: 'application/pdf', bytes: Buffer.alloc(0) } }, pdf),
        422,
        ['/file file_empty'],
      ],
      [
        'a truncated PDF',
        form(
          {
            file: { filename: 'a.pdf', type: 'application/pdf', bytes: pdf.subarray(0, Math.floor(pdf.length * 0.6)) },
          },
          pdf,
        ),
        422,
        ['/file file_truncated'],
      ],
      ['no file', form({ file: null }, pdf), 422, ['/file required']],
      [
        'no fields',
        form({ title_es: null, title_en: null, kind: null, date: null }, pdf),
        422,
        ['/title_es required', '/title_en required', '/kind required', '/date required'],
      ],
      [
        'a wrong kind and date',
        form({ kind: 'invoice', date: '05/01/2026' }, pdf),
        422,
        ['/kind not_allowed', '/date date_not_iso'],
      ],
      ['an impossible date', form({ date: '2026-02-30' }, pdf), 422, ['/date date_not_iso']],
      ['an unknown field', form({ extra: { titulo: 'x' } }, pdf), 422, ['/titulo unknown_field']],
      ['a title too long', form({ title_en: 'x'.repeat(201) }, pdf), 422, ['/title_en too_long']],
      [
        'a file in another field',
        multipartBody([
          { name: 'title_es', value: 'a' },
          { name: 'title_en', value: 'a' },
          { name: 'kind', value: 'other' },
          { name: 'date', value: '2026-01-01' },
          { name: 'pdf', filename: 'a.pdf', type: 'application/pdf', bytes: pdf },
        ]),
        422,
        ['/pdf unknown_field', '/file required'],
      ],
    ];
    for (const [what, body, status, errors] of cases) {
      const res = await put('/members/AD1/documents/BAD-1', body);
      assert.equal(res.statusCode, status, `${what}: ${res.body}`);
      assert.match(String(res.headers['content-type']), /^application\/problem\+json/, what);
      const problem = res.json<Problem>();
      assert.deepEqual(
        (problem.errors ?? []).map((e) => `${e.pointer ?? e.parameter} ${e.code}`).sort(),
        [...errors].sort(),
        what,
      );
    }
    // 25 MB: refused at 20 MB as too large (413), read as a stream and never kept.
    const big = Buffer.concat([
      pdf.subarray(0, pdf.length - 6),
      Buffer.alloc(25 * 1024 * 1024, 0x20),
      Buffer.from('%%EOF\n'),
    ]);
    const tooBig = await put(
      '/members/AD1/documents/BAD-1',
      form({ file: { filename: 'big.pdf', type: 'application/pdf', bytes: big } }, pdf),
    );
    assert.equal(tooBig.statusCode, 413, tooBig.body);
    assert.equal(tooBig.json<Problem>().type, '/api/v1/problems/too-large');
    assert.deepEqual(
      tooBig.json<Problem>().errors?.map((e) => `${e.pointer} ${e.code}`),
      ['/file file_too_large'],
    );
    // Unknown member or policy: 404 before the body is read.
    for (const path of ['/members/NOPE/documents/X1', '/policies/NOPE/documents/X1']) {
      const res = await put(path, form({}, pdf));
      assert.equal(res.statusCode, 404, res.body);
      assert.equal(res.json<Problem>().type, '/api/v1/problems/not-found');
    }
    // A malformed external id, JSON instead of a form, the wrong scope, no key.
    const badId = await put('/members/AD1/documents/a%20b', form({}, pdf));
    assert.equal(badId.statusCode, 422);
    assert.deepEqual(
      badId.json<Problem>().errors?.map((e) => e.parameter),
      ['externalId'],
    );
    const json = await ctx.app.inject({
      method: 'PUT',
      url: '/api/v1/members/AD1/documents/BAD-1',
      headers: { authorization: `Bearer ${writer}` },
      payload: { title_es: 'a' },
    });
    assert.equal(json.statusCode, 415, json.body);
    assert.equal((await put('/members/AD1/documents/BAD-1', form({}, pdf), membersOnly)).statusCode, 403);
    const anonymous = await ctx.app.inject({
      method: 'PUT',
      url: '/api/v1/members/AD1/documents/BAD-1',
      ...form({}, pdf),
    });
    assert.equal(anonymous.statusCode, 401);
    assert.equal(await count(), filesBefore, 'nothing was stored');
    assert.equal(
      (await ctx.db.kysely.selectFrom('documents').select('id').where('external_id', '=', 'BAD-1').execute()).length,
      0,
    );
  });

  test('40 concurrent PUTs of one id leave one document and one file; every answer is 201 or 200', async () => {
    const files = async () =>
      Number(
        (
          await ctx.db.kysely
            .selectFrom('files')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await files();
    const pdfs = await Promise.all(Array.from({ length: 40 }, (_, i) => makePdf(`Versión ${i}`)));
    const answers = await Promise.all(pdfs.map((pdf) => put('/policies/POLDOC1/documents/BURST-1', form({}, pdf))));
    const statuses = answers.map((a) => a.statusCode);
    assert.equal(statuses.filter((s) => s === 201).length, 1, statuses.join(','));
    assert.equal(statuses.filter((s) => s === 200).length, 39, statuses.join(','));
    const docs = await ctx.db.kysely.selectFrom('documents').selectAll().where('external_id', '=', 'BURST-1').execute();
    assert.equal(docs.length, 1);
    assert.equal(await files(), before + 1, 'the 39 replaced files are deleted');
    // The one kept is one of the forty, whole.
    const kept = await (await as('bea')).get(`/area/documents/${docs[0]!.id}`);
    assert.ok(pdfs.some((p) => sha(p) === sha(kept.rawPayload)));
  });

  test('the OpenAPI document describes the four routes, the form and the scope', async () => {
    const doc = (await ctx.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json<{
      paths: Record<
        string,
        Record<
          string,
          {
            description?: string;
            requestBody?: { content: Record<string, { schema: { properties: Record<string, unknown> } }> };
          }
        >
      >;
    }>();
    for (const path of [
      '/api/v1/members/{memberNumber}/documents/{externalId}',
      '/api/v1/policies/{policyNumber}/documents/{externalId}',
    ]) {
      const item = doc.paths[path];
      assert.ok(item?.put && item.delete, Object.keys(doc.paths).join(' '));
      assert.match(item.put.description ?? '', /documents:write/);
      const schema = item.put.requestBody?.content['multipart/form-data']?.schema;
      assert.deepEqual(Object.keys(schema?.properties ?? {}).sort(), ['date', 'file', 'kind', 'title_en', 'title_es']);
    }
  });
});
