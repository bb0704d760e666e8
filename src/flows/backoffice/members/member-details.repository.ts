import { listPasskeys } from '../../../identity/passkeys.js';
import type { Kysely } from 'kysely';
import type { Clock } from '../../../clock.js';
import { fail, ok, type Result } from '../../../domain/result.js';
import { isMinorOn, todayIn } from '../../../domain/calendar.js';
import type { Account, AuditEventTable, Database } from '../../../infra/db/tables.js';
import { MEMBER_SIGN_IN, throttleState } from '../../../identity/sign-in-throttle.js';
import { findAccount } from '../../../identity/accounts.js';

// R23: what an agent sees of one person: every member record (policies and roles), the linked account with its
// status and channels, the last sign-ins, guardian links both ways, and the audit trail (paged, newest first).

export interface PolicySummary {
  number: string;
  status: 'active' | 'cancelled';
  scheme: 'local' | 'international' | 'expatriate';
  product: string;
  startDate: string;
  endDate: string | null;
}

export interface MemberRecord {
  id: number;
  memberNumber: string;
  role: 'holder' | 'dependent';
  firstName: string;
  lastName: string;
  dateOfBirth: string;
  documentType: 'NIF' | 'NIE' | 'PASSPORT' | null;
  documentNumber: string | null;
  email: string | null;
  mobile: string | null;
  language: 'es' | 'en';
  accountId: number | null;
  policy: PolicySummary;
}

export interface AccountSummary {
  id: number;
  username: string;
  documentType: 'NIF' | 'NIE' | 'PASSPORT';
  status: 'active' | 'disabled' | 'closed';
  /** R36: when the member closed the account (status 'closed'). */
  closedAt: string | null;
  /** R9: a temporary lock in force now, and until when. */
  lockedUntil: string | null;
  email: string;
  emailVerifiedAt: string | null;
  mobile: string | null;
  mobileVerifiedAt: string | null;
  preferredChannel: 'email' | 'sms' | 'totp' | null;
  totpEnabled: boolean;
  language: 'es' | 'en';
  address: {
    line: string | null;
    postalCode: string | null;
    city: string | null;
    province: string | null;
    country: string | null;
  };
  createdAt: string;
  passwordChangedAt: string;
  /** Used by the actions' forms: the username the agent saw (R16 conflict check). */
  updatedAt: string;
}

export interface SignIn {
  sessionId: number;
  at: string;
  secondFactor: string;
  ip: string | null;
  userAgent: string | null;
  lastSeenAt: string;
  /** Still usable now (not ended, not past a deadline). */
  active: boolean;
  endedAt: string | null;
}

/** The other end of a guardian link. */
export interface LinkedMember {
  /** The person's own record the link hangs on. */
  viaMemberNumber: string;
  memberId: number;
  memberNumber: string;
  firstName: string;
  lastName: string;
  dateOfBirth: string;
  registered: boolean;
}

export interface MemberDetails {
  /** The record asked for. */
  member: MemberRecord;
  /**
   * Every record of the person: the account's, or (not registered) the records with the same document and birth date.
   */
  records: MemberRecord[];
  account: AccountSummary | null;
  signIns: SignIn[];
  /** Guardians of the person's records (the person is a minor there). */
  guardians: LinkedMember[];
  /** Minors the person is a guardian of. */
  wards: LinkedMember[];
}

const SIGN_INS_SHOWN = 10;

function memberQuery(db: Kysely<Database>) {
  return db
    .selectFrom('members')
    .innerJoin('policies', 'policies.id', 'members.policy_id')
    .select([
      'members.id',
      'members.member_number',
      'members.role',
      'members.first_name',
      'members.last_name',
      'members.date_of_birth',
      'members.document_type',
      'members.document_number',
      'members.email',
      'members.mobile',
      'members.language',
      'members.account_id',
      'policies.policy_number',
      'policies.status',
      'policies.scheme',
      'policies.product',
      'policies.start_date',
      'policies.end_date',
    ]);
}

type MemberRow = Awaited<ReturnType<ReturnType<typeof memberQuery>['executeTakeFirstOrThrow']>>;

const toRecord = (r: MemberRow): MemberRecord => ({
  id: r.id,
  memberNumber: r.member_number,
  role: r.role,
  firstName: r.first_name,
  lastName: r.last_name,
  dateOfBirth: r.date_of_birth,
  documentType: r.document_type,
  documentNumber: r.document_number,
  email: r.email,
  mobile: r.mobile,
  language: r.language,
  accountId: r.account_id,
  policy: {
    number: r.policy_number,
    status: r.status,
    scheme: r.scheme,
    product: r.product,
    startDate: r.start_date,
    endDate: r.end_date,
  },
});

