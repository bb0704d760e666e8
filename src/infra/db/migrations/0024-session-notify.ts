import { sql, type Kysely } from 'kysely';
import { isPostgres } from '../dialect.js';

// Issue 32: each node keeps its live sessions in memory (infra/session/session-cache.ts). On PostgreSQL the database
// itself tells every node, at commit, which account's sessions changed, whoever changed them (a node, a command, an
// operator's SQL): a session ended, switched to another member or given another second step, deleted while live, or
// its account's status changed (disabled, closed, reopened) or the account deleted. The sliding update of last use
// (R8) is not told: it only moves the idle deadline later, and a node whose copy is older reads the row again before
// refusing. The channel is per schema (tenants and test runs share a database); the payload is the account's id.
// SQLite keeps no session cache (one process, no round trip to save; measured, no gain): nothing to add there.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> (STYLE habit 7)
export async function up(db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) return;
  await sql`create function session_changes_notify() returns trigger language plpgsql as $$
    begin
      if tg_table_name = 'accounts' then
        perform pg_notify('session_changes_' || tg_table_schema, (case when tg_op = 'DELETE' then old.id else new.id end)::text);
      elsif tg_op = 'DELETE' then
        perform pg_notify('session_changes_' || tg_table_schema, old.account_id::text);
      else
        perform pg_notify('session_changes_' || tg_table_schema, old.account_id::text);
        if new.account_id is distinct from old.account_id then
          perform pg_notify('session_changes_' || tg_table_schema, new.account_id::text);
        end if;
      end if;
      return null;
    end $$`.execute(db);
  await sql`create trigger sessions_changed after update on sessions for each row
    when ((old.id, old.token_hash, old.account_id, old.acting_member_id, old.second_factor, old.ended_at,
           old.created_at, old.absolute_expires_at)
          is distinct from
          (new.id, new.token_hash, new.account_id, new.acting_member_id, new.second_factor, new.ended_at,
           new.created_at, new.absolute_expires_at)
          or new.idle_expires_at < old.idle_expires_at)
    execute function session_changes_notify()`.execute(db);
  await sql`create trigger sessions_deleted after delete on sessions for each row when (old.ended_at is null)
    execute function session_changes_notify()`.execute(db);
  await sql`create trigger accounts_status_changed after update on accounts for each row
    when (old.status is distinct from new.status or old.id is distinct from new.id)
    execute function session_changes_notify()`.execute(db);
  await sql`create trigger accounts_deleted after delete on accounts for each row
    execute function session_changes_notify()`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
export async function down(db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) return;
  await sql`drop trigger accounts_deleted on accounts`.execute(db);
  await sql`drop trigger accounts_status_changed on accounts`.execute(db);
  await sql`drop trigger sessions_deleted on sessions`.execute(db);
  await sql`drop trigger sessions_changed on sessions`.execute(db);
  await sql`drop function session_changes_notify()`.execute(db);
}
