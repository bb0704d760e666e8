import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, beforeEach, test } from 'node:test';
import PDFDocument from 'pdfkit';
import sharp from 'sharp';
import { todayIn, addDays } from '../../domain/calendar.js';
import { demoFeedCsv, demoFeedRows, FEED_HEADER, nif, toCsvLine, yearsBefore } from '../../feed/demo-feed.js';
import { importFeed } from '../../feed/feed.import.js';
import { openFile } from '../../infra/files/files.repository.js';
import { FORM_POSTS_PER_HOUR, takeDailyBytes } from '../../infra/requests/request-quota.js';
import { transitionRequest } from '../../infra/requests/requests.repository.js';
import { accountFor, auditOf, lastCode, signedIn } from '../../../test/helpers/fixture.js';
import { totpCode } from '../../../test/helpers/staff.js';
import { generateSecret } from 'otplib';
import type { BrowserAgent } from '../../../test/helpers/browser-agent.js';
import { describeEachDatabase } from '../../../test/helpers/databases.js';
import { countingPacer, setup, type TestContext } from '../../../test/helpers/setup.js';

// R31, the member's side of requests: the list, the two forms, a request's page and its answer, files, the step-up
// for a new IBAN (money safety), R14 guardians and the day a minor turns 18, strangers' 404s, bursts and bad input.

const MB = 1024 * 1024;
const IBAN_A = 'ES91 2100 0418 4502 0005 1332';
const IBAN_B = 'ES79 2100 0813 6101 2345 6789';

async function pdf(padding = 0): Promise<Buffer> {
  const doc = new PDFDocument({ compress: false });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve) => doc.on('end', () => resolve()));
  doc.text('Factura: consulta, 80,00 €');
  doc.end();
  await done;
  const body = Buffer.concat(chunks);
  if (padding === 0) return body;
  // Padding before the final %%EOF keeps it a complete PDF of about the size asked for.
  const at = body.lastIndexOf('%%EOF');
  return Buffer.concat([body.subarray(0, at), Buffer.alloc(padding, 0x20), body.subarray(at)]);
}

/** A phone photo of an invoice carrying where it was taken (EXIF GPS). */
const gpsJpeg = (): Promise<Buffer> =>
  sharp({ create: { width: 40, height: 20, channels: 3, background: '#c33' } })
    .jpeg()
    .withExif({
      IFD0: { Make: 'PhoneCo', Artist: 'Ana Garcia' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '40/1 25/1 0/1', GPSLongitudeRef: 'W', GPSLongitude: '3/1 42/1 0/1' },
    })
    .toBuffer();

const png = (): Promise<Buffer> =>
  sharp({ create: { width: 20, height: 20, channels: 3, background: '#3c3' } })
    .png()
    .toBuffer();

interface Upload {
  name: string;
  type: string;
  bytes: Buffer;
}

/** A multipart body as a browser sends the form: `_csrf` first, the fields in order, then the files. */
function multipart(fields: [string, string][], files: Upload[], fileField = 'files') {
  const boundary = `----r31test${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const [name, value] of fields)
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  for (const f of files)
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${fileField}"; filename="${f.name}"\r\nContent-Type: ${f.type}\r\n\r\n`,
      ),
      f.bytes,
      Buffer.from('\r\n'),
    );
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

