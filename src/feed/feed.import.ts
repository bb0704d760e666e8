import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { CsvError } from 'csv-parse';
import { feedCsvParser } from './csv.js';
import type { Insertable, Kysely, Transaction } from 'kysely';
import type { Clock } from '../clock.js';
import { isMinorOn, todayIn } from '../domain/calendar.js';
import type { FieldError } from '../domain/result.js';
import { recordAudit, type AuditContext } from '../infra/audit/audit.repository.js';
import type { Db } from '../infra/db/database.js';
import { searchNameOf, writeMemberSearchTerms, writeNewMembersSearchTerms } from '../infra/db/member-search.js';
import type { Database, Member, MemberTable, Policy, PolicyTable } from '../infra/db/tables.js';
import type { Courier } from '../infra/outbox/courier.js';
import { enrolmentEmail } from '../infra/outbox/templates/enrolment.js';
import { CompactKeys } from './compact-keys.js';
import { FEED_COLUMNS, parseFeedRow, type FeedColumn, type FeedRow, type RawFeedRow } from './feed-row.js';
import type { ErrorCode } from '../domain/error-codes.js';

export interface RowProblem {
  line: number;
  field: string;
  code: ErrorCode;
  params?: Record<string, string | number>;
}

export interface ImportReport {
  rows: number;
  inserted: number;
  updated: number;
  unchanged: number;
  skipped: number;
  policiesInserted: number;
  policiesUpdated: number;
  joinedAccounts: number;
  enrolmentEmails: number;
  /** Bad rows (line, field, reason); the first MAX_REPORTED are kept, `skipped` counts them all. */
  problems: RowProblem[];
  /** Every problem found, kept in `problems` or not. */
  problemCount: number;
  /** A problem with the file as a whole (no header, or a break the parser cannot read past). */
  fileError?: RowProblem;
}

export interface ImportDeps {
  db: Db;
  clock: Clock;
  courier: Courier;
  timeZone: string;
}

export interface ImportOptions {
  batchSize?: number;
  actor?: string;
  /** Where the rows came from, for the audit log (`csv`, `api`). */
  source?: string;
  /** The request behind the import, when there is one (R22). */
  audit?: AuditContext;
  /** Rows waiting for a guardian later in the file kept in memory; past this many they wait in a temporary file. */
  deferredInMemory?: number;
}

const MAX_REPORTED = 10_000;
/** A policy's columns are remembered by 128 bits of their SHA-256: equal or not, with no chance of a false match. */
const POLICY_DIGEST_BYTES = 16;
/**
 * Rows per multi-row insert: 500 rows of ~20 columns stay well under SQLite's and PostgreSQL's bound-parameter limits.
 */
const MAX_ROWS_PER_INSERT = 500;
type Tx = Transaction<Database> | Kysely<Database>;

export interface PendingRow {
  line: number;
  row: FeedRow;
}

/** Member columns the feed owns; a re-import that changes none of them writes nothing (idempotence, PRODUCT §2). */
function memberValues(row: FeedRow, policyId: number) {
  const m = row.member;
  return {
    policy_id: policyId,
    role: m.role,
    first_name: m.firstName,
    last_name: m.lastName,
    date_of_birth: m.dateOfBirth,
    document_type: m.documentType,
    document_number: m.documentNumber,
    email: m.email,
    mobile: m.mobile,
    address_line: m.addressLine,
    postal_code: m.postalCode,
    city: m.city,
    province: m.province,
    country: m.country,
    language: m.language,
    search_name: searchNameOf(m),
  } satisfies Partial<MemberTable>;
}

function changed<T extends object>(current: T, next: Partial<T>): boolean {
  return (Object.keys(next) as (keyof T)[]).some((k) => current[k] !== next[k]);
}

/** One record of a feed, whatever its format: the raw row, or why the row could not even be read. */
export type FeedRecord = { line: number; raw: RawFeedRow } | { line: number; errors: FieldError[] };

