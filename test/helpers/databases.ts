import { randomBytes } from 'node:crypto';
import { describe } from 'node:test';
import pg from 'pg';
import { openDatabase, type Db } from '../../src/infra/db/database.js';
import { migrateToLatest } from '../../src/infra/db/migrate.js';

// STYLE habit 9: every database test runs on SQLite in memory, and on PostgreSQL whenever one is reachable
// (PG_URL, or the machine's default). In CI PostgreSQL must be there: a silent skip would hide a broken dialect.
export const PG_URL = process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export type DatabaseKind = 'sqlite' | 'postgres';

// A busy machine can take seconds to accept a connection: CI, which must test PostgreSQL, waits longer than a
// developer's run, which only asks whether one is there.
async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: process.env.CI ? 30_000 : 5_000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

const pgAvailable = await postgresReachable();
if (!pgAvailable && process.env.CI) throw new Error(`PostgreSQL is not reachable at ${PG_URL}, and CI must test it`);

export const databaseKinds: DatabaseKind[] = pgAvailable ? ['sqlite', 'postgres'] : ['sqlite'];

let processDatabase: Promise<string> | undefined;

/**
 * This test process's own PostgreSQL database, made on first use and dropped when the process ends. Each process
 * gets a database rather than sharing one: Kysely's migrator scans every schema of its database, and a schema that
 * another process drops mid-scan makes that scan fail.
 */
function testDatabaseUrl(): Promise<string> {
  processDatabase ??= (async () => {
    const name = `mt_${process.pid}_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    let dropped = false;
    process.on('beforeExit', () => {
      if (dropped) return;
      dropped = true;
      const c = new pg.Client({ connectionString: PG_URL });
      void c
        .connect()
        .then(() => c.query(`drop database if exists ${name} with (force)`))
        .catch(() => {})
        .finally(() => c.end().catch(() => {}));
    });
    const url = new URL(PG_URL);
    url.pathname = `/${name}`;
    return url.toString();
  })();
  return processDatabase;
}

/** A PostgreSQL URL of a database this test process owns (for tests that run the CLI or a server on it). */
export const postgresTestUrl = testDatabaseUrl;

/** A test database; on PostgreSQL with where it is, for a connection of one's own (a LISTEN, another node). */
export type TestDb = Db & { postgres?: { connectionString: string; schema: string } };

/**
 * A fresh, migrated database: SQLite in memory, or a new PostgreSQL schema (in this process's database) dropped on
 * close.
 */
export async function freshDatabase(kind: DatabaseKind): Promise<TestDb> {
  if (kind === 'sqlite') {
    const db = openDatabase('sqlite::memory:');
    await migrateToLatest(db);
    return db;
  }
  const base = await testDatabaseUrl();
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const db = openDatabase(base, { schema, poolSize: 5 });
  await migrateToLatest(db);
  return {
    kysely: db.kysely,
    dialect: db.dialect,
    ...(db.pool ? { pool: db.pool } : {}),
    postgres: { connectionString: base, schema },
    async close() {
      await db.close();
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
    },
  };
}

/** Runs the same suite once per available database. */
export function describeEachDatabase(name: string, fn: (kind: DatabaseKind) => void): void {
  for (const kind of databaseKinds) describe(`${name} [${kind}]`, () => fn(kind));
}
