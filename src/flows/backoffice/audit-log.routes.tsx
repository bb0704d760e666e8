import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { Clock } from '../../clock.js';
import type { Db } from '../../infra/db/database.js';
import { byField } from '../../infra/web/form.js';
import { sendPage } from '../../infra/web/view.js';
import { auditCsv, auditPage, parseAuditQuery, parseCursor } from './audit-log.repository.js';
import { AuditLogPage } from './audit-log.views.js';
import { staffActor } from './staff-users.flow.js';

/**
 * R22, R23: /backoffice/audit (filtered pages) and /backoffice/audit.csv (the same selection, streamed), admins only.
 */
export async function auditLogRoutes(app: FastifyInstance, deps: { db: Db; clock: Clock }): Promise<void> {
  const { db, clock } = deps;
  const admin = { preHandler: app.requireStaff('admin') };

  app.get('/backoffice/audit', admin, async (request, reply) => {
    const { query, filters, errors } = parseAuditQuery(request.query);
    const cursor = parseCursor((request.query as Record<string, unknown>).before);
    const ctx = request.pageContext();
    if (errors.length)
      return sendPage(
        reply,
        <AuditLogPage
          ctx={ctx}
          staff={request.staff!}
          query={query}
          errors={byField(errors)}
          rows={[]}
          paged={false}
        />,
        'invalid',
      );
    const page = await auditPage(db.kysely, filters, cursor);
    return sendPage(
      reply,
      <AuditLogPage
        ctx={ctx}
        staff={request.staff!}
        query={query}
        errors={{}}
        rows={page.rows}
        next={page.next}
        paged={cursor !== undefined}
      />,
    );
  });

  app.get('/backoffice/audit.csv', admin, async (request, reply) => {
    const { query, filters, errors } = parseAuditQuery(request.query);
    if (errors.length) {
      return sendPage(
        reply,
        <AuditLogPage
          ctx={request.pageContext()}
          staff={request.staff!}
          query={query}
          errors={byField(errors)}
          rows={[]}
          paged={false}
        />,
        'invalid',
      );
    }
    // Taking a copy of the log is itself a security event (R22): who, when, which selection.
    await request.audit('backoffice.audit_exported', 'success', {
      actor: staffActor(request.staff!.username),
      details: {
        from: query.from || null,
        to: query.to || null,
        actor: query.actor || null,
        subject: query.subject || null,
        event: query.event || null,
      },
    });
    const stamp = clock.now().toISOString().slice(0, 19).replace(/[:T]/g, '-');
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="audit-${stamp}.csv"`)
      .header('x-content-type-options', 'nosniff')
      .send(Readable.from(auditCsv(db.kysely, filters)));
  });
}
