import { Form } from '../../infra/web/form.js';
import { Layout } from '../../infra/web/layout.js';
import { Message } from '../../infra/web/message-page.js';
import type { PageContext } from '../../infra/web/page-context.js';
import type { MessageKey } from '../../infra/i18n/i18n.js';

// R35: the provider's own pages, in the portal's layout and the member's language (R20).

const SCOPE_TEXT: Record<string, MessageKey> = {
  openid: 'oidc.scope.openid',
  profile: 'oidc.scope.profile',
  email: 'oidc.scope.email',
  phone: 'oidc.scope.phone',
  membership: 'oidc.scope.membership',
  offline_access: 'oidc.scope.offline_access',
};

/** What each scope gives an app acting for a minor (R14): the minor's records; never anyone's email or mobile. */
const SCOPE_FOR_MINOR: Record<string, MessageKey> = {
  openid: 'oidc.scopeFor.openid',
  profile: 'oidc.scopeFor.profile',
  membership: 'oidc.scopeFor.membership',
  offline_access: 'oidc.scopeFor.offline_access',
};

/** What each scope gives an app, in the member's words; for a minor when a guardian acts for one. */
export function ScopeList({ ctx, scopes, minor }: { ctx: Pick<PageContext, 't'>; scopes: string[]; minor?: string }) {
  const texts = minor ? SCOPE_FOR_MINOR : SCOPE_TEXT;
  const noContact = minor && scopes.some((s) => s === 'email' || s === 'phone');
  return (
    <ul class="consent-scopes">
      {scopes
        .filter((s) => texts[s])
        .map((s) => (
          <li data-scope={s}>{ctx.t(texts[s]!, minor ? { minor } : {})}</li>
        ))}
      {noContact ? <li data-scope="no-contact">{ctx.t('oidc.scopeFor.noContact')}</li> : null}
    </ul>
  );
}

/** The consent page: which app, what it will receive, allow or not (per app and scope). */
export function ConsentPage({
  ctx,
  uid,
  app,
  scopes,
  memberName,
  actingFor,
}: {
  ctx: PageContext;
  uid: string;
  app: string;
  scopes: string[];
  memberName: string;
  /** The minor the guardian acts for (R14): the app will see the minor, and the guardian as the one acting. */
  actingFor?: string;
}) {
  const { t } = ctx;
  const title = t('oidc.consent.title', { app });
  return (
    <Layout ctx={ctx} title={title}>
      <h1>{title}</h1>
      <p>{t('oidc.consent.signedInAs', { name: memberName })}</p>
      {actingFor ? (
        <p class="alert info" data-acting-for>
          {t('oidc.consent.actingFor', { app, minor: actingFor, name: memberName })}
        </p>
      ) : null}
      <p class="lead">{t('oidc.consent.lead', { app, brand: ctx.brand.name })}</p>
      <ScopeList ctx={ctx} scopes={scopes} {...(actingFor ? { minor: actingFor } : {})} />
      <p>{t('oidc.consent.noHealth')}</p>
      <p data-lifetime>{t('oidc.consent.lifetime')}</p>
      <div class="actions">
        <Form ctx={ctx} action={`/oidc/interaction/${uid}/confirm`}>
          <button type="submit">{t('oidc.consent.allow')}</button>
        </Form>
        <Form ctx={ctx} action={`/oidc/interaction/${uid}/abort`}>
          <button type="submit" class="secondary">
            {t('oidc.consent.deny')}
          </button>
        </Form>
      </div>
    </Layout>
  );
}

/** R35 with R14: a guardian says whom the app is for, themselves or one of the minors in their selector. */
export function ActForPage({
  ctx,
  uid,
  app,
  self,
  minors,
}: {
  ctx: PageContext;
  uid: string;
  app: string;
  self: string;
  minors: { id: number; name: string }[];
}) {
  const { t } = ctx;
  const title = t('oidc.actFor.title', { app });
  return (
    <Layout ctx={ctx} title={title}>
      <h1>{title}</h1>
      <p class="lead">{t('oidc.actFor.lead', { app })}</p>
      <Form ctx={ctx} action={`/oidc/interaction/${uid}/login`}>
        <fieldset>
          <legend>{t('oidc.actFor.legend', { app })}</legend>
          <div class="choice">
            <input type="radio" id="for-self" name="for" value="self" checked />
            <label for="for-self">{t('oidc.actFor.self', { name: self })}</label>
          </div>
          {minors.map((m) => (
            <div class="choice">
              <input type="radio" id={`for-${m.id}`} name="for" value={String(m.id)} />
              <label for={`for-${m.id}`}>{t('oidc.actFor.minor', { name: m.name })}</label>
            </div>
          ))}
        </fieldset>
        <button type="submit">{t('oidc.continue.action')}</button>
      </Form>
    </Layout>
  );
}

/** Between the portal's sign-in and the app: the browser moves on by itself (Refresh), or with the link. */
export function ContinuePage({ ctx, app, href }: { ctx: PageContext; app: string; href: string }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('oidc.continue.title', { app })}>
      <Message
        title={t('oidc.continue.title', { app })}
        body={t('oidc.continue.body', { app })}
        action={{ href, label: t('oidc.continue.action') }}
      />
    </Layout>
  );
}

/** A page that says one thing about a request the provider could not take, with a code for the app's makers. */
export function OidcMessagePage({
  ctx,
  title,
  body,
  code,
}: {
  ctx: PageContext;
  title: MessageKey;
  body: MessageKey;
  code?: string;
}) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t(title)}>
      <Message title={t(title)} body={t(body)} action={{ href: '/', label: t('oidc.home') }} />
      {code ? <p class="hint">{t('oidc.error.reference', { code })}</p> : null}
    </Layout>
  );
}

/** RP-initiated logout: the provider's form (its own hidden fields) and the member's two answers. */
export function LogoutPage({ ctx, app, form }: { ctx: PageContext; app: string; form: string }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('oidc.logout.title')}>
      <h1>{t('oidc.logout.title')}</h1>
      <p class="lead">{t('oidc.logout.body', { app, brand: ctx.brand.name })}</p>
      <div dangerouslySetInnerHTML={{ __html: form }} />
      <div class="actions">
        <button type="submit" form="op.logoutForm" name="logout" value="yes">
          {t('oidc.logout.yes')}
        </button>
        <button type="submit" form="op.logoutForm" class="secondary">
          {t('oidc.logout.no')}
        </button>
      </div>
    </Layout>
  );
}
