import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import type { Db } from '../../infra/db/database.js';
import type { StaffUser } from '../../infra/db/tables.js';
import type { MessageKey } from '../../infra/i18n/i18n.js';
import type { FieldError } from '../../domain/result.js';
import { byField, formText } from '../../infra/web/form.js';
import { sendPage, type ReplyOutcome } from '../../infra/web/view.js';
import { BackofficeMessage } from './backoffice-layout.js';
import { ConfirmPage, isConfirmed, readReason } from './confirm-page.js';
import {
  disableStaff,
  enableStaff,
  endStaffSessions,
  findStaffById,
  listStaff,
  resetStaffTotp,
} from './staff.repository.js';
import { sendPasswordLink } from './staff-password.flow.js';
import type { Courier } from '../../infra/outbox/courier.js';
import type { StaffPrincipal } from './staff-session.js';
import {
  NewStaffPage,
  StaffCreatedPage,
  StaffListPage,
  type NewStaffForm,
  type StaffListNotice,
} from './staff-admin.views.js';
import { clearStaffThrottle } from './staff-sign-in.flow.js';
import { createStaffUser, parseNewStaff, staffActor } from './staff-users.flow.js';

export interface StaffAdminDeps {
  config: Config;
  db: Db;
  clock: Clock;
  courier: Courier;
  kickOutbox?: (() => void) | undefined;
}

type StaffAction = 'disable' | 'enable' | 'reset-totp' | 'reset-password';

/** The audit event of each action (R22). */
const EVENTS: Record<StaffAction, string> = {
  disable: 'staff.disabled',
  enable: 'staff.enabled',
  'reset-totp': 'staff.totp_reset',
  'reset-password': 'staff.password_reset',
};

