import type { CompiledQuery, Kysely } from 'kysely';
import type { Database } from './tables.js';

// Kysely builds and compiles every query afresh: for the few queries every signed-in page runs (its session, the
// member's records and minors), building and compiling was about 15% of the page's CPU (issue 20's profile), more
// than running them. A query whose shape never changes is built once per database with marker values in place of
// its parameters; each later call only puts the real values where the markers were. The statement caches below
// (better-sqlite3's, and the named statements on PostgreSQL) then find the very same SQL text.
//
// Only values may vary, never the shape: a parameter is a scalar, or an array whose length is part of the cache
// key (an `in (…)` list). A builder that branches on its parameters must not use this.

type Scalar = string | number | boolean | null;
type Params = Record<string, Scalar | readonly Scalar[]>;

interface Template {
  compiled: CompiledQuery;
  /**
   * For each compiled parameter: where its value comes from (a parameter name and index), or undefined for a constant.
   */
  sources: ({ name: string; index: number } | undefined)[];
}

const MARK = '\u0000kysely-param\u0000';

/**
 * A plugin carrying this key only watches the queries (the session cache's, session-cache.ts): it changes no SQL, so
 * the templates below stay valid with it installed. It sees a templated query's statement once, when compiled: the
 * session cache watches writes to `sessions` and to accounts' status, none of which is templated (keep it so).
 */
export const OBSERVES_ONLY = Symbol('observes only');

/**
 * A query compiled once per database (and per array length), run with new values: `run(db, params)` gives the rows.
 * The template is kept per dialect adapter, which a database's transactions share, so a query inside a transaction
 * is not compiled again. On a Kysely with plugins it compiles afresh, as any query would.
 */
export function compiledQuery<P extends Params, Row>(
  build: (db: Kysely<Database>, params: P) => { compile(): CompiledQuery<Row> },
) {
  const cache = new WeakMap<object, Map<string, Template>>();
  return async function run(db: Kysely<Database>, params: P): Promise<Row[]> {
    // A Kysely with plugins (the tests' statement log) sees every query only when it is compiled: then nothing is kept.
    if (db.getExecutor().plugins.some((p) => !(OBSERVES_ONLY in p)))
      return (await db.executeQuery(build(db, params).compile())).rows;
    const names = Object.keys(params);
    const shape = names
      .map((n) => (Array.isArray(params[n]) ? `${n}[${(params[n] as readonly Scalar[]).length}]` : n))
      .join(',');
    // One database's transactions are other Kysely instances, with the same adapter (and so the same SQL).
    const dialect = db.getExecutor().adapter;
    let byShape = cache.get(dialect);
    if (!byShape) cache.set(dialect, (byShape = new Map()));
    let template = byShape.get(shape);
    if (!template) {
      const markers = Object.fromEntries(
        names.map((n) => [
          n,
          Array.isArray(params[n])
            ? (params[n] as readonly Scalar[]).map((_, i) => `${MARK}${n}\u0000${i}`)
            : `${MARK}${n}\u0000-1`,
        ]),
      ) as unknown as P;
      const compiled = build(db, markers).compile();
      const sources = compiled.parameters.map((value) => {
        if (typeof value !== 'string' || !value.startsWith(MARK)) return undefined;
        const [name, index] = value.slice(MARK.length).split('\u0000');
        return { name: name!, index: Number(index) };
      });
      // Every marker must have reached the SQL as a parameter: one folded into the text would be a value baked in.
      const used = new Set(sources.filter((s) => s).map((s) => `${s!.name}:${s!.index}`));
      for (const n of names) {
        const count = Array.isArray(params[n]) ? (params[n] as readonly Scalar[]).length : 1;
        for (let i = 0; i < count; i++)
          if (!used.has(`${n}:${Array.isArray(params[n]) ? i : -1}`))
            throw new Error(`compiledQuery: parameter ${n} is not a bound value`);
      }
      if (compiled.sql.includes(MARK)) throw new Error('compiledQuery: a marker reached the SQL text');
      template = { compiled, sources };
      byShape.set(shape, template);
    }
    const parameters = template.sources.map((s, i) => {
      if (!s) return template!.compiled.parameters[i];
      const value = params[s.name];
      return s.index < 0 ? value : (value as readonly Scalar[])[s.index];
    });
    const result = await db.executeQuery<Row>({ ...template.compiled, parameters } as CompiledQuery<Row>);
    return result.rows;
  };
}
