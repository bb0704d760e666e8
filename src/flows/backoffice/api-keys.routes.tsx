import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../clock.js';
import type { FieldError } from '../../domain/result.js';
import { byField, formText } from '../../infra/web/form.js';
import type { Db } from '../../infra/db/database.js';
import { sendPage, type ReplyOutcome } from '../../infra/web/view.js';
import {
  createApiKey,
  DEFAULT_RATE_PER_MINUTE,
  findApiKey,
  listApiKeys,
  revokeApiKey,
  validateNewApiKey,
  type ApiKeySummary,
} from '../../identity/api-keys.js';
import {
  ApiKeyCreatedPage,
  ApiKeyListPage,
  apiKeyPaths,
  NewApiKeyPage,
  scopeLabel,
  type NewApiKeyForm,
} from './api-keys.views.js';
import { ConfirmPage, isConfirmed, readReason } from './confirm-page.js';
import { credentialPages } from './credential-pages.js';
import { staffActor } from './staff-users.flow.js';

/** R23/R24: administrators list, create (the key shown once) and revoke the integration API keys. */
export async function apiKeyAdminRoutes(app: FastifyInstance, deps: { db: Db; clock: Clock }): Promise<void> {
  const { db, clock } = deps;
  const kysely = db.kysely;
  const admin = { preHandler: app.requireStaff('admin') };
  const pages = credentialPages({
    notFound: 'bo.keys.notFound',
    notFoundBody: 'bo.keys.notFoundBody',
    alreadyRevoked: 'bo.keys.alreadyRevoked',
    alreadyRevokedBody: 'bo.keys.alreadyRevokedBody',
    back: 'bo.keys.back',
    listPath: apiKeyPaths.list,
  });

  app.get(apiKeyPaths.list, admin, async (request, reply) => {
    const revoked = (request.query as Record<string, unknown>).done === 'revoked';
    return sendPage(
      reply,
      <ApiKeyListPage
        ctx={request.pageContext()}
        staff={request.staff!}
        keys={await listApiKeys(kysely)}
        revoked={revoked}
      />,
    );
  });

  app.get(apiKeyPaths.create, admin, async (request, reply) =>
    sendPage(
      reply,
      <NewApiKeyPage
        ctx={request.pageContext()}
        staff={request.staff!}
        form={{ name: '', scopes: ['members:write'], rate: String(DEFAULT_RATE_PER_MINUTE) }}
      />,
    ),
  );

  app.post(apiKeyPaths.create, admin, async (request, reply) => {
    const ctx = request.pageContext();
    const { t } = ctx;
    const staff = request.staff!;
    const raw = (request.body as Record<string, unknown> | undefined)?.scopes;
    const form: NewApiKeyForm = {
      name: formText(request.body, 'name').slice(0, 200),
      // A browser sends one `scopes` field per ticked box, the confirmation page one space-separated field;
      // anything but text is dropped.
      scopes: (Array.isArray(raw) ? raw : [raw])
        .slice(0, 10)
        .filter((s): s is string => typeof s === 'string')
        .flatMap((s) => s.split(/\s+/))
        .filter(Boolean)
        .slice(0, 10),
      rate: formText(request.body, 'rate_per_minute').trim().slice(0, 12),
    };
    const rate =
      form.rate === '' ? DEFAULT_RATE_PER_MINUTE : /^\d{1,9}$/.test(form.rate) ? Number(form.rate) : Number.NaN;
    const input = { name: form.name, scopes: form.scopes, ratePerMinute: rate, createdBy: staffActor(staff.username) };
    const valid = validateNewApiKey(input);
    if (!valid.ok)
      return sendPage(
        reply,
        <NewApiKeyPage ctx={ctx} staff={staff} form={form} errors={byField(valid.errors)} />,
        'invalid',
      );
    const v = valid.value;
    if (!isConfirmed(request.body)) {
      // R23: every action asks for confirmation; the checked values travel to the Confirm button.
      return sendPage(
        reply,
        <ConfirmPage
          ctx={ctx}
          staff={staff}
          title={t('bo.keys.confirmCreate.title', { name: v.name })}
          action={apiKeyPaths.create}
          fields={{ name: v.name, scopes: v.scopes.join(' '), rate_per_minute: String(v.ratePerMinute) }}
          reason="none"
          confirmLabel={t('bo.keys.confirmCreate.confirm')}
          cancelHref={apiKeyPaths.list}
        >
          <p>
            {t('bo.keys.confirmCreate.body', {
              scopes: v.scopes.map((s) => t(scopeLabel(s))).join('; '),
              rate: v.ratePerMinute,
            })}
          </p>
        </ConfirmPage>,
      );
    }
    const created = await createApiKey(kysely, clock, input, request.auditContext());
    if (!created.ok)
      return sendPage(
        reply,
        <NewApiKeyPage ctx={ctx} staff={staff} form={form} errors={byField(created.errors)} />,
        'invalid',
      );
    return sendPage(
      reply,
      <ApiKeyCreatedPage ctx={ctx} staff={staff} name={v.name} apiKey={created.value.key} />,
      'created',
    );
  });

  /** The key named by the URL, or a 404 page. */
  async function target(
    request: FastifyRequest<{ Params: { id: string } }>,
    reply: FastifyReply,
  ): Promise<ApiKeySummary | undefined> {
    const id = request.params.id;
    const key = /^[1-9]\d{0,8}$/.test(id) ? await findApiKey(kysely, Number(id)) : undefined;
    if (!key) await pages.notFound(request, reply);
    return key;
  }

  function revokePage(
    request: FastifyRequest,
    reply: FastifyReply,
    key: ApiKeySummary,
    status: ReplyOutcome = 'shown',
    reasonError?: Pick<FieldError, 'code' | 'params'>,
  ) {
    const { t } = request;
    return pages.confirmRevoke(
      request,
      reply,
      {
        title: t('bo.keys.confirmRevoke.title', { name: key.name }),
        action: apiKeyPaths.revoke(key.id),
        confirmLabel: t('bo.keys.confirmRevoke.confirm'),
        body: t('bo.keys.confirmRevoke.body', { name: key.name, hint: `${key.hint}…` }),
      },
      status,
      reasonError,
    );
  }

  app.get<{ Params: { id: string } }>('/backoffice/api-keys/:id/revoke', admin, async (request, reply) => {
    const key = await target(request, reply);
    if (!key) return reply;
    if (key.revokedAt) return pages.alreadyRevoked(request, reply);
    return revokePage(request, reply, key);
  });

  app.post<{ Params: { id: string } }>('/backoffice/api-keys/:id/revoke', admin, async (request, reply) => {
    const key = await target(request, reply);
    if (!key) return reply;
    const reason = readReason(request.body, false);
    if (!reason.ok) return revokePage(request, reply, key, 'invalid', reason.error);
    if (!isConfirmed(request.body)) return revokePage(request, reply, key);
    const result = await revokeApiKey(
      kysely,
      clock,
      key.id,
      staffActor(request.staff!.username),
      request.auditContext(),
    );
    if (!result.ok) return pages.alreadyRevoked(request, reply);
    return reply.redirect(`${apiKeyPaths.list}?done=revoked`, 303);
  });
}
