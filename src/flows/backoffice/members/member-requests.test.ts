import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { BrowserAgent } from '../../../../test/helpers/browser-agent.js';
import { describeEachDatabase } from '../../../../test/helpers/databases.js';
import { memberWithAccount, type TestMember } from '../../../../test/helpers/fixture.js';
import { setup, type TestContext } from '../../../../test/helpers/setup.js';
import { giveReason, signedInStaff, type TestStaff } from '../../../../test/helpers/staff.js';
import { receiveFile, type ReceivedFile } from '../../../infra/files/upload.js';
import { createRequest, transitionRequest, type NewRequest } from '../../../infra/requests/requests.repository.js';

// R31, R36 (issue 26 item 5): agents see a member's requests read-only. The member page names them; a request's
// content and each file come only after a reason, recorded with the agent first; without one nothing is shown, sent
// or recorded. Another member's or an unknown reference is 404.

const TZ = 'Europe/Madrid';
const PDF = Buffer.from('%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
let tokens = 0;

describeEachDatabase('back office: a member’s requests (R31, R36)', (kind) => {
  let ctx: TestContext;
  let agent: BrowserAgent;
  let staff: TestStaff;
  let member: TestMember;
  let other: TestMember;
  let pdf: ReceivedFile;
  let reference: string;
  let otherReference: string;
  let fileId: number;
  let otherFileId: number;

  const reimbursement = (who: TestMember): NewRequest => ({
    type: 'reimbursement',
    accountId: who.accountId,
    memberId: who.memberId,
    patientMemberId: who.memberId,
    formToken: `bo-requests-token-${String(++tokens).padStart(6, '0')}`,
    files: [pdf],
    fields: {
      service_date: '2026-12-01',
      provider: 'Fisioterapia Levante',
      concept: 'physiotherapy',
      amount_claimed: 12_345,
      iban_sealed: ctx.secretBox.seal('ES9121000418450200051332'),
      iban_masked: 'ES91 •••• •••• •••• •••• 1332',
    },
  });
  // Openings of requests and files (the member's record itself is opened first, with its own reason: R36).
  const accessRows = async () =>
    (
      await ctx.db.kysely
        .selectFrom('audit_events')
        .selectAll()
        .where('event', '=', 'data.access')
        .orderBy('id')
        .execute()
    ).filter((r) => !String(r.details).includes('"what":"record"'));
  const page = (memberId: number, ref: string) => `/backoffice/members/${memberId}/requests/${ref}`;

  before(async () => {
    ctx = await setup(kind);
    ctx.clock.set('2026-12-05T10:00:00.000Z');
    ({ agent, staff } = await signedInStaff(ctx, 'agent'));
    member = await memberWithAccount(ctx);
    other = await memberWithAccount(ctx);
    const r = await receiveFile(
      { file: Readable.from([PDF]), filename: 'factura-fisio.pdf', mimetype: 'application/pdf' },
      ctx.secretBox,
      'files',
    );
    assert.ok(r.ok);
    pdf = r.value;
    const mine = (await createRequest(ctx.db.kysely, ctx.clock, TZ, reimbursement(member))).request;
    const theirs = (await createRequest(ctx.db.kysely, ctx.clock, TZ, reimbursement(other))).request;
    reference = mine.reference;
    otherReference = theirs.reference;
    const moved = await transitionRequest(ctx.db.kysely, ctx.clock, TZ, {
      id: mine.id,
      version: 1,
      to: 'in_review',
      fields: {},
      actor: { kind: 'core', keyName: 'core' },
    });
    assert.ok(moved.ok);
    const fileOf = async (requestId: number) =>
      (
        await ctx.db.kysely
          .selectFrom('request_files')
          .select('file_id')
          .where('request_id', '=', requestId)
          .executeTakeFirstOrThrow()
      ).file_id;
    fileId = await fileOf(mine.id);
    otherFileId = await fileOf(theirs.id);
  });
  after(() => ctx.close());

  test('the member page lists the requests by reference, type and status, and nothing they hold', async () => {
    await giveReason(agent, member.memberId);
    const res = await agent.get(`/backoffice/members/${member.memberId}`);
    assert.equal(res.statusCode, 200);
    assert.match(res.body, new RegExp(`href="/backoffice/members/${member.memberId}/requests/${reference}"`));
    assert.match(res.body, /Reembolso/);
    assert.match(res.body, /En revisión/);
    assert.doesNotMatch(res.body, new RegExp(otherReference), 'not another member’s');
    for (const held of ['Fisioterapia', 'physiotherapy', '123,45', '1332', 'factura-fisio'])
      assert.ok(!res.body.includes(held), held);
    assert.equal((await accessRows()).length, 0, 'naming a request is not opening it');
  });

  test('opening a request: the reason first; without one nothing is shown and nothing recorded', async () => {
    const ask = await agent.get(page(member.memberId, reference));
    assert.equal(ask.statusCode, 200);
    assert.match(ask.body, /name="access_reason"/);
    assert.match(ask.body, /El asegurado nos ha llamado/, 'the shared reason labels');
    assert.ok(!ask.body.includes('Fisioterapia'));

    const bad: Record<string, string>[] = [
      {},
      { access_reason: 'curiosity' },
      { access_reason: 'other', access_note: '   ' },
    ];
    for (const fields of bad) {
      const refused = await agent.post(page(member.memberId, reference), fields);
      assert.equal(refused.statusCode, 400, JSON.stringify(fields));
      assert.match(refused.body, /Elige el motivo del acceso/);
      for (const held of ['Fisioterapia', '123,45', '1332', 'factura-fisio']) assert.ok(!refused.body.includes(held));
    }
    assert.equal((await accessRows()).length, 0);

    const opened = await agent.post(page(member.memberId, reference), {
      access_reason: 'member_call',
      access_note: 'Llama por el\u0007 estado',
    });
    assert.equal(opened.statusCode, 200);
    for (const shown of ['Fisioterapia Levante', '123,45 €', 'ES91 •••• •••• •••• •••• 1332', 'factura-fisio.pdf'])
      assert.ok(opened.body.includes(shown), shown);
    assert.ok(!opened.body.includes('ES9121000418450200051332'), 'the IBAN only masked');
    assert.match(opened.body, /Sistema central/, 'the timeline says who moved it');
    const rows = await accessRows();
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.actor, `staff:${staff.username}`);
    assert.equal(rows[0]!.member_id, member.memberId);
    assert.deepEqual(JSON.parse(rows[0]!.details!), {
      what: 'request',
      ref: reference,
      by: 'staff',
      staff_id: staff.id,
      role: 'agent',
      reason: 'member_call',
      note: 'Llama por el  estado',
    });
  });

  test('a file: with a reason its bytes as an attachment, recorded; without one 400, no bytes, no record', async () => {
    const before = (await accessRows()).length;
    const files = `${page(member.memberId, reference)}/files`;
    const refused = await agent.post(files, { file: String(fileId) });
    assert.equal(refused.statusCode, 400);
    assert.match(String(refused.headers['content-type']), /^text\/html/);
    assert.equal(refused.headers['content-disposition'], undefined);
    assert.match(refused.body, new RegExp(`name="file" value="${fileId}"`), 'the form asks again for this file');
    assert.equal((await accessRows()).length, before);

    const got = await agent.post(files, { file: String(fileId), access_reason: 'request_review' });
    assert.equal(got.statusCode, 200);
    assert.equal(sha(got.rawPayload), sha(PDF));
    assert.match(String(got.headers['content-disposition']), /^attachment; filename="factura-fisio\.pdf"/);
    assert.equal(got.headers['x-content-type-options'], 'nosniff');
    assert.match(String(got.headers['content-security-policy']), /sandbox/);
    const rows = (await accessRows()).slice(before);
    assert.deepEqual(
      rows.map((r) => [
        r.member_id,
        JSON.parse(r.details!).what,
        JSON.parse(r.details!).ref,
        JSON.parse(r.details!).reason,
      ]),
      [[member.memberId, 'file', String(fileId), 'request_review']],
    );

    // Another request's file through this request, or a file id that is not a number: 404, nothing recorded.
    for (const file of [String(otherFileId), '999999', 'x']) {
      const res = await agent.post(files, { file, access_reason: 'request_review' });
      assert.equal(res.statusCode, 404, file);
      assert.equal(res.headers['content-disposition'], undefined);
    }
    assert.equal((await accessRows()).length, before + 1);
  });

  test('another member’s reference, an unknown or malformed one, an unknown member: 404, nothing recorded', async () => {
    const before = (await accessRows()).length;
    for (const url of [
      page(member.memberId, otherReference),
      page(other.memberId, reference),
      page(member.memberId, 'REE-2026-999999'),
      page(member.memberId, 'ree-2026-000001'),
      page(member.memberId, '..%2F..%2Fetc'),
      page(999999, reference),
      page(0, reference),
    ]) {
      assert.equal((await agent.get(url)).statusCode, 404, url);
      assert.equal((await agent.post(url, { access_reason: 'member_call' })).statusCode, 404, url);
      assert.equal(
        (await agent.post(`${url}/files`, { file: String(fileId), access_reason: 'member_call' })).statusCode,
        404,
      );
    }
    assert.equal((await accessRows()).length, before);
  });

  test('without a staff session: the sign-in page for a GET, 401 for a POST; members’ cookies do not count', async () => {
    const stranger = new BrowserAgent(ctx.app);
    const get = await stranger.get(page(member.memberId, reference));
    assert.equal(get.statusCode, 303);
    assert.match(String(get.headers.location), /^\/backoffice\/sign-in/);
    const post = await stranger.post(page(member.memberId, reference), { access_reason: 'member_call' });
    assert.ok([401, 403].includes(post.statusCode), String(post.statusCode));
    assert.ok(!post.body.includes('Fisioterapia'));
  });

  test('in English too', async () => {
    await agent.get('/backoffice?lang=en');
    const opened = await agent.post(page(member.memberId, reference), { access_reason: 'complaint' });
    assert.equal(opened.statusCode, 200);
    assert.match(opened.body, /Opened for this reason: Complaint/);
    assert.match(opened.body, /In review/);
    await agent.get('/backoffice?lang=es');
  });
});
