import { OIDC_SCOPES, type OidcClientSummary } from '../../identity/oidc-clients.js';
import type { MessageKey } from '../../infra/i18n/i18n.js';
import { errorText, ErrorSummary, Form, Input, Notice, type FieldErrors } from '../../infra/web/form.js';
import type { PageContext } from '../../infra/web/page-context.js';
import { BackofficeLayout } from './backoffice-layout.js';
import { CredentialListPage } from './credential-list.js';
import type { StaffPrincipal } from './staff-session.js';
import { utc } from './staff-admin.views.js';

// R35, R23: administrators' pages for the apps that sign members in through the portal (the same store as the
// `member-area oidc-client` CLI). A confidential client's secret is shown once, on the page that creates it.

export const oidcClientPaths = {
  list: '/backoffice/oidc-clients',
  create: '/backoffice/oidc-clients/new',
  revoke: (clientId: string) => `/backoffice/oidc-clients/${encodeURIComponent(clientId)}/revoke`,
} as const;

export const oidcScopeLabel = (scope: string): MessageKey => `oidc.scope.${scope}` as MessageKey;

export interface NewOidcClientForm {
  name: string;
  /** One address per line, as typed. */
  redirectUris: string;
  scopes: string[];
  firstParty: boolean;
  kind: 'confidential' | 'public';
  logoUri: string;
  backchannelLogoutUri: string;
}

export const emptyOidcClientForm: NewOidcClientForm = {
  name: '',
  redirectUris: '',
  scopes: ['openid'],
  firstParty: false,
  kind: 'confidential',
  logoUri: '',
  backchannelLogoutUri: '',
};

/** Every registered app, revoked ones included: type, party, scopes, addresses, who registered it. */
export function OidcClientListPage({
  ctx,
  staff,
  clients,
  revoked,
}: {
  ctx: PageContext;
  staff: StaffPrincipal;
  clients: OidcClientSummary[];
  revoked: boolean;
}) {
  const { t } = ctx;
  return (
    <CredentialListPage
      ctx={ctx}
      staff={staff}
      title={t('bo.oidc.title')}
      revokedNotice={revoked ? t('bo.oidc.done.revoked') : null}
      intro={t('bo.oidc.intro')}
      newHref={oidcClientPaths.create}
      newLabel={t('bo.oidc.new')}
      none={t('bo.oidc.none')}
      tableId="oidc"
      caption={t('bo.oidc.caption', { n: clients.length })}
      columns={[
        t('bo.oidc.col.app'),
        t('bo.oidc.col.type'),
        t('bo.oidc.col.scopes'),
        t('bo.oidc.col.redirects'),
        t('bo.oidc.col.created'),
        t('bo.oidc.col.status'),
        t('bo.oidc.col.actions'),
      ]}
      count={clients.length}
    >
      {clients.map((c) => (
        <tr data-client-id={c.clientId}>
          <th scope="row">
            {c.name}
            <br />
            <code class="muted">{c.clientId}</code>
          </th>
          <td>
            {t(c.public ? 'bo.oidc.public' : 'bo.oidc.confidential')}
            <br />
            {t(c.firstParty ? 'bo.oidc.firstParty' : 'bo.oidc.thirdParty')}
          </td>
          <td>{c.scopes.join(', ')}</td>
          <td>
            {c.redirectUris.map((u) => (
              <code class="bo-uri">{u}</code>
            ))}
          </td>
          <td>{t('bo.keys.createdBy', { when: utc(c.createdAt), who: c.createdBy })}</td>
          <td>{c.revokedAt ? t('bo.oidc.revoked', { when: utc(c.revokedAt) }) : t('bo.keys.active')}</td>
          <td>
            {c.revokedAt ? null : (
              <a href={oidcClientPaths.revoke(c.clientId)}>{t('bo.oidc.revoke', { name: c.name })}</a>
            )}
          </td>
        </tr>
      ))}
    </CredentialListPage>
  );
}

