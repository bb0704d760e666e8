import { sql, type Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import { isMinorOn, todayIn } from '../domain/calendar.js';
import { compiledQuery } from '../infra/db/compiled-query.js';
import type { Database } from '../infra/db/tables.js';

/** A member record the signed-in person may see, with its policy. */
export interface VisibleMember {
  id: number;
  memberNumber: string;
  firstName: string;
  lastName: string;
  dateOfBirth: string;
  relation: 'self' | 'minor';
  policyId: number;
  policyNumber: string;
  product: string;
  policyStatus: 'active' | 'cancelled';
  startDate: string;
  endDate: string | null;
}

const COLUMNS = ['id', 'member_number', 'first_name', 'last_name', 'date_of_birth', 'policy_id'] as const;
const POLICY_COLUMNS = [
  'policies.policy_number',
  'policies.product',
  'policies.status',
  'policies.start_date',
  'policies.end_date',
] as const;

// Every private page runs this: compiled once (src/infra/db/compiled-query.ts). One statement gives the account's own
// records and the minors linked to any of them on the same policy, each minor row with its guardian's birth date;
// the ages (R14's rules, in the insurer's time zone) are decided below, in code, as before.
const visibleRows = compiledQuery((db, p: { accountId: number }) =>
  db
    .selectFrom('members')
    .innerJoin('policies', 'policies.id', 'members.policy_id')
    .select([
      ...COLUMNS.map((c) => `members.${c}` as const),
      ...POLICY_COLUMNS,
      sql<'self' | 'minor'>`'self'`.as('relation'),
      sql<string | null>`cast(null as date)`.as('guardian_dob'),
    ])
    .where('members.account_id', '=', p.accountId)
    .unionAll(
      db
        .selectFrom('guardian_links')
        .innerJoin('members as guardian', 'guardian.id', 'guardian_links.guardian_member_id')
        .innerJoin('members as minor', 'minor.id', 'guardian_links.minor_member_id')
        .innerJoin('policies', 'policies.id', 'minor.policy_id')
        .select([
          ...COLUMNS.map((c) => `minor.${c}` as const),
          ...POLICY_COLUMNS,
          sql<'self' | 'minor'>`'minor'`.as('relation'),
          'guardian.date_of_birth as guardian_dob',
        ])
        .where('guardian.account_id', '=', p.accountId)
        .whereRef('minor.policy_id', '=', 'guardian.policy_id'),
    ),
);

/**
 * R14, decided from the data on every request: the account's own records, and each minor for whom one of those
 * records is a listed guardian on the same policy, while the minor is under 18 today in the insurer's time zone.
 * A minor who turns 18 drops out that very day; a link removed by a feed import takes effect at once.
 */
export async function visibleMembers(
  db: Kysely<Database>,
  clock: Clock,
  timeZone: string,
  accountId: number,
): Promise<VisibleMember[]> {
  const today = todayIn(timeZone, clock.now());
  const rows = await visibleRows(db, { accountId });
  const own = rows.filter((r) => r.relation === 'self');
  // The guardian must be an adult on the same policy as the minor.
  const minors = rows.filter((r) => r.relation === 'minor' && !isMinorOn(r.guardian_dob!, today));
  const toVisible =
    (relation: 'self' | 'minor') =>
    (m: (typeof own)[number]): VisibleMember => ({
      id: m.id,
      memberNumber: m.member_number,
      firstName: m.first_name,
      lastName: m.last_name,
      dateOfBirth: m.date_of_birth,
      relation,
      policyId: m.policy_id,
      policyNumber: m.policy_number,
      product: m.product,
      policyStatus: m.status,
      startDate: m.start_date,
      endDate: m.end_date,
    });
  const seen = new Set<number>();
  const result: VisibleMember[] = [];
  // Active policies first (R13), then the most recent.
  const order = (a: (typeof own)[number], b: (typeof own)[number]) =>
    a.status === b.status ? b.start_date.localeCompare(a.start_date) : a.status === 'active' ? -1 : 1;
  for (const m of [...own].sort(order)) {
    if (seen.has(m.id)) continue;
    seen.add(m.id);
    result.push(toVisible('self')(m));
  }
  for (const m of [...minors].sort(order)) {
    if (seen.has(m.id) || !isMinorOn(m.date_of_birth, today)) continue;
    seen.add(m.id);
    result.push(toVisible('minor')(m));
  }
  return result;
}
