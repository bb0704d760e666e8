import { createHmac } from 'node:crypto';
import type { Kysely } from 'kysely';
import { ACCESS_REASONS, DATA_ACCESS_EVENT, type AccessReason } from '../../infra/audit/data-access.js';
import type { Database } from '../../infra/db/tables.js';

// R36 "who looked at your data", read from the audit rows src/infra/audit/data-access.ts writes: the time, who (the
// agent's role and a pseudonym, or the insurer's systems), what and why. Never the agent's name or free-text note.

/** Accesses listed per page, newest first. */
export const ACCESSES_PER_PAGE = 50;

export interface DataAccessView {
  id: number;
  at: string;
  what: 'record' | 'request' | 'file' | 'document';
  ref: string | null;
  who: { by: 'staff'; role: 'agent' | 'admin'; pseudonym: string; reason: AccessReason } | { by: 'api' };
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A staff member's pseudonym as members see it: HMAC-SHA256 of the staff id under a key derived from SECRET_KEY
 * (shared by every node, so it is stable across sessions and nodes). Without the key a member cannot tell which
 * agent it is nor link it to a name; the company, holding the key, can answer a member who asks about one access.
 * 40 bits (8 characters) make a collision between two agents of one insurer negligible.
 */
export function agentPseudonym(secretKey: string, staffId: number): string {
  const key = createHmac('sha256', secretKey).update('r36:agent-pseudonym:v1').digest();
  const mac = createHmac('sha256', key).update(`staff:${staffId}`).digest();
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of mac) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < 8) {
      out += CROCKFORD[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    if (out.length === 8) break;
  }
  return `${out.slice(0, 4)}-${out.slice(4)}`;
}

const WHATS = ['record', 'request', 'file', 'document'] as const;

function parse(secretKey: string, row: { id: number; occurred_at: string; details: string | null }) {
  let d: Record<string, unknown> = {};
  try {
    const v: unknown = row.details ? JSON.parse(row.details) : {};
    if (v && typeof v === 'object') d = v as Record<string, unknown>;
  } catch {
    // a row we cannot read is shown as the insurer's systems' read of the record, never dropped (R36: nothing hidden)
  }
  const what = (WHATS as readonly unknown[]).includes(d.what) ? (d.what as DataAccessView['what']) : 'record';
  const ref = typeof d.ref === 'string' ? d.ref : null;
  const reason = (ACCESS_REASONS as readonly unknown[]).includes(d.reason) ? (d.reason as AccessReason) : 'other';
  const who: DataAccessView['who'] =
    d.by === 'staff' && typeof d.staff_id === 'number'
      ? {
          by: 'staff',
          role: d.role === 'admin' ? 'admin' : 'agent',
          pseudonym: agentPseudonym(secretKey, d.staff_id),
          reason,
        }
      : { by: 'api' };
  return { id: row.id, at: row.occurred_at, what, ref, who };
}

/** The openings of these member records' data, newest first, one page (keyset by audit id). */
export async function listDataAccesses(
  db: Kysely<Database>,
  secretKey: string,
  memberIds: readonly number[],
  options: { before?: number | undefined; limit?: number } = {},
): Promise<{ entries: DataAccessView[]; nextBefore?: number }> {
  if (memberIds.length === 0) return { entries: [] };
  const limit = options.limit ?? ACCESSES_PER_PAGE;
  let q = db
    .selectFrom('audit_events')
    .select(['id', 'occurred_at', 'details'])
    .where('event', '=', DATA_ACCESS_EVENT)
    .where('member_id', 'in', [...memberIds]);
  if (options.before !== undefined) q = q.where('id', '<', options.before);
  const rows = await q
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute();
  const entries = rows.slice(0, limit).map((r) => parse(secretKey, r));
  const last = entries.at(-1);
  return rows.length > limit && last ? { entries, nextBefore: last.id } : { entries };
}
