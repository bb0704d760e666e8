import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import type { LightMyRequestResponse } from 'fastify';
import { FEED_HEADER, toCsvLine } from '../../feed/demo-feed.js';
import { importFeed } from '../../feed/feed.import.js';
import { describeEachDatabase } from '../../../test/helpers/databases.js';
import { accountFor, memberFeedRow } from '../../../test/helpers/fixture.js';
import { setup, type TestContext } from '../../../test/helpers/setup.js';
import { createApiKey, revokeApiKey } from '../../identity/api-keys.js';

// R24 (integration API), R19 (enrolment email), R22 (audit), PRODUCT §2 (same rules as the CSV feed), RFC 9457.

type Json = Record<string, unknown>;

const member = (over: Json = {}): Json => ({
  policy_number: 'POL1',
  policy_status: 'active',
  scheme: 'local',
  product: 'Salud Plus',
  policy_start: '2025-01-01',
  role: 'holder',
  first_name: 'Ana',
  last_name: 'Pérez',
  date_of_birth: '1980-05-04',
  email: 'ana@example.com',
  country: 'ES',
  language: 'es',
  ...over,
});
const line = (over: Json) => JSON.stringify(member(over)) + '\n';

function problem(res: LightMyRequestResponse, status: number): Json & { errors?: Json[] } {
  assert.equal(res.statusCode, status, res.body);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  const body = res.json<Json & { errors?: Json[] }>();
  assert.equal(body.status, status);
  assert.equal(typeof body.title, 'string');
  assert.match(String(body.type), /^\/api\/v1\/problems\//);
  assert.ok(!res.body.includes('    at '), 'no stack trace');
  return body;
}

/** Every route the app serves, with its methods, read from Fastify's route tree. */
function servedRoutes(tree: string): { path: string; methods: string[] }[] {
  const stack: string[] = [];
  const routes: { path: string; methods: string[] }[] = [];
  for (const row of tree.split('\n')) {
    const m = /^((?:[│ ] {3})*)[├└]── (.*?)(?: \(([^)]*)\))?$/.exec(row);
    if (!m) continue;
    stack.length = m[1]!.length / 4;
    stack.push(m[2]!);
    if (m[3]) routes.push({ path: stack.join(''), methods: m[3].split(', ') });
  }
  return routes;
}

