import type { PasswordRule } from '../../domain/password-policy.js';
import { CaptchaField, CAPTCHA_SCRIPTS } from '../../infra/captcha/captcha-field.js';
import { ErrorSummary, Form, Input, Notice, type FieldErrors } from '../../infra/web/form.js';
import { Layout } from '../../infra/web/layout.js';
import { MessagePage } from '../../infra/web/message-page.js';
import type { PageContext } from '../../infra/web/page-context.js';
import { NewPasswordFields } from '../../identity/password-form.js';
import { HelpLinks } from '../../infra/web/help-links.js';
import { ContactText } from '../../infra/web/contact-links.js';

/** R11 screen 1: the identity document and the captcha. */
export function RecoveryStartPage({
  ctx,
  username,
  errors = {},
  notice,
}: {
  ctx: PageContext;
  username?: string;
  errors?: FieldErrors;
  notice?: 'expired' | 'limited';
}) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('recovery.title')} scripts={CAPTCHA_SCRIPTS}>
      <h1>{t('recovery.title')}</h1>
      {notice === 'expired' ? <Notice kind="info">{t('recovery.flowExpired')}</Notice> : null}
      {notice === 'limited' ? <Notice kind="error">{t('recovery.limited')}</Notice> : null}
      <ErrorSummary ctx={ctx} errors={errors} labels={{ username: t('signin.username'), altcha: t('captcha.label') }} />
      <p>{t('recovery.intro')}</p>
      <Form ctx={ctx} action="/recovery" class="stack">
        <Input
          ctx={ctx}
          name="username"
          label={t('signin.username')}
          hint={t('signin.usernameHint')}
          value={username}
          error={errors.username}
          autocomplete="username"
          spellcheck={false}
          maxLength={40}
          required
        />
        <CaptchaField ctx={ctx} error={errors.altcha} />
        <button type="submit">{t('form.continue')}</button>
      </Form>
      <p>
        <a href="/sign-in">{t('signin.title')}</a>
      </p>
      <HelpLinks ctx={ctx} topics={['forgot-password', 'browsers']} />
    </Layout>
  );
}

/** R11 screen 2: press send. */
export function RecoverySendPage({ ctx }: { ctx: PageContext }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('recovery.title')}>
      <h1>{t('recovery.title')}</h1>
      <p>{t('recovery.sendIntro')}</p>
      <Form ctx={ctx} action="/recovery/send">
        <button type="submit">{t('recovery.send')}</button>
      </Form>
    </Layout>
  );
}

/** The same answer whether or not the document has an account (R11). */
export function RecoverySentPage({ ctx }: { ctx: PageContext }) {
  const { t, brand } = ctx;
  return (
    <Layout ctx={ctx} title={t('recovery.sentTitle')}>
      <h1>{t('recovery.sentTitle')}</h1>
      <Notice kind="success">
        <p>{t('recovery.sent')}</p>
      </Notice>
      <p>
        <ContactText t={t} k="recovery.sentHelp" email={brand.supportEmail} />
      </p>
    </Layout>
  );
}

/** A used, expired or replaced link: offer a new one. */
export function RecoveryLinkInvalidPage({ ctx }: { ctx: PageContext }) {
  const { t } = ctx;
  return (
    <MessagePage
      ctx={ctx}
      title={t('recovery.invalidTitle')}
      body={t('recovery.invalid')}
      action={{ href: '/recovery', label: t('recovery.again') }}
    />
  );
}

/** A passkey of the account as the reset page lists it, and whether its box is ticked for removal. */
export interface ResetPasskey {
  id: number;
  name: string;
  added: string;
  remove: boolean;
}

/**
 * Issue 25: a new password does not stop a passkey, so the reset lists the account's passkeys; those added lately
 * come ticked for removal (an intruder's is recent), and the member unticks the ones they recognise.
 */
function ResetPasskeys({ ctx, passkeys }: { ctx: PageContext; passkeys: ResetPasskey[] }) {
  const { t } = ctx;
  if (passkeys.length === 0) return null;
  return (
    <fieldset>
      <legend>{t('recovery.passkeys.legend')}</legend>
      <p>{t('recovery.passkeys.intro')}</p>
      {passkeys.map((p) => (
        <div class="choice">
          <input
            type="checkbox"
            id={`remove-passkey-${p.id}`}
            name="remove_passkey"
            value={String(p.id)}
            checked={p.remove}
          />
          <label for={`remove-passkey-${p.id}`}>{t('recovery.passkeys.remove', { name: p.name, date: p.added })}</label>
        </div>
      ))}
    </fieldset>
  );
}

export function ResetPasswordPage({
  ctx,
  username,
  rules,
  passkeys,
  errors = {},
}: {
  ctx: PageContext;
  username: string;
  rules: { rule: PasswordRule; met: boolean | null }[];
  passkeys: ResetPasskey[];
  errors?: FieldErrors;
}) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('recovery.resetTitle')} scripts={['/assets/password-checklist.js']}>
      <h1>{t('recovery.resetTitle')}</h1>
      <ErrorSummary
        ctx={ctx}
        errors={errors}
        labels={{ password: t('password.new'), password_confirmation: t('password.confirm') }}
      />
      <Form ctx={ctx} action="/recovery/reset" class="stack">
        <NewPasswordFields ctx={ctx} username={username} rules={rules} errors={errors} />
        <ResetPasskeys ctx={ctx} passkeys={passkeys} />
        <button type="submit">{t('recovery.save')}</button>
      </Form>
      <HelpLinks ctx={ctx} topics={['password-rules']} />
    </Layout>
  );
}

export function ResetDonePage({ ctx }: { ctx: PageContext }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('recovery.doneTitle')}>
      <h1>{t('recovery.doneTitle')}</h1>
      <Notice kind="success">
        <p>{t('recovery.done')}</p>
      </Notice>
      <p>
        <a class="button" href="/sign-in">
          {t('signin.title')}
        </a>
      </p>
    </Layout>
  );
}
