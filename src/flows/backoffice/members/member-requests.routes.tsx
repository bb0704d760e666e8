import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { VNode } from 'preact';
import type { Clock } from '../../../clock.js';
import type { Config } from '../../../config.js';
import { parseAccessReason, recordDataAccess, type AccessReason } from '../../../infra/audit/data-access.js';
import type { Db } from '../../../infra/db/database.js';
import { sendAttachment } from '../../../infra/files/download.js';
import { openFile } from '../../../infra/files/files.repository.js';
import { formText } from '../../../infra/web/form.js';
import { sendPage, type ReplyOutcome } from '../../../infra/web/view.js';
import { BackofficeLayout, BackofficeMessage } from '../backoffice-layout.js';
import { findMemberRequest, findRequestFile, loadRequestPage } from './member-requests.repository.js';
import { AccessReasonPage, RequestPage } from './member-requests.views.js';
import { parseMemberId } from './members.forms.js';
import { memberPaths } from './members.views.js';

// R31, R36, STYLE habit 19: agents read a member's requests and files, never change them (the core system decides).
// Nothing a request holds is shown, and no file is sent, before the agent gives a reason from ACCESS_REASONS; the
// reason is recorded (recordDataAccess) before the page or file goes out, so the member's "who looked at your data"
// cannot miss an opening. A refused or missing reason shows nothing and records nothing. Every route is for any
// signed-in staff member (requireStaff('agent'), administrators too), as the other member pages; POSTs carry the
// global CSRF token. Each opening is a POST that answers with the page itself: there is no URL that shows a request
// without a reason (a link, a bookmark, the browser's history).

export interface MemberRequestRoutesDeps {
  config: Config;
  db: Db;
  clock: Clock;
}

type RefParams = { Params: { id: string; reference: string } };

export async function memberRequestRoutes(app: FastifyInstance, deps: MemberRequestRoutesDeps): Promise<void> {
  const { db, clock } = deps;
  const box = deps.config.secretBox;
  const agent = { preHandler: app.requireStaff('agent') };

  const page = (
    request: FastifyRequest,
    reply: FastifyReply,
    title: string,
    body: VNode,
    status: ReplyOutcome = 'shown',
  ) =>
    sendPage(
      reply,
      <BackofficeLayout ctx={request.pageContext()} staff={request.staff!} title={title}>
        {body}
      </BackofficeLayout>,
      status,
    );
  const view = (request: FastifyRequest) => ({ t: request.t, csrfToken: request.pageContext().csrfToken() });

  const notFound = (request: FastifyRequest, reply: FastifyReply) => {
    const t = request.t;
    return sendPage(
      reply,
      <BackofficeMessage
        ctx={request.pageContext()}
        staff={request.staff!}
        title={t('field.request_not_found')}
        body={t('bo.requests.none')}
        action={{ href: memberPaths.search, label: t('bo.members.backToSearch') }}
      />,
      'notFound',
    );
  };

  /** The member and the request of the path (the request's patient must be that member), or a 404 sent. */
  async function target(request: FastifyRequest<RefParams>, reply: FastifyReply) {
    const memberId = parseMemberId(request.params.id);
    const member =
      memberId === undefined
        ? undefined
        : await db.kysely
            .selectFrom('members')
            .select(['id', 'first_name', 'last_name', 'member_number'])
            .where('id', '=', memberId)
            .executeTakeFirst();
    const found = member ? await findMemberRequest(db.kysely, member.id, request.params.reference) : undefined;
    if (!member || !found) {
      notFound(request, reply);
      return undefined;
    }
    return { member, request: found };
  }

  const staffAccess = (request: FastifyRequest, reason: AccessReason, note: string | undefined) => {
    const s = request.staff!;
    return { by: 'staff' as const, staffId: s.id, username: s.username, role: s.role, reason, note };
  };

  const askReason = (
    request: FastifyRequest<RefParams>,
    reply: FastifyReply,
    memberId: number,
    reference: string,
    options: { fileId?: number; refused?: boolean } = {},
  ) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const t = request.t;
    return page(
      request,
      reply,
      options.fileId !== undefined
        ? t('bo.requests.fileReasonTitle', { reference })
        : t('bo.requests.reasonTitle', { reference }),
      <AccessReasonPage
        {...view(request)}
        memberId={memberId}
        reference={reference}
        {...(options.fileId !== undefined ? { fileId: options.fileId } : {})}
        {...(options.refused
          ? {
              reason: formText(body, 'access_reason') ?? '',
              note: formText(body, 'access_note') ?? '',
              errors: [{ field: 'access_reason', code: 'access_reason_required' as const }],
            }
          : {})}
      />,
      options.refused ? 'invalid' : 'shown',
    );
  };

  // The reason form: the only thing a GET of a request shows.
  app.get<RefParams>('/backoffice/members/:id/requests/:reference', agent, async (request, reply) => {
    const found = await target(request, reply);
    if (!found) return reply;
    return askReason(request, reply, found.member.id, found.request.reference);
  });

  app.post<RefParams>('/backoffice/members/:id/requests/:reference', agent, async (request, reply) => {
    const found = await target(request, reply);
    if (!found) return reply;
    const { member, request: r } = found;
    const reason = parseAccessReason((request.body ?? {}) as Record<string, unknown>);
    if (!reason.ok) return askReason(request, reply, member.id, r.reference, { refused: true });
    await recordDataAccess(db.kysely, clock, request.auditContext(), {
      memberId: member.id,
      what: 'request',
      ref: r.reference,
      who: staffAccess(request, reason.reason, reason.note),
    });
    const data = await loadRequestPage(db.kysely, r);
    return page(
      request,
      reply,
      request.t('bo.requests.heading', { reference: r.reference }),
      <RequestPage
        {...view(request)}
        memberId={member.id}
        patient={`${member.first_name} ${member.last_name} (${member.member_number})`}
        request={data.request}
        timeline={data.timeline}
        files={data.files}
        reason={reason.reason}
        note={reason.note}
      />,
    );
  });

  // A file: the reason (the request page's form preselects the one given to open it), then the bytes.
  app.post<RefParams>('/backoffice/members/:id/requests/:reference/files', agent, async (request, reply) => {
    const found = await target(request, reply);
    if (!found) return reply;
    const { member, request: r } = found;
    const body = (request.body ?? {}) as Record<string, unknown>;
    const fileId = parseMemberId(formText(body, 'file'));
    const file = fileId === undefined ? undefined : await findRequestFile(db.kysely, r.id, fileId);
    if (!file) return notFound(request, reply);
    const reason = parseAccessReason(body);
    if (!reason.ok) return askReason(request, reply, member.id, r.reference, { fileId: file.id, refused: true });
    const bytes = openFile(box, file);
    await recordDataAccess(db.kysely, clock, request.auditContext(), {
      memberId: member.id,
      what: 'file',
      ref: String(file.id),
      who: staffAccess(request, reason.reason, reason.note),
    });
    return sendAttachment(reply, file, bytes);
  });
}