describeEachDatabase('integration API', (kind) => {
  let ctx: TestContext;
  let writer: string;
  let reader: string;
  let writerId: number;
  const auth = (key: string) => ({ authorization: `Bearer ${key}` });
  const put = (url: string, payload: Json, key = writer) =>
    ctx.app.inject({ method: 'PUT', url, headers: auth(key), payload });
  const bulk = (payload: string | Readable, key = writer) =>
    ctx.app.inject({
      method: 'POST',
      url: '/api/v1/members/bulk',
      headers: { ...auth(key), 'content-type': 'application/x-ndjson' },
      payload,
    });
  const enrolments = async () => (await ctx.outbox()).filter((m) => m.template === 'enrolment');

  before(async () => {
    ctx = await setup(kind);
    const w = await createApiKey(ctx.db.kysely, ctx.clock, {
      name: 'core',
      scopes: ['members:write', 'members:read'],
      createdBy: 'test',
    });
    const r = await createApiKey(ctx.db.kysely, ctx.clock, {
      name: 'reader',
      scopes: ['members:read'],
      createdBy: 'test',
    });
    assert.ok(w.ok && r.ok);
    writer = w.value.key;
    writerId = w.value.id;
    reader = r.value.key;
  });
  after(async () => {
    await ctx.close();
  });

  test('PUT a policy: created, unchanged on repeat, updated on change; values judged by the feed rules', async () => {
    const body = { policy_status: 'active', scheme: 'local', product: 'Salud', policy_start: '2025-01-01' };
    const created = await put('/api/v1/policies/pol-9', body);
    assert.equal(created.statusCode, 201, created.body);
    assert.deepEqual(created.json(), { policy_number: 'POL9', result: 'created' });
    assert.equal(created.headers.location, '/api/v1/policies/POL9');
    assert.deepEqual((await put('/api/v1/policies/POL9', body)).json(), { policy_number: 'POL9', result: 'unchanged' });
    const updated = await put('/api/v1/policies/POL9', {
      ...body,
      policy_status: 'cancelled',
      policy_end: '2026-01-01',
    });
    assert.equal(updated.statusCode, 200);
    assert.equal(updated.json<Json>().result, 'updated');
    const row = await ctx.db.kysely
      .selectFrom('policies')
      .selectAll()
      .where('policy_number', '=', 'POL9')
      .executeTakeFirstOrThrow();
    assert.equal(row.status, 'cancelled');

    const refused = problem(await put('/api/v1/policies/P@9', { ...body, policy_end: '2024-01-01' }), 422);
    assert.deepEqual(
      refused.errors?.map((e) => [e.pointer ?? e.parameter, e.code]),
      [
        ['policyNumber', 'invalid_format'],
        ['/policy_end', 'before_start'],
      ],
    );
  });

  test('PUT a member: created with one enrolment email (R19); the same request again changes nothing and sends nothing', async () => {
    const first = await put('/api/v1/members/M-100', member());
    assert.equal(first.statusCode, 201, first.body);
    assert.deepEqual(first.json(), {
      member_number: 'M100',
      result: 'created',
      policy_result: 'created',
      enrolment_email_queued: true,
      joined_account: false,
    });
    assert.equal((await enrolments()).filter((m) => m.recipient === 'ana@example.com').length, 1);

    const again = await put('/api/v1/members/M-100', member());
    assert.equal(again.statusCode, 200);
    assert.deepEqual(again.json(), {
      member_number: 'M100',
      result: 'unchanged',
      policy_result: 'unchanged',
      enrolment_email_queued: false,
      joined_account: false,
    });
    const changed = await put('/api/v1/members/M100', member({ email: 'ana.p@example.com', mobile: '612345678' }));
    assert.equal(changed.json<Json>().result, 'updated');
    assert.equal(
      (await enrolments()).filter((m) => m.recipient.startsWith('ana')).length,
      1,
      'an update sends no second enrolment email',
    );

    // The same row through the CSV import is the same record: nothing to change (one upsert path, PRODUCT §2).
    const csvRow = memberFeedRow({
      ...(member({ email: 'ana.p@example.com', mobile: '612345678' }) as Record<string, string>),
      member_number: 'M100',
      first_name: 'Ana',
      last_name: 'Pérez',
    });
    const report = await importFeed(
      { db: ctx.db, clock: ctx.clock, courier: ctx.courier, timeZone: ctx.config.timeZone },
      Readable.from([FEED_HEADER + toCsvLine(csvRow)]),
    );
    assert.deepEqual([report.unchanged, report.inserted, report.updated], [1, 0, 0], JSON.stringify(report.problems));

    // A minor gets no email; a guardian must be a member of the same policy (R14).
    const minor = await put(
      '/api/v1/members/M-101',
      member({
        role: 'dependent',
        first_name: 'Leo',
        date_of_birth: '2015-03-03',
        email: null,
        guardian_member_numbers: ['M100'],
      }),
    );
    assert.equal(minor.statusCode, 201, minor.body);
    assert.equal(minor.json<Json>().enrolment_email_queued, false);
    const orphan = problem(
      await put(
        '/api/v1/members/M-102',
        member({ role: 'dependent', date_of_birth: '2016-03-03', guardian_member_numbers: ['M999'] }),
      ),
      422,
    );
    assert.deepEqual(
      orphan.errors?.map((e) => [e.pointer, e.code]),
      [['/guardian_member_numbers', 'guardian_unknown']],
    );
    const bad = problem(
      await put(
        '/api/v1/members/M-103',
        member({ document_type: 'NIF', document_number: '12345678A', date_of_birth: '2999-01-01' }),
      ),
      422,
    );
    assert.deepEqual(bad.errors?.map((e) => [e.pointer, e.code]).sort(), [
      ['/date_of_birth', 'date_in_future'],
      ['/document_number', 'nif_letter'],
    ]);
    assert.match(String(bad.errors?.[0]?.detail), /\w/, 'each error explained');
    assert.equal(
      await ctx.db.kysely
        .selectFrom('members')
        .select('id')
        .where('member_number', 'in', ['M102', 'M103'])
        .executeTakeFirst(),
      undefined,
    );

    const audit = await ctx.db.kysely
      .selectFrom('audit_events')
      .selectAll()
      .where('event', '=', 'api.member.upsert')
      .execute();
    assert.ok(audit.every((a) => a.actor === `api-key:${writerId}`));
    assert.equal(audit.length, 3, 'created, updated and the minor; an unchanged repeat is not a change');
  });

  test('malformed JSON, wrong types, unknown fields and a 50 MB body are refused as problem+json', async () => {
    const malformed = await ctx.app.inject({
      method: 'PUT',
      url: '/api/v1/members/M-200',
      headers: { ...auth(writer), 'content-type': 'application/json' },
      payload: '{"first_name": "Ana",',
    });
    problem(malformed, 400);
    const wrong = problem(
      await put(
        '/api/v1/members/M-200',
        member({ first_name: 42, guardian_member_numbers: 'M1', nickname: 'x', 'a/b': 1 }),
      ),
      400,
    );
    assert.deepEqual(
      wrong.errors?.map((e) => [e.pointer, e.code]).sort(),
      [
        ['/a~1b', 'unknown_field'],
        ['/first_name', 'wrong_type'],
        ['/guardian_member_numbers', 'wrong_type'],
        ['/nickname', 'unknown_field'],
      ].sort(),
    );
    const missing = problem(await put('/api/v1/members/M-200', { first_name: 'Ana' }), 400);
    assert.ok(missing.errors?.some((e) => e.pointer === '/date_of_birth' && e.code === 'required'));
    problem(
      await ctx.app.inject({
        method: 'PUT',
        url: '/api/v1/members/M-200',
        headers: { ...auth(writer), 'content-type': 'text/plain' },
        payload: 'hi',
      }),
      415,
    );

    const huge = Buffer.alloc(50 * 1024 * 1024, 0x20);
    const tooLarge = await ctx.app.inject({
      method: 'PUT',
      url: '/api/v1/members/M-200',
      headers: { ...auth(writer), 'content-type': 'application/json' },
      payload: huge,
    });
    problem(tooLarge, 413);
    // Without a declared length the body is cut off at the limit as it streams in.
    async function* chunks() {
      for (let i = 0; i < 50; i++) yield Buffer.alloc(1024 * 1024, 0x20);
    }
    const streamed = await ctx.app.inject({
      method: 'PUT',
      url: '/api/v1/members/M-200',
      headers: { ...auth(writer), 'content-type': 'application/json' },
      payload: Readable.from(chunks()),
    });
    problem(streamed, 413);
    problem(await ctx.app.inject({ method: 'GET', url: '/api/v1/nothing-here', headers: auth(writer) }), 404);
    const otherVersion = await ctx.app.inject({ method: 'GET', url: '/api/v2/members?lang=en' });
    problem(otherVersion, 404);
    assert.equal(otherVersion.headers['set-cookie'], undefined);
    assert.equal(
      await ctx.db.kysely.selectFrom('members').select('id').where('member_number', '=', 'M200').executeTakeFirst(),
      undefined,
    );
  });

  test('missing, unknown, revoked and wrong-scope keys are refused and audited; no cookie stands in for a key', async () => {
    const none = await ctx.app.inject({ method: 'PUT', url: '/api/v1/members/M-300', payload: member() });
    problem(none, 401);
    assert.equal(none.headers['www-authenticate'], 'Bearer realm="member-area"');
    const unknown = await put('/api/v1/members/M-300', member(), `mak_${'x'.repeat(43)}`);
    problem(unknown, 401);
    assert.match(String(unknown.headers['www-authenticate']), /error="invalid_token"/);

    const temp = await createApiKey(ctx.db.kysely, ctx.clock, {
      name: 'temp',
      scopes: ['members:write'],
      createdBy: 'test',
    });
    assert.ok(temp.ok);
    assert.equal((await put('/api/v1/members/M-300', member({ email: null }), temp.value.key)).statusCode, 201);
    await revokeApiKey(ctx.db.kysely, ctx.clock, temp.value.id, 'test');
    const revoked = problem(await put('/api/v1/members/M-300', member({ email: null }), temp.value.key), 401);
    assert.deepEqual(
      revoked.detail,
      problem(unknown, 401).detail,
      'a revoked key is told apart from an unknown one only in the audit log',
    );

    const scoped = await put('/api/v1/members/M-301', member(), reader);
    problem(scoped, 403);
    assert.match(String(scoped.headers['www-authenticate']), /error="insufficient_scope", scope="members:write"/);
    problem(await bulk(line({ member_number: 'M-302' }), reader), 403);
    const writeOnlyKey = await createApiKey(ctx.db.kysely, ctx.clock, {
      name: 'write only',
      scopes: ['members:write'],
      createdBy: 'test',
    });
    assert.ok(writeOnlyKey.ok);
    const writeOnly = await ctx.app.inject({
      method: 'GET',
      url: '/api/v1/members/M-300/registration',
      headers: auth(writeOnlyKey.value.key),
    });
    problem(writeOnly, 403);

    // A browser's cookies are not credentials here, and the API never hands any out (the language one included).
    const withCookies = await ctx.app.inject({
      method: 'PUT',
      url: '/api/v1/members/M-303?lang=en',
      headers: { cookie: 'session=abc; csrf=def; lang=en' },
      payload: member(),
    });
    problem(withCookies, 401);
    assert.equal(withCookies.headers['set-cookie'], undefined);
    const ok = await ctx.app.inject({
      method: 'GET',
      url: '/api/v1/members/M100/registration?lang=en',
      headers: auth(reader),
    });
    assert.equal(ok.statusCode, 200);
    assert.equal(ok.headers['set-cookie'], undefined);
    assert.equal(ok.headers['cache-control'], 'no-store');

    const refusals = await ctx.db.kysely
      .selectFrom('audit_events')
      .selectAll()
      .where('event', '=', 'api.refused')
      .orderBy('id')
      .execute();
    const reasons = refusals.map((r) => JSON.parse(r.details ?? '{}') as { reason: string; route: string });
    assert.deepEqual(
      reasons.map((r) => r.reason),
      ['missing', 'unknown', 'revoked', 'scope', 'scope', 'scope', 'missing'],
    );
    assert.equal(reasons[0]?.route, 'PUT /api/v1/members/:memberNumber');
    assert.equal(refusals[2]?.actor, `api-key:${temp.value.id}`);
    assert.ok(refusals.every((r) => r.outcome === 'refused' && r.ip !== null));
    assert.equal(
      await ctx.db.kysely
        .selectFrom('members')
        .select('id')
        .where('member_number', 'in', ['M301', 'M302', 'M303'])
        .executeTakeFirst(),
      undefined,
    );
  });

  test('a key over its rate gets 429 with Retry-After until the minute rolls over; audited once', async () => {
    ctx.clock.set('2026-11-27T11:00:10Z');
    const limited = await createApiKey(ctx.db.kysely, ctx.clock, {
      name: 'slow',
      scopes: ['members:read'],
      createdBy: 'test',
      ratePerMinute: 3,
    });
    assert.ok(limited.ok);
    const get = () =>
      ctx.app.inject({ method: 'GET', url: '/api/v1/members/M100/registration', headers: auth(limited.value.key) });
    for (let i = 0; i < 3; i++) assert.equal((await get()).statusCode, 200);
    const refused = await get();
    problem(refused, 429);
    assert.equal(refused.headers['retry-after'], '50');
    problem(await get(), 429);
    const audits = await ctx.db.kysely
      .selectFrom('audit_events')
      .select('details')
      .where('event', '=', 'api.refused')
      .where('actor', '=', `api-key:${limited.value.id}`)
      .execute();
    assert.equal(audits.length, 1);
    ctx.clock.advance(50_000);
    assert.equal((await get()).statusCode, 200, 'a new window');
    // Another key is not slowed down by this one.
    assert.equal(
      (await ctx.app.inject({ method: 'GET', url: '/api/v1/members/M100/registration', headers: auth(reader) }))
        .statusCode,
      200,
    );
  });

  test('registration status tells registered or not and the account status, nothing more', async () => {
    const read = (n: string) =>
      ctx.app.inject({ method: 'GET', url: `/api/v1/members/${n}/registration`, headers: auth(reader) });
    assert.deepEqual((await read('m-100')).json(), { member_number: 'M100', registered: false, account_status: null });
    const accountId = await accountFor(ctx, {
      username: '12345678Z',
      memberNumbers: ['M100'],
      email: 'ana@example.com',
    });
    assert.deepEqual((await read('M100')).json(), {
      member_number: 'M100',
      registered: true,
      account_status: 'active',
    });
    await ctx.db.kysely
      .updateTable('accounts')
      .set({ locked_until: new Date(ctx.clock.now().getTime() + 60_000).toISOString() })
      .where('id', '=', accountId)
      .execute();
    assert.equal((await read('M100')).json<Json>().account_status, 'locked');
    await ctx.db.kysely.updateTable('accounts').set({ status: 'disabled' }).where('id', '=', accountId).execute();
    const disabled = await read('M100');
    assert.deepEqual(Object.keys(disabled.json()).sort(), ['account_status', 'member_number', 'registered']);
    assert.equal(disabled.json<Json>().account_status, 'disabled');
    assert.ok(!disabled.body.includes('12345678Z') && !disabled.body.includes('@'), 'no username, no contact data');
    problem(await read('NOPE1'), 404);
    problem(await read('%2F%2F'), 404);
  });

  test('bulk NDJSON: good lines stored among bad ones, each bad line reported by line, field and code; a repeat changes nothing', async () => {
    const body =
      line({ member_number: 'B-1', policy_number: 'POLB', email: 'b1@example.com' }) +
      '{"member_number": "B-2",\n' +
      line({ member_number: 'B-3', policy_number: 'POLB', nickname: 'x' }) +
      '\n' +
      line({ member_number: 'B-4', policy_number: 'POLB', first_name: 7 }) +
      line({ member_number: 'B-5', policy_number: 'POLB', document_type: 'NIF', document_number: '12345678A' }) +
      line({ member_number: 'B-1', policy_number: 'POLB' }) +
      '[1,2]\n' +
      line({
        member_number: 'B-6',
        policy_number: 'POLB',
        role: 'dependent',
        date_of_birth: '2016-01-01',
        email: null,
        guardian_member_numbers: ['B-7'],
      }) +
      line({ member_number: 'B-7', policy_number: 'POLB', email: 'b7@example.com' }).trimEnd();
    const res = await bulk(body);
    assert.equal(res.statusCode, 200, res.body);
    const summary = res.json<Json & { errors: Json[] }>();
    assert.deepEqual(
      summary.errors.map((e) => [e.line, e.field, e.code]),
      [
        [2, 'row', 'malformed_json'],
        [3, 'nickname', 'unknown_field'],
        [5, 'first_name', 'wrong_type'],
        [6, 'document_number', 'nif_letter'],
        [7, 'member_number', 'duplicate_in_file'],
        [8, 'row', 'not_an_object'],
      ],
    );
    assert.equal(summary.lines, 9, 'the blank line is not a record');
    assert.deepEqual(
      [summary.inserted, summary.skipped, summary.enrolment_emails, summary.errors_omitted],
      [3, 6, 2, 0],
    );
    const stored = await ctx.db.kysely
      .selectFrom('members')
      .select('member_number')
      .where('member_number', 'like', 'B%')
      .orderBy('member_number')
      .execute();
    assert.deepEqual(
      stored.map((m) => m.member_number),
      ['B1', 'B6', 'B7'],
      'the minor whose guardian came later is linked too',
    );
    const links = await ctx.db.kysely
      .selectFrom('guardian_links')
      .innerJoin('members as minor', 'minor.id', 'guardian_links.minor_member_id')
      .innerJoin('members as guardian', 'guardian.id', 'guardian_links.guardian_member_id')
      .select(['minor.member_number as minor', 'guardian.member_number as guardian'])
      .where('minor.member_number', 'like', 'B%')
      .execute();
    assert.deepEqual(links, [{ minor: 'B6', guardian: 'B7' }]);

    const emailsBefore = (await enrolments()).length;
    const repeat = (await bulk(body)).json<Json>();
    assert.deepEqual([repeat.inserted, repeat.updated, repeat.unchanged, repeat.enrolment_emails], [0, 0, 3, 0]);
    assert.equal((await enrolments()).length, emailsBefore, 'no second enrolment email');

    const audit = await ctx.db.kysely
      .selectFrom('audit_events')
      .selectAll()
      .where('event', '=', 'feed.import')
      .orderBy('id')
      .execute();
    assert.equal(audit.at(-1)?.actor, `api-key:${writerId}`);
    assert.match(audit.at(-1)?.details ?? '', /"source":"api"/);

    problem(
      await ctx.app.inject({
        method: 'POST',
        url: '/api/v1/members/bulk',
        headers: { ...auth(writer), 'content-type': 'application/json' },
        payload: '{}',
      }),
      415,
    );
  });

  test('a bulk body past 200 MB is cut off as it streams: 413, the lines before the limit applied', async () => {
    const declared = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/members/bulk',
      headers: { ...auth(writer), 'content-type': 'application/x-ndjson', 'content-length': String(300 * 1024 * 1024) },
      payload: line({ member_number: 'CUT-0', policy_number: 'POLCUT', email: null }),
    });
    problem(declared, 413);
    let pulled = 0;
    const megabyte = Buffer.alloc(1024 * 1024, 0x20);
    async function* body() {
      yield Buffer.from(
        line({ member_number: 'CUT-1', policy_number: 'POLCUT', email: null }) +
          line({ member_number: 'CUT-2', policy_number: 'POLCUT', email: null }),
      );
      for (let i = 0; i < 300; i++) {
        pulled++;
        yield megabyte;
      }
    }
    const res = await bulk(Readable.from(body()));
    const answer = problem(res, 413) as Json & { summary: Json };
    assert.equal(res.headers.connection, 'close');
    assert.equal(answer.summary.inserted, 2);
    assert.deepEqual(answer.summary.stream_error, {
      line: 3,
      field: 'body',
      code: 'too_large',
      params: { max: 200 * 1024 * 1024 },
    });
    // 200 MB plus the few chunks the stream pipes read ahead; never the 300 MB on offer.
    assert.ok(pulled <= 210, `the server stopped reading at the limit (${pulled} MB read)`);
    const stored = await ctx.db.kysely
      .selectFrom('members')
      .select('member_number')
      .where('member_number', 'like', 'CUT%')
      .orderBy('member_number')
      .execute();
    assert.deepEqual(
      stored.map((m) => m.member_number),
      ['CUT1', 'CUT2'],
    );
  });

  test('two identical PUTs racing for a new member: one creates it, the other finds it unchanged; one email', async () => {
    const body = member({ email: 'race@example.com', first_name: 'Rita' });
    const [a, b] = await Promise.all([put('/api/v1/members/RACE-1', body), put('/api/v1/members/RACE-1', body)]);
    assert.deepEqual([a.statusCode, b.statusCode].sort(), [200, 201], a.body + b.body);
    assert.equal((await enrolments()).filter((m) => m.recipient === 'race@example.com').length, 1);
  });

  test('a 20,000-line bulk stream is applied while it is still arriving (read line by line, never buffered whole)', async () => {
    const total = 20_000;
    const perChunk = 250;
    let storedBeforeLastChunk = -1;
    const count = async () =>
      Number(
        (
          await ctx.db.kysely
            .selectFrom('members')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('member_number', 'like', 'BIG%')
            .executeTakeFirstOrThrow()
        ).n,
      );
    async function* lines() {
      for (let start = 0; start < total; start += perChunk) {
        // By the time the client sends its last part, the server must already have stored earlier lines.
        if (start + perChunk >= total) storedBeforeLastChunk = await count();
        let chunk = '';
        for (let i = start; i < start + perChunk; i++)
          chunk += line({ member_number: `BIG${i}`, policy_number: 'POLBIG', email: null });
        yield Buffer.from(chunk);
      }
    }
    const res = await bulk(Readable.from(lines()));
    assert.equal(res.statusCode, 200, res.body);
    const summary = res.json<Json>();
    assert.deepEqual([summary.lines, summary.inserted, summary.skipped], [total, total, 0]);
    assert.equal(await count(), total);
    assert.ok(storedBeforeLastChunk >= total / 2, `rows stored before the body ended: ${storedBeforeLastChunk}`);
  });

  test('the OpenAPI 3.1 document is valid and describes every /api/v1 route with its security scheme', async () => {
    const res = await ctx.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    assert.equal(res.statusCode, 200);
    const doc = res.json<{
      openapi: string;
      paths: Record<string, Record<string, { security?: unknown }>>;
      components: { securitySchemes: Json };
    }>();
    assert.equal(doc.openapi, '3.1.0');
    const validator = new Validator();
    const result = await validator.validate(doc);
    assert.equal(validator.version, '3.1');
    assert.ok(result.valid, JSON.stringify(result.errors));
    assert.deepEqual(doc.components.securitySchemes.apiKey, {
      type: 'http',
      scheme: 'bearer',
      description:
        'An API key (`mak_…`) created with `member-area api-key create`, sent as `Authorization: Bearer mak_…`.',
    });

    const apiRoutes = servedRoutes(ctx.app.printRoutes({ commonPrefix: false })).filter(
      (r) => r.path.startsWith('/api/v1/') && r.path !== '/api/v1/openapi.json',
    );
    assert.ok(apiRoutes.length >= 4, JSON.stringify(apiRoutes));
    for (const route of apiRoutes) {
      const path = route.path.replace(/:(\w+)/g, '{$1}');
      for (const method of route.methods.filter((m) => m !== 'HEAD')) {
        assert.ok(doc.paths[path]?.[method.toLowerCase()], `${method} ${path} is in the OpenAPI document`);
      }
    }
    assert.ok(doc.paths['/api/v1/members/bulk']?.post, 'the bulk route');
    assert.match(JSON.stringify(doc.paths['/api/v1/members/bulk']), /application\/x-ndjson/);
  });
});
