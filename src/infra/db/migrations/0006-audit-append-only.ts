import { sql, type Kysely } from 'kysely';
import { isPostgres } from '../dialect.js';

// R22, ASVS 16.4.2: the audit trail is append-only at the database, not only by the application's habit. A changed
// or deleted row (a bug, an injected statement, a hand-made "fix") is refused by the database itself. Purging rows
// past the insurer's retention is an operator's deliberate act: docs/security.md, "Logs and audit".

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> (STYLE habit 7)
export async function up(db: Kysely<any>): Promise<void> {
  if (isPostgres(db)) {
    await sql`create function audit_events_append_only() returns trigger language plpgsql as $$
      begin
        raise exception 'audit_events is append-only (%)', tg_op using errcode = 'insufficient_privilege';
      end $$`.execute(db);
    await sql`create trigger audit_events_append_only before update or delete or truncate on audit_events
      for each statement execute function audit_events_append_only()`.execute(db);
    return;
  }
  for (const operation of ['update', 'delete']) {
    await sql
      .raw(
        `create trigger audit_events_no_${operation} before ${operation} on audit_events
         begin select raise(abort, 'audit_events is append-only (${operation})'); end`,
      )
      .execute(db);
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
export async function down(db: Kysely<any>): Promise<void> {
  if (isPostgres(db)) {
    await sql`drop trigger audit_events_append_only on audit_events`.execute(db);
    await sql`drop function audit_events_append_only()`.execute(db);
    return;
  }
  for (const operation of ['update', 'delete']) await sql.raw(`drop trigger audit_events_no_${operation}`).execute(db);
}
