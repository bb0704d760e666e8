import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { describeEachDatabase } from '../../../test/helpers/databases.js';
import { setup, type TestContext } from '../../../test/helpers/setup.js';
import { signedInStaff } from '../../../test/helpers/staff.js';

// R23/R24: administrators create (the key shown once, after a confirmation) and revoke integration API keys from
// the back office; agents cannot; every step is audited with the administrator as actor (R22).

describeEachDatabase('back office: API keys (R22, R23, R24)', (kind) => {
  let ctx: TestContext;
  before(async () => {
    ctx = await setup(kind);
  });
  after(() => ctx.close());

  const status = (key: string) =>
    ctx.app
      .inject({
        method: 'GET',
        url: '/api/v1/members/NOPE-1/registration',
        headers: { authorization: `Bearer ${key}` },
      })
      .then((r) => r.statusCode);

  test('an administrator creates a key after confirming, sees it once, the key works, then revokes it and it stops working', async () => {
    const { agent, staff } = await signedInStaff(ctx, 'admin');
    const form = await agent.get('/backoffice/api-keys/new');
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /name="scopes"/);

    // Without the confirmation nothing is created: the page asks first (R23).
    const review = await agent.post('/backoffice/api-keys/new', {
      name: 'Core system',
      scopes: 'members:read',
      rate_per_minute: '120',
    });
    assert.equal(review.statusCode, 200);
    assert.match(review.body, /name="confirmed" value="1"/);
    assert.equal((await ctx.db.kysely.selectFrom('api_keys').select('id').execute()).length, 0);

    const created = await agent.post('/backoffice/api-keys/new', {
      name: 'Core system',
      scopes: 'members:read',
      rate_per_minute: '120',
      confirmed: '1',
    });
    assert.equal(created.statusCode, 201);
    const key = /data-api-key="(mak_[A-Za-z0-9_-]{43})"/.exec(created.body)?.[1];
    assert.ok(key, 'the new key is on the page');
    // Only a hash is kept, and the list never shows the key again.
    const row = await ctx.db.kysely.selectFrom('api_keys').selectAll().executeTakeFirstOrThrow();
    assert.equal(row.scopes, 'members:read');
    assert.equal(row.rate_per_minute, 120);
    assert.equal(row.created_by, `staff:${staff.username}`);
    assert.ok(!JSON.stringify(row).includes(key));
    const list = await agent.get('/backoffice/api-keys');
    assert.equal(list.statusCode, 200);
    assert.ok(!list.body.includes(key), 'the list shows a hint, never the key');
    assert.match(list.body, /Core system/);

    assert.equal(
      await status(key),
      404,
      'a members:read key reads the registration status (of an unknown member here)',
    );

    const confirm = await agent.get(`/backoffice/api-keys/${row.id}/revoke`);
    assert.equal(confirm.statusCode, 200);
    // The confirmation names the key and posts to its own address; the way back is the keys' list.
    assert.ok(confirm.body.includes(`action="/backoffice/api-keys/${row.id}/revoke"`));
    assert.ok(confirm.body.includes(row.name));
    assert.match(confirm.body, /href="\/backoffice\/api-keys"/);
    const revoked = await agent.post(`/backoffice/api-keys/${row.id}/revoke`, { confirmed: '1', reason: 'rotated' });
    assert.equal(revoked.statusCode, 303);
    assert.equal(revoked.headers.location, '/backoffice/api-keys?done=revoked');
    assert.equal(await status(key), 401, 'a revoked key stops working at once');
    const again = await agent.post(`/backoffice/api-keys/${row.id}/revoke`, { confirmed: '1' });
    assert.equal(again.statusCode, 409);
    assert.match(again.body, /href="\/backoffice\/api-keys"/, 'already revoked: back to the keys');

    const audit = await ctx.db.kysely
      .selectFrom('audit_events')
      .selectAll()
      .where('event', 'in', ['api_key.created', 'api_key.revoked'])
      .orderBy('id')
      .execute();
    assert.deepEqual(
      audit.map((a) => [a.event, a.actor]),
      [
        ['api_key.created', `staff:${staff.username}`],
        ['api_key.revoked', `staff:${staff.username}`],
      ],
    );
    assert.ok(
      audit.every((a) => !(a.details ?? '').includes(key)),
      'never the key in the audit log',
    );
  });

  test('two scopes ticked on the form travel through the confirmation page', async () => {
    const { agent } = await signedInStaff(ctx, 'admin');
    // The confirmation page carries both scopes in one hidden field.
    const review = await agent.post('/backoffice/api-keys/new', {
      name: 'Both',
      scopes: 'members:write members:read',
      rate_per_minute: '',
    });
    assert.equal(review.statusCode, 200);
    assert.match(review.body, /name="scopes" value="members:write members:read"/);
    const created = await agent.post('/backoffice/api-keys/new', {
      name: 'Both',
      scopes: 'members:write members:read',
      rate_per_minute: '600',
      confirmed: '1',
    });
    assert.equal(created.statusCode, 201);
    const row = await ctx.db.kysely
      .selectFrom('api_keys')
      .select(['scopes', 'rate_per_minute'])
      .where('name', '=', 'Both')
      .executeTakeFirstOrThrow();
    assert.deepEqual(row, { scopes: 'members:write members:read', rate_per_minute: 600 });
  });

  test('bad input is shown back with a 400 and creates nothing', async () => {
    const { agent } = await signedInStaff(ctx, 'admin');
    const count = async () => (await ctx.db.kysely.selectFrom('api_keys').select('id').execute()).length;
    const before = await count();
    for (const fields of [
      { name: '', scopes: 'members:write', rate_per_minute: '10' },
      { name: 'x', scopes: 'members:admin', rate_per_minute: '10' },
      { name: 'x', rate_per_minute: '10' },
      { name: 'x', scopes: 'members:write', rate_per_minute: '-5' },
      { name: 'x', scopes: 'members:write', rate_per_minute: '99999999' },
      { name: 'x'.repeat(10_000), scopes: 'members:write', rate_per_minute: '10' },
    ] as Record<string, string>[]) {
      const res = await agent.post('/backoffice/api-keys/new', { ...fields, confirmed: '1' });
      assert.equal(res.statusCode, 400, JSON.stringify(fields).slice(0, 80));
      assert.match(res.body, /id="error-summary"/);
    }
    assert.equal(await count(), before);
    assert.equal((await agent.get('/backoffice/api-keys/999999/revoke')).statusCode, 404);
    assert.equal((await agent.get('/backoffice/api-keys/abc/revoke')).statusCode, 404);
  });

  test('an agent cannot list, create or revoke keys (403, audited)', async () => {
    const { agent } = await signedInStaff(ctx, 'agent');
    const refusedBefore = await ctx.db.kysely
      .selectFrom('audit_events')
      .select('id')
      .where('event', '=', 'backoffice.access')
      .where('outcome', '=', 'refused')
      .execute();
    assert.equal((await agent.get('/backoffice/api-keys')).statusCode, 403);
    assert.equal((await agent.get('/backoffice/api-keys/new')).statusCode, 403);
    assert.equal(
      (await agent.post('/backoffice/api-keys/new', { name: 'mine', scopes: 'members:write', confirmed: '1' }))
        .statusCode,
      403,
    );
    assert.equal((await agent.post('/backoffice/api-keys/1/revoke', { confirmed: '1' })).statusCode, 403);
    const refusedAfter = await ctx.db.kysely
      .selectFrom('audit_events')
      .select('id')
      .where('event', '=', 'backoffice.access')
      .where('outcome', '=', 'refused')
      .execute();
    assert.equal(refusedAfter.length - refusedBefore.length, 4);
    assert.equal(
      (await ctx.db.kysely.selectFrom('api_keys').select('id').where('name', '=', 'mine').execute()).length,
      0,
    );
  });
});