/** R23 administrators manage staff users: list, create (password shown once), disable / re-enable, reset TOTP. */
export async function staffAdminRoutes(app: FastifyInstance, deps: StaffAdminDeps): Promise<void> {
  const { db, clock, config } = deps;
  const kysely = db.kysely;
  const admin = { preHandler: app.requireStaff('admin') };
  const linkDeps = { clock, courier: deps.courier, publicUrl: config.publicUrl };
  const me = (request: FastifyRequest): StaffPrincipal => request.staff!;

  app.get('/backoffice/staff', admin, async (request, reply) => {
    const done = (request.query as Record<string, string | undefined>).done;
    const notice =
      done === 'disabled' || done === 'enabled' || done === 'totp_reset' ? (done as StaffListNotice) : undefined;
    return sendPage(
      reply,
      <StaffListPage
        ctx={request.pageContext()}
        staff={me(request)}
        users={await listStaff(kysely)}
        now={clock.now().toISOString()}
        notice={notice}
      />,
    );
  });

  app.get('/backoffice/staff/new', admin, async (request, reply) =>
    sendPage(reply, <NewStaffPage ctx={request.pageContext()} staff={me(request)} />),
  );

  app.post('/backoffice/staff/new', admin, async (request, reply) => {
    const ctx = request.pageContext();
    const t = ctx.t;
    const form: NewStaffForm = {
      username: formText(request.body, 'username').slice(0, 100),
      displayName: formText(request.body, 'displayName').slice(0, 200),
      email: formText(request.body, 'email').slice(0, 300),
      role: formText(request.body, 'role'),
    };
    const parsed = parseNewStaff(form);
    if (!parsed.ok)
      return sendPage(
        reply,
        <NewStaffPage ctx={ctx} staff={me(request)} form={form} errors={byField(parsed.errors)} />,
        'invalid',
      );
    const s = parsed.value;
    if (!isConfirmed(request.body)) {
      // R23: every action asks for confirmation; the checked values travel to the Confirm button.
      return sendPage(
        reply,
        <ConfirmPage
          ctx={ctx}
          staff={me(request)}
          title={t('bo.staff.confirmCreate.title')}
          action="/backoffice/staff/new"
          fields={{ username: s.username, displayName: s.displayName, email: s.email, role: s.role }}
          reason="none"
          confirmLabel={t('bo.staff.confirmCreate.confirm')}
          cancelHref="/backoffice/staff"
        >
          <p>
            {t('bo.staff.confirmCreate.body', {
              username: s.username,
              name: s.displayName,
              email: s.email,
              role: t(s.role === 'admin' ? 'bo.role.admin' : 'bo.role.agent'),
            })}
          </p>
        </ConfirmPage>,
      );
    }
    const created = await createStaffUser(
      { db: kysely, clock, audit: request.auditContext(), issuer: config.brand.name, box: config.secretBox },
      s,
      {
        actor: staffActor(me(request).username),
        emailLink: { deps: linkDeps, lang: request.lang },
      },
    );
    if (created.kind === 'taken') {
      return sendPage(
        reply,
        <NewStaffPage
          ctx={ctx}
          staff={me(request)}
          form={form}
          errors={{ username: { code: 'staff_username_taken' } }}
        />,
        'conflict',
      );
    }
    deps.kickOutbox?.();
    return sendPage(reply, <StaffCreatedPage ctx={ctx} staff={me(request)} user={created.user} />, 'created');
  });

  /** The target of an action on /backoffice/staff/:id/…, or a 404 page. */
  async function target(
    request: FastifyRequest<{ Params: { id: string } }>,
    reply: FastifyReply,
  ): Promise<StaffUser | undefined> {
    const id = request.params.id;
    const user = /^\d{1,9}$/.test(id) ? await findStaffById(kysely, Number(id)) : undefined;
    if (!user) {
      const t = request.t;
      sendPage(
        reply,
        <BackofficeMessage
          ctx={request.pageContext()}
          staff={me(request)}
          title={t('bo.staff.notFound')}
          body={t('bo.staff.notFoundBody')}
          action={{ href: '/backoffice/staff', label: t('bo.staff.back') }}
        />,
        'notFound',
      );
    }
    return user;
  }

  const ACTIONS: Record<
    StaffAction,
    {
      reason: 'required' | 'optional';
      title:
        | 'bo.staff.confirmDisable'
        | 'bo.staff.confirmEnable'
        | 'bo.staff.confirmResetTotp'
        | 'bo.staff.confirmResetPassword';
    }
  > = {
    disable: { reason: 'required', title: 'bo.staff.confirmDisable' },
    enable: { reason: 'optional', title: 'bo.staff.confirmEnable' },
    'reset-totp': { reason: 'required', title: 'bo.staff.confirmResetTotp' },
    'reset-password': { reason: 'required', title: 'bo.staff.confirmResetPassword' },
  };

  function confirmPage(
    request: FastifyRequest,
    reply: FastifyReply,
    action: StaffAction,
    user: StaffUser,
    status: ReplyOutcome = 'shown',
    reasonValue?: string,
    reasonError?: Pick<FieldError, 'code' | 'params'>,
  ) {
    const ctx = request.pageContext();
    const t = ctx.t;
    const key = ACTIONS[action].title;
    return sendPage(
      reply,
      <ConfirmPage
        ctx={ctx}
        staff={me(request)}
        title={t(`${key}.title` as MessageKey, { username: user.username })}
        action={`/backoffice/staff/${user.id}/${action}`}
        reason={ACTIONS[action].reason}
        reasonValue={reasonValue ?? ''}
        reasonError={reasonError}
        confirmLabel={t(`${key}.confirm` as MessageKey)}
        cancelHref="/backoffice/staff"
        danger={action !== 'enable'}
      >
        <p>{t(`${key}.body` as MessageKey, { username: user.username, name: user.display_name })}</p>
      </ConfirmPage>,
      status,
    );
  }

  /** An action an administrator may not take (on themselves, on the last administrator): a 409 page, audited. */
  async function refuseAction(
    request: FastifyRequest,
    reply: FastifyReply,
    action: StaffAction,
    user: StaffUser,
    reason: 'self' | 'last_admin',
  ) {
    await request.audit(EVENTS[action], 'refused', {
      actor: staffActor(request.staff!.username),
      subject: staffActor(user.username),
      details: { reason },
    });
    const t = request.t;
    const body = reason === 'self' ? t('bo.staff.refused.self') : t('bo.staff.refused.lastAdmin');
    return sendPage(
      reply,
      <BackofficeMessage
        ctx={request.pageContext()}
        staff={me(request)}
        title={t('bo.staff.refused.title')}
        body={body}
        action={{ href: '/backoffice/staff', label: t('bo.staff.back') }}
      />,
      'conflict',
    );
  }

  for (const action of Object.keys(ACTIONS) as StaffAction[]) {
    app.get<{ Params: { id: string } }>(`/backoffice/staff/:id/${action}`, admin, async (request, reply) => {
      const user = await target(request, reply);
      if (!user) return reply;
      if (user.id === me(request).id && action !== 'enable') return refuseAction(request, reply, action, user, 'self');
      return confirmPage(request, reply, action, user);
    });

    app.post<{ Params: { id: string } }>(`/backoffice/staff/:id/${action}`, admin, async (request, reply) => {
      const user = await target(request, reply);
      if (!user) return reply;
      if (user.id === me(request).id) return refuseAction(request, reply, action, user, 'self');
      const reason = readReason(request.body, ACTIONS[action].reason === 'required');
      if (!isConfirmed(request.body) || !reason.ok) {
        return confirmPage(
          request,
          reply,
          action,
          user,
          reason.ok ? 'shown' : 'invalid',
          formText(request.body, 'reason').slice(0, 500),
          reason.ok ? undefined : reason.error,
        );
      }
      const now = clock.now().toISOString();
      const details = { reason: reason.value };
      if (action === 'disable') {
        const result = await disableStaff(kysely, user.id, now);
        if (result === 'last_admin') return refuseAction(request, reply, action, user, 'last_admin');
        // Disabling ends the person's sessions at once (the guard also refuses a disabled user's session).
        await endStaffSessions(kysely, user.id, now);
        if (result === 'disabled')
          await request.audit(EVENTS[action], 'success', {
            actor: staffActor(request.staff!.username),
            subject: staffActor(user.username),
            details: details,
          });
        return reply.redirect('/backoffice/staff?done=disabled', 303);
      }
      if (action === 'enable') {
        if (await enableStaff(kysely, user.id, now))
          await request.audit(EVENTS[action], 'success', {
            actor: staffActor(request.staff!.username),
            subject: staffActor(user.username),
            details: details,
          });
        return reply.redirect('/backoffice/staff?done=enabled', 303);
      }
      if (action === 'reset-password' || action === 'reset-totp') {
        // Issue 15: the administrator never learns a password. A reset cancels the current one and emails the owner a
        // link to choose a new one; an authenticator reset does the same, so a new app can only be enrolled with the
        // owner's new password.
        await kysely.transaction().execute(async (trx) => {
          if (action === 'reset-totp') await resetStaffTotp(trx, user.id, now);
          await sendPasswordLink(trx, linkDeps, user, action === 'reset-totp' ? 'totp_reset' : 'reset', request.lang);
        });
        await clearStaffThrottle(kysely, user.username);
        await request.audit(EVENTS[action], 'success', {
          actor: staffActor(request.staff!.username),
          subject: staffActor(user.username),
          details: details,
        });
        deps.kickOutbox?.();
        if (action === 'reset-totp') return reply.redirect('/backoffice/staff?done=totp_reset', 303);
        return sendPage(
          reply,
          <StaffCreatedPage ctx={request.pageContext()} staff={me(request)} user={user} kind="reset" />,
        );
      }
    });
  }
}
