import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ProviderLogout } from '../../../infra/session/session.js';
import type { VNode } from 'preact';
import type { Clock } from '../../../clock.js';
import type { Config } from '../../../config.js';
import type { FieldError, Result } from '../../../domain/result.js';
import { refusalOf } from '../../../domain/error-codes.js';
import type { Db } from '../../../infra/db/database.js';
import type { AuditContext } from '../../../infra/audit/audit.repository.js';
import type { Courier } from '../../../infra/outbox/courier.js';
import { sendPage, type ReplyOutcome } from '../../../infra/web/view.js';
import { formText } from '../../../infra/web/form.js';
import { BackofficeLayout, BackofficeMessage } from '../backoffice-layout.js';
import { parseAccessReason } from '../../../infra/audit/data-access.js';
import { blockedUntil } from '../../../identity/account-closure.js';
import { accessNext, grantAccess, hasAccessGrant } from './member-access.js';
import { AccessReasonForm } from './member-access.views.js';
import { loadMemberPage, parseAuditCursor, type MemberDetails } from './member-details.repository.js';
import { parsePage, parseSearchQuery, searchMembers } from './member-search.repository.js';
import { listMemberRequests } from './member-requests.repository.js';
import {
  changeUsername,
  correctContact,
  disableAccount,
  enableAccount,
  endAllSessions,
  previewContactCorrection,
  previewUsernameChange,
  removeMemberPasskey,
  reopenClosedAccount,
  resendEnrolmentEmail,
  unlockAccount,
  type Actor,
  type MemberActionDeps,
} from './member-actions.flow.js';
import {
  contactCorrectionInput,
  formValues,
  isConfirmed,
  parseMemberId,
  reasonInput,
  usernameChangeInput,
} from './members.forms.js';
import {
  ContactCorrectionForm,
  ContactCorrectionReview,
  isMemberAction,
  MemberPage,
  memberPaths,
  MemberSearch,
  utc,
  RemovePasskeyForm,
  SimpleActionForm,
  UsernameChangeForm,
  UsernameChangeReview,
  type MemberAction,
  type SimpleAction,
} from './members.views.js';

export interface MemberRoutesDeps {
  config: Config;
  db: Db;
  clock: Clock;
  courier: Courier;
  kickOutbox?: (() => void) | undefined;
  providerLogout?: ProviderLogout | undefined;
}

type IdRequest = FastifyRequest<{ Params: { id: string } }>;

const SIMPLE: Record<
  SimpleAction,
  (
    deps: MemberActionDeps,
    actor: Actor,
    input: ReturnType<typeof reasonInput>,
    audit: AuditContext,
  ) => Promise<Result<unknown>>
> = {
  enrolment: resendEnrolmentEmail,
  unlock: unlockAccount,
  sessions: endAllSessions,
  disable: disableAccount,
  enable: enableAccount,
};
/** The actions whose success queues an email (the outbox worker is woken after the commit, R25). */
const EMAILS: ReadonlySet<MemberAction> = new Set(['username', 'contact', 'enrolment']);

/**
 * R16, R19, R22, R23: the agents' member pages. Thin routes over members.views (pages), members.forms (reading a
 * POST) and member-actions.flow (each action in one transaction with its audit event and email). Every route is
 * guarded by requireStaff('agent') (administrators pass too); every POST carries the global CSRF token.
 */
