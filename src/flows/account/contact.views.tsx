import { addressLines } from '../../domain/postal-address.js';
import type { Account } from '../../infra/db/tables.js';
import type { MessageKey } from '../../infra/i18n/i18n.js';
import { CodeInput, ErrorSummary, Form, Input, Notice, type FieldErrors } from '../../infra/web/form.js';
import { AddressFields, addressLabels } from '../../infra/web/address-fields.js';
import { Layout } from '../../infra/web/layout.js';
import { ContactText } from '../../infra/web/contact-links.js';
import type { PageContext } from '../../infra/web/page-context.js';
import { formatMobile, shown, type ChangeData } from './contact.flow.js';

type Done = 'address' | 'email' | 'mobile' | 'removed';
export type Restart = 'expired' | 'codeExpired' | 'exhausted' | 'replaced';
type Refusal = 'passwordLocked' | 'sendLimit';

const DONE: Record<Done, MessageKey> = {
  address: 'contact.done.address',
  email: 'contact.done.email',
  mobile: 'contact.done.mobile',
  removed: 'contact.done.removed',
};
const RESTART: Record<Restart, MessageKey> = {
  expired: 'contact.restart.expired',
  codeExpired: 'contact.restart.codeExpired',
  exhausted: 'contact.restart.exhausted',
  replaced: 'contact.restart.replaced',
};
export const isDone = (v: unknown): v is Done => typeof v === 'string' && Object.hasOwn(DONE, v);

export interface ContactView {
  account: Account;
  values?: Record<string, string>;
  errors?: FieldErrors;
  done?: Done | undefined;
  restart?: Restart | undefined;
  refusal?: Refusal | undefined;
  pending?: boolean;
}

function fieldLabels(t: PageContext['t']): Record<string, string> {
  return {
    ...addressLabels(t),
    new_email: t('contact.newEmail'),
    email_password: t('contact.password'),
    new_mobile: t('contact.newMobile'),
    mobile_password: t('contact.password'),
    remove_password: t('contact.password'),
  };
}

function CurrentDetails({ ctx, account }: { ctx: PageContext; account: Account }) {
  const { t } = ctx;
  const lines = addressLines(
    {
      addressLine: account.address_line,
      postalCode: account.postal_code,
      city: account.city,
      province: account.province,
      country: account.country,
    },
    ctx.lang,
  );
  const state = (at: string | null) => (
    <span class={`badge ${at ? 'badge--approved' : 'badge--needs-info'}`}>
      {at ? t('contact.verified') : t('contact.unverified')}
    </span>
  );
  return (
    <section class="section" aria-labelledby="current-title">
      <h2 id="current-title">{t('contact.currentTitle')}</h2>
      <dl class="meta">
        <dt>{t('contact.addressLabel')}</dt>
        <dd>{lines.length ? lines.map((l, i) => (i === 0 ? l : [<br />, l])) : t('contact.notGiven')}</dd>
        <dt>{t('contact.emailLabel')}</dt>
        <dd>
          {account.email} {state(account.email_verified_at)}
        </dd>
        <dt>{t('contact.mobileLabel')}</dt>
        <dd>
          {account.mobile ? (
            <>
              {formatMobile(account.mobile)} {state(account.mobile_verified_at)}
            </>
          ) : (
            t('contact.notGiven')
          )}
        </dd>
      </dl>
    </section>
  );
}

function PasswordInput({ ctx, name, errors }: { ctx: PageContext; name: string; errors: FieldErrors }) {
  const { t } = ctx;
  return (
    <Input
      ctx={ctx}
      name={name}
      type="password"
      label={t('contact.password')}
      hint={t('contact.passwordHint')}
      value=""
      error={errors[name]}
      autocomplete="current-password"
      maxLength={64}
      required
    />
  );
}

