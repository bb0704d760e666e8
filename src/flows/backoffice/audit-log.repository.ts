import { sql, type Kysely, type Selectable, type SelectQueryBuilder } from 'kysely';
import type { FieldError } from '../../domain/result.js';
import type { AuditEventTable, Database } from '../../infra/db/tables.js';

// R22, R23: administrators read the whole audit log, filtered by time (UTC), actor, subject and event type, newest
// first, a page at a time, and export the same selection as CSV. Pages and the export walk the log by keyset
// (occurred_at, id), so neither a deep page nor a million-row export costs more than one batch of memory.

export type AuditRow = Selectable<AuditEventTable>;

export interface AuditFilters {
  /** Inclusive lower bound, ISO UTC. */
  from?: string;
  /** Exclusive upper bound, ISO UTC. */
  to?: string;
  actor?: string;
  subject?: string;
  /** An event type, or a prefix of one when the filter ends with `*` (e.g. `staff.*`). */
  event?: string;
}

/** Where a page starts: strictly older than this (occurred_at, id). */
export interface AuditCursor {
  at: string;
  id: number;
}

/** The filter form as typed, for showing back and for the export link. */
export interface AuditQuery {
  from: string;
  to: string;
  actor: string;
  subject: string;
  event: string;
}

export const AUDIT_PAGE_SIZE = 50;
const MAX_TEXT = 200;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})$/;

/** A typed UTC time: a day (YYYY-MM-DD) or a minute (YYYY-MM-DD HH:MM); `end` makes it the end of that day/minute. */
function parseUtc(text: string, end: boolean): string | undefined | null {
  if (text === '') return undefined;
  const d = DATE.exec(text);
  const dt = DATE_TIME.exec(text);
  const parts = d ? [d[1], d[2], d[3], '00', '00'] : dt ? dt.slice(1, 6) : undefined;
  if (!parts) return null;
  const [y, mo, da, h, mi] = parts.map(Number) as [number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, da, h, mi);
  const back = new Date(ms);
  // Rejects 2026-02-30 and 25:00 rather than letting Date roll them over.
  if (
    back.getUTCFullYear() !== y ||
    back.getUTCMonth() !== mo - 1 ||
    back.getUTCDate() !== da ||
    back.getUTCHours() !== h ||
    back.getUTCMinutes() !== mi
  )
    return null;
  return new Date(end ? ms + (d ? 86_400_000 : 60_000) : ms).toISOString();
}

const text = (q: Record<string, unknown>, name: keyof AuditQuery) =>
  typeof q[name] === 'string' ? (q[name] as string).trim().slice(0, MAX_TEXT + 1) : '';

/** Reads the filters from a query string; a malformed one is a field error, never a 500. */
export function parseAuditQuery(raw: unknown): { query: AuditQuery; filters: AuditFilters; errors: FieldError[] } {
  const q = (raw ?? {}) as Record<string, unknown>;
  const query: AuditQuery = {
    from: text(q, 'from'),
    to: text(q, 'to'),
    actor: text(q, 'actor'),
    subject: text(q, 'subject'),
    event: text(q, 'event'),
  };
  const errors: FieldError[] = [];
  const filters: AuditFilters = {};
  const from = parseUtc(query.from, false);
  const to = parseUtc(query.to, true);
  if (from === null) errors.push({ field: 'from', code: 'audit_time_invalid' });
  else if (from) filters.from = from;
  if (to === null) errors.push({ field: 'to', code: 'audit_time_invalid' });
  else if (to) filters.to = to;
  for (const name of ['actor', 'subject', 'event'] as const) {
    if (query[name].length > MAX_TEXT) errors.push({ field: name, code: 'too_long', params: { max: MAX_TEXT } });
    else if (query[name]) filters[name] = query[name];
  }
  return { query, filters, errors };
}

