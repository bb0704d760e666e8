import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import { rulesOf } from '../../domain/password-policy.js';
import { hashPassword, verifyPassword } from '../../infra/crypto/password-hash.js';
import type { Db } from '../../infra/db/database.js';
import type { StaffUser } from '../../infra/db/tables.js';
import { createFlowStore } from '../../infra/flows/flow-store.js';
import type { Courier } from '../../infra/outbox/courier.js';
import { byField, formText } from '../../infra/web/form.js';
import { sendPage, type ReplyOutcome } from '../../infra/web/view.js';
import { BackofficeMessage } from './backoffice-layout.js';
import { endStaffSessions, findStaffById } from './staff.repository.js';
import { staffPasswordChangedEmail } from './staff-password.emails.js';
import { checkNewStaffPassword, findUsableLink, storeStaffPassword, useLink } from './staff-password.flow.js';
import { StaffPasswordPage } from './staff-password.views.js';
import type { StaffSessions } from './staff-session.js';
import { beginStaffAttempt, clearStaffThrottle, recordStaffFailure, recordStaffRefusal } from './staff-sign-in.flow.js';
import { staffActor } from './staff-users.flow.js';

export interface StaffPasswordRouteDeps {
  config: Config;
  db: Db;
  clock: Clock;
  courier: Courier;
  sessions: StaffSessions;
  kickOutbox?: (() => void) | undefined;
}

const LINK_FLOW_TTL_MS = 30 * 60_000;
const emptyRules = () => rulesOf().map((rule) => ({ rule, met: null }));

/**
 * Issue 15 (R23): /backoffice/password/set/:token (the emailed link; the token leaves the address bar first, as for
 * members' recovery, R11) and /backoffice/password (signed in: the current password, then the new one).
 */
