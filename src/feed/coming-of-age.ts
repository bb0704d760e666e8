import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import { addDays, ageOn, todayIn } from '../domain/calendar.js';
import { recordAudit } from '../infra/audit/audit.repository.js';
import type { Database } from '../infra/db/tables.js';
import type { Courier } from '../infra/outbox/courier.js';
import { enrolmentEmail } from '../infra/outbox/templates/enrolment.js';

// R19, R14: a minor leaves the guardian's member selector on their 18th birthday (Europe/Madrid) and may register
// from then on. That day they get the enrolment email at their own email on record, once. The job runs on every
// node every hour; the unique member_notices row decides which run sends. The import writes the same row when it
// enrols a new adult, so a member imported within the catch-up window after turning 18 is not enrolled twice.
// A member whose birthday passed while no node ran is still caught within CATCH_UP_DAYS. One with no email on
// record gets nothing here: the back office shows them as waiting for contact data, and an agent resends the
// enrolment email once the insurer has it.

export const CATCH_UP_DAYS = 7;

export interface ComingOfAgeDeps {
  db: Kysely<Database>;
  clock: Clock;
  courier: Courier;
  timeZone: string;
}

export interface ComingOfAgeReport {
  sent: number;
  waitingForContact: number;
}

/** `date` moved back whole years, as a lexicographic bound (29 February may stay: only compared as text). */
const yearsBack = (date: string, years: number) =>
  `${String(Number(date.slice(0, 4)) - years).padStart(4, '0')}${date.slice(4)}`;

/** Sends the enrolment email to every member who turned 18 in the last days and has not had it (R19). */
export async function sendComingOfAgeEnrolments(deps: ComingOfAgeDeps): Promise<ComingOfAgeReport> {
  const { db, clock } = deps;
  const today = todayIn(deps.timeZone, clock.now());
  const since = addDays(today, -CATCH_UP_DAYS);
  const candidates = await db
    .selectFrom('members')
    .innerJoin('policies', 'policies.id', 'members.policy_id')
    .leftJoin('member_notices', (join) =>
      join.onRef('member_notices.member_id', '=', 'members.id').on('member_notices.kind', '=', 'adult-enrolment'),
    )
    .select([
      'members.id',
      'members.member_number',
      'members.first_name',
      'members.date_of_birth',
      'members.email',
      'members.language',
      'members.document_number',
      'policies.policy_number',
    ])
    .where('members.date_of_birth', '>', yearsBack(addDays(since, -2), 18))
    .where('members.date_of_birth', '<=', yearsBack(today, 18))
    .where('members.account_id', 'is', null)
    .where('policies.scheme', '=', 'local')
    .where('policies.status', '=', 'active')
    .where('member_notices.id', 'is', null)
    .execute();
  const report: ComingOfAgeReport = { sent: 0, waitingForContact: 0 };
  for (const m of candidates) {
    // The same age rule as the selector and registration (domain/calendar.ts): 18 today, not yet 18 `since`.
    if (ageOn(m.date_of_birth, today) < 18 || ageOn(m.date_of_birth, since) >= 18) continue;
    if (!m.email) {
      report.waitingForContact++;
      continue;
    }
    // A person whose document is already a username has an account from another record: nothing to register.
    if (
      m.document_number &&
      (await db.selectFrom('accounts').select('id').where('username', '=', m.document_number).executeTakeFirst())
    )
      continue;
    const sent = await db.transaction().execute(async (trx) => {
      const claimed = await trx
        .insertInto('member_notices')
        .values({ member_id: m.id, kind: 'adult-enrolment', created_at: clock.now().toISOString() })
        .onConflict((oc) => oc.columns(['member_id', 'kind']).doNothing())
        .returning('id')
        .executeTakeFirst();
      if (!claimed) return false;
      await deps.courier.email(trx, m.email!, m.language, enrolmentEmail, {
        firstName: m.first_name,
        memberNumber: m.member_number,
        policyNumber: m.policy_number,
      });
      await recordAudit(
        trx,
        clock,
        {},
        {
          event: 'enrolment.coming_of_age',
          outcome: 'success',
          actor: 'system',
          subject: m.member_number,
          memberId: m.id,
        },
      );
      return true;
    });
    if (sent) report.sent++;
  }
  return report;
}