export function toAccountSummary(a: Account, now: string): AccountSummary {
  return {
    id: a.id,
    username: a.username,
    documentType: a.document_type,
    status: a.status,
    closedAt: a.closed_at,
    lockedUntil: a.locked_until && a.locked_until > now ? a.locked_until : null,
    email: a.email,
    emailVerifiedAt: a.email_verified_at,
    mobile: a.mobile,
    mobileVerifiedAt: a.mobile_verified_at,
    preferredChannel: a.preferred_channel,
    totpEnabled: a.totp_enabled_at !== null,
    language: a.language,
    address: {
      line: a.address_line,
      postalCode: a.postal_code,
      city: a.city,
      province: a.province,
      country: a.country,
    },
    createdAt: a.created_at,
    passwordChangedAt: a.password_changed_at,
    updatedAt: a.updated_at,
  };
}

/**
 * The records of the person behind a member record (R5: the account's records, else the same document and birth date).
 */
export async function personRecordIds(
  db: Kysely<Database>,
  member: { id: number; account_id: number | null; document_number: string | null; date_of_birth: string },
): Promise<number[]> {
  if (member.account_id !== null) {
    return (await db.selectFrom('members').select('id').where('account_id', '=', member.account_id).execute()).map(
      (r) => r.id,
    );
  }
  if (member.document_number === null) return [member.id];
  const same = await db
    .selectFrom('members')
    .select('id')
    .where('document_number', '=', member.document_number)
    .where('date_of_birth', '=', member.date_of_birth)
    .where('account_id', 'is', null)
    .execute();
  return same.map((r) => r.id);
}

async function links(
  db: Kysely<Database>,
  recordIds: number[],
  direction: 'guardians' | 'wards',
): Promise<LinkedMember[]> {
  const [mine, theirs] =
    direction === 'guardians'
      ? (['minor_member_id', 'guardian_member_id'] as const)
      : (['guardian_member_id', 'minor_member_id'] as const);
  const rows = await db
    .selectFrom('guardian_links')
    .innerJoin('members as own', 'own.id', `guardian_links.${mine}`)
    .innerJoin('members as other', 'other.id', `guardian_links.${theirs}`)
    .select([
      'own.member_number as via',
      'other.id',
      'other.member_number',
      'other.first_name',
      'other.last_name',
      'other.date_of_birth',
      'other.account_id',
    ])
    .where(`guardian_links.${mine}`, 'in', recordIds)
    .orderBy('other.member_number')
    .execute();
  return rows.map((r) => ({
    viaMemberNumber: r.via,
    memberId: r.id,
    memberNumber: r.member_number,
    firstName: r.first_name,
    lastName: r.last_name,
    dateOfBirth: r.date_of_birth,
    registered: r.account_id !== null,
  }));
}

/** R23: everything an agent sees of the person behind a member record; undefined when there is no such record. */
export async function findMemberDetails(
  db: Kysely<Database>,
  memberId: number,
  now: string,
): Promise<MemberDetails | undefined> {
  const row = await memberQuery(db).where('members.id', '=', memberId).executeTakeFirst();
  if (!row) return undefined;
  const ids = await personRecordIds(db, {
    id: row.id,
    account_id: row.account_id,
    document_number: row.document_number,
    date_of_birth: row.date_of_birth,
  });
  const records = (
    await memberQuery(db)
      .where('members.id', 'in', ids)
      .orderBy('policies.policy_number')
      .orderBy('members.member_number')
      .execute()
  ).map(toRecord);
  const account = row.account_id !== null ? await findAccount(db, row.account_id) : undefined;
  const sessions = account
    ? await db
        .selectFrom('sessions')
        .selectAll()
        .where('account_id', '=', account.id)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(SIGN_INS_SHOWN)
        .execute()
    : [];
  const [guardians, wards] = await Promise.all([links(db, ids, 'guardians'), links(db, ids, 'wards')]);
  return {
    member: toRecord(row),
    records,
    account: account ? toAccountSummary(account, now) : null,
    signIns: sessions.map((s) => ({
      sessionId: s.id,
      at: s.created_at,
      secondFactor: s.second_factor,
      ip: s.ip,
      userAgent: s.user_agent,
      lastSeenAt: s.last_seen_at,
      active: s.ended_at === null && s.idle_expires_at > now && s.absolute_expires_at > now,
      endedAt: s.ended_at,
    })),
    guardians,
    wards,
  };
}

// ——— the audit trail ———

export const AUDIT_PAGE_SIZE = 25;

export interface AuditEntry {
  id: number;
  occurredAt: string;
  event: string;
  outcome: AuditEventTable['outcome'];
  actor: string | null;
  subject: string | null;
  ip: string | null;
  userAgent: string | null;
  /** As recorded (R22: never a password, code or token). */
  details: Record<string, unknown> | null;
}

