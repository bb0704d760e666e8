import type { PasswordRule } from '../../domain/password-policy.js';
import { NewPasswordFields } from '../../identity/password-form.js';
import { CaptchaField, CAPTCHA_SCRIPTS } from '../../infra/captcha/captcha-field.js';
import type { MessageKey } from '../../infra/i18n/i18n.js';
import { AddressFields, addressLabels } from '../../infra/web/address-fields.js';
import { ErrorSummary, Form, Input, Notice, Select, type FieldErrors } from '../../infra/web/form.js';
import { Layout } from '../../infra/web/layout.js';
import type { PageContext } from '../../infra/web/page-context.js';
import type { Ineligibility } from './registration.flow.js';
import { HelpLinks } from '../../infra/web/help-links.js';
import { ContactText } from '../../infra/web/contact-links.js';

function Steps({ ctx, current }: { ctx: PageContext; current: 1 | 2 | 3 }) {
  const { t } = ctx;
  const steps: MessageKey[] = ['register.step1', 'register.step2', 'register.step3'];
  return (
    <nav aria-label={t('register.progress')}>
      <ol class="steps">
        {steps.map((key, i) => (
          <li
            class={i + 1 === current ? 'current' : i + 1 < current ? 'done' : ''}
            {...(i + 1 === current ? { 'aria-current': 'step' } : {})}
          >
            {t(key)}
          </li>
        ))}
      </ol>
    </nav>
  );
}

export interface IdentifyView {
  values: { member_number?: string; birth_date?: string; policy_number?: string };
  errors?: FieldErrors;
  notice?: 'mismatch' | 'expired' | 'captcha';
  captcha: boolean;
}

/** Step 1 (R1): member number, date of birth and policy number. */
export function IdentifyPage({ ctx, view }: { ctx: PageContext; view: IdentifyView }) {
  const { t, brand } = ctx;
  const errors = view.errors ?? {};
  const labels = {
    member_number: t('register.memberNumber'),
    birth_date: t('register.birthDate'),
    policy_number: t('register.policyNumber'),
    altcha: t('captcha.label'),
  };
  return (
    <Layout ctx={ctx} title={t('register.title')} scripts={view.captcha ? CAPTCHA_SCRIPTS : []}>
      <h1>{t('register.title')}</h1>
      <Steps ctx={ctx} current={1} />
      {view.notice === 'expired' ? <Notice kind="info">{t('register.expired')}</Notice> : null}
      {view.notice === 'mismatch' ? (
        <Notice kind="error" title={t('register.mismatchTitle')}>
          <p>{t('register.mismatch')}</p>
          <p>
            <ContactText t={t} k="register.mismatchHelp" email={brand.supportEmail} />
          </p>
        </Notice>
      ) : null}
      {view.notice === 'captcha' ? <Notice kind="info">{t('register.captchaNeeded')}</Notice> : null}
      <ErrorSummary ctx={ctx} errors={errors} labels={labels} />
      <p>{t('register.intro')}</p>
      <Form ctx={ctx} action="/register" class="stack">
        <Input
          ctx={ctx}
          name="member_number"
          label={labels.member_number}
          hint={t('register.memberNumberHint')}
          value={view.values.member_number}
          error={errors.member_number}
          autocomplete="off"
          spellcheck={false}
          maxLength={40}
          required
        />
        <Input
          ctx={ctx}
          name="birth_date"
          label={labels.birth_date}
          hint={t('register.birthDateHint')}
          value={view.values.birth_date}
          error={errors.birth_date}
          autocomplete="bday"
          inputMode="numeric"
          maxLength={10}
          required
        />
        <Input
          ctx={ctx}
          name="policy_number"
          label={labels.policy_number}
          value={view.values.policy_number}
          error={errors.policy_number}
          autocomplete="off"
          spellcheck={false}
          maxLength={40}
          required
        />
        {view.captcha ? <CaptchaField ctx={ctx} error={errors.altcha} /> : null}
        <button type="submit">{t('form.continue')}</button>
      </Form>
      <p class="muted">
        <ContactText t={t} k="register.whereData" email={brand.supportEmail} />
      </p>
      <p>
        {t('register.haveAccount')} <a href="/sign-in">{t('home.signIn')}</a>
      </p>
      <Notice kind="info" title={t('home.intlTitle')}>
        <p>
          <ContactText t={t} k="home.intlBody" email={brand.internationalContact.email} />
        </p>
      </Notice>
      {ctx.brand.legal ? (
        <p class="muted">
          {t('register.privacyNote')} <a href="/legal/privacy">{t('legal.privacy')}</a>.
        </p>
      ) : null}
      <HelpLinks ctx={ctx} topics={['numbers', 'who-can-register', 'former-member']} />
    </Layout>
  );
}

