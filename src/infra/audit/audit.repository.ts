import type { Kysely } from 'kysely';
import type { Clock } from '../../clock.js';
import { compiledQuery } from '../db/compiled-query.js';
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

/** Every request that changes something writes one or more of these: built and compiled once (compiled-query.ts). */
const insertEvent = compiledQuery(
  (
    db,
    p: {
      occurredAt: string;
      event: string;
      outcome: AuditEventTable['outcome'];
      actor: string | null;
      subject: string | null;
      accountId: number | null;
      memberId: number | null;
      ip: string | null;
      userAgent: string | null;
      requestId: string | null;
      details: string | null;
    },
  ) =>
    db.insertInto('audit_events').values({
      occurred_at: p.occurredAt,
      event: p.event,
      outcome: p.outcome,
      actor: p.actor,
      subject: p.subject,
      account_id: p.accountId,
      member_id: p.memberId,
      ip: p.ip,
      user_agent: p.userAgent,
      request_id: p.requestId,
      details: p.details,
    }),
);

function paramsOf(occurredAt: string, ctx: AuditContext, e: AuditEvent) {
  return {
    occurredAt,
    event: e.event,
    outcome: e.outcome,
    actor: e.actor ?? null,
    subject: e.subject ?? null,
    accountId: e.accountId ?? null,
    memberId: e.memberId ?? null,
    ip: ctx.ip ?? null,
    userAgent: ctx.userAgent?.slice(0, 400) ?? null,
    requestId: ctx.requestId ?? null,
    details: e.details ? JSON.stringify(e.details) : null,
  };
}

/** Records a security event (R22); runs inside the caller's transaction when given one. */
export async function recordAudit(db: Kysely<Database>, clock: Clock, ctx: AuditContext, e: AuditEvent): Promise<void> {
  await insertEvent(db, paramsOf(clock.now().toISOString(), ctx, e));
}

/** Rows a multi-row insert carries: 11 columns each stays under both databases' bound-parameter limits. */
const EVENTS_PER_INSERT = 500;

/** Records many events of one request at once (an API page read, R31/R36): the same rows, a statement per 500. */
export async function recordAudits(
  db: Kysely<Database>,
  clock: Clock,
  ctx: AuditContext,
  events: readonly AuditEvent[],
): Promise<void> {
  const at = clock.now().toISOString();
  for (let start = 0; start < events.length; start += EVENTS_PER_INSERT) {
    const rows = events.slice(start, start + EVENTS_PER_INSERT).map((e) => {
      const p = paramsOf(at, ctx, e);
      return {
        occurred_at: p.occurredAt,
        event: p.event,
        outcome: p.outcome,
        actor: p.actor,
        subject: p.subject,
        account_id: p.accountId,
        member_id: p.memberId,
        ip: p.ip,
        user_agent: p.userAgent,
        request_id: p.requestId,
        details: p.details,
      };
    });
    await db.insertInto('audit_events').values(rows).execute();
  }
}
