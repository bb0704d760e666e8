import { sql, type Kysely } from 'kysely';
import { isPostgres } from '../dialect.js';

// R31, PRODUCT §5: a stored file is sealed (R29), and sealed bytes are random to any compressor. PostgreSQL's default
// storage for bytea still tried to compress each value (pglz) before giving up and storing it as it is: CPU on the
// database server for every 10 MB file, for nothing. EXTERNAL keeps the value out of line, as before, without the
// attempt. Values stored before are unchanged (they were stored uncompressed anyway). SQLite never compresses.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> (STYLE habit 7)
export async function up(db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) return;
  await sql`alter table files alter column sealed set storage external`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
export async function down(db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) return;
  await sql`alter table files alter column sealed set storage extended`.execute(db);
}
