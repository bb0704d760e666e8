import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { describeEachDatabase } from '../../../test/helpers/databases.js';
import { setup, type TestContext } from '../../../test/helpers/setup.js';
import { createApiKey } from '../../identity/api-keys.js';

// R34 (issue 29 items 1 and 6): PUT and DELETE /api/v1/providers/{provider_id}, scope providers:write, RFC 9457.

type Json = Record<string, unknown>;
const provider = (over: Json = {}): Json => ({
  name: 'Dra. María Núñez Pérez',
  kind: 'doctor',
  specialties: ['Traumatología'],
  address_line: 'Calle Larios 5',
  postal_code: '29005',
  city: 'Málaga',
  province: 'Málaga',
  phone: '+34 952 000 111',
  latitude: 36.719,
  longitude: -4.421,
  networks: ['Salud Plus'],
  languages: ['es', 'en'],
  ...over,
});

describeEachDatabase('providers API (R34)', (kind) => {
  let ctx: TestContext;
  let writer: string;
  let members: string;
  const call = (method: 'PUT' | 'DELETE', url: string, payload?: Json, key = writer) =>
    ctx.app.inject({ method, url, headers: { authorization: `Bearer ${key}` }, ...(payload ? { payload } : {}) });
  const found = async (q: string) => (await ctx.app.inject({ method: 'GET', url: `/directory?q=${q}` })).body;

  before(async () => {
    ctx = await setup(kind);
    const w = await createApiKey(ctx.db.kysely, ctx.clock, {
      name: 'dir',
      scopes: ['providers:write'],
      createdBy: 't',
    });
    const m = await createApiKey(ctx.db.kysely, ctx.clock, { name: 'core', scopes: ['members:write'], createdBy: 't' });
    assert.ok(w.ok && m.ok);
    writer = w.value.key;
    members = m.value.key;
  });
  after(async () => {
    await ctx.close();
  });

  test('PUT creates, repeats as unchanged, updates; the directory shows it at once', async () => {
    const created = await call('PUT', '/api/v1/providers/PR-1', provider());
    assert.equal(created.statusCode, 201, created.body);
    assert.deepEqual(created.json(), { provider_id: 'PR-1', result: 'created' });
    assert.equal(created.headers.location, '/api/v1/providers/PR-1');
    assert.deepEqual((await call('PUT', '/api/v1/providers/PR-1', provider())).json(), {
      provider_id: 'PR-1',
      result: 'unchanged',
    });
    const updated = await call('PUT', '/api/v1/providers/PR-1', provider({ name: 'Dra. María Núñez Ruiz' }));
    assert.equal(updated.json<Json>().result, 'updated');
    assert.match(await found('nunez+ruiz'), /Dra\. María Núñez Ruiz/);
  });

  test('bad values are 422 problems by pointer; a bad shape is 400; the wrong scope 403', async () => {
    const bad = await call('PUT', '/api/v1/providers/PR-2', provider({ postal_code: '99999', phone: 'call me' }));
    assert.equal(bad.statusCode, 422, bad.body);
    assert.match(String(bad.headers['content-type']), /^application\/problem\+json/);
    const errors = bad.json<{ errors: { pointer: string; code: string }[] }>().errors;
    assert.deepEqual(
      errors.map((e) => `${e.pointer} ${e.code}`),
      ['/postal_code postal_code_invalid', '/phone phone_invalid'],
    );
    const badId = await call('PUT', '/api/v1/providers/no%20spaces', provider());
    assert.equal(badId.statusCode, 422);
    assert.equal((await call('PUT', '/api/v1/providers/PR-2', provider({ latitude: 'north' }))).statusCode, 400);
    const scope = await call('PUT', '/api/v1/providers/PR-2', provider(), members);
    assert.equal(scope.statusCode, 403);
    assert.equal((await call('DELETE', '/api/v1/providers/PR-1', undefined, members)).statusCode, 403);
  });

  test('DELETE retires the provider from every search; a second DELETE is 404; PUT brings it back', async () => {
    const gone = await call('DELETE', '/api/v1/providers/PR-1');
    assert.equal(gone.statusCode, 204, gone.body);
    assert.doesNotMatch(await found('nunez'), /Núñez Ruiz/);
    const again = await call('DELETE', '/api/v1/providers/PR-1');
    assert.equal(again.statusCode, 404);
    assert.match(String(again.headers['content-type']), /^application\/problem\+json/);
    assert.equal((await call('PUT', '/api/v1/providers/PR-1', provider())).json<Json>().result, 'updated');
    assert.match(await found('nunez'), /Núñez/);
  });

  test('the OpenAPI document describes both routes with their scope', async () => {
    const doc = (await ctx.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json<{
      paths: Record<string, Record<string, { description?: string }>>;
    }>();
    const path = doc.paths['/api/v1/providers/{providerId}'];
    assert.ok(path?.put && path.delete, Object.keys(doc.paths).join(' '));
    assert.match(path.put.description ?? '', /providers:write/);
  });
});
