import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ManualClock } from '../../clock.js';
import type { Db } from '../../infra/db/database.js';
import { hashToken } from '../../infra/crypto/tokens.js';
import { cli } from '../../../test/helpers/cli.js';
import { describeEachDatabase, freshDatabase } from '../../../test/helpers/databases.js';
import { apiKeyCommand } from './api-keys.cli.js';
import { authenticateApiKey, createApiKey, hasScope, listApiKeys, revokeApiKey } from '../../identity/api-keys.js';

// R24: API keys stored hashed, shown once, scoped, revocable; R22: creation and revocation audited with the actor.

describeEachDatabase('API keys', (kind) => {
  let db: Db;
  const clock = new ManualClock('2026-11-27T10:00:00Z');
  before(async () => {
    db = await freshDatabase(kind);
  });
  after(async () => {
    await db.close();
  });

  test('a key is shown once, stored only as its hash, and authenticates with its scopes; last use is recorded', async () => {
    const created = await createApiKey(db.kysely, clock, {
      name: ' Core  system ',
      scopes: ['members:write', 'members:read', 'members:write'],
      createdBy: 'staff:7',
    });
    assert.ok(created.ok);
    const { id, key } = created.value;
    assert.match(key, /^mak_[A-Za-z0-9_-]{43}$/, 'a recognisable prefix and 256 random bits');
    const row = await db.kysely.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    assert.equal(row.key_hash, hashToken(key));
    assert.ok(!JSON.stringify(row).includes(key.slice(4)), 'the key itself is nowhere in the row');
    assert.equal(row.name, 'Core system');
    assert.equal(row.scopes, 'members:write members:read');

    const [listed] = await listApiKeys(db.kysely);
    assert.equal(listed?.hint, key.slice(0, 10));
    assert.deepEqual(listed?.scopes, ['members:write', 'members:read']);
    assert.equal(listed?.lastUsedAt, null);
    assert.ok(!JSON.stringify(await listApiKeys(db.kysely)).includes(key), 'a list never shows a key');

    const auth = await authenticateApiKey(db.kysely, clock, key);
    assert.ok(auth.ok);
    assert.ok(hasScope(auth.key, 'members:read'));
    assert.equal((await listApiKeys(db.kysely))[0]?.lastUsedAt, clock.now().toISOString());

    const audit = await db.kysely
      .selectFrom('audit_events')
      .selectAll()
      .where('event', '=', 'api_key.created')
      .execute();
    assert.equal(audit.length, 1);
    assert.equal(audit[0]?.actor, 'staff:7');
    assert.equal(audit[0]?.subject, `api-key:${id}`);
    assert.ok(!JSON.stringify(audit).includes(key.slice(4)), 'R22: never the key in the audit log');
  });

  test('unknown, malformed and revoked keys do not authenticate; a revocation is audited once', async () => {
    const created = await createApiKey(db.kysely, clock, {
      name: 'reader',
      scopes: ['members:read'],
      createdBy: 'cli',
    });
    assert.ok(created.ok);
    const { id, key } = created.value;
    assert.deepEqual(await authenticateApiKey(db.kysely, clock, undefined), { ok: false, reason: 'missing' });
    assert.deepEqual(await authenticateApiKey(db.kysely, clock, 'mak_short'), { ok: false, reason: 'malformed' });
    assert.deepEqual(await authenticateApiKey(db.kysely, clock, `mak_${'A'.repeat(43)}`), {
      ok: false,
      reason: 'unknown',
    });
    const auth = await authenticateApiKey(db.kysely, clock, key);
    assert.ok(auth.ok && !hasScope(auth.key, 'members:write'), 'a read key cannot write');

    assert.deepEqual(await revokeApiKey(db.kysely, clock, id, 'staff:9'), { ok: true, value: { id } });
    assert.deepEqual(await authenticateApiKey(db.kysely, clock, key), { ok: false, reason: 'revoked', keyId: id });
    const again = await revokeApiKey(db.kysely, clock, id, 'staff:9');
    assert.equal(!again.ok && again.reason, 'already_revoked');
    const missing = await revokeApiKey(db.kysely, clock, 999_999, 'staff:9');
    assert.equal(!missing.ok && missing.reason, 'not_found');
    const audit = await db.kysely
      .selectFrom('audit_events')
      .selectAll()
      .where('event', '=', 'api_key.revoked')
      .execute();
    assert.deepEqual(
      audit.map((a) => [a.actor, a.subject]),
      [['staff:9', `api-key:${id}`]],
    );
  });

  test('a key needs a name and known scopes', async () => {
    const bad = await createApiKey(db.kysely, clock, {
      name: '  ',
      scopes: ['members:delete'],
      createdBy: 'cli',
      ratePerMinute: 0,
    });
    assert.ok(!bad.ok);
    assert.deepEqual(bad.errors.map((e) => `${e.field}:${e.code}`).sort(), [
      'name:required',
      'rate_per_minute:out_of_range',
      'scopes:not_allowed',
    ]);
    const none = await createApiKey(db.kysely, clock, { name: 'x', scopes: [], createdBy: 'cli' });
    assert.ok(!none.ok && none.errors[0]?.code === 'required');
  });

  test('the api-key command creates (printing the key once), lists and revokes', async () => {
    const lines: string[] = [];
    const errors: string[] = [];
    const io = { out: (l: string) => lines.push(l), err: (l: string) => errors.push(l) };
    const runtime = { db, clock };
    assert.equal(
      await apiKeyCommand(
        runtime,
        ['create', '--name', 'CLI key', '--scope', 'members:write,members:read', '--rate', '50'],
        io,
      ),
      0,
    );
    const key = lines.find((l) => l.startsWith('mak_'));
    assert.ok(key, 'the key is printed');
    const id = Number(/Created API key (\d+)/.exec(lines.join('\n'))?.[1]);
    lines.length = 0;
    assert.equal(await apiKeyCommand(runtime, ['list'], io), 0);
    const listed = lines.find((l) => l.startsWith(`${id}\t`));
    assert.match(listed ?? '', /CLI key\tmembers:write,members:read\t50\/min/);
    assert.ok(!lines.join('\n').includes(key), 'the list never shows a key');
    assert.equal(await apiKeyCommand(runtime, ['revoke', String(id)], io), 0);
    assert.equal(await apiKeyCommand(runtime, ['revoke', String(id)], io), 1);
    assert.equal(await apiKeyCommand(runtime, ['create', '--name', 'x', '--scope', 'admin'], io), 1);
    assert.match(errors.join('\n'), /scopes: This value is not allowed/);
    assert.equal(await apiKeyCommand(runtime, ['create', '--bogus'], io), 2);
    assert.equal(await apiKeyCommand(runtime, ['revoke', 'abc'], io), 2);
    const auth = await authenticateApiKey(db.kysely, clock, key);
    assert.equal(!auth.ok && auth.reason, 'revoked');
  });
});

test('member-area api-key create / list / revoke from the command line', async () => {
  const env = { DATABASE_URL: `sqlite:${join(mkdtempSync(join(tmpdir(), 'apikey-')), 'db.sqlite')}` };
  const created = await cli(['api-key', 'create', '--name', 'Core', '--scope', 'members:write'], env);
  assert.equal(created.code, 0, created.stderr);
  const key = /^mak_\S+$/m.exec(created.stdout)?.[0];
  assert.ok(key, created.stdout);
  const listed = await cli(['api-key', 'list'], env);
  assert.match(listed.stdout, /^1\tmak_\S{6}…\tCore\tmembers:write\t600\/min\t.*\tlast used never\tactive$/m);
  assert.ok(!listed.stdout.includes(key));
  const revoked = await cli(['api-key', 'revoke', '1'], env);
  assert.match(revoked.stdout, /Revoked API key 1/);
  assert.match((await cli(['api-key', 'list'], env)).stdout, /revoked .* by cli$/m);
});