/** A report with nothing counted yet. */
export function emptyReport(): ImportReport {
  return {
    rows: 0,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    skipped: 0,
    policiesInserted: 0,
    policiesUpdated: 0,
    joinedAccounts: 0,
    enrolmentEmails: 0,
    problems: [],
    problemCount: 0,
  };
}

/**
 * Imports the core system's member feed (PRODUCT §2): streams the CSV, validates each row, upserts policies and
 * members by their numbers in batched transactions, links guardians on the same policy, joins a returning member's
 * new record to their account, and queues the enrolment email (R19) for new eligible members. A bad row is
 * reported and skipped, never half-applied; memory stays flat (bar a compact set of the file's member numbers).
 */
export async function importFeed(
  deps: ImportDeps,
  input: Readable,
  options: ImportOptions = {},
): Promise<ImportReport> {
  const report = emptyReport();
  return importRecords(deps, csvRecords(input, report), report, options);
}

/**
 * The import behind every bulk source (the CSV feed, the JSON API's NDJSON stream, R24): validates each record as a
 * feed row, refuses a member number seen twice, applies good rows in batches and reports bad ones by line. Records
 * are pulled one at a time, so a source that streams keeps memory flat.
 */
export async function importRecords(
  deps: ImportDeps,
  records: AsyncIterable<FeedRecord>,
  report: ImportReport,
  options: ImportOptions = {},
): Promise<ImportReport> {
  const batchSize = options.batchSize ?? 500;
  const today = todayIn(deps.timeZone, deps.clock.now());
  const problem = (line: number, errors: FieldError[]) => {
    report.skipped++;
    for (const e of errors) {
      report.problemCount++;
      if (report.problems.length < MAX_REPORTED)
        report.problems.push({ line, field: e.field, code: e.code, ...(e.params ? { params: e.params } : {}) });
    }
  };

  // Member numbers and policies seen so far in this file, compactly (a million-row feed stays flat in memory).
  const seen = new CompactKeys();
  // Every row repeats its policy's columns. The first row naming a policy decides them; a later row that disagrees is
  // reported, not applied, or each batch would flip the policy back and forth and a re-run would never be a no-op.
  const policyColumns = new CompactKeys(POLICY_DIGEST_BYTES);
  let batch: PendingRow[] = [];
  const deferred = new DeferredRows(options.deferredInMemory ?? 10_000);

  const flush = async (final: boolean) => {
    if (batch.length === 0) return;
    const rows = batch;
    batch = [];
    const stillWaiting = await upsertFeedRows(deps, rows, today, report, problem, final);
    for (const row of stillWaiting) await deferred.push(row);
  };

  try {
    for await (const record of records) {
      report.rows++;
      if ('errors' in record) {
        problem(record.line, record.errors);
        continue;
      }
      const parsed = parseFeedRow(record.raw, today);
      if (!parsed.ok) {
        problem(record.line, parsed.errors);
        continue;
      }
      const number = parsed.value.member.memberNumber;
      if (seen.has(number)) {
        problem(record.line, [{ field: 'member_number', code: 'duplicate_in_file' }]);
        continue;
      }
      const policyNumber = parsed.value.policy.policyNumber;
      const columns = createHash('sha256')
        .update(JSON.stringify(parsed.value.policy))
        .digest()
        .subarray(0, POLICY_DIGEST_BYTES);
      const first = policyColumns.get(policyNumber);
      if (first !== undefined && !first.equals(columns)) {
        problem(record.line, [{ field: 'policy_number', code: 'policy_conflict' }]);
        continue;
      }
      policyColumns.add(policyNumber, columns);
      seen.add(number);
      batch.push({ line: record.line, row: parsed.value });
      if (batch.length >= batchSize) await flush(false);
    }
    await flush(false);

    // Rows whose guardians appeared later in the file get a second chance once every row is in, in file order.
    for await (const row of deferred.drain()) {
      batch.push(row);
      if (batch.length >= batchSize) await flush(true);
    }
    await flush(true);
  } finally {
    await deferred.discard();
  }
  if (report.fileError) report.skipped++;

  await recordAudit(deps.db.kysely, deps.clock, options.audit ?? {}, {
    event: 'feed.import',
    outcome: report.skipped ? 'failure' : 'success',
    actor: options.actor ?? 'cli',
    details: {
      ...(options.source ? { source: options.source } : {}),
      rows: report.rows,
      inserted: report.inserted,
      updated: report.updated,
      unchanged: report.unchanged,
      skipped: report.skipped,
    },
  });
  return report;
}

