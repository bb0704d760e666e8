import { createHash } from 'node:crypto';
import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import type pg from 'pg';

// PostgreSQL parses and plans an unnamed statement on every execution; for the short queries a page runs (a session
// lookup, a member's records) that was two thirds of the database's CPU (issue 8: 87–113 µs of backend CPU a query
// unnamed, 30–33 µs as a prepared statement). So the pool hands Kysely connections that send each of the app's
// statements as a named prepared statement, once per connection, then only Bind/Execute. The SQLite side does the
// same with its statement cache (database.ts).
//
// Bounded and safe:
// - only plain SELECT/INSERT/UPDATE/DELETE/WITH statements with few parameters are named (a multi-row insert or a
//   long IN list varies with its data and would never be reused), and at most MAX_NAMED per connection;
// - a table changed under a prepared `SELECT *` (a migration run by another node during an upgrade) makes
//   PostgreSQL refuse the old plan ("cached plan must not change result type"): that statement is sent unnamed on
//   that connection from then on, and retried at once when no transaction is open (inside one, the transaction has
//   already failed, and the error goes to the caller like any other).

const MAX_NAMED = 300;
const MAX_PARAMETERS = 32;
const MAX_TEXT = 4000;
const PREPARABLE = /^\s*(select|insert|update|delete|with)\b/i;

interface State {
  named: Set<string>;
  stale: Set<string>;
  inTransaction: boolean;
}

function nameOf(sql: string, parameters: number): string | undefined {
  if (parameters > MAX_PARAMETERS || sql.length > MAX_TEXT || !PREPARABLE.test(sql)) return undefined;
  return `ma_${createHash('sha256').update(sql).digest('hex').slice(0, 40)}`;
}

function isStalePlan(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e.code === '0A000' && /cached plan must not change result type/.test(e.message ?? '');
}

function wrap(client: pg.PoolClient): PostgresPoolClient {
  const state: State = { named: new Set(), stale: new Set(), inTransaction: false };
  const unnamed = <R>(sql: string, parameters: ReadonlyArray<unknown>) =>
    client.query(sql, [...parameters]) as unknown as Promise<PostgresQueryResult<R>>;
  function query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
  function query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
  function query<R>(
    sqlOrCursor: string | PostgresCursor<R>,
    parameters: ReadonlyArray<unknown> = [],
  ): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
    if (typeof sqlOrCursor !== 'string') return client.query(sqlOrCursor as never) as unknown as PostgresCursor<R>;
    const sql = sqlOrCursor;
    const head = sql.trimStart().slice(0, 8).toLowerCase();
    if (head.startsWith('begin') || head.startsWith('start')) state.inTransaction = true;
    else if (head.startsWith('commit') || head.startsWith('rollback') || head.startsWith('end'))
      state.inTransaction = false;
    const name = nameOf(sql, parameters.length);
    if (!name || state.stale.has(name) || (!state.named.has(name) && state.named.size >= MAX_NAMED))
      return unnamed<R>(sql, parameters);
    state.named.add(name);
    const inTransaction = state.inTransaction;
    return (
      client.query({ name, text: sql, values: [...parameters] }) as unknown as Promise<PostgresQueryResult<R>>
    ).catch((err: unknown) => {
      if (!isStalePlan(err)) throw err;
      state.stale.add(name);
      if (inTransaction) throw err;
      return unnamed<R>(sql, parameters);
    });
  }
  return { query, release: (destroy?: boolean) => client.release(destroy) };
}

/** The pool as Kysely's PostgresDialect wants it, its connections sending the app's statements prepared. */
export function preparingPool(pool: pg.Pool): PostgresPool {
  const wrapped = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  return {
    async connect() {
      const client = await pool.connect();
      let w = wrapped.get(client);
      if (!w) {
        w = wrap(client);
        wrapped.set(client, w);
      }
      return w;
    },
    end: () => pool.end(),
  };
}
