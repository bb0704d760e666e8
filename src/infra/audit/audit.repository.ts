import type { Kysely } from 'kysely';
import type { Clock } from '../../clock.js';
import type { AuditEventTable, Database } from '../db/tables.js';

/** Who did it and from where; taken from the request. */
export interface AuditContext {
  ip?: string | undefined;
  userAgent?: string | undefined;
  requestId?: string | undefined;
}

export interface AuditEvent {
  event: string;
  outcome: AuditEventTable['outcome'];
  actor?: string | null;
  subject?: string | null;
  accountId?: number | null;
  memberId?: number | null;
  /** Never a password, code or token (R22). */
  details?: Record<string, string | number | boolean | null>;
}

/** Records a security event (R22); runs inside the caller's transaction when given one. */
export async function recordAudit(db: Kysely<Database>, clock: Clock, ctx: AuditContext, e: AuditEvent): Promise<void> {
  await db
    .insertInto('audit_events')
    .values({
      occurred_at: clock.now().toISOString(),
      event: e.event,
      outcome: e.outcome,
      actor: e.actor ?? null,
      subject: e.subject ?? null,
      account_id: e.accountId ?? null,
      member_id: e.memberId ?? null,
      ip: ctx.ip ?? null,
      user_agent: ctx.userAgent?.slice(0, 400) ?? null,
      request_id: ctx.requestId ?? null,
      details: e.details ? JSON.stringify(e.details) : null,
    })
    .execute();
}