/**
 * Rows set aside until the whole file is in (their guardian comes later). A feed in any order must not hold a
 * quarter of its rows in memory, so past `inMemory` rows they go, one JSON line each, to a temporary file.
 */
class DeferredRows {
  private readonly rows: PendingRow[] = [];
  private spill: { dir: string; file: string; out: WriteStream } | undefined;

  constructor(private readonly inMemory: number) {}

  async push(row: PendingRow): Promise<void> {
    if (this.rows.length < this.inMemory && !this.spill) {
      this.rows.push(row);
      return;
    }
    if (!this.spill) {
      const dir = await mkdtemp(join(tmpdir(), 'member-area-import-'));
      const file = join(dir, 'deferred.ndjson');
      this.spill = { dir, file, out: createWriteStream(file, { mode: 0o600 }) };
    }
    const { out } = this.spill;
    if (!out.write(JSON.stringify(row) + '\n')) await once(out, 'drain');
  }

  async *drain(): AsyncGenerator<PendingRow> {
    yield* this.rows.splice(0);
    if (!this.spill) return;
    const { out, file } = this.spill;
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
      if (line) yield JSON.parse(line) as PendingRow;
    }
  }

  async discard(): Promise<void> {
    if (!this.spill) return;
    this.spill.out.destroy();
    await rm(this.spill.dir, { recursive: true, force: true });
    this.spill = undefined;
  }
}

/** The CSV feed as records; a header or a break the parser cannot read past is set on the report as its fileError. */
async function* csvRecords(input: Readable, report: ImportReport): AsyncGenerator<FeedRecord> {
  // Invalid UTF-8 becomes U+FFFD here and the row carrying it is refused (see parseFeedRow).
  const parser = feedCsvParser(input);
  // A record the CSV parser cannot read (a quote never closed, a truncated last line) is reported and skipped.
  const unreadable: FeedRecord[] = [];
  parser.on('skip', (err: CsvError) => {
    unreadable.push({
      line: Number(err.lines ?? 0),
      errors: [{ field: 'row', code: 'csv_unreadable', params: { reason: err.code } }],
    });
  });
  let header: Map<FeedColumn, number> | undefined;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      yield* unreadable.splice(0);
      const line = info.lines;
      if (!header) {
        header = readHeader(record);
        if (!header) {
          report.fileError = {
            line,
            field: 'header',
            code: 'header_invalid',
            params: { expected: FEED_COLUMNS.join(',') },
          };
          return;
        }
        continue;
      }
      if (record.length !== header.size) {
        yield {
          line,
          errors: [{ field: 'row', code: 'column_count', params: { expected: header.size, found: record.length } }],
        };
        continue;
      }
      yield {
        line,
        raw: Object.fromEntries(FEED_COLUMNS.map((c) => [c, record[header!.get(c)!] ?? ''])) as RawFeedRow,
      };
    }
  } catch (err) {
    const csvError = err as CsvError;
    if (!csvError.code?.startsWith('CSV_')) throw err;
    // Something the parser cannot skip past: keep what was read before, report where it broke.
    report.fileError = {
      line: Number(csvError.lines ?? 0),
      field: 'file',
      code: 'csv_unreadable',
      params: { reason: csvError.code },
    };
  }
  yield* unreadable.splice(0);
}

