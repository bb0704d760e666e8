import type { Kysely } from 'kysely';
import type { Clock } from '../../clock.js';
import { isMinorOn, todayIn } from '../../domain/calendar.js';
import type { Database, Request } from '../db/tables.js';
import type { Courier } from '../outbox/courier.js';
import { requestStatusEmail } from './request-status.emails.js';

// R31, R25, R14: every status change of a request emails, through the outbox and in the change's own transaction,
// each person who may see it today: the patient's own account, and, while the patient is a minor, every registered
// guardian who would see the minor in the selector today (an adult on the same policy, listed as the minor's
// guardian). The account that sent it is one of these when it sent it; a guardian whose minor has turned 18 (or whose
// link was removed) drops out the same day (R14), as from the area. One email per account, in that account's
// language; disabled and closed accounts get none. The email carries the reference only (request-status.emails.tsx).

/** The accounts (id, email, language) told of a change to this request. */
export async function requestFollowers(
  db: Kysely<Database>,
  clock: Clock,
  timeZone: string,
  request: Pick<Request, 'account_id' | 'patient_member_id'>,
): Promise<{ id: number; email: string; language: 'es' | 'en' }[]> {
  const today = todayIn(timeZone, clock.now());
  const patient = await db
    .selectFrom('members')
    .select(['id', 'account_id', 'policy_id', 'date_of_birth'])
    .where('id', '=', request.patient_member_id)
    .executeTakeFirst();
  const ids = new Set<number>();
  if (patient?.account_id != null) ids.add(patient.account_id);
  if (patient && isMinorOn(patient.date_of_birth, today)) {
    const guardians = await db
      .selectFrom('guardian_links')
      .innerJoin('members as guardian', 'guardian.id', 'guardian_links.guardian_member_id')
      .select(['guardian.account_id', 'guardian.date_of_birth'])
      .where('guardian_links.minor_member_id', '=', patient.id)
      .where('guardian.policy_id', '=', patient.policy_id)
      .where('guardian.account_id', 'is not', null)
      .execute();
    for (const g of guardians) if (!isMinorOn(g.date_of_birth, today)) ids.add(g.account_id!);
  }
  if (ids.size === 0) return [];
  return db
    .selectFrom('accounts')
    .select(['id', 'email', 'language'])
    .where('id', 'in', [...ids])
    .where('status', '=', 'active')
    .orderBy('id')
    .execute();
}

/** Queues the status email to each follower of the request; pass the transaction of the change. Returns how many. */
export async function queueStatusEmails(
  trx: Kysely<Database>,
  deps: { clock: Clock; timeZone: string; courier: Courier },
  request: Pick<Request, 'account_id' | 'patient_member_id' | 'reference'>,
): Promise<number> {
  const followers = await requestFollowers(trx, deps.clock, deps.timeZone, request);
  await deps.courier.emails(
    trx,
    requestStatusEmail,
    followers.map((a) => ({ to: a.email, lang: a.language, params: { reference: request.reference } })),
  );
  return followers.length;
}
