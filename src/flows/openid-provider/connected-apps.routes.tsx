import type { FastifyInstance } from 'fastify';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import { disconnectApp, listConnectedApps, type ConnectedApp } from '../../identity/connected-apps.js';
import type { Db } from '../../infra/db/database.js';
import { requireMember } from '../../infra/session/guard.js';
import type { Sessions } from '../../infra/session/session.js';
import { Form } from '../../infra/web/form.js';
import { Layout } from '../../infra/web/layout.js';
import type { PageContext } from '../../infra/web/page-context.js';
import { sendPage } from '../../infra/web/view.js';
import { ScopeList } from './oidc.views.js';

// R35: "connected apps" — the apps a member let sign them in, what each receives, and a button that ends one at
// once (ASVS V10.4.9, V10.7.3).

export interface ConnectedAppsOptions {
  config: Config;
  db: Db;
  clock: Clock;
  sessions: Sessions;
}

function ConnectedAppsPage({ ctx, apps, done }: { ctx: PageContext; apps: ConnectedApp[]; done?: string }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('oidc.apps.title')}>
      <h1>{t('oidc.apps.title')}</h1>
      {done ? (
        <p class="alert success" role="status">
          {t('oidc.apps.disconnected', { app: done })}
        </p>
      ) : null}
      <p>{t('oidc.apps.intro')}</p>
      {apps.length === 0 ? <p data-empty>{t('oidc.apps.none')}</p> : null}
      {apps.map((app) => (
        <section class="card" data-client={app.clientId}>
          <h2>{app.name}</h2>
          <p>{t('oidc.apps.receives')}</p>
          <ScopeList ctx={ctx} scopes={app.scopes} />
          <Form ctx={ctx} action={`/area/security/apps/${encodeURIComponent(app.clientId)}/disconnect`}>
            <button type="submit" class="secondary">
              {t('oidc.apps.disconnect', { app: app.name })}
            </button>
          </Form>
        </section>
      ))}
      <p>
        <a href="/area/security">{t('oidc.apps.back')}</a>
      </p>
    </Layout>
  );
}

export async function connectedAppsRoutes(app: FastifyInstance, opts: ConnectedAppsOptions): Promise<void> {
  const { db, clock, sessions, config } = opts;
  const guard = requireMember(sessions, db);

  app.get('/area/security/apps', { preHandler: guard }, async (request, reply) => {
    const session = request.memberSession!;
    const apps = await listConnectedApps(db.kysely, config.secretBox, clock, session.accountId);
    const done = (request.query as { done?: unknown }).done;
    return sendPage(
      reply,
      <ConnectedAppsPage
        ctx={request.pageContext()}
        apps={apps}
        {...(typeof done === 'string' && done.length <= 100 ? { done } : {})}
      />,
    );
  });

  app.post<{ Params: { clientId: string } }>(
    '/area/security/apps/:clientId/disconnect',
    { preHandler: guard },
    async (request, reply) => {
      const session = request.memberSession!;
      const clientId = request.params.clientId;
      const apps = await listConnectedApps(db.kysely, config.secretBox, clock, session.accountId);
      const connected = apps.find((a) => a.clientId === clientId);
      // Another member's app, or one never connected: nothing to end, and nothing said about it.
      if (!connected) return reply.callNotFound();
      // The app hears of it on its back-channel logout address, if it registered one (R35).
      await sessions.announceProviderLogout(db.kysely, session.accountId, { reason: 'app', clientId });
      if (!(await disconnectApp(db.kysely, session.accountId, clientId))) return reply.callNotFound();
      await request.audit('oidc.app_disconnected', 'success', {
        accountId: session.accountId,
        details: { client: clientId },
      });
      return reply.redirect(`/area/security/apps?done=${encodeURIComponent(connected.name)}`, 303);
    },
  );
}