function readHeader(record: string[]): Map<FeedColumn, number> | undefined {
  const names = record.map((n) => n.trim().toLowerCase());
  const map = new Map<FeedColumn, number>();
  for (const column of FEED_COLUMNS) {
    const index = names.indexOf(column);
    if (index < 0) return undefined;
    map.set(column, index);
  }
  return names.length === FEED_COLUMNS.length ? map : undefined;
}

/**
 * The one upsert path for feed rows, whichever way they arrive (CSV import, JSON API): in one transaction, upserts
 * the rows' policies and members, links guardians, joins returning members to their accounts and queues the
 * enrolment email (R19) for new eligible members. Rows whose guardians are not known yet are returned for a later
 * pass, or reported when `final`.
 */
export async function upsertFeedRows(
  deps: Pick<ImportDeps, 'db' | 'clock' | 'courier'>,
  rows: PendingRow[],
  today: string,
  report: ImportReport,
  problem: (line: number, errors: FieldError[]) => void,
  final: boolean,
): Promise<PendingRow[]> {
  const waiting: PendingRow[] = [];
  const now = deps.clock.now().toISOString();
  await deps.db.kysely.transaction().execute(async (trx) => {
    const policies = await upsertPolicies(
      trx,
      rows.map((r) => r.row.policy),
      now,
      report,
    );
    const memberNumbers = rows.map((r) => r.row.member.memberNumber);
    const guardianNumbers = [...new Set(rows.flatMap((r) => r.row.guardianMemberNumbers))];
    const known = new Map<string, Pick<Member, 'id' | 'policy_id'>>();
    for (const m of await selectMembers(trx, [...new Set([...memberNumbers, ...guardianNumbers])]))
      known.set(m.member_number, m);
    const existing = new Map<string, Member>();
    for (const m of await selectMembers(trx, memberNumbers)) existing.set(m.member_number, m);
    const currentLinks = await guardianLinksOf(
      trx,
      [...existing.values()].map((m) => m.id),
    );
    const documents = [...new Set(rows.map((r) => r.row.member.documentNumber).filter((d): d is string => d !== null))];
    const accounts = await accountsByUsername(trx, documents);

    // New members are inserted many rows to a statement, and their guardian links after all of them, so a batch costs
    // a handful of round trips whatever its families look like (an import or a bulk API call of many thousand members
    // stays quick on PostgreSQL). A guardian inserted in this same batch is named by number until its id is known.
    type GuardianRef = number | string;
    const fresh: { row: FeedRow; policyId: number; join: number | null; guardians: GuardianRef[] }[] = [];
    const freshPolicy = new Map<string, number>();
    const syncs: { memberId: number; current: number[]; guardians: GuardianRef[] }[] = [];

    for (const pending of rows) {
      const { row, line } = pending;
      const policy = policies.get(row.policy.policyNumber)!;
      // R14 relies on these links: a guardian must be a member of the same policy.
      const guardians: GuardianRef[] = [];
      const missing: string[] = [];
      for (const g of row.guardianMemberNumbers) {
        const found = known.get(g);
        if (found && found.policy_id === policy.id) guardians.push(found.id);
        else if (freshPolicy.get(g) === policy.id) guardians.push(g);
        else missing.push(g);
      }
      if (missing.length) {
        if (final)
          problem(line, [
            {
              field: 'guardian_member_numbers',
              code: 'guardian_unknown',
              params: { member_numbers: missing.join(';') },
            },
          ]);
        else waiting.push(pending);
        continue;
      }

      const values = memberValues(row, policy.id);
      const current = existing.get(row.member.memberNumber);
      if (current) {
        if (changed(current, values)) {
          await trx
            .updateTable('members')
            .set({ ...values, updated_at: now })
            .where('id', '=', current.id)
            .execute();
          if (current.search_name !== values.search_name)
            await writeMemberSearchTerms(trx, current.id, values.search_name, false);
          report.updated++;
        } else {
          report.unchanged++;
        }
        known.set(row.member.memberNumber, { id: current.id, policy_id: policy.id });
        syncs.push({ memberId: current.id, current: currentLinks.get(current.id) ?? [], guardians });
      } else {
        // PRODUCT §2: a new record whose document is already a username joins that account, when the birth date
        // matches one the account already holds (a different birth date is another person sharing a typo).
        const account = row.member.documentNumber ? accounts.get(row.member.documentNumber) : undefined;
        const join = account && account.birthDates.has(row.member.dateOfBirth) ? account.id : null;
        fresh.push({ row, policyId: policy.id, join, guardians });
        freshPolicy.set(row.member.memberNumber, policy.id);
      }
    }

    const ids = new Map<string, number>();
    const enrolments: {
      memberId: number;
      to: string;
      lang: FeedRow['member']['language'];
      params: Parameters<typeof enrolmentEmail.render>[1];
    }[] = [];
    for (let start = 0; start < fresh.length; start += MAX_ROWS_PER_INSERT) {
      const chunk = fresh.slice(start, start + MAX_ROWS_PER_INSERT);
      const inserted = await trx
        .insertInto('members')
        .values(
          chunk.map((p) => ({
            ...memberValues(p.row, p.policyId),
            member_number: p.row.member.memberNumber,
            account_id: p.join,
            created_at: now,
            updated_at: now,
          })),
        )
        .returning(['id', 'member_number'])
        .execute();
      for (const m of inserted) ids.set(m.member_number, m.id);
      await writeNewMembersSearchTerms(
        trx,
        chunk.map((p) => ({ memberId: ids.get(p.row.member.memberNumber)!, searchName: searchNameOf(p.row.member) })),
      );
      for (const { row, join } of chunk) {
        report.inserted++;
        if (join) report.joinedAccounts++;
        else if (
          row.member.email &&
          row.policy.scheme === 'local' &&
          row.policy.status === 'active' &&
          !isMinorOn(row.member.dateOfBirth, today)
        ) {
          enrolments.push({
            memberId: ids.get(row.member.memberNumber)!,
            to: row.member.email,
            lang: row.member.language,
            params: {
              firstName: row.member.firstName,
              memberNumber: row.member.memberNumber,
              policyNumber: row.policy.policyNumber,
            },
          });
          report.enrolmentEmails++;
        }
      }
    }
    await deps.courier.emails(trx, enrolmentEmail, enrolments);
    // R19 once: the same notice row the birthday job claims (coming-of-age.ts), so a member imported within its
    // catch-up window after turning 18 is not enrolled a second time by the job.
    for (let start = 0; start < enrolments.length; start += MAX_ROWS_PER_INSERT) {
      await trx
        .insertInto('member_notices')
        .values(
          enrolments
            .slice(start, start + MAX_ROWS_PER_INSERT)
            .map((e) => ({ member_id: e.memberId, kind: 'adult-enrolment' as const, created_at: now })),
        )
        .onConflict((oc) => oc.columns(['member_id', 'kind']).doNothing())
        .execute();
    }

    const idOf = (g: GuardianRef) => (typeof g === 'number' ? g : ids.get(g)!);
    const links = fresh.flatMap((p) =>
      p.guardians.map((g) => ({
        minor_member_id: ids.get(p.row.member.memberNumber)!,
        guardian_member_id: idOf(g),
        created_at: now,
      })),
    );
    for (let start = 0; start < links.length; start += MAX_ROWS_PER_INSERT) {
      await trx
        .insertInto('guardian_links')
        .values(links.slice(start, start + MAX_ROWS_PER_INSERT))
        .execute();
    }
    for (const sync of syncs) await syncGuardians(trx, sync.memberId, sync.current, sync.guardians.map(idOf), now);
  });
  return waiting;
}

