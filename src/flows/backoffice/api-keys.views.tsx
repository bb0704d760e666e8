import { API_SCOPES, MAX_RATE_PER_MINUTE, type ApiKeySummary } from '../../identity/api-keys.js';
import type { MessageKey } from '../../infra/i18n/i18n.js';
import { errorText, ErrorSummary, Form, Input, Notice, type FieldErrors } from '../../infra/web/form.js';
import type { PageContext } from '../../infra/web/page-context.js';
import { BackofficeLayout } from './backoffice-layout.js';
import { CredentialListPage } from './credential-list.js';
import type { StaffPrincipal } from './staff-session.js';
import { utc } from './staff-admin.views.js';

// R23/R24: administrators' pages for the integration API keys. A key is shown once, on the page that creates it.

export const apiKeyPaths = {
  list: '/backoffice/api-keys',
  create: '/backoffice/api-keys/new',
  revoke: (id: number) => `/backoffice/api-keys/${id}/revoke`,
} as const;

export const scopeLabel = (scope: string): MessageKey => `bo.keys.scope.${scope}` as MessageKey;

/** The list of keys, revoked ones included, each with its permissions, limit, creator and last use. */
export function ApiKeyListPage({
  ctx,
  staff,
  keys,
  revoked,
}: {
  ctx: PageContext;
  staff: StaffPrincipal;
  keys: ApiKeySummary[];
  revoked: boolean;
}) {
  const { t } = ctx;
  return (
    <CredentialListPage
      ctx={ctx}
      staff={staff}
      title={t('bo.keys.title')}
      revokedNotice={revoked ? t('bo.keys.done.revoked') : null}
      intro={t('bo.keys.intro')}
      newHref={apiKeyPaths.create}
      newLabel={t('bo.keys.new')}
      none={t('bo.keys.none')}
      tableId="keys"
      caption={t('bo.keys.caption', { n: keys.length })}
      columns={[
        t('bo.keys.col.key'),
        t('bo.keys.col.scopes'),
        t('bo.keys.col.rate'),
        t('bo.keys.col.created'),
        t('bo.keys.col.lastUsed'),
        t('bo.keys.col.status'),
        t('bo.keys.col.actions'),
      ]}
      count={keys.length}
    >
      {keys.map((k) => (
        <tr data-key-id={k.id}>
          <th scope="row">
            {k.name}
            <br />
            <code class="muted">{k.hint}…</code>
          </th>
          <td>{k.scopes.join(', ')}</td>
          <td>{t('bo.keys.ratePerMinute', { n: k.ratePerMinute })}</td>
          <td>{t('bo.keys.createdBy', { when: utc(k.createdAt), who: k.createdBy })}</td>
          <td>{k.lastUsedAt ? utc(k.lastUsedAt) : t('bo.keys.never')}</td>
          <td>
            {k.revokedAt
              ? t('bo.keys.revoked', { when: utc(k.revokedAt), who: k.revokedBy ?? '—' })
              : t('bo.keys.active')}
          </td>
          <td>{k.revokedAt ? null : <a href={apiKeyPaths.revoke(k.id)}>{t('bo.keys.revoke', { name: k.name })}</a>}</td>
        </tr>
      ))}
    </CredentialListPage>
  );
}

export interface NewApiKeyForm {
  name: string;
  scopes: string[];
  rate: string;
}

/** The form for a new key: a name, its permissions (checkboxes) and its limit. */
export function NewApiKeyPage({
  ctx,
  staff,
  form,
  errors = {},
}: {
  ctx: PageContext;
  staff: StaffPrincipal;
  form: NewApiKeyForm;
  errors?: FieldErrors;
}) {
  const { t } = ctx;
  const scopesError = errors.scopes;
  return (
    <BackofficeLayout ctx={ctx} staff={staff} title={t('bo.keys.newTitle')}>
      <h1>{t('bo.keys.newTitle')}</h1>
      <ErrorSummary
        ctx={ctx}
        errors={errors}
        labels={{
          name: t('bo.keys.field.name'),
          scopes: t('bo.keys.field.scopes'),
          rate_per_minute: t('bo.keys.field.rate'),
        }}
      />
      <Form ctx={ctx} action={apiKeyPaths.create} class="stack">
        <Input
          ctx={ctx}
          name="name"
          label={t('bo.keys.field.name')}
          hint={t('bo.keys.field.nameHint')}
          value={form.name}
          error={errors.name}
          maxLength={100}
          required
        />
        <fieldset
          class={`field${scopesError ? ' has-error' : ''}`}
          {...(scopesError ? { 'aria-describedby': 'scopes-error' } : {})}
        >
          <legend>{t('bo.keys.field.scopes')}</legend>
          {scopesError ? (
            <p class="field-error" id="scopes-error">
              {errorText(ctx, scopesError)}
            </p>
          ) : null}
          {API_SCOPES.map((scope, i) => {
            // The first box carries the group's id, so the error summary's link lands in the group.
            const id = i === 0 ? 'scopes' : `scopes-${scope.replace(':', '-')}`;
            return (
              <div class="choice">
                <input type="checkbox" id={id} name="scopes" value={scope} checked={form.scopes.includes(scope)} />
                <label for={id}>{t(scopeLabel(scope))}</label>
              </div>
            );
          })}
        </fieldset>
        <Input
          ctx={ctx}
          name="rate_per_minute"
          label={t('bo.keys.field.rate')}
          hint={t('bo.keys.field.rateHint', { max: MAX_RATE_PER_MINUTE })}
          value={form.rate}
          error={errors.rate_per_minute}
          inputMode="numeric"
          maxLength={6}
        />
        <div class="actions">
          <button type="submit">{t('bo.keys.new')}</button>
          <a class="button secondary" href={apiKeyPaths.list}>
            {t('bo.confirm.cancel')}
          </a>
        </div>
      </Form>
    </BackofficeLayout>
  );
}

/** The one page that shows a new key in full. */
export function ApiKeyCreatedPage({
  ctx,
  staff,
  name,
  apiKey,
}: {
  ctx: PageContext;
  staff: StaffPrincipal;
  name: string;
  apiKey: string;
}) {
  const { t } = ctx;
  return (
    <BackofficeLayout ctx={ctx} staff={staff} title={t('bo.keys.created.title')}>
      <h1>{t('bo.keys.created.title')}</h1>
      <Notice kind="success">
        <p>{t('bo.keys.created.body', { name })}</p>
      </Notice>
      <dl class="meta">
        <dt>{t('bo.keys.created.key')}</dt>
        <dd>
          <code class="bo-secret" data-api-key={apiKey}>
            {apiKey}
          </code>
        </dd>
      </dl>
      <p>{t('bo.keys.created.once')}</p>
      <p>
        <a class="button" href={apiKeyPaths.list}>
          {t('bo.keys.back')}
        </a>
      </p>
    </BackofficeLayout>
  );
}
