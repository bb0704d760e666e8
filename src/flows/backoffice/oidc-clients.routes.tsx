import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../clock.js';
import type { FieldError } from '../../domain/result.js';
import {
  createOidcClient,
  listOidcClients,
  revokeOidcClient,
  validateNewOidcClient,
  type NewOidcClient,
  type OidcClientSummary,
} from '../../identity/oidc-clients.js';
import type { Db } from '../../infra/db/database.js';
import { byField, formText, formValues } from '../../infra/web/form.js';
import { sendPage, type ReplyOutcome } from '../../infra/web/view.js';
import { ConfirmPage, isConfirmed, readReason } from './confirm-page.js';
import { credentialPages } from './credential-pages.js';
import {
  emptyOidcClientForm,
  NewOidcClientPage,
  OidcClientCreatedPage,
  OidcClientListPage,
  oidcClientPaths,
  oidcScopeLabel,
  type NewOidcClientForm,
} from './oidc-clients.views.js';
import { staffActor } from './staff-users.flow.js';

/**
 * R35, R23: administrators register, list and revoke the apps that sign members in through the portal, in the same
 * store as `member-area oidc-client` (identity/oidc-clients.ts: validation, the secret's hash, the audit, revoking
 * a client's grants and tokens at once). Every action is confirmed first (R23); the secret is shown once.
 */