/** A page cursor as it travels in a link: `<ISO time>~<id>`; anything else is no cursor. */
export function parseCursor(raw: unknown): AuditCursor | undefined {
  if (typeof raw !== 'string' || raw.length > 60) return undefined;
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)~(\d{1,15})$/.exec(raw);
  return m && !Number.isNaN(Date.parse(m[1]!)) ? { at: m[1]!, id: Number(m[2]) } : undefined;
}

export const cursorOf = (row: AuditRow): string => `${row.occurred_at}~${row.id}`;

function applyFilters<O>(
  q: SelectQueryBuilder<Database, 'audit_events', O>,
  f: AuditFilters,
  cursor?: AuditCursor,
): SelectQueryBuilder<Database, 'audit_events', O> {
  if (f.from) q = q.where('occurred_at', '>=', f.from);
  if (f.to) q = q.where('occurred_at', '<', f.to);
  if (f.actor) q = q.where('actor', '=', f.actor);
  if (f.subject) q = q.where('subject', '=', f.subject);
  if (f.event) {
    if (f.event.endsWith('*')) {
      const prefix = f.event.slice(0, -1);
      // substr rather than LIKE: no wildcard in the typed text can widen the match, on either database.
      if (prefix) q = q.where(sql<string>`substr(event, 1, ${prefix.length})`, '=', prefix);
    } else q = q.where('event', '=', f.event);
  }
  if (cursor)
    q = q.where((eb) =>
      eb.or([eb('occurred_at', '<', cursor.at), eb.and([eb('occurred_at', '=', cursor.at), eb('id', '<', cursor.id)])]),
    );
  return q;
}

/** One page of events, newest first, and the cursor of the next (older) page when there is one. */
export async function auditPage(
  db: Kysely<Database>,
  filters: AuditFilters,
  cursor: AuditCursor | undefined,
  size = AUDIT_PAGE_SIZE,
): Promise<{ rows: AuditRow[]; next?: string }> {
  const rows = await applyFilters(db.selectFrom('audit_events').selectAll(), filters, cursor)
    .orderBy('occurred_at', 'desc')
    .orderBy('id', 'desc')
    .limit(size + 1)
    .execute();
  const more = rows.length > size;
  const page = more ? rows.slice(0, size) : rows;
  return more ? { rows: page, next: cursorOf(page[page.length - 1]!) } : { rows: page };
}

export const AUDIT_CSV_COLUMNS = [
  'occurred_at',
  'event',
  'outcome',
  'actor',
  'subject',
  'account_id',
  'member_id',
  'ip',
  'user_agent',
  'request_id',
  'details',
] as const;

/**
 * One CSV cell (RFC 4180), safe to open in a spreadsheet: a value starting with = + - @ tab or carriage return
 * gets a leading apostrophe, so it is shown as text and never run as a formula (CSV injection); a value with a
 * comma, quote or line break is quoted, quotes doubled. Spanish Excel splits cells at `;` (its list separator), not
 * at our commas and ignoring our quotes, so a formula starter after a `;` or `,` inside a value (spaces and quotes
 * between allowed) gets the apostrophe too: `Mozilla;=1+1` becomes `Mozilla;'=1+1`.
 */
export function csvCell(value: string | number | null | undefined): string {
  let s = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  s = s.replace(/([;,][\s"]*)([=+\-@\t\r])/g, "$1'$2");
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * The filtered log as CSV lines, newest first, read in batches of `batch` rows by keyset: memory stays bounded
 * whatever the size of the log, and the response streams as the rows are read.
 */
export async function* auditCsv(db: Kysely<Database>, filters: AuditFilters, batch = 500): AsyncGenerator<string> {
  yield AUDIT_CSV_COLUMNS.join(',') + '\r\n';
  let cursor: AuditCursor | undefined;
  for (;;) {
    const { rows, next } = await auditPage(db, filters, cursor, batch);
    if (rows.length) yield rows.map((r) => AUDIT_CSV_COLUMNS.map((c) => csvCell(r[c])).join(',') + '\r\n').join('');
    if (!next) return;
    cursor = parseCursor(next);
  }
}
