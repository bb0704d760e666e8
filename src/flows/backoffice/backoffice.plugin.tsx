import type { FastifyInstance } from 'fastify';
import type { ProviderLogout } from '../../infra/session/session.js';
import fp from 'fastify-plugin';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import type { Db } from '../../infra/db/database.js';
import type { Courier } from '../../infra/outbox/courier.js';
import { sendPage } from '../../infra/web/view.js';
import { apiKeyAdminRoutes } from './api-keys.routes.js';
import { oidcClientAdminRoutes } from './oidc-clients.routes.js';
import { auditLogRoutes } from './audit-log.routes.js';
import { BackofficeLayout, BACKOFFICE_NAV, roleAllows } from './backoffice-layout.js';
import { memberRoutes } from './members/members.routes.js';
import { memberRequestRoutes } from './members/member-requests.routes.js';
import { staffAdminRoutes } from './staff-admin.routes.js';
import { createStaffGuard } from './staff-guard.js';
import { BACKOFFICE_PATH, createStaffSessions } from './staff-session.js';
import { staffSignInRoutes } from './staff-sign-in.routes.js';
import { staffPasswordRoutes } from './staff-password.routes.js';
import { staffPasskeyRoutes } from './staff-passkeys.routes.js';

export interface BackOfficeDeps {
  config: Config;
  db: Db;
  clock: Clock;
  /** The member actions' emails (R16, R19) go through the outbox; kickOutbox wakes its worker after a commit. */
  courier: Courier;
  kickOutbox?: (() => void) | undefined;
  /** R35: told before a member's OpenID Provider rows end (back-channel logout). */
  providerLogout?: ProviderLogout | undefined;
  /** R35: oidc-provider's own validation of a client registered in the back office. */
  checkOidcClientMetadata?: ((metadata: Record<string, unknown>) => Promise<string | undefined>) | undefined;
}

/**
 * The back office (R22, R23): staff sign-in, the guard, the home page, the agents' member pages (R16, R19),
 * staff administration and the audit log.
 * Registered at the root (fastify-plugin) so that `app.requireStaff(role)` and `request.staff` exist for every
 * back-office slice registered after it in app.ts; its own routes live in an encapsulated child.
 */
async function backOfficePlugin(app: FastifyInstance, deps: BackOfficeDeps): Promise<void> {
  const { config, db, clock, courier, kickOutbox } = deps;
  const sessions = createStaffSessions({ clock, config });
  app.decorateRequest('staff', null);
  app.decorate('requireStaff', createStaffGuard({ db, clock, sessions }));
  // Search engines must never list a back-office page, whatever a link to it says.
  app.addHook('onRequest', async (request, reply) => {
    if (
      request.url === BACKOFFICE_PATH ||
      request.url.startsWith(`${BACKOFFICE_PATH}/`) ||
      request.url.startsWith(`${BACKOFFICE_PATH}?`)
    )
      reply.header('x-robots-tag', 'noindex, nofollow');
  });

  await app.register(async (bo) => {
    await bo.register(staffSignInRoutes, { config, db, clock, sessions });
    bo.get(BACKOFFICE_PATH, { preHandler: bo.requireStaff('agent') }, async (request, reply) => {
      const ctx = request.pageContext();
      const staff = request.staff!;
      const t = ctx.t;
      return sendPage(
        reply,
        <BackofficeLayout ctx={ctx} staff={staff} title={t('bo.home.title')}>
          <h1>{t('bo.home.title')}</h1>
          <p class="lead">{t('bo.home.greeting', { name: staff.displayName })}</p>
          <ul class="links">
            {BACKOFFICE_NAV.filter((item) => item.href !== BACKOFFICE_PATH && roleAllows(staff.role, item.role)).map(
              (item) => (
                <li>
                  <a href={item.href}>{t(item.label)}</a>
                </li>
              ),
            )}
          </ul>
          <p>{t('bo.home.confirmNote')}</p>
        </BackofficeLayout>,
      );
    });
    await bo.register(memberRoutes, { config, db, clock, courier, kickOutbox, providerLogout: deps.providerLogout });
    await bo.register(memberRequestRoutes, { config, db, clock });
    await bo.register(staffAdminRoutes, { config, db, clock, courier, kickOutbox });
    await bo.register(staffPasswordRoutes, { config, db, clock, courier, sessions, kickOutbox });
    await bo.register(staffPasskeyRoutes, { config, db, clock });
    await bo.register(auditLogRoutes, { db, clock });
    await bo.register(apiKeyAdminRoutes, { db, clock });
    await bo.register(oidcClientAdminRoutes, { db, clock, checkMetadata: deps.checkOidcClientMetadata });
  });
}

export const backOffice = fp(backOfficePlugin, { name: 'back-office', fastify: '5.x', dependencies: ['web'] });
