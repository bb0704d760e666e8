import { sql, type Kysely } from 'kysely';
import type { SecretBox } from '../crypto/secret-box.js';
import type { Database, OutboxMessage } from '../db/tables.js';

/**
 * Claims up to `limit` due messages for this worker with a lease. On PostgreSQL, `FOR UPDATE SKIP LOCKED` lets
 * several nodes claim at once without waiting on or double-claiming a row (R25); SQLite has one writer at a time,
 * so the single UPDATE is already atomic.
 */
export async function claimDueMessages(
  db: Kysely<Database>,
  postgres: boolean,
  workerId: string,
  now: string,
  leaseUntil: string,
  limit: number,
): Promise<OutboxMessage[]> {
  const due = db
    .selectFrom('outbox')
    .select('id')
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', now)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
    // Codes and links first, then notices, each oldest first (issue 20).
    .orderBy('lane')
    .orderBy('id')
    .limit(limit);
  const rows = await db
    .updateTable('outbox')
    .set({ locked_until: leaseUntil, locked_by: workerId })
    .where('id', 'in', postgres ? due.forUpdate().skipLocked() : due)
    .returningAll()
    .execute();
  return rows.sort((a, b) => a.lane - b.lane || a.id - b.id);
}

/** A message as its transport needs it: subject and bodies opened (R29: they are sealed in the table). */
export function openMessage(box: SecretBox, message: OutboxMessage): OutboxMessage {
  const open = (v: string | null) => (v !== null && box.isSealed(v) ? box.open(v) : v);
  return {
    ...message,
    subject: open(message.subject),
    body_text: open(message.body_text) ?? '',
    body_html: open(message.body_html),
  };
}

/**
 * Marks a message sent. R29: its subject and bodies are blanked in the same statement (a sent message keeps no code
 * or link at rest), except for a transport that is itself the place to read them (the development mailbox).
 */
export async function markSent(
  db: Kysely<Database>,
  id: number,
  workerId: string,
  transport: string,
  now: string,
  keepBodies = false,
): Promise<boolean> {
  const done = await db
    .updateTable('outbox')
    .set({
      status: 'sent',
      transport,
      sent_at: now,
      locked_until: null,
      locked_by: null,
      attempts: sql`attempts + 1`,
      last_error: null,
      ...(keepBodies ? {} : { subject: null, body_text: '', body_html: null }),
    })
    .where('id', '=', id)
    .where('locked_by', '=', workerId)
    .executeTakeFirst();
  return Number(done.numUpdatedRows) === 1;
}

export async function markFailedAttempt(
  db: Kysely<Database>,
  id: number,
  workerId: string,
  error: string,
  nextAttemptAt: string | null,
): Promise<void> {
  await db
    .updateTable('outbox')
    .set({
      status: nextAttemptAt ? 'pending' : 'failed',
      next_attempt_at: nextAttemptAt ?? sql`next_attempt_at`,
      attempts: sql`attempts + 1`,
      last_error: error.slice(0, 1000),
      locked_until: null,
      locked_by: null,
    })
    .where('id', '=', id)
    .where('locked_by', '=', workerId)
    .execute();
}

/**
 * Extends this worker's claims on `ids` (issue 33: a live node renews its leases while it sends, so a lease can be
 * short and a dead node's claims free up within seconds). Returns the ids still held: one missing was claimed by
 * another node after this one's lease ran out, and must not be sent by this one.
 */
export async function renewClaims(
  db: Kysely<Database>,
  ids: number[],
  workerId: string,
  leaseUntil: string,
): Promise<number[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .updateTable('outbox')
    .set({ locked_until: leaseUntil })
    .where('id', 'in', ids)
    .where('locked_by', '=', workerId)
    .where('status', '=', 'pending')
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

/** Gives back claimed messages this worker will not send now, so any node may take them at once. */
export async function releaseClaims(db: Kysely<Database>, ids: number[], workerId: string): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('outbox')
    .set({ locked_until: null, locked_by: null })
    .where('id', 'in', ids)
    .where('locked_by', '=', workerId)
    .execute();
}

export async function listRecentMessages(db: Kysely<Database>, limit: number): Promise<OutboxMessage[]> {
  return db.selectFrom('outbox').selectAll().orderBy('id', 'desc').limit(limit).execute();
}

export async function findMessage(db: Kysely<Database>, id: number): Promise<OutboxMessage | undefined> {
  return db.selectFrom('outbox').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function countPending(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('outbox')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', 'pending')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
