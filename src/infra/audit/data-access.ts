import type { Kysely } from 'kysely';
import type { Clock } from '../../clock.js';
import type { Database } from '../db/tables.js';
import { recordAudit, recordAudits, type AuditContext, type AuditEvent } from './audit.repository.js';

// R36 "who looked at your data", R31 back office: every time staff open a member's record, request, file or document,
// or the core system reads them through the API, one audit row says who, what and why. Staff give a reason from a
// short list (as healthcare record systems do) and may add a few words; the member later sees the time, the agent's
// role, a pseudonymous agent id and the reason, never the agent's name. Flows record through here and nowhere else,
// so the member's list (built from these rows) cannot miss a way in.

export const DATA_ACCESS_EVENT = 'data.access';

/** Why an agent opens a member's data; the labels are `access.reason.<code>` in both languages. */
export const ACCESS_REASONS = [
  'member_call',
  'member_written',
  'request_review',
  'complaint',
  'legal_obligation',
  'other',
] as const;
export type AccessReason = (typeof ACCESS_REASONS)[number];

/** What was opened. */
export type AccessedThing = 'record' | 'request' | 'file' | 'document';

/** The longest free-text note kept with a reason. */
export const ACCESS_NOTE_MAX = 200;

export interface StaffAccess {
  readonly by: 'staff';
  readonly staffId: number;
  readonly username: string;
  readonly role: string;
  readonly reason: AccessReason;
  readonly note?: string | undefined;
}

export interface SystemAccess {
  readonly by: 'api';
  /** The API key's name (the core system). */
  readonly client: string;
}

export interface DataAccess {
  readonly memberId: number;
  readonly what: AccessedThing;
  /** The request reference, file or document id opened; absent for the record itself. */
  readonly ref?: string | undefined;
  readonly who: StaffAccess | SystemAccess;
}

/** Reads a reason from a form: the code must be one of ACCESS_REASONS; 'other' needs a note. */
export function parseAccessReason(
  form: Record<string, unknown>,
): { ok: true; reason: AccessReason; note?: string } | { ok: false; error: 'access_reason_required' } {
  const code = typeof form.access_reason === 'string' ? form.access_reason : '';
  const raw = typeof form.access_note === 'string' ? form.access_note : '';
  const note = raw
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .trim()
    .slice(0, ACCESS_NOTE_MAX);
  if (!(ACCESS_REASONS as readonly string[]).includes(code)) return { ok: false, error: 'access_reason_required' };
  if (code === 'other' && note === '') return { ok: false, error: 'access_reason_required' };
  return { ok: true, reason: code as AccessReason, ...(note ? { note } : {}) };
}

/** Records one opening of a member's data (inside the caller's transaction when given one). */
export function recordDataAccess(
  db: Kysely<Database>,
  clock: Clock,
  ctx: AuditContext,
  access: DataAccess,
): Promise<void> {
  return recordAudit(db, clock, ctx, auditEventOf(access));
}

/** Records many openings at once (a page of the API's request list): one row each, as recordDataAccess writes. */
export function recordDataAccesses(
  db: Kysely<Database>,
  clock: Clock,
  ctx: AuditContext,
  accesses: readonly DataAccess[],
): Promise<void> {
  return recordAudits(db, clock, ctx, accesses.map(auditEventOf));
}

function auditEventOf(access: DataAccess): AuditEvent {
  const who = access.who;
  return {
    event: DATA_ACCESS_EVENT,
    outcome: 'info',
    actor: who.by === 'staff' ? `staff:${who.username}` : `api:${who.client}`,
    memberId: access.memberId,
    details: {
      what: access.what,
      ref: access.ref ?? null,
      by: who.by,
      ...(who.by === 'staff'
        ? { staff_id: who.staffId, role: who.role, reason: who.reason, note: who.note ?? null }
        : {}),
    },
  };
}
