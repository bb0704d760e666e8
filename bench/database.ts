import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import pg from 'pg';
import { systemClock } from '../src/clock.js';
import { defaultBrand } from '../src/config.js';
import { todayIn } from '../src/domain/calendar.js';
import { syntheticFeed } from '../src/feed/demo-feed.js';
import { importFeed } from '../src/feed/feed.import.js';
import { hashPassword } from '../src/infra/crypto/password-hash.js';
import { openDatabase, type Db } from '../src/infra/db/database.js';
import { migrateToLatest } from '../src/infra/db/migrate.js';
import { createCourier } from '../src/infra/outbox/courier.js';
import { developmentSecretBox } from '../src/infra/crypto/secret-box.js';

export type Kind = 'sqlite' | 'postgres';

/** A database of its own for one part of the run: a SQLite file, or a fresh PostgreSQL schema dropped afterwards. */
export interface Target {
  kind: Kind;
  url: string;
  drop(): Promise<void>;
}

export async function pgReachable(baseUrl: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: baseUrl, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

async function pgAdmin(baseUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** Drops the schemas of earlier runs that were interrupted (their process is gone). */
export async function dropStaleSchemas(baseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ nspname: string }>(
      `select nspname from pg_namespace where nspname like 'bench\\_%'`,
    );
    for (const { nspname } of rows) {
      const pid = Number(/^bench_(\d+)_/.exec(nspname)?.[1]);
      if (pid && !existsSync(`/proc/${pid}`)) await client.query(`drop schema if exists ${nspname} cascade`);
    }
  } finally {
    await client.end();
  }
}

export async function createTarget(kind: Kind, name: string, dir: string, pgBaseUrl: string): Promise<Target> {
  if (kind === 'sqlite') {
    const file = join(dir, `${name}.db`);
    return {
      kind,
      url: `sqlite:${file}`,
      drop: async () => ['', '-wal', '-shm'].forEach((s) => rmSync(file + s, { force: true })),
    };
  }
  const schema = `bench_${process.pid}_${name}`;
  await pgAdmin(pgBaseUrl, `drop schema if exists ${schema} cascade; create schema ${schema}`);
  const url = new URL(pgBaseUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return { kind, url: url.toString(), drop: () => pgAdmin(pgBaseUrl, `drop schema if exists ${schema} cascade`) };
}

export const BENCH_PASSWORD = 'Primavera2030';

export interface PoolMember {
  accountId: number;
  username: string;
  email: string;
}

/**
 * Registered members, as registration would leave them: families from the synthetic feed (two adults, two minors
 * each), an account for every adult with the bench password (one argon2id hash at ARGON2_PARAMS, shared), and
 * no enrolment emails left in the outbox for the portal to send.
 */
export async function seedMembers(db: Db, accounts: number): Promise<PoolMember[]> {
  await migrateToLatest(db);
  const today = todayIn('Europe/Madrid', new Date());
  const courier = createCourier({
    clock: systemClock,
    brand: defaultBrand,
    publicUrl: 'https://bench.localhost',
    box: developmentSecretBox(),
  });
  const rows = Math.ceil(accounts / 2) * 4;
  const report = await importFeed(
    { db, clock: systemClock, courier, timeZone: 'Europe/Madrid' },
    Readable.from(syntheticFeed(rows, today)),
  );
  if (report.skipped)
    throw new Error(`seeding skipped ${report.skipped} rows: ${JSON.stringify(report.problems.slice(0, 3))}`);
  await db.kysely.deleteFrom('outbox').execute();

  const hash = await hashPassword(BENCH_PASSWORD);
  const now = new Date().toISOString();
  const adults = await db.kysely
    .selectFrom('members')
    .select(['id', 'document_type', 'document_number', 'email', 'mobile'])
    .where('document_number', 'is not', null)
    .orderBy('id')
    .limit(accounts)
    .execute();
  const pool: PoolMember[] = [];
  for (let i = 0; i < adults.length; i += 200) {
    const chunk = adults.slice(i, i + 200);
    const created = await db.kysely
      .insertInto('accounts')
      .values(
        chunk.map((m) => ({
          username: m.document_number!,
          document_type: m.document_type!,
          password_hash: hash,
          email: m.email!,
          mobile: m.mobile,
          language: 'es' as const,
          // A member who has signed in before (the usual sign-in): the code's channel is known (issue 32: the password
          // step sends it). BENCH_PREFERRED=none measures first sign-ins, which choose the channel on a page.
          preferred_channel: process.env.BENCH_PREFERRED === 'none' ? null : ('email' as const),
          status: 'active' as const,
          password_changed_at: now,
          created_at: now,
          updated_at: now,
        })),
      )
      .returning(['id', 'username', 'email'])
      .execute();
    await db.kysely
      .insertInto('password_history')
      .values(created.map((a) => ({ account_id: a.id, password_hash: hash, created_at: now })))
      .execute();
    for (const a of created) {
      await db.kysely
        .updateTable('members')
        .set({ account_id: a.id })
        .where('document_number', '=', a.username)
        .execute();
      pool.push({ accountId: a.id, username: a.username, email: a.email });
    }
  }
  return pool;
}

export { openDatabase };
import type { SoftAuthenticator, SoftCredential } from '../test/helpers/soft-authenticator.js';

/**
 * R27: a passkey for each of these members, made by the bench's software authenticator and stored as the portal
 * would store it (the relying party is the production environment's PUBLIC_URL host).
 */
export async function seedPasskeys(
  db: Db,
  members: PoolMember[],
  authenticator: SoftAuthenticator,
  rpId: string,
): Promise<SoftCredential[]> {
  const now = new Date().toISOString();
  const credentials: SoftCredential[] = [];
  const rows = members.map((m) => {
    const { credential, publicKeyCose } = authenticator.register(
      rpId,
      Buffer.from(`bench-${m.accountId}`).toString('base64url'),
    );
    credentials.push(credential);
    return {
      account_id: m.accountId,
      staff_id: null,
      credential_id: credential.id,
      public_key: Buffer.from(publicKeyCose).toString('base64url'),
      counter: 0,
      transports: '["internal"]',
      name: 'Bench',
      device_type: 'singleDevice',
      backed_up: 0,
      created_at: now,
      last_used_at: null,
    };
  });
  for (let i = 0; i < rows.length; i += 500)
    await db.kysely
      .insertInto('passkeys')
      .values(rows.slice(i, i + 500))
      .execute();
  return credentials;
}