export interface AuditPage {
  entries: AuditEntry[];
  /** Pass as `before` for the next (older) page; absent on the last page. */
  nextBefore?: number;
}

/** The `before` cursor of the audit trail from a query string: absent, or a positive id. */
export function parseAuditCursor(raw: string | undefined): Result<number | undefined> {
  if (raw === undefined || raw === '') return ok(undefined);
  return /^[1-9]\d{0,14}$/.test(raw) ? ok(Number(raw)) : fail('before', 'invalid');
}

function parseDetails(text: string | null): Record<string, unknown> | null {
  if (!text) return null;
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * R22, R23: the person's audit trail, newest first: events about the account or about any of the person's records.
 * Keyset paging by id, so events written meanwhile never shift a page.
 */
export async function listMemberAudit(
  db: Kysely<Database>,
  subject: { accountId: number | null; memberIds: number[] },
  before?: number,
  pageSize = AUDIT_PAGE_SIZE,
): Promise<AuditPage> {
  let q = db
    .selectFrom('audit_events')
    .selectAll()
    .where((eb) => {
      const ors = [eb('member_id', 'in', subject.memberIds.length ? subject.memberIds : [-1])];
      if (subject.accountId !== null) ors.push(eb('account_id', '=', subject.accountId));
      return eb.or(ors);
    });
  if (before !== undefined) q = q.where('id', '<', before);
  const rows = await q
    .orderBy('id', 'desc')
    .limit(pageSize + 1)
    .execute();
  const entries = rows.slice(0, pageSize).map((r) => ({
    id: r.id,
    occurredAt: r.occurred_at,
    event: r.event,
    outcome: r.outcome,
    actor: r.actor,
    subject: r.subject,
    ip: r.ip,
    userAgent: r.user_agent,
    details: parseDetails(r.details),
  }));
  const last = entries.at(-1);
  return rows.length > pageSize && last ? { entries, nextBefore: last.id } : { entries };
}

// ——— the sign-in throttle (R9) ———

export interface ThrottleState {
  /** A temporary lock holds now. */
  locked: boolean;
  /** Wrong passwords and codes in a row counted towards the captcha and the next lock. */
  failures: number;
}

/**
 * R9: whether a temporary lock holds now, and how many failures in a row count towards the next (the sign-in's own
 * counters).
 */
export async function signInThrottleState(
  db: Kysely<Database>,
  clock: Clock,
  account: Pick<Account, 'username' | 'locked_until'>,
): Promise<ThrottleState> {
  const now = clock.now().toISOString();
  const { paused, streak } = await throttleState(db, clock, MEMBER_SIGN_IN, account.username);
  return { locked: paused || (account.locked_until !== null && account.locked_until > now), failures: streak };
}

// ——— everything the member page shows ———

/** R27: a passkey as the agent sees it: its name and dates, nothing of the key. */
export interface PasskeySummary {
  id: number;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
}

export interface MemberPageData {
  details: MemberDetails;
  passkeys: PasskeySummary[];
  audit: AuditPage;
  throttle?: ThrottleState;
  /**
   * R19: an adult of an active local policy, not registered, with no email on record: no enrolment email can reach
   * them.
   */
  waitingForContact: boolean;
}

/** R23: the member page's data in one call: details, one page of the audit trail (before `before`), the R9 state. */
export async function loadMemberPage(
  db: Kysely<Database>,
  clock: Clock,
  timeZone: string,
  memberId: number,
  before?: number,
): Promise<MemberPageData | undefined> {
  const details = await findMemberDetails(db, memberId, clock.now().toISOString());
  if (!details) return undefined;
  if (details.account?.status === 'closed') {
    // R36: a closed account's data is blocked: agents see that it is closed and when, nothing of it.
    return { details: { ...details, signIns: [] }, audit: { entries: [] }, waitingForContact: false, passkeys: [] };
  }
  const a = details.account;
  const [audit, throttle, passkeys] = await Promise.all([
    listMemberAudit(db, { accountId: a?.id ?? null, memberIds: details.records.map((r) => r.id) }, before),
    a ? signInThrottleState(db, clock, { username: a.username, locked_until: a.lockedUntil }) : undefined,
    a ? listPasskeys(db, { kind: 'member', id: a.id }) : [],
  ]);
  const m = details.member;
  const waitingForContact =
    !details.account &&
    !m.email &&
    m.policy.scheme === 'local' &&
    m.policy.status === 'active' &&
    !isMinorOn(m.dateOfBirth, todayIn(timeZone, clock.now()));
  const keys = passkeys.map((p) => ({ id: p.id, name: p.name, createdAt: p.created_at, lastUsedAt: p.last_used_at }));
  return throttle
    ? { details, audit, throttle, waitingForContact, passkeys: keys }
    : { details, audit, waitingForContact, passkeys: keys };
}
