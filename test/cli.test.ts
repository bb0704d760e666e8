import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createSecretBox, keyId, SecretBoxError } from '../src/infra/crypto/secret-box.js';
import { FEED_HEADER } from '../src/feed/demo-feed.js';
import { cli } from './helpers/cli.js';
import { databaseKinds, postgresTestUrl } from './helpers/databases.js';

// The CLI reads the same configuration as the server (issue: foundation). It runs as `npx member-area <command>`.

test('migrate, demo and import on SQLite; a skipped row makes the import exit 1', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-'));
  const env = { DATABASE_URL: `sqlite:${join(dir, 'db', 'portal.db')}` };
  const migrated = await cli(['migrate'], env);
  assert.equal(migrated.code, 0, migrated.stderr);
  assert.match(migrated.stdout, /0001-initial/);
  assert.match((await cli(['migrate'], env)).stdout, /up to date/);

  const demo = await cli(['demo'], env);
  assert.equal(demo.code, 0, demo.stderr);
  assert.match(demo.stdout, /Imported 11 rows: 11 new/);

  const file = join(dir, 'feed.csv');
  writeFileSync(
    file,
    FEED_HEADER +
      'P-77,active,local,Salud,2025-01-01,,M-77,holder,Eva,Gil,1980-01-01,NIF,12345678A,eva@example.com,,,,,,ES,es,\n' +
      'P-77,active,local,Salud,2025-01-01,,M-78,holder,Luis,Gil,1981-01-01,NIF,12345678Z,luis@example.com,,,,,,ES,es,\n',
  );
  const imported = await cli(['import', file], env);
  assert.equal(imported.code, 1, 'a skipped row is an error for the operator');
  assert.match(imported.stdout, /line 2: document_number: The letter does not match this NIF/);
  assert.match(imported.stdout, /Imported 2 rows: 1 new, 0 updated, 0 unchanged, 1 skipped/);

  assert.equal((await cli(['import', join(dir, 'missing.csv')], env)).code, 2);
  assert.equal((await cli(['frobnicate'], env)).code, 2);
  const badConfig = await cli(['migrate'], { DATABASE_URL: 'mysql://nope' });
  assert.equal(badConfig.code, 2);
  assert.match(badConfig.stderr, /DATABASE_URL/);
  const csv = await cli(['demo', '--csv'], env);
  assert.ok(csv.stdout.startsWith(FEED_HEADER));
});

test(
  'migrate and demo on PostgreSQL',
  { skip: !databaseKinds.includes('postgres') && 'PostgreSQL not reachable' },
  async () => {
    const schema = `cli_${process.pid}_${Date.now()}`;
    const base = await postgresTestUrl();
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    try {
      const url = `${base}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
      const demo = await cli(['demo'], { DATABASE_URL: url });
      assert.equal(demo.code, 0, demo.stderr);
      assert.match(demo.stdout, /Imported 11 rows: 11 new/);
      const again = await cli(['demo'], { DATABASE_URL: url });
      assert.match(again.stdout, /0 new, 0 updated, 11 unchanged/);
      const { rows } = await admin.query(`select count(*)::int as n from ${schema}.members`);
      assert.equal(rows[0].n, 11);
    } finally {
      await admin.query(`drop schema ${schema} cascade`);
      await admin.end();
    }
  },
);

test('--version names the package, its version and the Node.js running it, without any configuration (issue 18)', async () => {
  const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  const res = await cli(['--version'], { DATABASE_URL: 'mysql://not-read' });
  assert.equal(res.code, 0, res.stderr);
  assert.equal(res.stdout.trim(), `member-area ${pkg.version} (Node.js ${process.version})`);
});

test('secrets rotate (R29): an operator moves every sealed value to a new key, and a key left out is named, not a stack trace', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-rotate-'));
  const file = join(dir, 'portal.db');
  const [oldKey, newKey, strayKey] = [randomBytes(32), randomBytes(32), randomBytes(32)];
  const env = (current: Buffer, previous?: Buffer) => ({
    DATABASE_URL: `sqlite:${file}`,
    ENCRYPTION_KEY: current.toString('hex'),
    ...(previous ? { ENCRYPTION_KEYS_PREVIOUS: previous.toString('hex') } : {}),
  });
  // The demo feed queues enrolment emails, sealed under the key of the day.
  assert.equal((await cli(['demo'], env(oldKey))).code, 0);
  const sealed = () => {
    const db = new Database(file, { readonly: true });
    try {
      return (db.prepare('select body_text from outbox').all() as { body_text: string }[]).map((r) => r.body_text);
    } finally {
      db.close();
    }
  };
  assert.ok(sealed().length >= 1 && sealed().every((v) => createSecretBox(oldKey).open(v).length > 0));

  const rotated = await cli(['secrets', 'rotate'], env(newKey, oldKey));
  assert.equal(rotated.code, 0, rotated.stderr);
  assert.match(rotated.stdout, new RegExp(`${sealed().length} outbox messages`));
  for (const value of sealed()) {
    assert.ok(createSecretBox(newKey).open(value).length > 0, 'the new key alone opens it');
    assert.throws(() => createSecretBox(oldKey).open(value), SecretBoxError, 'the old key no longer does');
  }
  assert.match((await cli(['secrets', 'rotate'], env(newKey, oldKey))).stdout, / 0 outbox messages/, 'idempotent');

  const forgotten = await cli(['secrets', 'rotate'], env(strayKey));
  assert.equal(forgotten.code, 1);
  assert.match(forgotten.stderr, new RegExp(`sealed under key ${keyId(newKey)}, which is not configured`));
  assert.match(forgotten.stderr, /ENCRYPTION_KEYS_PREVIOUS/);
  assert.doesNotMatch(forgotten.stderr, /\n\s+at /, 'no stack trace');
});

test('providers import (R34): bad rows by line, exit 1; --full retires what the file leaves out', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-providers-'));
  const env = { DATABASE_URL: `sqlite:${join(dir, 'portal.db')}` };
  const header =
    'provider_id,name,kind,specialties,address_line,postal_code,city,province,phone,latitude,longitude,networks,languages\n';
  const row = (id: string, name: string, postal = '29005') =>
    `${id},${name},doctor,Traumatología,Calle Larios 5,${postal},Málaga,Málaga,952000111,36.72,-4.42,Salud Plus,es\n`;
  const file = join(dir, 'providers.csv');
  writeFileSync(file, header + row('A1', 'Ana Núñez') + row('A2', 'Luis Gil', '00000') + row('A3', 'Eva Sol'));
  const first = await cli(['providers', 'import', file], env);
  assert.equal(first.code, 1, first.stderr);
  assert.match(first.stdout, /line 3: postal_code: /);
  assert.match(first.stdout, /Imported 3 providers: 2 new, 0 updated, 0 unchanged, 1 skipped; 0 retired/);
  writeFileSync(file, header + row('A1', 'Ana Núñez'));
  const full = await cli(['providers', 'import', file, '--full'], env);
  assert.equal(full.code, 0, full.stderr);
  assert.match(full.stdout, /1 unchanged, 0 skipped; 1 retired/);
  assert.equal((await cli(['providers', 'import'], env)).code, 2);
});
