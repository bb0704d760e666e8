/**
 * The back-office guard (R22, R23). Every back-office route except sign-in runs it as a preHandler:
 *
 *     app.get('/backoffice/members', { preHandler: app.requireStaff('agent') }, async (request, reply) => {
 *       const staff = request.staff!; // { id, username, displayName, role, sessionId }
 *       …
 *     });
 *
 * `app.requireStaff` is decorated on the root instance by the back-office plugin (backoffice.plugin.ts), so any
 * plugin registered after it in app.ts can use it; `createStaffGuard` builds the same thing by hand (tests, other
 * wiring). Routes must live under /backoffice: the staff session cookie is sent only there.
 *
 * - `requireStaff('agent')`: any signed-in staff member (administrators may do everything agents do);
 *   `requireStaff('admin')`: administrators only.
 * - No live staff session (none, ended, idle or absolute deadline passed, user disabled): a GET goes to
 *   /backoffice/sign-in with the page as return address (303); any other method gets 401.
 * - Wrong role: 403 page.
 * - Every refusal is recorded in the audit log as `backoffice.access` / `refused` with the actor (when known), the
 *   path and the reason; refusals with no staff session, though, only up to ANONYMOUS_REFUSALS_AUDITED per client
 *   address an hour (the audit is append-only: a scripted flood must not fill it), then one `flood` row saying
 *   the rest of the hour goes uncounted there. A member's session never opens the back office: only the staff cookie
 *   is read.
 * - Back-office responses are never cached (no-store).
 *
 * The guard authenticates and authorises; the route still confirms every action (confirm-page.tsx) and audits it
 * with actor `staffActor(request.staff.username)`.
 */
import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { Clock } from '../../clock.js';
import { addressKey, bucket, hit } from '../../infra/rate-limit/rate-limit.js';
import type { Db } from '../../infra/db/database.js';
import { sendPage } from '../../infra/web/view.js';
import { BackofficeMessage, roleAllows } from './backoffice-layout.js';
import type { StaffRole } from './staff.repository.js';
import type { StaffPrincipal, StaffSessions } from './staff-session.js';
import { staffActor } from './staff-users.flow.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in staff member, set by requireStaff; null elsewhere. */
    staff: StaffPrincipal | null;
  }
  interface FastifyInstance {
    /** The back-office guard: a preHandler that admits staff of `role` or above (see staff-guard.tsx). */
    requireStaff(role: StaffRole): preHandlerAsyncHookHandler;
  }
}

export interface StaffGuardDeps {
  db: Db;
  clock: Clock;
  sessions: StaffSessions;
}

/** Refusals without a staff session audited per client address per hour; past it, one `flood` row, then none. */
export const ANONYMOUS_REFUSALS_AUDITED = 100;
const HOUR = 3_600_000;

/** Builds `requireStaff(role)`; the back-office plugin decorates the app with it. */
export function createStaffGuard(deps: StaffGuardDeps): (role: StaffRole) => preHandlerAsyncHookHandler {
  const { db, clock, sessions } = deps;
  const refuse = async (request: FastifyRequest, reason: string, required: StaffRole, actor: string | null) => {
    let recorded = reason;
    if (actor === null) {
      const seen = await hit(db.kysely, clock, bucket('backoffice-refused', addressKey(request.ip)), HOUR);
      if (seen > ANONYMOUS_REFUSALS_AUDITED + 1) return;
      if (seen === ANONYMOUS_REFUSALS_AUDITED + 1) recorded = 'flood';
    }
    await request.audit('backoffice.access', 'refused', {
      actor,
      details: {
        reason: recorded,
        method: request.method,
        path: (request.url.split('?')[0] ?? '').slice(0, 200),
        required,
      },
    });
  };

  return (role: StaffRole) =>
    async function requireStaff(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
      reply.header('cache-control', 'no-store');
      const found = await sessions.load(db.kysely, request);
      if (found.status !== 'active') {
        await refuse(request, found.status === 'expired' ? 'session_expired' : 'no_session', role, null);
        if (found.status === 'expired') await sessions.end(db.kysely, request, reply);
        const t = request.t;
        if (request.method === 'GET' || request.method === 'HEAD') {
          const next = `next=${encodeURIComponent(request.url.slice(0, 500))}`;
          return reply.redirect(`/backoffice/sign-in?${found.status === 'expired' ? 'expired=1&' : ''}${next}`, 303);
        }
        return sendPage(
          reply,
          <BackofficeMessage
            ctx={request.pageContext()}
            staff={null}
            title={t('bo.refused.signInTitle')}
            body={t('bo.refused.signInBody')}
            action={{ href: '/backoffice/sign-in', label: t('bo.signIn.submit') }}
          />,
          'unauthenticated',
        );
      }
      if (!roleAllows(found.staff.role, role)) {
        await refuse(request, 'role', role, staffActor(found.staff.username));
        const t = request.t;
        return sendPage(
          reply,
          <BackofficeMessage
            ctx={request.pageContext()}
            staff={found.staff}
            title={t('bo.refused.roleTitle')}
            body={t('bo.refused.roleBody')}
            action={{ href: '/backoffice', label: t('bo.nav.home') }}
          />,
          'forbidden',
        );
      }
      // Issue 15: a generated password (the CLI's first administrator) opens nothing but the page to replace it.
      if (found.staff.mustChangePassword && request.routeOptions.url !== '/backoffice/password') {
        if (request.method === 'GET' || request.method === 'HEAD') return reply.redirect('/backoffice/password', 303);
        const t = request.t;
        return sendPage(
          reply,
          <BackofficeMessage
            ctx={request.pageContext()}
            staff={found.staff}
            title={t('bo.password.title')}
            body={t('bo.password.required')}
            action={{ href: '/backoffice/password', label: t('bo.password.title') }}
          />,
          'forbidden',
        );
      }
      request.staff = found.staff;
      return undefined;
    };
}