export async function memberRoutes(app: FastifyInstance, deps: MemberRoutesDeps): Promise<void> {
  const { db, clock } = deps;
  const agent = { preHandler: app.requireStaff('agent') };
  const actionDeps: MemberActionDeps = {
    db,
    clock,
    courier: deps.courier,
    timeZone: deps.config.timeZone,
    kickOutbox: deps.kickOutbox,
    providerLogout: deps.providerLogout,
    closedAccountRetentionDays: deps.config.closedAccountRetentionDays,
  };
  const actor = (request: FastifyRequest): Actor => ({ id: request.staff!.id, username: request.staff!.username });

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

  const notFound = (request: FastifyRequest, reply: FastifyReply) => {
    const t = request.t;
    return sendPage(
      reply,
      <BackofficeMessage
        ctx={request.pageContext()}
        staff={request.staff!}
        title={t('bo.members.notFound')}
        body={t('bo.members.notFoundBody')}
        action={{ href: memberPaths.search, label: t('bo.members.backToSearch') }}
      />,
      'notFound',
    );
  };

  const memberExists = async (id: number | undefined) =>
    id !== undefined &&
    (await db.kysely.selectFrom('members').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;

  /** R36: the reason form, in place of any page of the record this staff session has given no reason for. */
  function askReason(
    request: FastifyRequest,
    reply: FastifyReply,
    memberId: number,
    next: string,
    retry?: { reason?: string; note?: string },
  ) {
    const status: ReplyOutcome = retry ? 'invalid' : request.method === 'GET' ? 'shown' : 'forbidden';
    return page(
      request,
      reply,
      request.t('bo.access.title'),
      <AccessReasonForm
        t={request.t}
        csrfToken={request.pageContext().csrfToken()}
        memberId={memberId}
        next={next}
        {...(retry ? { values: retry, error: true } : {})}
      />,
      status,
    );
  }

  /**
   * The member of /backoffice/members/:id…, with its page data; undefined after sending the 404 page, or the reason
   * form when this staff session has not said why it opens this member (R36: nothing of the record before that).
   */
  async function target(request: IdRequest, reply: FastifyReply, before?: number) {
    const id = parseMemberId(request.params.id);
    if (!(await memberExists(id))) return void notFound(request, reply);
    if (!(await hasAccessGrant(db.kysely, clock, request.staff!.sessionId, id!))) {
      const next = request.method === 'GET' ? accessNext(id!, request.url) : accessNext(id!, undefined);
      return void askReason(request, reply, id!, next);
    }
    const data = await loadMemberPage(db.kysely, clock, deps.config.timeZone, id!, before);
    if (!data) notFound(request, reply);
    return data;
  }

  const view = (request: FastifyRequest) => {
    const ctx = request.pageContext();
    return { t: request.t, lang: ctx.lang, csrfToken: ctx.csrfToken() };
  };
  const actionTitle = (request: FastifyRequest, action: MemberAction) => request.t(`bo.members.action.${action}`);

  /** An action's form, empty or with the values typed and the errors (a refusal answers with its status). */
  function actionForm(
    request: FastifyRequest,
    reply: FastifyReply,
    action: MemberAction,
    details: MemberDetails,
    errors?: readonly FieldError[],
    status: ReplyOutcome = 'shown',
  ) {
    const values = errors ? formValues(request.body) : undefined;
    const p = { ...view(request), details, ...(values ? { values } : {}), ...(errors ? { errors } : {}) };
    const body =
      action === 'username' ? (
        <UsernameChangeForm {...p} />
      ) : action === 'contact' ? (
        <ContactCorrectionForm {...p} />
      ) : (
        <SimpleActionForm {...p} action={action} />
      );
    return page(request, reply, actionTitle(request, action), body, status);
  }

  /** After a refused action: the 404 page for a member gone meanwhile, else the form again with the errors. */
  function refusal(
    request: FastifyRequest,
    reply: FastifyReply,
    action: MemberAction,
    details: MemberDetails,
    errors: readonly FieldError[],
  ) {
    const status = refusalOf(errors);
    if (status === 'notFound') return notFound(request, reply);
    return actionForm(request, reply, action, details, errors, status);
  }

  function succeeded(reply: FastifyReply, action: MemberAction, memberId: number) {
    if (EMAILS.has(action)) deps.kickOutbox?.();
    return reply.redirect(memberPaths.done(memberId, action), 303);
  }

  app.get(memberPaths.search, agent, async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const t = request.t;
    const title = t('bo.members.searchTitle');
    const rawQ = typeof query.q === 'string' ? query.q : undefined;
    if (rawQ === undefined) return page(request, reply, title, <MemberSearch t={t} />);
    const q = parseSearchQuery(rawQ);
    const n = parsePage(typeof query.page === 'string' ? query.page : undefined);
    if (!q.ok || !n.ok) {
      const errors = [...(q.ok ? [] : q.errors), ...(n.ok ? [] : n.errors)];
      return page(request, reply, title, <MemberSearch t={t} q={rawQ.slice(0, 200)} errors={errors} />, 'invalid');
    }
    const result = await searchMembers(db.kysely, q.value, n.value);
    return page(request, reply, title, <MemberSearch t={t} q={rawQ} result={result} />);
  });

  // R36: the agent says why, the opening is audited with that reason and the reason held; then the page asked for.
  app.post<{ Params: { id: string } }>('/backoffice/members/:id/access', agent, async (request, reply) => {
    const id = parseMemberId(request.params.id);
    if (!(await memberExists(id))) return notFound(request, reply);
    const form = (request.body ?? {}) as Record<string, unknown>;
    const next = accessNext(id!, form.next);
    const parsed = parseAccessReason(form);
    if (!parsed.ok)
      return askReason(request, reply, id!, next, {
        reason: formText(form, 'access_reason').slice(0, 40),
        note: formText(form, 'access_note').slice(0, 200),
      });
    await grantAccess(db.kysely, clock, request.auditContext(), request.staff!, id!, parsed);
    return reply.redirect(next, 303);
  });

  app.get<{ Params: { id: string }; Querystring: Record<string, unknown> }>(
    '/backoffice/members/:id',
    agent,
    async (request, reply) => {
      const before = parseAuditCursor(typeof request.query.before === 'string' ? request.query.before : undefined);
      if (!before.ok) return notFound(request, reply);
      const data = await target(request, reply, before.value);
      if (!data) return reply;
      const done = isMemberAction(request.query.done) ? request.query.done : undefined;
      const m = data.details.member;
      const account = data.details.account;
      const closed =
        account?.status === 'closed' && account.closedAt
          ? (() => {
              const until = blockedUntil(account.closedAt, deps.config.closedAccountRetentionDays);
              return {
                on: `${utc(account.closedAt)} UTC`,
                until: `${utc(until)} UTC`,
                reopenable: until > clock.now().toISOString(),
              };
            })()
          : undefined;
      return page(
        request,
        reply,
        `${m.firstName} ${m.lastName}`,
        <MemberPage
          {...view(request)}
          details={data.details}
          audit={data.audit}
          throttle={data.throttle}
          done={done}
          olderAudit={before.value !== undefined}
          waitingForContact={data.waitingForContact}
          passkeys={data.passkeys}
          passkeyRemoved={request.query.done === 'passkey-removed'}
          requests={await listMemberRequests(db.kysely, m.id)}
          closed={closed}
          reopened={request.query.reopened === '1'}
        />,
      );
    },
  );

  for (const action of ['username', 'contact', 'enrolment', 'unlock', 'sessions', 'disable', 'enable'] as const) {
    const path = `/backoffice/members/:id/${action}`;

    app.get<{ Params: { id: string } }>(path, agent, async (request, reply) => {
      const data = await target(request, reply);
      if (!data) return reply;
      return actionForm(request, reply, action, data.details);
    });

    app.post<{ Params: { id: string } }>(path, agent, async (request, reply) => {
      const data = await target(request, reply);
      if (!data) return reply;
      const { details } = data;
      const id = details.member.id;
      const body = request.body;
      const confirmed = isConfirmed(body);

      if (action === 'username') {
        const input = usernameChangeInput(id, body);
        if (!confirmed) {
          // The review step (R16, R23): what would change, or why not; nothing is written.
          const plan = await previewUsernameChange(actionDeps, input);
          if (!plan.ok) return refusal(request, reply, action, details, plan.errors);
          return page(
            request,
            reply,
            actionTitle(request, action),
            <UsernameChangeReview
              {...view(request)}
              details={details}
              plan={plan.value}
              reason={(input.reason ?? '').trim()}
            />,
          );
        }
        const done = await changeUsername(actionDeps, actor(request), input, request.auditContext());
        return done.ok ? succeeded(reply, action, id) : refusal(request, reply, action, details, done.errors);
      }

      if (action === 'contact') {
        const input = contactCorrectionInput(id, body);
        if (!confirmed) {
          const plan = await previewContactCorrection(actionDeps, input);
          if (!plan.ok) return refusal(request, reply, action, details, plan.errors);
          return page(
            request,
            reply,
            actionTitle(request, action),
            <ContactCorrectionReview
              {...view(request)}
              details={details}
              plan={plan.value}
              values={formValues(body)}
            />,
          );
        }
        const done = await correctContact(actionDeps, actor(request), input, request.auditContext());
        return done.ok ? succeeded(reply, action, id) : refusal(request, reply, action, details, done.errors);
      }

      // A simple action's form is its own confirmation: without confirm=yes it is only shown again.
      if (!confirmed) return actionForm(request, reply, action, details, [], 'invalid');
      const done = await SIMPLE[action](actionDeps, actor(request), reasonInput(id, body), request.auditContext());
      return done.ok ? succeeded(reply, action, id) : refusal(request, reply, action, details, done.errors);
    });
  }

  // R36: customer service reopens an account the member closed, on the member's request, with a reason (audited).
  app.post<{ Params: { id: string } }>('/backoffice/members/:id/reopen', agent, async (request, reply) => {
    const data = await target(request, reply);
    if (!data) return reply;
    const id = data.details.member.id;
    const done = isConfirmed(request.body)
      ? await reopenClosedAccount(actionDeps, actor(request), reasonInput(id, request.body), request.auditContext())
      : undefined;
    if (done?.ok) {
      deps.kickOutbox?.();
      return reply.redirect(`${memberPaths.member(id)}?reopened=1`, 303);
    }
    const errors = done ? done.errors : [{ field: 'reason', code: 'required' as const }];
    const status = refusalOf(errors);
    if (status === 'notFound') return notFound(request, reply);
    const t = request.t;
    return sendPage(
      reply,
      <BackofficeMessage
        ctx={request.pageContext()}
        staff={request.staff!}
        title={t('bo.closed.reopen')}
        body={errors.map((e) => t(`field.${e.code}`, e.params)).join(' ')}
        action={{ href: memberPaths.member(id), label: t('bo.members.backToMember') }}
      />,
      status,
    );
  });

  // R27: an agent removes one of the member's passkeys, with a reason (the page is its confirmation).
  type PasskeyRequest = FastifyRequest<{ Params: { id: string; passkeyId: string } }>;
  async function passkeyTarget(request: PasskeyRequest, reply: FastifyReply) {
    const data = await target(request, reply);
    if (!data) return undefined;
    const passkey = data.passkeys.find((k) => String(k.id) === request.params.passkeyId);
    if (!passkey) notFound(request, reply);
    return passkey ? { data, passkey } : undefined;
  }

  app.get<{ Params: { id: string; passkeyId: string } }>(
    '/backoffice/members/:id/passkeys/:passkeyId/remove',
    agent,
    async (request, reply) => {
      const found = await passkeyTarget(request, reply);
      if (!found) return reply;
      return page(
        request,
        reply,
        request.t('bo.passkeys.remove', { name: found.passkey.name }),
        <RemovePasskeyForm {...view(request)} details={found.data.details} passkey={found.passkey} />,
      );
    },
  );

  app.post<{ Params: { id: string; passkeyId: string } }>(
    '/backoffice/members/:id/passkeys/:passkeyId/remove',
    agent,
    async (request, reply) => {
      const found = await passkeyTarget(request, reply);
      if (!found) return reply;
      const { details } = found.data;
      const done = await removeMemberPasskey(
        actionDeps,
        actor(request),
        { memberId: details.member.id, passkeyId: found.passkey.id, reason: formText(request.body, 'reason') },
        request.auditContext(),
      );
      if (done.ok) return reply.redirect(memberPaths.passkeyRemoved(details.member.id), 303);
      const status = refusalOf(done.errors);
      if (status === 'notFound') return notFound(request, reply);
      const form = (
        <RemovePasskeyForm
          {...view(request)}
          details={details}
          passkey={found.passkey}
          values={formValues(request.body)}
          errors={done.errors}
        />
      );
      return page(request, reply, request.t('bo.passkeys.remove', { name: found.passkey.name }), form, status);
    },
  );
}
