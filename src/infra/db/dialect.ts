import { PostgresAdapter, type ColumnDataType, type CreateTableBuilder, type Kysely } from 'kysely';

// The few differences between SQLite and PostgreSQL that the migrations meet, kept in one place (STYLE habit 7).

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time and typed Kysely<any>
type AnyDb = Kysely<any>;

export function isPostgres(db: AnyDb): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/** An auto-incrementing integer primary key named `id`. */
export function withId<T extends string>(db: AnyDb, table: CreateTableBuilder<T, never>): CreateTableBuilder<T, 'id'> {
  return isPostgres(db)
    ? table.addColumn('id', 'serial', (c) => c.primaryKey())
    : table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
}

/** Instants: timestamptz on PostgreSQL, ISO-8601 text on SQLite (both read back as ISO text). */
export function timestamp(db: AnyDb): ColumnDataType {
  return isPostgres(db) ? 'timestamptz' : 'text';
}

/** Calendar dates: date on PostgreSQL, YYYY-MM-DD text on SQLite. */
export function civilDate(db: AnyDb): ColumnDataType {
  return isPostgres(db) ? 'date' : 'text';
}

/** Bytes (a sealed file): bytea on PostgreSQL, blob on SQLite; both read back as a Node Buffer. */
export function binary(db: AnyDb): ColumnDataType {
  return isPostgres(db) ? 'bytea' : 'blob';
}
