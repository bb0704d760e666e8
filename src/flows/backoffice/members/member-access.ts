import type { Kysely } from 'kysely';
import type { Clock } from '../../../clock.js';
import { recordDataAccess, type AccessReason } from '../../../infra/audit/data-access.js';
import type { AuditContext } from '../../../infra/audit/audit.repository.js';
import type { Database } from '../../../infra/db/tables.js';
import type { StaffPrincipal } from '../staff-session.js';

// R36, STYLE 19: an agent opens a member's record only after giving a reason, which the audit records and the member
// sees. The reason then holds for that member in that staff session for ACCESS_GRANT_MINUTES, so the agent handling
// a call can move between the record's pages and actions without being asked again on every click (one reason per
// piece of work, as break-the-glass reasons in clinical systems do), yet a later visit asks again and is listed apart.
// A grant never outlives the staff session that earned it (15 idle minutes by default): it is keyed by that session.

/** How long a reason given for a member holds in one staff session. */
export const ACCESS_GRANT_MINUTES = 30;

/** Whether this staff session gave a reason for this member that still holds. */
export async function hasAccessGrant(
  db: Kysely<Database>,
  clock: Clock,
  staffSessionId: number,
  memberId: number,
): Promise<boolean> {
  const row = await db
    .selectFrom('staff_access_grants')
    .select('expires_at')
    .where('staff_session_id', '=', staffSessionId)
    .where('member_id', '=', memberId)
    .executeTakeFirst();
  return row !== undefined && row.expires_at > clock.now().toISOString();
}

/** Records the opening with its reason (one `data.access` row) and holds the reason; one transaction. */
export async function grantAccess(
  db: Kysely<Database>,
  clock: Clock,
  audit: AuditContext,
  staff: StaffPrincipal,
  memberId: number,
  reason: { reason: AccessReason; note?: string | undefined },
): Promise<void> {
  const now = clock.now();
  const values = {
    reason: reason.reason,
    granted_at: now.toISOString(),
    expires_at: new Date(now.getTime() + ACCESS_GRANT_MINUTES * 60_000).toISOString(),
  };
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('staff_access_grants')
      .values({ staff_session_id: staff.sessionId, member_id: memberId, ...values })
      .onConflict((oc) => oc.columns(['staff_session_id', 'member_id']).doUpdateSet(values))
      .execute();
    await recordDataAccess(trx, clock, audit, {
      memberId,
      what: 'record',
      who: {
        by: 'staff',
        staffId: staff.id,
        username: staff.username,
        role: staff.role,
        reason: reason.reason,
        note: reason.note,
      },
    });
  });
}

/** Where to go after the reason: a page of this member's record as asked, else the record itself. */
export function accessNext(memberId: number, raw: unknown): string {
  const base = `/backoffice/members/${memberId}`;
  if (typeof raw !== 'string' || raw.length > 300) return base;
  const fits = raw === base || raw.startsWith(`${base}/`) || raw.startsWith(`${base}?`);
  const clean = /^[A-Za-z0-9/?=&#%._-]+$/.test(raw) && !raw.includes('//') && !/(^|\/)\.\.?(\/|\?|#|$)/.test(raw);
  return fits && clean ? raw : base;
}
