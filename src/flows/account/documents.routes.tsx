import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import type { Db } from '../../infra/db/database.js';
import { findDocumentWithFile, listDocuments } from '../../infra/documents/documents.repository.js';
import { sendAttachment } from '../../infra/files/download.js';
import { openFile } from '../../infra/files/files.repository.js';
import { requireMember } from '../../infra/session/guard.js';
import type { Sessions } from '../../infra/session/session.js';
import { ErrorPage } from '../../infra/web/error-page.js';
import { sendPage } from '../../infra/web/view.js';
import { DocumentsPage } from './documents.views.js';
import { visibleMembers, type VisibleMember } from './member-selector.js';

export interface DocumentsDeps {
  config: Config;
  db: Db;
  clock: Clock;
  sessions: Sessions;
}

/**
 * R32: the member's documents. Who sees a document is decided from the data on every request (R14): a member's
 * document is that member's and, while the member is a minor, their guardian's; a policy's document is every member
 * of that policy's. Anyone else, and any id that is not a document, gets the same 404.
 */
export async function documentsRoutes(app: FastifyInstance, deps: DocumentsDeps): Promise<void> {
  const { db, clock, config } = deps;
  const kysely = db.kysely;
  app.addHook('preHandler', requireMember(deps.sessions, db));

  /** The records the viewer may see now, each with its policy's id. */
  async function visibleWithPolicies(request: FastifyRequest) {
    const session = request.memberSession!;
    const visible = await visibleMembers(kysely, clock, config.timeZone, session.accountId);
    const rows = visible.length
      ? await kysely
          .selectFrom('members')
          .select(['id', 'policy_id'])
          .where(
            'id',
            'in',
            visible.map((v) => v.id),
          )
          .execute()
      : [];
    const policyOf = new Map(rows.map((r) => [r.id, r.policy_id]));
    return { session, visible, policyOf };
  }

  const notFound = (request: FastifyRequest, reply: FastifyReply) =>
    sendPage(
      reply,
      ErrorPage({
        ctx: request.pageContext(),
        titleKey: 'documents.notFound.title',
        bodyKey: 'documents.notFound.body',
      }),
      'notFound',
    );

  app.get('/area/documents', async (request, reply) => {
    const { session, visible, policyOf } = await visibleWithPolicies(request);
    const self = visible.filter((v) => v.relation === 'self');
    const acting = visible.find((v) => v.id === session.actingMemberId);
    // The area shows one person: the member (all their records), or the minor chosen in the selector.
    const records: VisibleMember[] = acting?.relation === 'minor' ? [acting] : self;
    const policyIds = [...new Set(records.map((r) => policyOf.get(r.id)!))];
    const documents = await listDocuments(kysely, { memberIds: records.map((r) => r.id), policyIds });
    const policyNumbers = new Map(records.map((r) => [policyOf.get(r.id)!, r.policyNumber]));
    return sendPage(
      reply,
      <DocumentsPage
        ctx={request.pageContext()}
        documents={documents}
        records={records}
        policyNumbers={policyNumbers}
      />,
    );
  });

  app.get('/area/documents/:id', async (request, reply) => {
    const raw = (request.params as { id: string }).id;
    if (!/^[1-9][0-9]{0,9}$/.test(raw)) return notFound(request, reply);
    const doc = await findDocumentWithFile(kysely, Number(raw));
    if (!doc) return notFound(request, reply);
    const { session, visible, policyOf } = await visibleWithPolicies(request);
    const mine =
      (doc.member_id !== null && visible.some((v) => v.id === doc.member_id)) ||
      (doc.policy_id !== null && visible.some((v) => policyOf.get(v.id) === doc.policy_id));
    if (!mine) {
      // R22: a try at someone else's document is recorded (its id, nothing of its contents).
      await request.audit('document.download', 'refused', {
        accountId: session.accountId,
        details: { document: doc.id },
      });
      return notFound(request, reply);
    }
    const title = request.lang === 'es' ? doc.title_es : doc.title_en;
    return sendAttachment(
      reply,
      { name: `${title}.pdf`, content_type: doc.content_type },
      openFile(config.secretBox, doc),
    );
  });
}
