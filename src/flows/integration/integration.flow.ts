import type { Clock } from '../../clock.js';
import { todayIn } from '../../domain/calendar.js';
import { parseReference } from '../../domain/reference-number.js';
import type { FieldError, Result } from '../../domain/result.js';
import { FEED_COLUMNS, parseFeedPolicy, parseFeedRow, type RawFeedRow } from '../../feed/feed-row.js';
import {
  emptyReport,
  importRecords,
  upsertFeedRows,
  upsertPolicies,
  type FeedRecord,
  type ImportReport,
} from '../../feed/feed.import.js';
import { recordAudit, type AuditContext } from '../../infra/audit/audit.repository.js';
import type { Db } from '../../infra/db/database.js';
import type { Courier } from '../../infra/outbox/courier.js';
import { isUniqueViolation } from '../../infra/db/unique-violation.js';
import type { MemberBody, MemberLine, PolicyBody } from './integration.schemas.js';
import { ndjsonLines, type NdjsonLimits } from './ndjson.js';

// R24: what the JSON API does, on the feed's own validation (parseFeedRow) and its one upsert path
// (upsertFeedRows), so a member sent through the API is treated exactly as the same row in the CSV import: same
// rules, same enrolment email (R19), same idempotence (PRODUCT §2: the same data twice changes nothing).

export interface IntegrationDeps {
  db: Db;
  clock: Clock;
  courier: Courier;
  timeZone: string;
}

export type Outcome = 'created' | 'updated' | 'unchanged';

/** The JSON body as the feed's raw row: absent or null is an empty column, a guardian list is `;`-joined. */
export function toRawFeedRow(body: MemberBody | MemberLine, memberNumber?: string): RawFeedRow {
  const source = body as Partial<Record<string, string | string[] | null>>;
  const raw = {} as RawFeedRow;
  for (const column of FEED_COLUMNS) {
    const value = column === 'member_number' && memberNumber !== undefined ? memberNumber : source[column];
    raw[column] = value === undefined || value === null ? '' : Array.isArray(value) ? value.join(';') : value;
  }
  return raw;
}

/**
 * Runs an upsert in a transaction and runs it again once when a concurrent request inserted the same number first
 * (a unique violation): the second run then finds the row and updates it, or leaves it unchanged.
 */
async function withOneRetry<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    return work();
  }
}

/** Upserts one policy by number (PUT /policies/{policyNumber}). */
export async function upsertPolicy(
  deps: IntegrationDeps,
  policyNumber: string,
  body: PolicyBody,
  actor: string,
  ctx: AuditContext,
): Promise<Result<{ policyNumber: string; result: Outcome }>> {
  const parsed = parseFeedPolicy({
    policy_number: policyNumber,
    policy_status: body.policy_status,
    scheme: body.scheme,
    product: body.product,
    policy_start: body.policy_start,
    policy_end: body.policy_end ?? '',
  });
  if (!parsed.ok) return parsed;
  const policy = parsed.value;
  const counts = await withOneRetry(() =>
    deps.db.kysely.transaction().execute(async (trx) => {
      const report = { policiesInserted: 0, policiesUpdated: 0 };
      await upsertPolicies(trx, [policy], deps.clock.now().toISOString(), report);
      return report;
    }),
  );
  const result: Outcome = counts.policiesInserted ? 'created' : counts.policiesUpdated ? 'updated' : 'unchanged';
  if (result !== 'unchanged') {
    await recordAudit(deps.db.kysely, deps.clock, ctx, {
      event: 'api.policy.upsert',
      outcome: 'success',
      actor,
      subject: policy.policyNumber,
      details: { result },
    });
  }
  return { ok: true, value: { policyNumber: policy.policyNumber, result } };
}

export interface MemberUpsert {
  memberNumber: string;
  result: Outcome;
  policyResult: Outcome;
  enrolmentEmailQueued: boolean;
  joinedAccount: boolean;
}

