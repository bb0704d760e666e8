import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql, type SqliteDatabase } from 'kysely';
import pg from 'pg';
import { BACKSTOP_PAGES, startCheckpointer } from './sqlite-checkpointer.js';
import { preparingPool } from './pg-prepared.js';
import type { Database } from './tables.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Db {
  readonly kysely: Kysely<Database>;
  readonly dialect: Dialect;
  /** PostgreSQL: this process's connection pool right now (for the metrics); SQLite has none. */
  readonly pool?: () => { total: number; idle: number; waiting: number };
  close(): Promise<void>;
}

export interface OpenOptions {
  /** PostgreSQL: run in this schema (tests get a fresh one per run). */
  schema?: string;
  poolSize?: number;
  /**
   * SQLite: copy the write-ahead log into the file from a thread of its own (sqlite-checkpointer.ts). For a node
   * serving requests; a command (an import, a purge) keeps SQLite's checkpoint in its commits and no extra thread.
   */
  checkpointThread?: boolean;
}

// pg parses timestamps into Dates and dates into local-midnight Dates; we keep both as the text the
// application uses everywhere (ISO-8601 UTC, and YYYY-MM-DD), so no time zone shifts a birth date.
const PG_TIMESTAMPTZ = 1184;
const PG_TIMESTAMP = 1114;
const PG_DATE = 1082;
const PG_INT8 = 20;
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === PG_TIMESTAMPTZ || oid === PG_TIMESTAMP) return (v: string) => new Date(v).toISOString();
    if (oid === PG_DATE) return (v: string) => v;
    if (oid === PG_INT8) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format as 'text');
  },
} as pg.CustomTypesConfig;

/** Opens the database named by a DATABASE_URL (`sqlite:PATH`, `sqlite::memory:` or `postgres://…`). */
export function openDatabase(url: string, options: OpenOptions = {}): Db {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    const memory = path === ':memory:';
    if (!memory) mkdirSync(dirname(path), { recursive: true });
    const database = new SQLite(memory ? ':memory:' : path);
    if (!memory) database.pragma('journal_mode = WAL');
    database.pragma('foreign_keys = ON');
    database.pragma('busy_timeout = 5000');
    database.pragma('synchronous = NORMAL');
    // The log is copied back into the file by a thread of its own (sqlite-checkpointer.ts), not inside a request.
    const checkpointer = memory || !options.checkpointThread ? undefined : startCheckpointer(path);
    if (checkpointer) database.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
    const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) });
    return {
      kysely,
      dialect: 'sqlite',
      close: async () => {
        await checkpointer?.stop();
        await kysely.destroy();
      },
    };
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    types: pgTypes,
    // A server that accepts connections but never answers must not hold requests forever: they fail (503) instead.
    connectionTimeoutMillis: 5_000,
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
  });
  // When PostgreSQL restarts or the network drops, pooled connections emit 'error': idle ones on the pool, ones in use
  // on their client. pg already discards a broken client (it is no longer queryable) and opens a new one on the next
  // query; without listeners, though, either event would crash the process (issue 9). The query in flight gets the
  // error itself, and the request answers 503 (see web.plugin.ts).
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool: preparingPool(pool) }) });
  return {
    kysely,
    dialect: 'postgres',
    pool: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    close: () => kysely.destroy(),
  };
}

const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely prepares every query afresh; compiling the SQL is a tenth of a signed-in page's CPU (bench, issue 8).
 * The same few hundred statements run all day, so keep them prepared. A statement still being iterated (a
 * streamed query) is busy: then a fresh one is prepared for the caller instead of sharing it.
 */
function withStatementCache(database: SQLite.Database): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => database.close(),
    prepare(query: string) {
      const cached = cache.get(query);
      if (cached && !cached.busy) return cached;
      const statement = database.prepare(query);
      if (!cached) {
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
        cache.set(query, statement);
      }
      return statement;
    },
  };
}

/** A cheap round trip for /readyz. */
export async function ping(db: Db): Promise<void> {
  await sql`select 1`.execute(db.kysely);
}
