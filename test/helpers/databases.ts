import { randomBytes } from 'node:crypto';
import { describe } from 'node:test';
import pg from 'pg';
import { openDatabase, type Db } from '../../src/infra/db/database.js';
import { migrateToLatest } from '../../src/infra/db/migrate.js';

// STYLE habit 9: every database test runs on SQLite in memory, and on PostgreSQL whenever one is reachable
// (PG_URL, or the machine's default). In CI PostgreSQL must be there: a silent skip would hide a broken dialect.
export const PG_URL = process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export type DatabaseKind = 'sqlite' | 'postgres';

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
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

/** A fresh, migrated database: SQLite in memory, or a new PostgreSQL schema dropped again on close. */
export async function freshDatabase(kind: DatabaseKind): Promise<Db> {
  if (kind === 'sqlite') {
    const db = openDatabase('sqlite::memory:');
    await migrateToLatest(db);
    return db;
  }
  const schema = `t_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const db = openDatabase(PG_URL, { schema, poolSize: 5 });
  await migrateToLatest(db);
  return {
    kysely: db.kysely,
    dialect: db.dialect,
    async close() {
      await db.close();
      const c = new pg.Client({ connectionString: PG_URL });
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
