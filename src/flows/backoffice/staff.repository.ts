import type { Kysely } from 'kysely';
import { isPostgres } from '../../infra/db/dialect.js';
import type { Database, StaffUser } from '../../infra/db/tables.js';

// Plain functions over staff_users and staff_sessions (STYLE habit 6). The invariants that must survive a race
// (single-use TOTP steps, never disabling the last administrator) are single conditional updates.

export type StaffRole = StaffUser['role'];

export function findStaffByUsername(db: Kysely<Database>, username: string): Promise<StaffUser | undefined> {
  return db.selectFrom('staff_users').selectAll().where('username', '=', username).executeTakeFirst();
}

export function findStaffById(db: Kysely<Database>, id: number): Promise<StaffUser | undefined> {
  return db.selectFrom('staff_users').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Every staff user, administrators first, then by username. */
export function listStaff(db: Kysely<Database>): Promise<StaffUser[]> {
  return db.selectFrom('staff_users').selectAll().orderBy('role', 'asc').orderBy('username', 'asc').execute();
}

/**
 * Claims a TOTP time step for a staff user: true only for the first request that presents a step later than the
 * last one accepted, even when two submits race (R23 single use, as R7 for members).
 */
export async function claimTotpStep(db: Kysely<Database>, staffId: number, step: number): Promise<boolean> {
  const claimed = await db
    .updateTable('staff_users')
    .set({ totp_last_step: step })
    .where('id', '=', staffId)
    .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
    .executeTakeFirst();
  return Number(claimed.numUpdatedRows) === 1;
}

/** Stores a newly confirmed authenticator secret, only if none is enrolled yet (two tabs cannot both enrol). */
export async function enrolTotp(
  db: Kysely<Database>,
  staffId: number,
  secret: string,
  step: number,
  now: string,
): Promise<boolean> {
  const set = await db
    .updateTable('staff_users')
    .set({ totp_secret: secret, totp_enabled_at: now, totp_last_step: step, updated_at: now })
    .where('id', '=', staffId)
    .where('totp_enabled_at', 'is', null)
    .executeTakeFirst();
  return Number(set.numUpdatedRows) === 1;
}

/**
 * Disables a staff user unless that would leave no active administrator. The administrators' rows are locked first
 * (PostgreSQL: FOR UPDATE in id order, so two such transactions queue rather than deadlock; SQLite runs one write
 * transaction at a time), so two administrators disabling each other at once cannot both succeed.
 */
export async function disableStaff(
  db: Kysely<Database>,
  staffId: number,
  now: string,
): Promise<'disabled' | 'last_admin' | 'unchanged'> {
  return db.transaction().execute(async (trx) => {
    if (isPostgres(trx))
      await trx.selectFrom('staff_users').select('id').where('role', '=', 'admin').orderBy('id').forUpdate().execute();
    const target = await trx
      .selectFrom('staff_users')
      .select(['id', 'role', 'status'])
      .where('id', '=', staffId)
      .executeTakeFirst();
    if (!target || target.status !== 'active') return 'unchanged';
    if (target.role === 'admin') {
      const others = await trx
        .selectFrom('staff_users')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('role', '=', 'admin')
        .where('status', '=', 'active')
        .where('id', '!=', staffId)
        .executeTakeFirstOrThrow();
      if (Number(others.n) === 0) return 'last_admin';
    }
    await trx
      .updateTable('staff_users')
      .set({ status: 'disabled', updated_at: now })
      .where('id', '=', staffId)
      .execute();
    return 'disabled';
  });
}

export async function enableStaff(db: Kysely<Database>, staffId: number, now: string): Promise<boolean> {
  const result = await db
    .updateTable('staff_users')
    .set({ status: 'active', failed_logins: 0, locked_until: null, updated_at: now })
    .where('id', '=', staffId)
    .where('status', '=', 'disabled')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Forgets the authenticator app: the person enrols a new one at their next sign-in. */
export async function resetStaffTotp(db: Kysely<Database>, staffId: number, now: string): Promise<void> {
  await db
    .updateTable('staff_users')
    .set({ totp_secret: null, totp_enabled_at: null, totp_last_step: null, updated_at: now })
    .where('id', '=', staffId)
    .execute();
}

/** Ends every open session of a staff user (after a disable or a TOTP reset). */
export async function endStaffSessions(db: Kysely<Database>, staffId: number, now: string): Promise<void> {
  await db
    .updateTable('staff_sessions')
    .set({ ended_at: now })
    .where('staff_user_id', '=', staffId)
    .where('ended_at', 'is', null)
    .execute();
}

/** Replaces a staff user's password hash (an administrator's reset); failures and the lock are forgotten. */
export async function setStaffPassword(
  db: Kysely<Database>,
  staffId: number,
  passwordHash: string,
  now: string,
): Promise<void> {
  await db
    .updateTable('staff_users')
    .set({ password_hash: passwordHash, failed_logins: 0, locked_until: null, updated_at: now })
    .where('id', '=', staffId)
    .execute();
}