export async function oidcClientAdminRoutes(
  app: FastifyInstance,
  deps: {
    db: Db;
    clock: Clock;
    /** oidc-provider's own validation of a new client (app.ts hands it in when the provider is configured). */
    checkMetadata?: ((metadata: Record<string, unknown>) => Promise<string | undefined>) | undefined;
  },
): Promise<void> {
  const { db, clock, checkMetadata } = deps;
  const kysely = db.kysely;
  const admin = { preHandler: app.requireStaff('admin') };
  const pages = credentialPages({
    notFound: 'bo.oidc.notFound',
    notFoundBody: 'bo.oidc.notFoundBody',
    alreadyRevoked: 'bo.oidc.alreadyRevoked',
    alreadyRevokedBody: 'bo.oidc.alreadyRevokedBody',
    back: 'bo.oidc.back',
    listPath: oidcClientPaths.list,
  });

  app.get(oidcClientPaths.list, admin, async (request, reply) =>
    sendPage(
      reply,
      <OidcClientListPage
        ctx={request.pageContext()}
        staff={request.staff!}
        clients={await listOidcClients(kysely)}
        revoked={(request.query as Record<string, unknown>).done === 'revoked'}
      />,
    ),
  );

  app.get(oidcClientPaths.create, admin, async (request, reply) =>
    sendPage(
      reply,
      <NewOidcClientPage ctx={request.pageContext()} staff={request.staff!} form={emptyOidcClientForm} />,
    ),
  );

  app.post(oidcClientPaths.create, admin, async (request, reply) => {
    const ctx = request.pageContext();
    const { t } = ctx;
    const staff = request.staff!;
    const body = request.body;
    const form: NewOidcClientForm = {
      name: formText(body, 'name').slice(0, 200),
      redirectUris: formText(body, 'redirect_uris').slice(0, 6000),
      // Ticked boxes arrive one field each, the confirmation page's as one space-separated field.
      scopes: formValues(body, 'scopes')
        .slice(0, 10)
        .flatMap((s) => s.split(/\s+/))
        .filter(Boolean)
        .slice(0, 10),
      firstParty: formText(body, 'first_party') === '1',
      kind: formText(body, 'kind') === 'public' ? 'public' : 'confidential',
      logoUri: formText(body, 'logo_uri').trim().slice(0, 600),
      backchannelLogoutUri: formText(body, 'backchannel_logout_uri').trim().slice(0, 600),
    };
    const input: NewOidcClient = {
      name: form.name,
      redirectUris: form.redirectUris
        .split(/\r?\n/)
        .map((u) => u.trim())
        .filter(Boolean),
      scopes: form.scopes,
      firstParty: form.firstParty,
      public: form.kind === 'public',
      createdBy: staffActor(staff.username),
      ...(form.logoUri ? { logoUri: form.logoUri } : {}),
      ...(form.backchannelLogoutUri ? { backchannelLogoutUri: form.backchannelLogoutUri } : {}),
    };
    const valid = validateNewOidcClient(input);
    if (!valid.ok)
      return sendPage(
        reply,
        <NewOidcClientPage ctx={ctx} staff={staff} form={form} errors={byField(valid.errors)} />,
        'invalid',
      );
    const v = valid.value;
    if (!isConfirmed(body)) {
      // R23: every action asks for confirmation; the checked values travel to the Confirm button.
      return sendPage(
        reply,
        <ConfirmPage
          ctx={ctx}
          staff={staff}
          title={t('bo.oidc.confirmCreate.title', { name: v.name })}
          action={oidcClientPaths.create}
          fields={{
            name: v.name,
            redirect_uris: v.redirectUris.join('\n'),
            scopes: v.scopes.join(' '),
            kind: form.kind,
            ...(form.firstParty ? { first_party: '1' } : {}),
            ...(v.logoUri ? { logo_uri: v.logoUri } : {}),
            ...(v.backchannelLogoutUri ? { backchannel_logout_uri: v.backchannelLogoutUri } : {}),
          }}
          reason="none"
          confirmLabel={t('bo.oidc.confirmCreate.confirm')}
          cancelHref={oidcClientPaths.list}
        >
          <p>
            {t(form.kind === 'public' ? 'bo.oidc.kind.public' : 'bo.oidc.kind.confidential')};{' '}
            {t(form.firstParty ? 'bo.oidc.firstParty' : 'bo.oidc.thirdParty')}.
          </p>
          <p>{t('bo.oidc.confirmCreate.scopes', { scopes: v.scopes.map((s) => t(oidcScopeLabel(s))).join(' ') })}</p>
          <ul>
            {v.redirectUris.map((u) => (
              <li>
                <code>{u}</code>
              </li>
            ))}
          </ul>
        </ConfirmPage>,
      );
    }
    const created = await createOidcClient(
      kysely,
      clock,
      input,
      request.auditContext(),
      checkMetadata ? { checkMetadata } : {},
    );
    if (!created.ok)
      return sendPage(
        reply,
        <NewOidcClientPage ctx={ctx} staff={staff} form={form} errors={byField(created.errors)} />,
        'invalid',
      );
    return sendPage(
      reply,
      <OidcClientCreatedPage
        ctx={ctx}
        staff={staff}
        name={v.name}
        clientId={created.value.clientId}
        secret={created.value.secret}
      />,
      'created',
    );
  });

  /** The client named by the URL, or a 404 page. */
  async function target(
    request: FastifyRequest<{ Params: { clientId: string } }>,
    reply: FastifyReply,
  ): Promise<OidcClientSummary | undefined> {
    const id = request.params.clientId;
    const client = /^[A-Za-z0-9_-]{1,64}$/.test(id)
      ? (await listOidcClients(kysely)).find((c) => c.clientId === id)
      : undefined;
    if (!client) await pages.notFound(request, reply);
    return client;
  }

  function revokePage(
    request: FastifyRequest,
    reply: FastifyReply,
    client: OidcClientSummary,
    status: ReplyOutcome = 'shown',
    reasonError?: Pick<FieldError, 'code' | 'params'>,
  ) {
    const { t } = request;
    return pages.confirmRevoke(
      request,
      reply,
      {
        title: t('bo.oidc.confirmRevoke.title', { name: client.name }),
        action: oidcClientPaths.revoke(client.clientId),
        confirmLabel: t('bo.oidc.confirmRevoke.confirm'),
        body: t('bo.oidc.confirmRevoke.body', { name: client.name }),
      },
      status,
      reasonError,
    );
  }

  app.get<{ Params: { clientId: string } }>(
    '/backoffice/oidc-clients/:clientId/revoke',
    admin,
    async (request, reply) => {
      const client = await target(request, reply);
      if (!client) return reply;
      if (client.revokedAt) return pages.alreadyRevoked(request, reply);
      return revokePage(request, reply, client);
    },
  );

  app.post<{ Params: { clientId: string } }>(
    '/backoffice/oidc-clients/:clientId/revoke',
    admin,
    async (request, reply) => {
      const client = await target(request, reply);
      if (!client) return reply;
      const reason = readReason(request.body, false);
      if (!reason.ok) return revokePage(request, reply, client, 'invalid', reason.error);
      if (!isConfirmed(request.body)) return revokePage(request, reply, client);
      const result = await revokeOidcClient(
        kysely,
        clock,
        client.clientId,
        staffActor(request.staff!.username),
        request.auditContext(),
      );
      if (!result.ok) return pages.alreadyRevoked(request, reply);
      return reply.redirect(`${oidcClientPaths.list}?done=revoked`, 303);
    },
  );
}