const hidden = (body: string, name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(body)?.[1] ?? '';

describeEachDatabase('requests: the member side (R31)', (kind) => {
  let ctx: TestContext;
  let today: string;
  let lucia: BrowserAgent;
  const luciaWho = { username: nif(10000001), email: 'lucia@example.com' };
  const javierWho = { username: nif(10000002), email: 'javier@example.com' };
  const carmenWho = { username: nif(10000003), email: 'carmen@example.com' };
  const feed = () => ({ db: ctx.db, clock: ctx.clock, courier: ctx.courier, timeZone: 'Europe/Madrid' });
  let luciaAccount: number;
  const pacer = countingPacer();

  before(async () => {
    ctx = await setup(kind, { uploadPacer: pacer });
    today = todayIn('Europe/Madrid', ctx.clock.now());
    await importFeed(feed(), Readable.from([demoFeedCsv(today)]));
    luciaAccount = await accountFor(ctx, { ...luciaWho, memberNumbers: ['AS1001'] });
    await accountFor(ctx, { ...javierWho, memberNumbers: ['AS1002'] });
    await accountFor(ctx, { ...carmenWho, memberNumbers: ['AS2001'] });
    lucia = await signedIn(ctx, luciaWho);
  });
  after(() => ctx.close());
  beforeEach(async () => {
    await ctx.db.kysely.deleteFrom('rate_limits').execute();
    // A fresh session for each test: the turning-18 test moves the clock past the idle timeout.
    lucia = await signedIn(ctx, luciaWho);
  });

  const count = async (table: 'requests' | 'files') =>
    Number(
      (
        await ctx.db.kysely
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  /** Reads a form page and posts it back with these fields and files (the page's CSRF and form tokens first). */
  async function send(
    agent: BrowserAgent,
    page: string,
    fields: Record<string, string>,
    files: Upload[],
    options: { formToken?: string; action?: string } = {},
  ) {
    const form = await agent.get(page);
    assert.equal(form.statusCode, 200, form.body.slice(0, 300));
    const token = hidden(form.body, 'form_token');
    const body = multipart(
      [
        ['_csrf', hidden(form.body, '_csrf')],
        ...(token || options.formToken ? [['form_token', options.formToken ?? token] as [string, string]] : []),
        ...Object.entries(fields),
      ],
      files,
    );
    return ctx.app.inject({
      method: 'POST',
      url: options.action ?? page,
      cookies: agent.cookies,
      headers: { 'content-type': body.contentType },
      payload: body.payload,
    });
  }

  const reimbursement = (over: Record<string, string> = {}) => ({
    patient: 'AS1001',
    service_date: addDays(today, -3).split('-').reverse().join('/'),
    provider: 'Clínica Sol',
    amount: '80,50',
    concept: 'consultation',
    iban: IBAN_A,
    ...over,
  });
  const authorization = (over: Record<string, string> = {}) => ({
    patient: 'AS1001',
    category: 'imaging',
    prescription: 'Resonancia magnética de rodilla',
    prescribing_doctor: 'Dr. Pérez',
    preferred_provider: '',
    ...over,
  });

  test('the whole member path: list, a reimbursement with a new IBAN (step-up), an authorization, files, needs_info answered', async () => {
    const home = await lucia.get('/area');
    assert.ok(home.body.includes('href="/area/requests"'), 'the area home links the requests');
    const empty = await lucia.get('/area/requests');
    assert.equal(empty.statusCode, 200);
    assert.ok(empty.body.includes('href="/area/requests/new/reimbursement"'));
    assert.ok(empty.body.includes('href="/area/requests/new/authorization"'));
    assert.match(empty.body, /Todavía no has enviado ninguna solicitud/);

    const invoice = await pdf();
    // A new IBAN: the second factor again; nothing is stored yet, and the email says nothing of the request.
    const first = await send(lucia, '/area/requests/new/reimbursement', reimbursement(), [
      { name: 'factura.pdf', type: 'application/pdf', bytes: invoice },
    ]);
    assert.equal(first.statusCode, 401, 'step-up asked');
    assert.match(first.body, /Confirma la cuenta nueva/);
    assert.match(first.body, /Vuelve a adjuntar los archivos/);
    assert.equal(await count('requests'), 0);
    assert.equal(await count('files'), 0);
    const mail = (await ctx.outbox()).filter((m) => m.template === 'request-stepup-code').at(-1)!;
    assert.equal(mail.recipient, luciaWho.email);
    for (const secret of ['80,50', 'Clínica', 'consult', 'Consulta', '1332', 'ES91', 'factura'])
      assert.ok(
        !`${mail.subject} ${mail.body_text} ${mail.body_html}`.includes(secret),
        `the email does not carry ${secret}`,
      );
    const code = await lastCode(ctx, luciaWho.email, 'request-stepup-code');
    const token = hidden(first.body, 'form_token');

    // A wrong code, then the code asked for another IBAN: both refused, nothing stored.
    const wrong = await send(
      lucia,
      '/area/requests/new/reimbursement',
      { ...reimbursement(), code: code === '000000' ? '111111' : '000000' },
      [{ name: 'factura.pdf', type: 'application/pdf', bytes: invoice }],
      { formToken: token },
    );
    assert.equal(wrong.statusCode, 401);
    assert.match(wrong.body, /El código no es correcto/);
    const otherIban = await send(
      lucia,
      '/area/requests/new/reimbursement',
      { ...reimbursement({ iban: IBAN_B }), code },
      [{ name: 'factura.pdf', type: 'application/pdf', bytes: invoice }],
      { formToken: token },
    );
    assert.equal(otherIban.statusCode, 401, 'a code confirms only the IBAN it was asked for');
    assert.equal(await count('requests'), 0);

    const sent = await send(
      lucia,
      '/area/requests/new/reimbursement',
      { ...reimbursement(), code },
      [{ name: 'factura.pdf', type: 'application/pdf', bytes: invoice }],
      { formToken: token },
    );
    assert.equal(sent.statusCode, 303, sent.body.slice(0, 500));
    const year = today.slice(0, 4);
    assert.equal(sent.headers.location, `/area/requests/REE-${year}-000001?sent=1`);
    const page = await lucia.get(String(sent.headers.location));
    assert.equal(page.statusCode, 200);
    assert.match(page.body, new RegExp(`Su referencia es REE-${year}-000001`));
    assert.match(page.body, /ES•• •••• •••• •••• •••• 1332/, 'the IBAN shown masked');
    assert.ok(!page.body.includes('2100 0418') && !page.body.includes('21000418'), 'never in full');
    assert.match(page.body, /80,50 €/);
    assert.match(
      (await lucia.get(`/area/requests/REE-${year}-000001?lang=en`)).body,
      /€80\.50/,
      'in English, as English writes it',
    );
    await lucia.get(`/area/requests?lang=es`); // back to Spanish for the rest
    assert.match(page.body, /Consulta médica/);
    assert.match(page.body, /<span class="badge badge--received">Recibida<\/span>/);
    const fileLink = /href="(\/area\/requests\/REE-\d{4}-000001\/files\/\d+)"/.exec(page.body)![1]!;
    const download = await lucia.get(fileLink);
    assert.equal(download.statusCode, 200);
    assert.equal(
      download.headers['content-disposition'],
      `attachment; filename="factura.pdf"; filename*=UTF-8''factura.pdf`,
    );
    assert.equal(download.headers['x-content-type-options'], 'nosniff');
    assert.match(String(download.headers['content-security-policy']), /sandbox/);
    assert.ok(download.rawPayload.equals(invoice), 'the same bytes back');
    const stored = await ctx.db.kysely.selectFrom('requests').selectAll().executeTakeFirstOrThrow();
    assert.ok(!stored.iban_sealed!.includes('2100'), 'the IBAN is sealed at rest (R29)');

    // The same IBAN again: no second factor this time. A photo with GPS is kept without its metadata.
    const photo = await gpsJpeg();
    assert.ok((await sharp(photo).metadata()).exif, 'the test photo carries EXIF');
    const again = await send(lucia, '/area/requests/new/reimbursement', reimbursement({ amount: '12' }), [
      { name: 'ticket.jpg', type: 'image/jpeg', bytes: photo },
    ]);
    assert.equal(again.statusCode, 303);
    assert.equal(again.headers.location, `/area/requests/REE-${year}-000002?sent=1`);
    const kept = await ctx.db.kysely
      .selectFrom('files')
      .selectAll()
      .where('content_type', '=', 'image/jpeg')
      .executeTakeFirstOrThrow();
    const keptMeta = await sharp(openFile(ctx.secretBox, kept)).metadata();
    assert.equal(keptMeta.exif, undefined, 'no EXIF (GPS) in the stored copy');

    const auth = await send(lucia, '/area/requests/new/authorization', authorization(), [
      { name: 'volante.pdf', type: 'application/pdf', bytes: await pdf() },
    ]);
    assert.equal(auth.statusCode, 303, auth.body.slice(0, 300));
    assert.equal(auth.headers.location, `/area/requests/AUT-${year}-000001?sent=1`);

    const list = (await lucia.get('/area/requests')).body;
    const refs = [...list.matchAll(/<a href="\/area\/requests\/((?:REE|AUT)-\d{4}-\d{6})"/g)].map((m) => m[1]);
    assert.deepEqual(refs, [`AUT-${year}-000001`, `REE-${year}-000002`, `REE-${year}-000001`], 'newest first');
    assert.match(list, /Lucía/);
    assert.match(list, /Autorización/);

    // The insurer asks for more (needs_info); the member answers with text and a file; back to in_review.
    const req = await ctx.db.kysely
      .selectFrom('requests')
      .selectAll()
      .where('reference', '=', `AUT-${year}-000001`)
      .executeTakeFirstOrThrow();
    const core = { kind: 'core' as const, keyName: 'test' };
    const r1 = await transitionRequest(ctx.db.kysely, ctx.clock, 'Europe/Madrid', {
      id: req.id,
      version: 1,
      to: 'in_review',
      fields: {},
      actor: core,
    });
    assert.ok(r1.ok);
    const r2 = await transitionRequest(ctx.db.kysely, ctx.clock, 'Europe/Madrid', {
      id: req.id,
      version: 2,
      to: 'needs_info',
      fields: { message: 'Envíanos el informe del especialista.' },
      actor: core,
    });
    assert.ok(r2.ok);
    const asked = await lucia.get(`/area/requests/AUT-${year}-000001`);
    assert.match(asked.body, /Envíanos el informe del especialista/);
    assert.match(asked.body, /action="\/area\/requests\/AUT-\d{4}-000001\/answer"/);
    const report = await pdf();
    const answerBody = multipart(
      [
        ['_csrf', hidden(asked.body, '_csrf')],
        ['version', hidden(asked.body, 'version')],
        ['answer', 'Adjunto el informe.'],
      ],
      [{ name: 'informe.pdf', type: 'application/pdf', bytes: report }],
    );
    const paced = { bytes: pacer.bytes, stores: pacer.stores };
    const answer = await ctx.app.inject({
      method: 'POST',
      url: `/area/requests/AUT-${year}-000001/answer`,
      cookies: lucia.cookies,
      headers: { 'content-type': answerBody.contentType },
      payload: answerBody.payload,
    });
    assert.equal(answer.statusCode, 303, answer.body.slice(0, 300));
    // PRODUCT §5: the answer's file was read at the node's upload pace and stored in its lane.
    assert.equal(pacer.bytes - paced.bytes, report.length);
    assert.equal(pacer.stores - paced.stores, 1);
    const answered = (await lucia.get(String(answer.headers.location))).body;
    assert.match(answered, /Estado: <span class="badge badge--in-review">En revisión<\/span>/);
    assert.match(answered, /Respondiste: Adjunto el informe/);
    assert.match(answered, /informe\.pdf/);
    // The change is a status change like the insurer's: one email with the reference and a link, nothing it says.
    const notices = (await ctx.outbox()).filter(
      (m) => m.recipient === luciaWho.email && m.template === 'request-status',
    );
    assert.equal(notices.length, 1);
    assert.match(notices[0]!.body_text, new RegExp(`AUT-${year}-000001`));
    assert.doesNotMatch(notices[0]!.body_text, /informe|Adjunto/i);
    // Answering again: the request no longer needs information (R31's graph), 409, nothing stored.
    const files = await count('files');
    const twice = await ctx.app.inject({
      method: 'POST',
      url: `/area/requests/AUT-${year}-000001/answer`,
      cookies: lucia.cookies,
      headers: { 'content-type': answerBody.contentType },
      payload: answerBody.payload,
    });
    assert.equal(twice.statusCode, 409);
    assert.equal(await count('files'), files);
    assert.ok((await auditOf(ctx, luciaAccount, 'request.stepup')).some((e) => e.outcome === 'success'));
  });

  test('PRODUCT §5: every uploaded byte, kept or drained, is read at the node’s pace; the request is stored in its lane', async () => {
    const prescription = await pdf();
    const extra = Buffer.alloc(300 * 1024, 0x41);
    const before = { bytes: pacer.bytes, stores: pacer.stores, requests: await count('requests') };
    const page = '/area/requests/new/authorization';
    const form = await lucia.get(page);
    const body = multipart(
      [
        ['_csrf', hidden(form.body, '_csrf')],
        ['form_token', hidden(form.body, 'form_token')],
        ...Object.entries(authorization()),
      ],
      [{ name: 'volante.pdf', type: 'application/pdf', bytes: prescription }],
    );
    // A file part in a field the form does not take: drained, never kept, and paced all the same.
    const stray = multipart([], [{ name: 'otro.pdf', type: 'application/pdf', bytes: extra }], 'stray');
    const boundary = /boundary=(.+)$/.exec(body.contentType)![1]!;
    const strayBoundary = /boundary=(.+)$/.exec(stray.contentType)![1]!;
    const strayPart = stray.payload
      .toString('latin1')
      .replaceAll(strayBoundary, boundary)
      .replace(`--${boundary}--\r\n`, '');
    const payload = Buffer.concat([
      body.payload.subarray(0, body.payload.length - `--${boundary}--\r\n`.length),
      Buffer.from(strayPart, 'latin1'),
      Buffer.from(`--${boundary}--\r\n`),
    ]);
    const res = await ctx.app.inject({
      method: 'POST',
      url: page,
      cookies: lucia.cookies,
      headers: { 'content-type': body.contentType },
      payload,
    });
    assert.equal(res.statusCode, 303, res.body.slice(0, 300));
    assert.equal(await count('requests'), before.requests + 1);
    assert.equal(pacer.bytes - before.bytes, prescription.length + extra.length, 'the kept file and the drained one');
    assert.equal(pacer.stores - before.stores, 1, 'one store, in the lane');
  });

  test('another member, even on the same policy, gets 404 for a request or a file that is not theirs', async () => {
    const year = today.slice(0, 4);
    const ref = `REE-${year}-000001`;
    const own = (await lucia.get(`/area/requests/${ref}`)).body;
    const fileLink = /href="(\/area\/requests\/REE-\d{4}-000001\/files\/\d+)"/.exec(own)![1]!;
    for (const who of [javierWho, carmenWho]) {
      const other = await signedIn(ctx, who);
      assert.equal((await other.get(`/area/requests/${ref}`)).statusCode, 404, who.email);
      assert.equal((await other.get(fileLink)).statusCode, 404, who.email);
      assert.doesNotMatch((await other.get('/area/requests')).body, new RegExp(ref));
    }
    // A file id of another request under one's own reference: 404 too; nonsense references and ids as well.
    const fileId = fileLink.split('/').at(-1)!;
    assert.equal((await lucia.get(`/area/requests/AUT-${year}-000001/files/${fileId}`)).statusCode, 404);
    assert.equal((await lucia.get(`/area/requests/REE-${year}-999999`)).statusCode, 404);
    assert.equal((await lucia.get('/area/requests/..%2F..%2Fetc')).statusCode, 404);
    assert.equal((await lucia.get(`/area/requests/${ref}/files/abc`)).statusCode, 404);
  });

  test('a guardian sends for a minor chosen in the selector, and loses it the day the minor turns 18 (R14)', async () => {
    const birthday = yearsBefore(today, 18, -1); // turns 18 tomorrow
    await importFeed(
      feed(),
      Readable.from([
        FEED_HEADER +
          toCsvLine({
            ...demoFeedRows(today)[2]!,
            member_number: 'AS-1005',
            first_name: 'Sara',
            date_of_birth: birthday,
            guardian_member_numbers: 'AS-1001',
          }),
      ]),
    );
    ctx.clock.set(`${today}T22:50:00Z`); // 23:50 in Madrid, the day before her birthday
    const guardian = await signedIn(ctx, luciaWho);
    assert.equal((await guardian.post('/area/switch', { member: 'AS1005' })).statusCode, 303);
    const form = await guardian.get('/area/requests/new/authorization');
    assert.match(form.body, /<option value="AS1005" selected>Sara/, 'the minor shown is the patient offered');
    const sent = await send(guardian, '/area/requests/new/authorization', authorization({ patient: 'AS1005' }), [
      { name: 'volante.pdf', type: 'application/pdf', bytes: await pdf() },
    ]);
    assert.equal(sent.statusCode, 303, sent.body.slice(0, 300));
    const ref = /\/area\/requests\/(AUT-\d{4}-\d{6})/.exec(String(sent.headers.location))![1]!;
    const page = await guardian.get(`/area/requests/${ref}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Sara/);
    const fileLink = /href="(\/area\/requests\/AUT-\d{4}-\d{6}\/files\/\d+)"/.exec(page.body)![1]!;
    const minorList = (await guardian.get('/area/requests')).body;
    assert.ok(minorList.includes(ref), "the minor's list shows it");
    assert.match(minorList, /Estás viendo el área de Sara/);
    const stored = await ctx.db.kysely
      .selectFrom('requests')
      .selectAll()
      .where('reference', '=', ref)
      .executeTakeFirstOrThrow();
    const lucias = await ctx.db.kysely
      .selectFrom('members')
      .select('id')
      .where('member_number', '=', 'AS1001')
      .executeTakeFirstOrThrow();
    assert.equal(stored.member_id, lucias.id, 'sent by the guardian');

    ctx.clock.advanceMinutes(11); // past midnight in Madrid: Sara is 18
    assert.equal((await guardian.get(`/area/requests/${ref}`)).statusCode, 404);
    assert.equal((await guardian.get(fileLink)).statusCode, 404);
    assert.doesNotMatch((await guardian.get('/area/requests')).body, new RegExp(ref));
    const late = await send(guardian, '/area/requests/new/authorization', authorization({ patient: 'AS1005' }), [
      { name: 'volante.pdf', type: 'application/pdf', bytes: await pdf() },
    ]);
    assert.equal(late.statusCode, 400);
    assert.match(late.body, /Elige una de las personas de la lista/);
  });

  test('bad input gets a clear message and a 4xx, and stores nothing', async () => {
    const good = await pdf();
    const before = { requests: await count('requests'), files: await count('files') };
    const cases: { what: string; fields: Record<string, string>; files: Upload[]; status: number; message: RegExp }[] =
      [
        {
          what: 'amount 1e9',
          fields: reimbursement({ amount: '1e9' }),
          files: [{ name: 'f.pdf', type: 'application/pdf', bytes: good }],
          status: 400,
          message: /Escribe el importe en euros/,
        },
        {
          what: 'amount -5',
          fields: reimbursement({ amount: '-5' }),
          files: [{ name: 'f.pdf', type: 'application/pdf', bytes: good }],
          status: 400,
          message: /El importe debe ser mayor que 0/,
        },
        {
          what: 'amount 1.000.000',
          fields: reimbursement({ amount: '1.000.000' }),
          files: [{ name: 'f.pdf', type: 'application/pdf', bytes: good }],
          status: 400,
          message: /no puede superar/,
        },
        {
          what: 'future date',
          fields: reimbursement({ service_date: addDays(today, 2).split('-').reverse().join('/') }),
          files: [{ name: 'f.pdf', type: 'application/pdf', bytes: good }],
          status: 400,
          message: /no puede ser posterior a hoy/,
        },
        {
          what: 'invalid IBAN',
          fields: reimbursement({ iban: 'ES91 2100 0418 4502 0005 1333' }),
          files: [{ name: 'f.pdf', type: 'application/pdf', bytes: good }],
          status: 400,
          message: /El IBAN no es correcto/,
        },
        { what: 'no file', fields: reimbursement(), files: [], status: 400, message: /Adjunta al menos un documento/ },
        {
          what: 'a PNG that says it is a PDF',
          fields: reimbursement(),
          files: [{ name: 'factura.pdf', type: 'application/pdf', bytes: await png() }],
          status: 400,
          message: /no coincide con su nombre o tipo/,
        },
        {
          what: 'a text file',
          fields: reimbursement(),
          files: [{ name: 'factura.pdf', type: 'application/pdf', bytes: Buffer.from('<script>alert(1)</script>') }],
          status: 400,
          message: /Solo se admiten archivos PDF, JPEG o PNG/,
        },
        {
          what: 'an empty file',
          fields: reimbursement(),
          files: [{ name: 'vacio.pdf', type: 'application/pdf', bytes: Buffer.alloc(0) }],
          status: 400,
          message: /vacio: El archivo está vacío/,
        },
        {
          what: 'a truncated PDF',
          fields: reimbursement(),
          files: [{ name: 'cortado.pdf', type: 'application/pdf', bytes: good.subarray(0, good.length - 200) }],
          status: 400,
          message: /El PDF está incompleto/,
        },
        {
          what: 'a 30 MB file',
          fields: reimbursement(),
          files: [{ name: 'enorme.pdf', type: 'application/pdf', bytes: await pdf(30 * MB) }],
          status: 413,
          message: /supera el máximo de 10 MB/,
        },
        {
          what: 'three 9 MB files (over 25 MB a request)',
          fields: reimbursement(),
          files: [1, 2, 3]
            .map((i) => ({ name: `f${i}.pdf`, type: 'application/pdf', bytes: good.length ? Buffer.alloc(0) : good }))
            .map(() => ({ name: 'grande.pdf', type: 'application/pdf', bytes: Buffer.alloc(0) })),
          status: 0,
          message: /./,
        },
        {
          what: 'six files',
          fields: reimbursement(),
          files: [1, 2, 3, 4, 5, 6].map((i) => ({ name: `f${i}.pdf`, type: 'application/pdf', bytes: good })),
          status: 400,
          message: /como mucho 5 documentos/,
        },
        {
          what: 'a path in the name',
          fields: reimbursement(),
          files: [{ name: '../../etc/passwd.pdf', type: 'application/pdf', bytes: good }],
          status: 400,
          message: /El nombre del archivo tiene caracteres que no admitimos/,
        },
        {
          what: 'a right-to-left override in the name',
          fields: reimbursement(),
          files: [{ name: 'factura\u202Efdp.exe', type: 'application/pdf', bytes: good }],
          status: 400,
          message: /El nombre del archivo tiene caracteres que no admitimos/,
        },
        {
          what: 'an escape character in the name',
          fields: reimbursement(),
          files: [{ name: 'fac\u001btura.pdf', type: 'application/pdf', bytes: good }],
          status: 400,
          message: /El nombre del archivo tiene caracteres que no admitimos/,
        },
        {
          what: 'a concept not in the list',
          fields: reimbursement({ concept: 'casino' }),
          files: [{ name: 'f.pdf', type: 'application/pdf', bytes: good }],
          status: 400,
          message: /Elige una de las opciones/,
        },
        {
          what: 'another member as patient',
          fields: reimbursement({ patient: 'AS2001' }),
          files: [{ name: 'f.pdf', type: 'application/pdf', bytes: good }],
          status: 400,
          message: /Elige una de las personas/,
        },
        {
          what: 'a prescription too long',
          fields: { ...authorization(), prescription: 'x'.repeat(2001) },
          files: [{ name: 'f.pdf', type: 'application/pdf', bytes: good }],
          status: 400,
          message: /como máximo 2000 caracteres/,
        },
      ];
    // The 25 MB case with real bytes: three complete 9 MB PDFs.
    const nine = await pdf(9 * MB);
    cases[11] = {
      what: 'three 9 MB files (over 25 MB a request)',
      fields: reimbursement(),
      files: [1, 2, 3].map((i) => ({ name: `f${i}.pdf`, type: 'application/pdf', bytes: nine })),
      status: 413,
      message: /no pueden superar 25 MB en total/,
    };
    for (const c of cases) {
      const page = 'prescription' in c.fields ? '/area/requests/new/authorization' : '/area/requests/new/reimbursement';
      const res = await send(lucia, page, c.fields, c.files);
      assert.equal(res.statusCode, c.status, `${c.what}: ${res.statusCode}`);
      assert.match(res.body, c.message, c.what);
      assert.match(res.body, /role="alert"/, `${c.what}: the error summary`);
    }
    assert.deepEqual({ requests: await count('requests'), files: await count('files') }, before, 'nothing stored');
  });

  test('CSRF: a multipart post whose first part is not the token is refused, nothing stored (R8)', async () => {
    const before = await count('requests');
    const body = multipart(Object.entries(authorization()), [
      { name: 'f.pdf', type: 'application/pdf', bytes: await pdf() },
    ]);
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/area/requests/new/authorization',
      cookies: lucia.cookies,
      headers: { 'content-type': body.contentType },
      payload: body.payload,
    });
    assert.equal(res.statusCode, 403);
    assert.equal(await count('requests'), before);
  });

  test('40 concurrent posts of one form make one request; the quota counts it once', async () => {
    const before = await count('requests');
    const form = await lucia.get('/area/requests/new/authorization');
    const body = multipart(
      [
        ['_csrf', hidden(form.body, '_csrf')],
        ['form_token', hidden(form.body, 'form_token')],
        ...Object.entries(authorization({ prescription: 'Burst' })),
      ],
      [{ name: 'volante.pdf', type: 'application/pdf', bytes: await pdf() }],
    );
    const results = await Promise.all(
      Array.from({ length: 40 }, () =>
        ctx.app.inject({
          method: 'POST',
          url: '/area/requests/new/authorization',
          cookies: lucia.cookies,
          headers: { 'content-type': body.contentType },
          payload: body.payload,
        }),
      ),
    );
    assert.equal(await count('requests'), before + 1);
    const ref = (
      await ctx.db.kysely.selectFrom('requests').select('reference').where('prescription', '=', 'Burst').execute()
    ).map((r) => r.reference);
    assert.equal(ref.length, 1);
    for (const r of results) assert.ok([303, 429].includes(r.statusCode), `${r.statusCode}`);
    assert.ok(results.filter((r) => r.statusCode === 303).every((r) => String(r.headers.location).includes(ref[0]!)));
    const counted = await ctx.db.kysely.selectFrom('rate_limits').select(['bucket', 'count']).execute();
    assert.deepEqual(
      counted.filter((c) => c.bucket.startsWith('requests-day')).map((c) => Number(c.count)),
      [1],
      'the repeats gave their count back',
    );
  });

  test('daily limits hold under a burst: 20 requests, and 100 MB of files, per account (R31, R9 style)', async () => {
    const carmen = await signedIn(ctx, carmenWho);
    const small = await pdf();
    const forms = await Promise.all(Array.from({ length: 25 }, () => carmen.get('/area/requests/new/authorization')));
    const results = await Promise.all(
      forms.map((form) => {
        const body = multipart(
          [
            ['_csrf', hidden(form.body, '_csrf')],
            ['form_token', hidden(form.body, 'form_token')],
            ...Object.entries(authorization({ patient: 'AS2001' })),
          ],
          [{ name: 'v.pdf', type: 'application/pdf', bytes: small }],
        );
        return ctx.app.inject({
          method: 'POST',
          url: '/area/requests/new/authorization',
          cookies: carmen.cookies,
          headers: { 'content-type': body.contentType },
          payload: body.payload,
        });
      }),
    );
    const carmenId = (
      await ctx.db.kysely
        .selectFrom('accounts')
        .select('id')
        .where('email', '=', carmenWho.email)
        .executeTakeFirstOrThrow()
    ).id;
    const made = await ctx.db.kysely.selectFrom('requests').select('id').where('account_id', '=', carmenId).execute();
    assert.equal(made.length, 20);
    const refused = results.filter((r) => r.statusCode === 429);
    assert.equal(refused.length, 5);
    assert.match(refused[0]!.body, /máximo de 20 solicitudes/);

    // Bytes: 92 MB already sent today by Javier; six 3 MB requests at once: two fit (98 MB), four are refused.
    const javier = await signedIn(ctx, javierWho);
    const javierId = (
      await ctx.db.kysely
        .selectFrom('accounts')
        .select('id')
        .where('email', '=', javierWho.email)
        .executeTakeFirstOrThrow()
    ).id;
    assert.ok((await takeDailyBytes(ctx.db.kysely, ctx.clock, javierId, 92 * MB)).ok);
    const three = await pdf(3 * MB);
    const jforms = await Promise.all(Array.from({ length: 6 }, () => javier.get('/area/requests/new/authorization')));
    const jresults = await Promise.all(
      jforms.map((form) => {
        const body = multipart(
          [
            ['_csrf', hidden(form.body, '_csrf')],
            ['form_token', hidden(form.body, 'form_token')],
            ...Object.entries(authorization({ patient: 'AS1002' })),
          ],
          [{ name: 'v.pdf', type: 'application/pdf', bytes: three }],
        );
        return ctx.app.inject({
          method: 'POST',
          url: '/area/requests/new/authorization',
          cookies: javier.cookies,
          headers: { 'content-type': body.contentType },
          payload: body.payload,
        });
      }),
    );
    const jmade = await ctx.db.kysely.selectFrom('requests').select('id').where('account_id', '=', javierId).execute();
    assert.equal(jmade.length, 2);
    assert.equal(jresults.filter((r) => r.statusCode === 429).length, 4);
    assert.match(jresults.find((r) => r.statusCode === 429)!.body, /máximo de documentos \(100 MB\)/);
  });

  test('posts an hour: refused forms count too, decided before the body is read; a burst of 70 gets 60 read (R31, R9)', async () => {
    const before = { requests: await count('requests'), files: await count('files') };
    const form = await lucia.get('/area/requests/new/authorization');
    // A form the portal refuses (no prescription), with a file it reads and judges before it can say so.
    const body = multipart(
      [
        ['_csrf', hidden(form.body, '_csrf')],
        ['form_token', hidden(form.body, 'form_token')],
        ...Object.entries(authorization({ prescription: '' })),
      ],
      [{ name: 'volante.pdf', type: 'application/pdf', bytes: await pdf() }],
    );
    const post = (url: string) =>
      ctx.app.inject({
        method: 'POST',
        url,
        cookies: lucia.cookies,
        headers: { 'content-type': body.contentType },
        payload: body.payload,
      });
    const results = await Promise.all(Array.from({ length: 70 }, () => post('/area/requests/new/authorization')));
    const read = results.filter((r) => r.statusCode === 400);
    const limited = results.filter((r) => r.statusCode === 429);
    assert.equal(read.length, FORM_POSTS_PER_HOUR, 'each of these was read and refused with its field errors');
    assert.equal(limited.length, 70 - FORM_POSTS_PER_HOUR);
    assert.match(limited[0]!.body, /Has enviado muchos formularios en poco tiempo/);
    assert.ok(Number(limited[0]!.headers['retry-after']) > 0);
    // The answer form shares the count; nothing was stored.
    assert.equal((await post('/area/requests/AUT-2026-999999/answer')).statusCode, 429);
    assert.deepEqual({ requests: await count('requests'), files: await count('files') }, before);
  });

  test('a stolen session cannot redirect a refund: a new IBAN needs the code sent to the member; five wrong tries end it', async () => {
    // The thief has the session (a second browser signed in as Lucía) but not her inbox.
    const thief = await signedIn(ctx, luciaWho);
    await ctx.db.kysely.deleteFrom('rate_limits').execute();
    const before = await count('requests');
    const first = await send(thief, '/area/requests/new/reimbursement', reimbursement({ iban: IBAN_B }), [
      { name: 'f.pdf', type: 'application/pdf', bytes: await pdf() },
    ]);
    assert.equal(first.statusCode, 401);
    assert.match(first.body, /l•+@example\.com|•/, 'the code went to her masked email');
    const real = await lastCode(ctx, luciaWho.email, 'request-stepup-code');
    const token = hidden(first.body, 'form_token');
    let last;
    for (let i = 0; i < 5; i++) {
      const guess = String(100000 + i);
      last = await send(
        thief,
        '/area/requests/new/reimbursement',
        { ...reimbursement({ iban: IBAN_B }), code: guess === real ? '999999' : guess },
        [{ name: 'f.pdf', type: 'application/pdf', bytes: await pdf() }],
        { formToken: token },
      );
    }
    assert.equal(last!.statusCode, 429, 'the fifth wrong code ends the code');
    const late = await send(
      thief,
      '/area/requests/new/reimbursement',
      { ...reimbursement({ iban: IBAN_B }), code: real },
      [{ name: 'f.pdf', type: 'application/pdf', bytes: await pdf() }],
      { formToken: token },
    );
    assert.notEqual(late.statusCode, 303, 'even the right code is void now');
    assert.equal(await count('requests'), before, 'no request to the new IBAN');
    assert.ok((await auditOf(ctx, luciaAccount, 'request.stepup')).some((e) => e.outcome === 'failure'));
  });

  test('with an authenticator app as the chosen factor, the step-up asks for its code and sends nothing (R31, R7)', async () => {
    const secret = generateSecret();
    await ctx.db.kysely
      .updateTable('accounts')
      .set({
        totp_secret: ctx.secretBox.seal(secret),
        totp_enabled_at: ctx.clock.now().toISOString(),
        totp_last_step: null,
        preferred_channel: 'totp',
      })
      .where('id', '=', luciaAccount)
      .execute();
    try {
      const mails = (await ctx.outbox()).length;
      const iban = 'DE89 3704 0044 0532 0130 00';
      const first = await send(lucia, '/area/requests/new/reimbursement', reimbursement({ iban }), [
        { name: 'f.pdf', type: 'application/pdf', bytes: await pdf() },
      ]);
      assert.equal(first.statusCode, 401);
      assert.match(first.body, /aplicación de autenticación/);
      assert.equal((await ctx.outbox()).length, mails, 'nothing sent');
      const token = hidden(first.body, 'form_token');
      const wrong = await send(
        lucia,
        '/area/requests/new/reimbursement',
        { ...reimbursement({ iban }), code: '000000' },
        [{ name: 'f.pdf', type: 'application/pdf', bytes: await pdf() }],
        { formToken: token },
      );
      assert.equal(wrong.statusCode, 401);
      const right = await send(
        lucia,
        '/area/requests/new/reimbursement',
        { ...reimbursement({ iban }), code: await totpCode(ctx, secret) },
        [{ name: 'f.pdf', type: 'application/pdf', bytes: await pdf() }],
        { formToken: token },
      );
      assert.equal(right.statusCode, 303, right.body.slice(0, 300));
      const page = await lucia.get(String(right.headers.location));
      assert.match(page.body, /DE•• •••• •••• •••• ••30 00/);
    } finally {
      await ctx.db.kysely
        .updateTable('accounts')
        .set({ totp_secret: null, totp_enabled_at: null, preferred_channel: null })
        .where('id', '=', luciaAccount)
        .execute();
    }
  });
});

test('the concepts and categories come from the brand file, with defaults when it gives none (R31)', async () => {
  const { brandSchema, defaultBrand } = await import('../../config.js');
  const { DEFAULT_CONCEPTS } = await import('../../domain/request-lists.js');
  const own = [{ id: 'acupuntura', es: 'Acupuntura', en: 'Acupuncture' }];
  assert.ok(brandSchema.safeParse({ ...defaultBrand, requests: { concepts: own } }).success);
  assert.ok(
    !brandSchema.safeParse({ ...defaultBrand, requests: { concepts: [...own, ...own] } }).success,
    'ids unique',
  );
  assert.ok(!brandSchema.safeParse({ ...defaultBrand, requests: { concepts: [{ ...own[0], id: 'Bad Id' }] } }).success);
  assert.ok(!brandSchema.safeParse({ ...defaultBrand, requests: { concepts: [] } }).success, 'a list is not empty');
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const file = join(mkdtempSync(join(tmpdir(), 'brand-')), 'brand.json');
  const { legal: _legal, ...brand } = defaultBrand;
  void _legal;
  writeFileSync(file, JSON.stringify({ ...brand, requests: { concepts: own } }));
  for (const [env, expected, absent] of [
    [{ BRAND_FILE: file }, 'Acupuntura', DEFAULT_CONCEPTS[0]!.es],
    [{}, DEFAULT_CONCEPTS[0]!.es, 'Acupuntura'],
  ] as const) {
    const ctx = await setup('sqlite', { env });
    try {
      await importFeed(
        { db: ctx.db, clock: ctx.clock, courier: ctx.courier, timeZone: 'Europe/Madrid' },
        Readable.from([demoFeedCsv(todayIn('Europe/Madrid', ctx.clock.now()))]),
      );
      await accountFor(ctx, { username: nif(10000001), email: 'lucia@example.com', memberNumbers: ['AS1001'] });
      const agent = await signedIn(ctx, { username: nif(10000001), email: 'lucia@example.com' });
      const form = (await agent.get('/area/requests/new/reimbursement')).body;
      assert.ok(form.includes(expected), expected);
      assert.ok(!form.includes(absent), absent);
    } finally {
      await ctx.close();
    }
  }
});