/** Upserts one member and its policy as one feed row (PUT /members/{memberNumber}). */
export async function upsertMember(
  deps: IntegrationDeps,
  memberNumber: string,
  body: MemberBody,
  actor: string,
  ctx: AuditContext,
): Promise<Result<MemberUpsert>> {
  const parsed = parseFeedRow(toRawFeedRow(body, memberNumber), todayIn(deps.timeZone, deps.clock.now()));
  if (!parsed.ok) return parsed;
  const row = parsed.value;
  const today = todayIn(deps.timeZone, deps.clock.now());
  const run = async () => {
    const report = emptyReport();
    const errors: FieldError[] = [];
    await upsertFeedRows(deps, [{ line: 1, row }], today, report, (_line, e) => errors.push(...e), true);
    return { report, errors };
  };
  const { report, errors } = await withOneRetry(run);
  if (errors.length) return { ok: false, errors };
  const result: Outcome = report.inserted ? 'created' : report.updated ? 'updated' : 'unchanged';
  const policyResult: Outcome = report.policiesInserted ? 'created' : report.policiesUpdated ? 'updated' : 'unchanged';
  if (result !== 'unchanged' || policyResult !== 'unchanged') {
    await recordAudit(deps.db.kysely, deps.clock, ctx, {
      event: 'api.member.upsert',
      outcome: 'success',
      actor,
      subject: row.member.memberNumber,
      details: { result, policy_result: policyResult, enrolment_email: report.enrolmentEmails > 0 },
    });
  }
  return {
    ok: true,
    value: {
      memberNumber: row.member.memberNumber,
      result,
      policyResult,
      enrolmentEmailQueued: report.enrolmentEmails > 0,
      joinedAccount: report.joinedAccounts > 0,
    },
  };
}

/** Why an NDJSON line could not be read as a member: a JSON or schema problem, by field. */
export type LineCheck = (value: unknown) => FieldError[];

/** The NDJSON stream as feed records: each line parsed, checked against the schema, and turned into a raw row. */
async function* ndjsonRecords(
  input: AsyncIterable<Buffer | string>,
  limits: NdjsonLimits,
  checkLine: LineCheck,
  report: ImportReport,
): AsyncGenerator<FeedRecord> {
  for await (const item of ndjsonLines(input, limits)) {
    if (item.kind === 'too_large') {
      report.fileError = { line: item.line, field: 'body', code: 'too_large', params: { max: limits.maxBytes } };
      return;
    }
    if (item.kind === 'line_too_long') {
      yield { line: item.line, errors: [{ field: 'row', code: 'too_long', params: { max: limits.maxLineBytes } }] };
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(item.text);
    } catch {
      yield { line: item.line, errors: [{ field: 'row', code: 'malformed_json' }] };
      continue;
    }
    const errors = checkLine(value);
    if (errors.length) yield { line: item.line, errors };
    else yield { line: item.line, raw: toRawFeedRow(value as MemberLine) };
  }
}

/**
 * Bulk upsert from an NDJSON stream (POST /members/bulk): the CSV import's path with another reader, so the same
 * validation, per-line report, batching and bounded memory. Good lines are applied even when others are bad.
 */
export async function bulkUpsertMembers(
  deps: IntegrationDeps,
  input: AsyncIterable<Buffer | string>,
  limits: NdjsonLimits,
  checkLine: LineCheck,
  actor: string,
  ctx: AuditContext,
): Promise<ImportReport> {
  const report = emptyReport();
  return importRecords(deps, ndjsonRecords(input, limits, checkLine, report), report, {
    actor,
    source: 'api',
    audit: ctx,
  });
}

export interface RegistrationStatus {
  memberNumber: string;
  registered: boolean;
  accountStatus: 'active' | 'locked' | 'disabled' | null;
}

/** Whether a member has registered, and the account's status; nothing more (R24, data minimisation). */
export async function registrationStatus(
  db: Db,
  clock: Clock,
  memberNumberInput: string,
): Promise<RegistrationStatus | undefined> {
  const number = parseReference(memberNumberInput, 'member_number');
  if (!number.ok) return undefined;
  const row = await db.kysely
    .selectFrom('members')
    .leftJoin('accounts', 'accounts.id', 'members.account_id')
    .select(['members.member_number', 'accounts.id as account_id', 'accounts.status', 'accounts.locked_until'])
    .where('members.member_number', '=', number.value)
    .executeTakeFirst();
  if (!row) return undefined;
  // R36: a closed account is blocked, so the API exports nothing of it: the record reads as not registered.
  if (row.account_id === null || row.status === 'closed')
    return { memberNumber: row.member_number, registered: false, accountStatus: null };
  const locked = row.locked_until !== null && new Date(row.locked_until).getTime() > clock.now().getTime();
  const accountStatus = row.status === 'disabled' ? 'disabled' : locked ? 'locked' : 'active';
  return { memberNumber: row.member_number, registered: true, accountStatus };
}