const INELIGIBLE: Record<Ineligibility, { title: MessageKey; body: MessageKey }> = {
  minor: { title: 'register.minor.title', body: 'register.minor.body' },
  international: { title: 'register.intl.title', body: 'register.intl.body' },
  expatriate: { title: 'register.intl.title', body: 'register.intl.body' },
  cancelled: { title: 'register.cancelled.title', body: 'register.cancelled.body' },
  registered: { title: 'register.registered.title', body: 'register.registered.body' },
};

/** R2: each reason a matched member cannot register here, with where to go instead. */
export function IneligiblePage({ ctx, reason }: { ctx: PageContext; reason: Ineligibility }) {
  const { t, brand } = ctx;
  const keys = INELIGIBLE[reason];
  const contact =
    reason === 'international' || reason === 'expatriate'
      ? brand.internationalContact
      : { email: brand.supportEmail, phone: brand.supportPhone };
  return (
    <Layout ctx={ctx} title={t(keys.title)}>
      <h1>{t(keys.title)}</h1>
      <p class="lead" data-reason={reason}>
        <ContactText t={t} k={keys.body} email={contact.email} />
      </p>
      {contact.phone && reason !== 'registered' ? (
        <p>
          <ContactText t={t} k="home.intlPhone" phone={contact.phone} />
        </p>
      ) : null}
      {reason === 'registered' ? (
        <p class="actions">
          <a class="button" href="/sign-in">
            {t('home.signIn')}
          </a>
          <a class="button secondary" href="/recovery">
            {t('register.forgot')}
          </a>
        </p>
      ) : (
        <p>
          <a href="/">{t('error.backHome')}</a>
        </p>
      )}
      {reason === 'international' || reason === 'expatriate' ? (
        <HelpLinks ctx={ctx} topics={['international']} />
      ) : null}
    </Layout>
  );
}

export interface DetailsView {
  values: Record<string, string | null | undefined>;
  errors?: FieldErrors;
  recordHasDocument: boolean;
}

/** Step 2 (R3): contact data prefilled from the record, and the identity document that becomes the username. */
export function DetailsPage({ ctx, view }: { ctx: PageContext; view: DetailsView }) {
  const { t, brand } = ctx;
  const errors = view.errors ?? {};
  const v = view.values;
  const labels: Record<string, string> = {
    ...addressLabels(t),
    email: t('register.email'),
    mobile: t('register.mobile'),
    document_type: t('register.documentType'),
    document_number: t('register.documentNumber'),
  };
  const docError = errors.document_number?.code;
  return (
    <Layout ctx={ctx} title={t('register.detailsTitle')}>
      <h1>{t('register.detailsTitle')}</h1>
      <Steps ctx={ctx} current={2} />
      <ErrorSummary ctx={ctx} errors={errors} labels={labels} />
      {docError === 'document_taken' ? (
        <Notice kind="error">
          <p>
            <ContactText t={t} k="register.documentTakenHelp" email={brand.supportEmail} />
          </p>
        </Notice>
      ) : null}
      <p>{t('register.detailsIntro')}</p>
      <Form ctx={ctx} action="/register/details" class="stack">
        <fieldset>
          <legend>{t('register.addressLegend')}</legend>
          <AddressFields ctx={ctx} values={v} errors={errors} />
        </fieldset>
        <fieldset>
          <legend>{t('register.contactLegend')}</legend>
          <Input
            ctx={ctx}
            name="email"
            type="email"
            label={labels.email!}
            value={v.email}
            error={errors.email}
            autocomplete="email"
            maxLength={254}
            spellcheck={false}
            required
          />
          <Input
            ctx={ctx}
            name="mobile"
            type="tel"
            label={labels.mobile!}
            hint={t('register.mobileHint')}
            value={v.mobile}
            error={errors.mobile}
            autocomplete="tel"
            maxLength={20}
          />
        </fieldset>
        <fieldset>
          <legend>{t('register.documentLegend')}</legend>
          <p class="hint">{view.recordHasDocument ? t('register.documentOnRecord') : t('register.documentHint')}</p>
          <Select
            ctx={ctx}
            name="document_type"
            label={labels.document_type!}
            value={v.document_type}
            error={errors.document_type}
            placeholder={t('register.documentTypeChoose')}
            options={[
              { value: 'NIF', label: t('register.docNif') },
              { value: 'NIE', label: t('register.docNie') },
              { value: 'PASSPORT', label: t('register.docPassport') },
            ]}
            required
          />
          <Input
            ctx={ctx}
            name="document_number"
            label={labels.document_number!}
            value={v.document_number}
            error={errors.document_number}
            autocomplete="off"
            spellcheck={false}
            maxLength={40}
            required
          />
        </fieldset>
        <button type="submit">{t('form.continue')}</button>
      </Form>
      {ctx.brand.legal ? (
        <p class="muted">
          {t('register.privacyNote')} <a href="/legal/privacy">{t('legal.privacy')}</a>.
        </p>
      ) : null}
      <HelpLinks ctx={ctx} topics={['nie-to-nif', 'former-member']} />
    </Layout>
  );
}

