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
import { oidcAccountId } from './oidc.acting.js';
import { ScopeList } from './oidc.views.js';

// R35: "connected apps" — the apps a member let sign them in, what each receives, and a button that ends one at
// once (ASVS V10.4.9, V10.7.3).

export interface ConnectedAppsOptions {
  config: Config;
  db: Db;
  clock: Clock;
  sessions: Sessions;
}

function ConnectedAppsPage({
  ctx,
  apps,
  done,
}: {
  ctx: PageContext;
  apps: ConnectedApp[];
  /** The entry just disconnected: the app's name, and the minor's when it acted for one. */
  done?: { app: string; minor?: string };
}) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('oidc.apps.title')}>
      <h1>{t('oidc.apps.title')}</h1>
      {done ? (
        <p class="alert success" role="status">
          {done.minor
            ? t('oidc.apps.disconnectedFor', { app: done.app, minor: done.minor })
            : t('oidc.apps.disconnected', { app: done.app })}
        </p>
      ) : null}
      <p>{t('oidc.apps.intro')}</p>
      {apps.length === 0 ? <p data-empty>{t('oidc.apps.none')}</p> : null}
      {apps.map((app) => {
        const minor = app.actingFor?.name;
        return (
          <section
            class="card"
            data-client={app.clientId}
            {...(app.actingFor ? { 'data-for': app.actingFor.memberId } : {})}
          >
            <h2>{app.name}</h2>
            {minor ? <p data-acting-for>{t('oidc.apps.actingFor', { minor })}</p> : null}
            <p>{t('oidc.apps.receives')}</p>
            <ScopeList ctx={ctx} scopes={app.scopes} {...(minor ? { minor } : {})} />
            <Form ctx={ctx} action={`/area/security/apps/${encodeURIComponent(app.clientId)}/disconnect`}>
              {app.actingFor ? <input type="hidden" name="for" value={String(app.actingFor.memberId)} /> : null}
              <button type="submit" class="secondary">
                {minor
                  ? t('oidc.apps.disconnectFor', { app: app.name, minor })
                  : t('oidc.apps.disconnect', { app: app.name })}
              </button>
            </Form>
          </section>
        );
      })}
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
    const { done, minor } = request.query as { done?: unknown; minor?: unknown };
    const said = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 100;
    return sendPage(
      reply,
      <ConnectedAppsPage
        ctx={request.pageContext()}
        apps={apps}
        {...(said(done) ? { done: { app: done, ...(said(minor) ? { minor } : {}) } } : {})}
      />,
    );
  });

  app.post<{ Params: { clientId: string }; Body: { for?: unknown } }>(
    '/area/security/apps/:clientId/disconnect',
    { preHandler: guard },
    async (request, reply) => {
      const session = request.memberSession!;
      const clientId = request.params.clientId;
      // Which entry: the app acting for the member, or for one of their minors (`for`, a member record's id).
      const forMember =
        typeof request.body?.for === 'string' && /^\d{1,12}$/.test(request.body.for)
          ? Number(request.body.for)
          : undefined;
      const apps = await listConnectedApps(db.kysely, config.secretBox, clock, session.accountId);
      const withApp = apps.filter((a) => a.clientId === clientId);
      const connected = withApp.find((a) => a.actingFor?.memberId === forMember);
      // Another member's app or minor, or one never connected: nothing to end, and nothing said about it.
      if (!connected) return reply.callNotFound();
      // The app hears of it on its back-channel logout address, if it registered one (R35).
      await sessions.announceProviderLogout(db.kysely, session.accountId, {
        reason: 'app',
        clientId,
        subject: oidcAccountId(session.accountId, forMember),
      });
      if (!(await disconnectApp(db.kysely, session.accountId, connected, withApp.length === 1)))
        return reply.callNotFound();
      await request.audit('oidc.app_disconnected', 'success', {
        accountId: session.accountId,
        details: { client: clientId, ...(forMember !== undefined ? { acting_for_member: forMember } : {}) },
      });
      const said = new URLSearchParams({
        done: connected.name,
        ...(connected.actingFor ? { minor: connected.actingFor.name } : {}),
      });
      return reply.redirect(`/area/security/apps?${said.toString()}`, 303);
    },
  );
}