export async function staffPasswordRoutes(app: FastifyInstance, deps: StaffPasswordRouteDeps): Promise<void> {
  const { db, clock, config, sessions } = deps;
  const kysely = db.kysely;
  const flows = createFlowStore<{ linkId: number }>(clock, {
    kind: 'staff-password',
    ttlMs: LINK_FLOW_TTL_MS,
    cookieName: 'staff_password',
    secureCookies: config.secureCookies,
  });
  const invalid = (request: FastifyRequest, reply: FastifyReply) => {
    const t = request.t;
    return sendPage(
      reply,
      <BackofficeMessage
        ctx={request.pageContext()}
        staff={null}
        title={t('bo.password.link.invalidTitle')}
        body={t('bo.password.link.invalidBody')}
        action={{ href: '/backoffice/sign-in', label: t('bo.signIn.title') }}
      />,
      'gone',
    );
  };
  const changed = (trx: typeof kysely, request: FastifyRequest, user: StaffUser, event: string) =>
    Promise.all([
      deps.courier.email(trx, user.email, request.lang, staffPasswordChangedEmail, { username: user.username }),
      request.audit(event, 'success', { actor: staffActor(user.username), subject: staffActor(user.username) }, trx),
    ]);

  app.get<{ Params: { token: string } }>('/backoffice/password/set/:token', async (request, reply) => {
    const token = request.params.token;
    const link = token.length <= 100 ? await findUsableLink(kysely, clock, { token }) : undefined;
    if (!link) return invalid(request, reply);
    await flows.start(kysely, reply, { state: 'set', data: { linkId: link.id } });
    return reply.redirect('/backoffice/password/set', 303);
  });

  /** The browser's link and its user, while the link can still set a password. */
  async function currentLink(request: FastifyRequest) {
    const found = await flows.load(kysely, request);
    const link =
      found.status === 'active' ? await findUsableLink(kysely, clock, { id: found.flow.data.linkId }) : undefined;
    const user = link ? await findStaffById(kysely, link.staff_user_id) : undefined;
    return link && user && user.status === 'active' ? { link, user } : undefined;
  }

  app.get('/backoffice/password/set', async (request, reply) => {
    reply.header('referrer-policy', 'no-referrer');
    const cur = await currentLink(request);
    if (!cur) return invalid(request, reply);
    return sendPage(
      reply,
      <StaffPasswordPage
        ctx={request.pageContext()}
        staff={null}
        mode="link"
        username={cur.user.username}
        rules={emptyRules()}
      />,
    );
  });

  app.post('/backoffice/password/set', async (request, reply) => {
    reply.header('referrer-policy', 'no-referrer');
    const cur = await currentLink(request);
    if (!cur) return invalid(request, reply);
    const { user, link } = cur;
    const password = formText(request.body, 'password').slice(0, 1000);
    const check = await checkNewStaffPassword(
      kysely,
      user,
      password,
      formText(request.body, 'password_confirmation').slice(0, 1000),
    );
    if (check.errors.length) {
      return sendPage(
        reply,
        <StaffPasswordPage
          ctx={request.pageContext()}
          staff={null}
          mode="link"
          username={user.username}
          rules={check.rules}
          errors={byField(check.errors)}
        />,
        'invalid',
      );
    }
    const hash = await hashPassword(password);
    const done = await kysely.transaction().execute(async (trx) => {
      if (!(await useLink(trx, clock, link.id))) return false;
      await storeStaffPassword(trx, clock, user.id, hash);
      await endStaffSessions(trx, user.id, clock.now().toISOString());
      await changed(trx, request, user, 'staff.password_set');
      return true;
    });
    if (!done) return invalid(request, reply);
    await clearStaffThrottle(kysely, user.username);
    await flows.end(kysely, request, reply);
    deps.kickOutbox?.();
    const t = request.t;
    return sendPage(
      reply,
      <BackofficeMessage
        ctx={request.pageContext()}
        staff={null}
        title={t('bo.password.link.doneTitle')}
        body={t('bo.password.link.doneBody')}
        action={{ href: '/backoffice/sign-in', label: t('bo.signIn.title') }}
      />,
    );
  });

  const signedIn = { preHandler: app.requireStaff('agent') };

  app.get('/backoffice/password', signedIn, async (request, reply) => {
    const staff = request.staff!;
    const q = request.query as Record<string, string | undefined>;
    const notice = staff.mustChangePassword ? 'required' : q.changed === '1' ? 'changed' : undefined;
    return sendPage(
      reply,
      <StaffPasswordPage
        ctx={request.pageContext()}
        staff={staff}
        mode="change"
        username={staff.username}
        rules={emptyRules()}
        notice={notice}
      />,
    );
  });

  app.post('/backoffice/password', signedIn, async (request, reply) => {
    const staff = request.staff!;
    const user = (await findStaffById(kysely, staff.id))!;
    const ctx = request.pageContext();
    const page = (
      status: ReplyOutcome,
      extra: {
        errors?: ReturnType<typeof byField>;
        notice?: 'tries' | 'required';
        rules?: { rule: ReturnType<typeof rulesOf>[number]; met: boolean | null }[];
      },
    ) =>
      sendPage(
        reply,
        <StaffPasswordPage
          ctx={ctx}
          staff={staff}
          mode="change"
          username={staff.username}
          rules={extra.rules ?? emptyRules()}
          errors={extra.errors}
          notice={extra.notice}
        />,
        status,
      );
    // The current password counts in the username's sign-in streak (R9, R23): a stolen session is no password oracle.
    const fd = { db: kysely, clock, audit: request.auditContext() };
    const gate = await beginStaffAttempt(fd, user.username);
    if (gate.kind !== 'open') {
      await recordStaffRefusal(fd, user, gate, 'password');
      return page('limited', { notice: 'tries' });
    }
    if (!(await verifyPassword(user.password_hash, formText(request.body, 'current_password').slice(0, 1000)))) {
      const { paused } = await recordStaffFailure(fd, user, gate.attempt, 'wrong_current_password', 'password');
      return paused
        ? page('limited', { notice: 'tries' })
        : page('invalid', { errors: { current_password: { code: 'current_password_wrong' } } });
    }
    await gate.attempt.withdraw();
    const password = formText(request.body, 'password').slice(0, 1000);
    const check = await checkNewStaffPassword(
      kysely,
      user,
      password,
      formText(request.body, 'password_confirmation').slice(0, 1000),
    );
    if (check.errors.length)
      return page('invalid', {
        errors: byField(check.errors),
        rules: check.rules,
        ...(staff.mustChangePassword ? { notice: 'required' as const } : {}),
      });
    const hash = await hashPassword(password);
    await kysely.transaction().execute(async (trx) => {
      await storeStaffPassword(trx, clock, user.id, hash);
      await endStaffSessions(trx, user.id, clock.now().toISOString());
      await changed(trx, request, user, 'staff.password_changed');
    });
    // Every session ended above; this browser carries on with a fresh token (as R12 for members).
    await sessions.start(kysely, reply, user.id);
    deps.kickOutbox?.();
    return reply.redirect('/backoffice/password?changed=1', 303);
  });
}
