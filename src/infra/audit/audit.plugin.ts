import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Kysely } from 'kysely';
import type { Clock } from '../../clock.js';
import type { Database } from '../db/tables.js';
import { recordAudit, type AuditContext, type AuditEvent } from './audit.repository.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who did it and from where, for an audit event (R22): the client address, user agent and request id. */
    auditContext(): AuditContext;
    /**
     * Records a security event of this request (R22): what happened, its outcome, and who and what it concerns; in
     * the caller's transaction when given one.
     */
    audit(
      event: string,
      outcome: AuditEvent['outcome'],
      fields?: Omit<AuditEvent, 'event' | 'outcome'>,
      trx?: Kysely<Database>,
    ): Promise<void>;
  }
}

/**
 * The audit as a request decoration (issue 19): every flow records its events the same way, and none imports
 * another flow to find out how. Registered once in app.ts, before the routes.
 */
export const auditPlugin = fp(async (app: FastifyInstance, opts: { db: Kysely<Database>; clock: Clock }) => {
  app.decorateRequest('auditContext', function (this: FastifyRequest): AuditContext {
    return { ip: this.ip, userAgent: this.headers['user-agent'], requestId: String(this.id) };
  });
  app.decorateRequest(
    'audit',
    function (
      this: FastifyRequest,
      event: string,
      outcome: AuditEvent['outcome'],
      fields: Omit<AuditEvent, 'event' | 'outcome'> = {},
      trx?: Kysely<Database>,
    ): Promise<void> {
      return recordAudit(trx ?? opts.db, opts.clock, this.auditContext(), { ...fields, event, outcome });
    },
  );
});