/** The form for a new app: name, redirect addresses, scopes, party, type, logo and back-channel logout address. */
export function NewOidcClientPage({
  ctx,
  staff,
  form,
  errors = {},
}: {
  ctx: PageContext;
  staff: StaffPrincipal;
  form: NewOidcClientForm;
  errors?: FieldErrors;
}) {
  const { t } = ctx;
  const redirectError = errors.redirect_uri;
  const scopesError = errors.scopes;
  return (
    <BackofficeLayout ctx={ctx} staff={staff} title={t('bo.oidc.newTitle')}>
      <h1>{t('bo.oidc.newTitle')}</h1>
      <ErrorSummary
        ctx={ctx}
        errors={errors}
        labels={{
          name: t('bo.oidc.field.name'),
          redirect_uri: t('bo.oidc.field.redirects'),
          scopes: t('bo.oidc.field.scopes'),
          logo_uri: t('bo.oidc.field.logo'),
          backchannel_logout_uri: t('bo.oidc.field.backchannel'),
        }}
      />
      <Form ctx={ctx} action={oidcClientPaths.create} class="stack">
        <Input
          ctx={ctx}
          name="name"
          label={t('bo.oidc.field.name')}
          hint={t('bo.oidc.field.nameHint')}
          value={form.name}
          error={errors.name}
          maxLength={100}
          required
        />
        <div class={`field${redirectError ? ' has-error' : ''}`}>
          <label for="redirect_uri">{t('bo.oidc.field.redirects')}</label>
          <div class="hint" id="redirect_uri-hint">
            {t('bo.oidc.field.redirectsHint')}
          </div>
          {redirectError ? (
            <p class="field-error" id="redirect_uri-error">
              {errorText(ctx, redirectError)}
            </p>
          ) : null}
          <textarea
            id="redirect_uri"
            name="redirect_uris"
            rows={3}
            required
            aria-required="true"
            spellcheck={false}
            aria-describedby={redirectError ? 'redirect_uri-hint redirect_uri-error' : 'redirect_uri-hint'}
            {...(redirectError ? { 'aria-invalid': 'true' } : {})}
          >
            {form.redirectUris}
          </textarea>
        </div>
        <fieldset
          class={`field${scopesError ? ' has-error' : ''}`}
          {...(scopesError ? { 'aria-describedby': 'scopes-error' } : {})}
        >
          <legend>{t('bo.oidc.field.scopes')}</legend>
          {scopesError ? (
            <p class="field-error" id="scopes-error">
              {errorText(ctx, scopesError)}
            </p>
          ) : null}
          {OIDC_SCOPES.map((scope, i) => {
            const id = i === 0 ? 'scopes' : `scopes-${scope}`;
            return (
              <div class="choice">
                <input type="checkbox" id={id} name="scopes" value={scope} checked={form.scopes.includes(scope)} />
                <label for={id}>
                  <code>{scope}</code>: {t(oidcScopeLabel(scope))}
                </label>
              </div>
            );
          })}
        </fieldset>
        <fieldset class="field">
          <legend>{t('bo.oidc.field.type')}</legend>
          <div class="choice">
            <input
              type="radio"
              id="kind-confidential"
              name="kind"
              value="confidential"
              checked={form.kind === 'confidential'}
            />
            <label for="kind-confidential">{t('bo.oidc.kind.confidential')}</label>
          </div>
          <div class="choice">
            <input type="radio" id="kind-public" name="kind" value="public" checked={form.kind === 'public'} />
            <label for="kind-public">{t('bo.oidc.kind.public')}</label>
          </div>
        </fieldset>
        <div class="choice">
          <input type="checkbox" id="first_party" name="first_party" value="1" checked={form.firstParty} />
          <label for="first_party">{t('bo.oidc.field.firstParty')}</label>
        </div>
        <Input
          ctx={ctx}
          name="logo_uri"
          label={t('bo.oidc.field.logo')}
          hint={t('bo.oidc.field.logoHint')}
          value={form.logoUri}
          error={errors.logo_uri}
          maxLength={500}
          spellcheck={false}
        />
        <Input
          ctx={ctx}
          name="backchannel_logout_uri"
          label={t('bo.oidc.field.backchannel')}
          hint={t('bo.oidc.field.backchannelHint')}
          value={form.backchannelLogoutUri}
          error={errors.backchannel_logout_uri}
          maxLength={500}
          spellcheck={false}
        />
        <div class="actions">
          <button type="submit">{t('bo.oidc.new')}</button>
          <a class="button secondary" href={oidcClientPaths.list}>
            {t('bo.confirm.cancel')}
          </a>
        </div>
      </Form>
    </BackofficeLayout>
  );
}

/** The one page that shows a new app's id and, for a confidential app, its secret. */
export function OidcClientCreatedPage({
  ctx,
  staff,
  name,
  clientId,
  secret,
}: {
  ctx: PageContext;
  staff: StaffPrincipal;
  name: string;
  clientId: string;
  secret: string | undefined;
}) {
  const { t } = ctx;
  return (
    <BackofficeLayout ctx={ctx} staff={staff} title={t('bo.oidc.created.title')}>
      <h1>{t('bo.oidc.created.title')}</h1>
      <Notice kind="success">
        <p>{t('bo.oidc.created.body', { name })}</p>
      </Notice>
      <dl class="meta">
        <dt>{t('bo.oidc.created.clientId')}</dt>
        <dd>
          <code data-client-id={clientId}>{clientId}</code>
        </dd>
        {secret ? (
          <>
            <dt>{t('bo.oidc.created.secret')}</dt>
            <dd>
              <code class="bo-secret" data-client-secret={secret}>
                {secret}
              </code>
            </dd>
          </>
        ) : null}
      </dl>
      <p>{t(secret ? 'bo.oidc.created.once' : 'bo.oidc.created.public')}</p>
      <p>
        <a class="button" href={oidcClientPaths.list}>
          {t('bo.oidc.back')}
        </a>
      </p>
    </BackofficeLayout>
  );
}
