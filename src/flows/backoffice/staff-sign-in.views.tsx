import { passkeyMessages, PasskeyStatus, ScriptOnly } from '../../identity/passkey-parts.js';
import { PASSKEY_SCRIPTS } from '../../infra/web/web.plugin.js';
import { CodeInput, Form, Input, Notice, type FieldErrors } from '../../infra/web/form.js';
import type { PageContext } from '../../infra/web/page-context.js';
import { BackofficeLayout } from './backoffice-layout.js';

export type StaffSignInNotice =
  'failed' | 'locked' | 'address_limited' | 'disabled' | 'expired' | 'signed_out' | 'restart';

const NOTICES = {
  failed: 'bo.signIn.failed',
  locked: 'bo.signIn.locked',
  address_limited: 'bo.signIn.addressLimited',
  disabled: 'bo.signIn.disabled',
  expired: 'bo.signIn.expired',
  signed_out: 'bo.signIn.signedOut',
  restart: 'bo.signIn.restart',
} as const;

/** R23 first step: the staff username and password. */
export function StaffSignInPage({
  ctx,
  username,
  next,
  notice,
}: {
  ctx: PageContext;
  username?: string;
  next?: string | undefined;
  notice?: StaffSignInNotice | undefined;
}) {
  const { t } = ctx;
  return (
    <BackofficeLayout ctx={ctx} staff={null} title={t('bo.signIn.title')}>
      <h1>{t('bo.signIn.title')}</h1>
      {notice ? (
        <Notice kind={notice === 'signed_out' ? 'success' : notice === 'expired' ? 'info' : 'error'}>
          <p data-notice={notice}>{t(NOTICES[notice])}</p>
        </Notice>
      ) : null}
      <p>{t('bo.signIn.intro')}</p>
      <Form ctx={ctx} action="/backoffice/sign-in" class="stack">
        {next ? <input type="hidden" name="next" value={next} /> : null}
        <Input
          ctx={ctx}
          name="username"
          label={t('bo.signIn.username')}
          value={username}
          autocomplete="username"
          spellcheck={false}
          maxLength={40}
          required
        />
        <Input
          ctx={ctx}
          name="password"
          type="password"
          label={t('bo.signIn.password')}
          value=""
          autocomplete="current-password"
          maxLength={200}
          required
        />
        <button type="submit">{t('bo.signIn.submit')}</button>
      </Form>
    </BackofficeLayout>
  );
}

/** R23 second step: the code from the staff member's authenticator app. */
export function StaffTotpPage({
  ctx,
  errors,
  remaining,
  passkey = false,
  passkeyFailed = false,
}: {
  ctx: PageContext;
  errors?: FieldErrors;
  remaining?: number;
  passkey?: boolean;
  passkeyFailed?: boolean;
}) {
  const { t } = ctx;
  return (
    <BackofficeLayout ctx={ctx} staff={null} title={t('bo.totp.title')} scripts={passkey ? PASSKEY_SCRIPTS : []}>
      <h1>{t('bo.totp.title')}</h1>
      <p>{t('bo.totp.intro')}</p>
      {remaining !== undefined ? (
        <Notice kind="error">
          <p data-notice="wrong">{t('bo.totp.wrong', { remaining })}</p>
        </Notice>
      ) : null}
      <Form ctx={ctx} action="/backoffice/sign-in/verify" class="stack">
        <CodeInput
          ctx={ctx}
          label={t('bo.totp.code')}
          hint={t('bo.totp.codeHint')}
          error={errors?.code}
          maxLength={8}
        />
        <button type="submit">{t('bo.totp.submit')}</button>
      </Form>
      {passkeyFailed ? (
        <Notice kind="error">
          <p data-notice="passkey_failed">{t('passkey.step.failed')}</p>
        </Notice>
      ) : null}
      {passkey ? (
        <ScriptOnly>
          <h2>{t('bo.passkeys.signInHeading')}</h2>
          <Form
            ctx={ctx}
            action="/backoffice/sign-in/verify/passkey"
            class="stack"
            data={{
              passkey: 'authenticate',
              options: '/backoffice/sign-in/verify/passkey/options',
              ...passkeyMessages(ctx),
            }}
          >
            <input type="hidden" name="response" value="" />
            <button type="submit" class="secondary">
              {t('passkey.step.submit')}
            </button>
            <PasskeyStatus />
          </Form>
        </ScriptOnly>
      ) : null}
      <p>
        <a href="/backoffice/sign-in">{t('bo.totp.startOver')}</a>
      </p>
    </BackofficeLayout>
  );
}

/**
 * R23: a staff member without an authenticator app (new, or after an administrator reset it) enrols one before any
 * session exists: a QR code (an SVG image in a data: URL, which the CSP allows), the secret as text for typing in,
 * and a first code to prove the app holds it.
 */
export function StaffEnrolPage({
  ctx,
  qr,
  secret,
  remaining,
}: {
  ctx: PageContext;
  qr: string;
  secret: string;
  remaining?: number;
}) {
  const { t } = ctx;
  // Groups of four, as authenticator apps show and people type them.
  const grouped = secret.replace(/(.{4})/g, '$1 ').trim();
  return (
    <BackofficeLayout ctx={ctx} staff={null} title={t('bo.enrol.title')}>
      <h1>{t('bo.enrol.title')}</h1>
      <p>{t('bo.enrol.intro')}</p>
      {remaining !== undefined ? (
        <Notice kind="error">
          <p data-notice="wrong">{t('bo.totp.wrong', { remaining })}</p>
        </Notice>
      ) : null}
      <ol class="bo-enrol">
        <li>
          <p>{t('bo.enrol.scan')}</p>
          <img src={qr} alt={t('bo.enrol.qrAlt')} width={200} height={200} class="bo-qr" />
        </li>
        <li>
          <p>{t('bo.enrol.orType')}</p>
          <p>
            <code class="bo-secret" data-secret={secret}>
              {grouped}
            </code>
          </p>
        </li>
        <li>
          <Form ctx={ctx} action="/backoffice/sign-in/verify" class="stack">
            <CodeInput ctx={ctx} label={t('bo.enrol.code')} hint={t('bo.totp.codeHint')} maxLength={8} />
            <button type="submit">{t('bo.enrol.submit')}</button>
          </Form>
        </li>
      </ol>
      <p>
        <a href="/backoffice/sign-in">{t('bo.totp.startOver')}</a>
      </p>
    </BackofficeLayout>
  );
}