/** R3: the document already belongs to this person's account: sign in, and the new policy joins it. */
export function ReturningPage({ ctx }: { ctx: PageContext }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('register.returning.title')}>
      <h1>{t('register.returning.title')}</h1>
      <p class="lead">{t('register.returning.body')}</p>
      <p>{t('register.returning.next')}</p>
      <p class="actions">
        <a class="button" href="/sign-in">
          {t('home.signIn')}
        </a>
        <a class="button secondary" href="/recovery">
          {t('register.forgot')}
        </a>
      </p>
      <HelpLinks ctx={ctx} topics={['former-member', 'forgot-password']} />
    </Layout>
  );
}

export interface PasswordView {
  username: string;
  rules: { rule: PasswordRule; met: boolean | null }[];
  errors?: FieldErrors;
}

/** Step 3 (R4): the password, with its rules; password managers see the username and a new-password field. */
export function PasswordPage({ ctx, view }: { ctx: PageContext; view: PasswordView }) {
  const { t } = ctx;
  const errors = view.errors ?? {};
  const labels = { password: t('password.new'), password_confirmation: t('password.confirm') };
  return (
    <Layout ctx={ctx} title={t('register.passwordTitle')} scripts={['/assets/password-checklist.js']}>
      <h1>{t('register.passwordTitle')}</h1>
      <Steps ctx={ctx} current={3} />
      <ErrorSummary ctx={ctx} errors={errors} labels={labels} />
      <p>{t('register.passwordIntro')}</p>
      <Form ctx={ctx} action="/register/password" class="stack">
        <NewPasswordFields ctx={ctx} username={view.username} rules={view.rules} errors={errors} />
        <p class="muted">{t('password.personal')}</p>
        <button type="submit">{t('register.create')}</button>
      </Form>
      <Form ctx={ctx} action="/register/back">
        <button type="submit" class="link-button">
          {t('register.backToDetails')}
        </button>
      </Form>
      <HelpLinks ctx={ctx} topics={['password-rules']} />
    </Layout>
  );
}

/** R5: done; the person signs in (which proves a channel with the second step). */
export function DonePage({ ctx, email }: { ctx: PageContext; email: string | null }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('register.done.title')}>
      <h1>{t('register.done.title')}</h1>
      <Notice kind="success">
        <p>{t('register.done.body')}</p>
        {email ? <p>{t('register.done.email', { email })}</p> : null}
      </Notice>
      <p>{t('register.done.next')}</p>
      <p>
        <a class="button" href="/sign-in">
          {t('home.signIn')}
        </a>
      </p>
    </Layout>
  );
}

/** Step 3 raced with another browser (or was replayed): the account exists already. */
export function AlreadyDonePage({ ctx }: { ctx: PageContext }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('register.registered.title')}>
      <h1>{t('register.registered.title')}</h1>
      <p class="lead">{t('register.alreadyDone')}</p>
      <p class="actions">
        <a class="button" href="/sign-in">
          {t('home.signIn')}
        </a>
        <a class="button secondary" href="/recovery">
          {t('register.forgot')}
        </a>
      </p>
      <HelpLinks ctx={ctx} topics={['former-member', 'forgot-password']} />
    </Layout>
  );
}

export function TooManyPage({ ctx }: { ctx: PageContext }) {
  const { t, brand } = ctx;
  return (
    <Layout ctx={ctx} title={t('error.rateLimited.title')}>
      <h1>{t('error.rateLimited.title')}</h1>
      <p>{t('register.tooMany')}</p>
      <p>
        <ContactText t={t} k="register.whereData" email={brand.supportEmail} />
      </p>
    </Layout>
  );
}