/** R15: the account's contact data and the forms that change it; one page, each form with its own field names. */
export function ContactPage({ ctx, view }: { ctx: PageContext; view: ContactView }) {
  const { t } = ctx;
  const { account } = view;
  const errors = view.errors ?? {};
  const v = view.values ?? {};
  const keep = (name: string, stored: string | null) => (name in v ? v[name] : stored);
  return (
    <Layout ctx={ctx} title={t('contact.title')}>
      <h1>{t('contact.title')}</h1>
      {view.done ? <Notice kind="success">{t(DONE[view.done])}</Notice> : null}
      {view.restart ? <Notice kind="error">{t(RESTART[view.restart])}</Notice> : null}
      {view.refusal ? (
        <Notice kind="error">
          {t(view.refusal === 'passwordLocked' ? 'contact.passwordLocked' : 'contact.sendLimit')}
        </Notice>
      ) : null}
      {view.pending ? (
        <Notice>
          {t('contact.pending')} <a href="/area/contact/confirm">{t('contact.pendingLink')}</a>
        </Notice>
      ) : null}
      <ErrorSummary ctx={ctx} errors={errors} labels={fieldLabels(t)} />
      <p>{t('contact.intro')}</p>
      <nav aria-label={t('sections.label')} class="section-nav">
        <ul>
          <li>
            <a href="#address-title">{t('contact.addressTitle')}</a>
          </li>
          <li>
            <a href="#email-title">{t('contact.emailTitle')}</a>
          </li>
          <li>
            <a href="#mobile-title">{t('contact.mobileTitle')}</a>
          </li>
          {account.mobile ? (
            <li>
              <a href="#remove-title">{t('contact.removeTitle')}</a>
            </li>
          ) : null}
        </ul>
      </nav>
      <CurrentDetails ctx={ctx} account={account} />

      <section class="section" aria-labelledby="address-title">
        <h2 id="address-title">{t('contact.addressTitle')}</h2>
        <Form ctx={ctx} action="/area/contact/address" class="stack">
          <AddressFields
            ctx={ctx}
            values={{
              address_line: keep('address_line', account.address_line),
              postal_code: keep('postal_code', account.postal_code),
              city: keep('city', account.city),
              province: keep('province', account.province),
              country: keep('country', account.country),
            }}
            errors={errors}
          />
          <button type="submit">{t('contact.saveAddress')}</button>
        </Form>
      </section>

      <section class="section" aria-labelledby="email-title">
        <h2 id="email-title">{t('contact.emailTitle')}</h2>
        <p>{t('contact.emailIntro')}</p>
        <Form ctx={ctx} action="/area/contact/email" class="stack">
          <Input
            ctx={ctx}
            name="new_email"
            type="email"
            label={t('contact.newEmail')}
            value={v.new_email}
            error={errors.new_email}
            autocomplete="email"
            maxLength={254}
            spellcheck={false}
            required
          />
          <PasswordInput ctx={ctx} name="email_password" errors={errors} />
          <button type="submit">{t('contact.sendCode')}</button>
        </Form>
      </section>

      <section class="section" aria-labelledby="mobile-title">
        <h2 id="mobile-title">{t('contact.mobileTitle')}</h2>
        <p>{t('contact.mobileIntro')}</p>
        <Form ctx={ctx} action="/area/contact/mobile" class="stack">
          <Input
            ctx={ctx}
            name="new_mobile"
            type="tel"
            label={t('contact.newMobile')}
            hint={t('contact.newMobileHint')}
            value={v.new_mobile}
            error={errors.new_mobile}
            autocomplete="tel"
            maxLength={30}
            required
          />
          <PasswordInput ctx={ctx} name="mobile_password" errors={errors} />
          <button type="submit">{t('contact.sendCode')}</button>
        </Form>
      </section>

      {account.mobile ? (
        <section class="section section--danger" aria-labelledby="remove-title">
          <h2 id="remove-title">{t('contact.removeTitle')}</h2>
          <p>{account.preferred_channel === 'sms' ? t('contact.removeIntroSms') : t('contact.removeIntro')}</p>
          <Form ctx={ctx} action="/area/contact/mobile/remove" class="stack">
            <PasswordInput ctx={ctx} name="remove_password" errors={errors} />
            <button type="submit" class="button--danger">
              {t('contact.remove')}
            </button>
          </Form>
        </section>
      ) : null}

      <section class="section" aria-labelledby="help-title">
        <h2 id="help-title">{t('sections.helpTitle')}</h2>
        <p>
          <ContactText t={t} k="layout.support" email={ctx.brand.supportEmail} />{' '}
          {ctx.brand.supportPhone ? <ContactText t={t} k="layout.supportPhone" phone={ctx.brand.supportPhone} /> : null}
        </p>
      </section>
    </Layout>
  );
}

/** R15, R21: the code field of a pending change (paste and one-time-code autofill work). */
export function ConfirmPage({
  ctx,
  change,
  errors = {},
}: {
  ctx: PageContext;
  change: ChangeData;
  errors?: FieldErrors;
}) {
  const { t } = ctx;
  const to = shown(change.what, change.value);
  return (
    <Layout ctx={ctx} title={t('contact.confirmTitle')}>
      <h1>{t('contact.confirmTitle')}</h1>
      <ErrorSummary ctx={ctx} errors={errors} labels={{ code: t('contact.code') }} />
      <p>{change.what === 'email' ? t('contact.confirmIntroEmail', { to }) : t('contact.confirmIntroSms', { to })}</p>
      <Form ctx={ctx} action="/area/contact/confirm" class="stack">
        <CodeInput ctx={ctx} label={t('contact.code')} hint={t('contact.codeHint')} error={errors.code} />
        <button type="submit">{t('contact.confirm')}</button>
      </Form>
      <p>
        <a href="/area/contact">{t('contact.startAgain')}</a>
      </p>
    </Layout>
  );
}
