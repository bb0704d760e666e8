import postgres from 'postgres';
import { PostgresJSDialect } from 'kysely-postgres-js';
import type { Dialect } from 'kysely';
import { MAX_NAMED, preparable } from './pg-prepared.js';

// The second PostgreSQL driver (issue 32, lever 1): postgres.js through the Kysely organisation's dialect, instead of
// `pg` with pg-prepared.ts. Same behaviour as the `pg` side of database.ts:
// - instants read as ISO-8601 UTC text, dates as YYYY-MM-DD text, int8 as a number; text given for a timestamptz or
//   a date parameter goes to PostgreSQL as it is (postgres.js would otherwise send `new Date(x).toISOString()`);
// - the app's statements are prepared once per connection (postgres.js names them itself; the same bounds as
//   pg-prepared.ts decide which), and a statement whose plan went stale under another node's migration is prepared
//   again by postgres.js (its retry on `RevalidateCachedQuery`);
// - a dropped connection fails its query with CONNECTION_CLOSED (a 503, web.plugin.ts), a server that never answers
//   with CONNECT_TIMEOUT after 5 s, and nothing is thrown outside a query (no event to listen to, unlike pg).

const asText = (v: unknown): string => (v instanceof Date ? v.toISOString() : String(v));

const TYPES = {
  instant: { to: 1184, from: [1114, 1184], serialize: asText, parse: (v: string) => new Date(v).toISOString() },
  civilDate: { to: 1082, from: [1082], serialize: asText, parse: (v: string) => v },
  int8: { to: 20, from: [20], serialize: asText, parse: (v: string) => Number(v) },
};

export interface PostgresJsOptions {
  schema?: string;
  poolSize: number;
}

export interface PostgresJs {
  dialect: Dialect;
  /** Connections in use (reserved by Kysely), an estimate of those open, and callers waiting for one. */
  pool(): { total: number; idle: number; waiting: number };
}

export function postgresJs(url: string, options: PostgresJsOptions): PostgresJs {
  let inUse = 0;
  let waiting = 0;
  // postgres.js does not say how many connections it holds open: at least as many as were in use at once, less
  // those it has closed since (idle for 10 s, past their lifetime, dropped).
  let open = 0;
  const sql = postgres(url, {
    max: options.poolSize,
    connect_timeout: 5,
    idle_timeout: 10,
    prepare: true,
    // fetch_types stays on: with it off, postgres.js 3.4 never hands a fresh connection to reserve(), which is
    // how the dialect takes every connection (the query after connecting waits forever). One query per connection.
    types: TYPES,
    transform: { undefined: null },
    onnotice: () => {},
    onclose: () => {
      open = Math.max(inUse, open - 1);
    },
    ...(options.schema ? { connection: { search_path: options.schema } } : {}),
  });
  const named = new Set<string>();
  const reservable = {
    async reserve() {
      waiting++;
      let connection: postgres.ReservedSql;
      try {
        connection = await sql.reserve();
      } finally {
        waiting--;
      }
      inUse++;
      open = Math.max(open, inUse);
      let released = false;
      return {
        unsafe(text: string, parameters: unknown[] = []) {
          const prepare =
            preparable(text, parameters.length) && (named.has(text) || (named.size < MAX_NAMED && !!named.add(text)));
          // A statement not kept still has its parameters' types described first (a second round trip), as pg's
          // unnamed statements are parsed each time.
          return connection.unsafe(text, parameters as postgres.ParameterOrJSON<never>[], {
            prepare,
            ...(prepare ? { simple: false } : {}),
          });
        },
        release() {
          if (released) return;
          released = true;
          inUse--;
          connection.release();
        },
      };
    },
    end: () => sql.end({ timeout: 5 }),
  };
  return {
    // kysely-postgres-js takes a function with `reserve` (the Sql object's shape): this one prepares within bounds.
    dialect: new PostgresJSDialect({ postgres: Object.assign(() => undefined, reservable) as never }),
    pool: () => ({ total: open, idle: Math.max(0, open - inUse), waiting }),
  };
}