async function selectMembers(trx: Tx, numbers: string[]): Promise<Member[]> {
  if (numbers.length === 0) return [];
  return trx.selectFrom('members').selectAll().where('member_number', 'in', numbers).execute();
}

async function accountsByUsername(
  trx: Tx,
  documents: string[],
): Promise<Map<string, { id: number; birthDates: Set<string> }>> {
  const result = new Map<string, { id: number; birthDates: Set<string> }>();
  if (documents.length === 0) return result;
  const rows = await trx
    .selectFrom('accounts')
    .leftJoin('members', 'members.account_id', 'accounts.id')
    .select(['accounts.id', 'accounts.username', 'members.date_of_birth'])
    .where('accounts.username', 'in', documents)
    .execute();
  for (const r of rows) {
    const entry = result.get(r.username) ?? { id: r.id, birthDates: new Set<string>() };
    if (r.date_of_birth) entry.birthDates.add(r.date_of_birth);
    result.set(r.username, entry);
  }
  return result;
}

/** Upserts policies by number (PRODUCT §2), writing nothing for one that has not changed; counts into `report`. */
export async function upsertPolicies(
  trx: Tx,
  policies: FeedRow['policy'][],
  now: string,
  report: Pick<ImportReport, 'policiesInserted' | 'policiesUpdated'>,
): Promise<Map<string, Policy>> {
  // The last row of a batch that names a policy decides its fields.
  const wanted = new Map<string, FeedRow['policy']>();
  for (const policy of policies) wanted.set(policy.policyNumber, policy);
  const existing = await trx
    .selectFrom('policies')
    .selectAll()
    .where('policy_number', 'in', [...wanted.keys()])
    .execute();
  const byNumber = new Map(existing.map((p) => [p.policy_number, p]));
  const fresh: Insertable<PolicyTable>[] = [];
  for (const [number, p] of wanted) {
    const values = {
      status: p.status,
      scheme: p.scheme,
      product: p.product,
      start_date: p.startDate,
      end_date: p.endDate,
    };
    const current = byNumber.get(number);
    if (!current) {
      fresh.push({ ...values, policy_number: number, created_at: now, updated_at: now });
    } else if (changed(current, values)) {
      const updated = await trx
        .updateTable('policies')
        .set({ ...values, updated_at: now })
        .where('id', '=', current.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      byNumber.set(number, updated);
      report.policiesUpdated++;
    }
  }
  // New policies many to a statement, matched back by number (RETURNING promises no order).
  for (let start = 0; start < fresh.length; start += MAX_ROWS_PER_INSERT) {
    for (const inserted of await trx
      .insertInto('policies')
      .values(fresh.slice(start, start + MAX_ROWS_PER_INSERT))
      .returningAll()
      .execute()) {
      byNumber.set(inserted.policy_number, inserted);
      report.policiesInserted++;
    }
  }
  return byNumber;
}

/** Each member's current guardians, for many members in one query. */
async function guardianLinksOf(trx: Tx, memberIds: number[]): Promise<Map<number, number[]>> {
  const links = new Map<number, number[]>();
  for (let start = 0; start < memberIds.length; start += MAX_ROWS_PER_INSERT) {
    const rows = await trx
      .selectFrom('guardian_links')
      .select(['minor_member_id', 'guardian_member_id'])
      .where('minor_member_id', 'in', memberIds.slice(start, start + MAX_ROWS_PER_INSERT))
      .execute();
    for (const r of rows) links.set(r.minor_member_id, [...(links.get(r.minor_member_id) ?? []), r.guardian_member_id]);
  }
  return links;
}

/** Makes the member's guardian links exactly the feed's list: a guardian dropped from the feed loses access (R14). */
async function syncGuardians(
  trx: Tx,
  memberId: number,
  current: number[],
  guardians: number[],
  now: string,
): Promise<void> {
  const removed = current.filter((g) => !guardians.includes(g));
  const added = guardians.filter((g) => !current.includes(g));
  if (removed.length) {
    await trx
      .deleteFrom('guardian_links')
      .where('minor_member_id', '=', memberId)
      .where('guardian_member_id', 'in', removed)
      .execute();
  }
  if (added.length) {
    await trx
      .insertInto('guardian_links')
      .values(added.map((g) => ({ minor_member_id: memberId, guardian_member_id: g, created_at: now })))
      .execute();
  }
}
