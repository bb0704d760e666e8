import { CaptchaField, CAPTCHA_SCRIPTS } from '../../infra/captcha/captcha-field.js';
import { CodeInput, ErrorSummary, Form, Input, Notice, type FieldErrors } from '../../infra/web/form.js';
import { Layout } from '../../infra/web/layout.js';
import { MessagePage } from '../../infra/web/message-page.js';
import type { PageContext } from '../../infra/web/page-context.js';
import type { Channel } from './second-factor/second-factor.js';
import { HelpLinks } from '../../infra/web/help-links.js';
import { passkeyMessages, PasskeyStatus, ScriptOnly } from '../../identity/passkey-parts.js';
import { PASSKEY_SCRIPTS } from '../../infra/web/web.plugin.js';
import { ContactText } from '../../infra/web/contact-links.js';

export type SignInNotice =
  | 'passkey_failed'
  | 'passkey_unknown'
  | 'passkey_expired'
  | 'failed'
  | 'locked'
  | 'address_limited'
  | 'disabled'
  | 'closed'
  | 'account_closed'
  | 'expired_session'
  | 'reauthenticate'
  | 'restart'
  | 'signed_out'
  | 'flow_expired'
  | 'captcha';

export interface SignInView {
  username?: string;
  next?: string | undefined;
  notice?: SignInNotice | undefined;
  captcha?: boolean;
  errors?: FieldErrors;
}

const NOTICE_KEYS = {
  failed: 'signin.failed',
  locked: 'signin.locked',
  address_limited: 'signin.addressLimited',
  disabled: 'signin.disabled',
  closed: 'signin.closed',
  account_closed: 'signin.accountClosed',
  expired_session: 'signin.sessionExpired',
  reauthenticate: 'signin.reauthenticate',
  restart: 'signin.restart',
  signed_out: 'signin.signedOut',
  flow_expired: 'signin.flowExpired',
  captcha: 'signin.captchaNeeded',
  passkey_failed: 'passkey.signIn.failed',
  passkey_unknown: 'passkey.signIn.unknown',
  passkey_expired: 'passkey.signIn.expired',
} as const;

/** R7 first step: identity document and password; password managers see a username and a current-password field. */
export function SignInPage({ ctx, view }: { ctx: PageContext; view: SignInView }) {
  const { t, brand } = ctx;
  const errors = view.errors ?? {};
  const notice = view.notice;
  const kind =
    notice === 'signed_out' || notice === 'account_closed'
      ? 'success'
      : notice === 'expired_session' || notice === 'reauthenticate'
        ? 'info'
        : 'error';
  return (
    <Layout
      ctx={ctx}
      title={t('signin.title')}
      scripts={[...(view.captcha ? CAPTCHA_SCRIPTS : []), ...PASSKEY_SCRIPTS]}
    >
      <h1>{t('signin.title')}</h1>
      {notice ? (
        <Notice kind={kind}>
          <p data-notice={notice}>
            <ContactText t={t} k={NOTICE_KEYS[notice]} email={brand.supportEmail} />
          </p>
          {notice === 'locked' || notice === 'failed' ? (
            <p>
              <a href="/recovery">{t('register.forgot')}</a>
            </p>
          ) : null}
        </Notice>
      ) : null}
      <ErrorSummary
        ctx={ctx}
        errors={errors}
        labels={{ username: t('signin.username'), password: t('signin.password'), altcha: t('captcha.label') }}
      />
      <Form ctx={ctx} action="/sign-in" class="stack">
        {view.next ? <input type="hidden" name="next" value={view.next} /> : null}
        <Input
          ctx={ctx}
          name="username"
          label={t('signin.username')}
          hint={t('signin.usernameHint')}
          value={view.username}
          error={errors.username}
          autocomplete="username"
          spellcheck={false}
          maxLength={40}
          required
        />
        <Input
          ctx={ctx}
          name="password"
          type="password"
          label={t('signin.password')}
          value=""
          error={errors.password}
          autocomplete="current-password"
          maxLength={64}
          required
        />
        {view.captcha ? <CaptchaField ctx={ctx} error={errors.altcha} /> : null}
        <button type="submit">{t('signin.submit')}</button>
      </Form>
      <p>
        <a href="/recovery">{t('register.forgot')}</a>
      </p>
      <PasskeySignIn ctx={ctx} next={view.next} />
      <p>
        {t('signin.noAccount')} <a href="/register">{t('home.register')}</a>
      </p>
      <Notice kind="info" title={t('home.intlTitle')}>
        <p>
          <ContactText t={t} k="home.intlBody" email={brand.internationalContact.email} />
        </p>
      </Notice>
      <HelpLinks ctx={ctx} topics={['two-step', 'former-member', 'forgot-password']} />
    </Layout>
  );
}

/** The sign-in page's "Sign in with a passkey", put in the page by the passkey script where it can work. */
export function PasskeySignIn({ ctx, next }: { ctx: PageContext; next?: string | undefined }) {
  const { t } = ctx;
  return (
    <ScriptOnly>
      <section class="passkey-sign-in" aria-labelledby="passkey-sign-in">
        <h2 id="passkey-sign-in">{t('passkey.signIn.heading')}</h2>
        <p>{t('passkey.signIn.body')}</p>
        <Form
          ctx={ctx}
          action="/sign-in/passkey"
          data={{ passkey: 'authenticate', options: '/sign-in/passkey/options', ...passkeyMessages(ctx) }}
        >
          {next ? <input type="hidden" name="next" value={next} /> : null}
          <input type="hidden" name="response" value="" />
          <button type="submit" class="secondary">
            {t('passkey.signIn.submit')}
          </button>
          <PasskeyStatus />
        </Form>
      </section>
    </ScriptOnly>
  );
}

/**
 * A sentence with a masked destination in it, the masked part kept on one line: a masked mobile ("•••• ••• 789")
 * has spaces, and at 360 px it would otherwise break inside the number (R21).
 */
export function WithMasked({ text, masked }: { text: string; masked: string }) {
  const at = masked.includes(' ') ? text.indexOf(masked) : -1;
  if (at < 0) return <>{text}</>;
  return (
    <>
      {text.slice(0, at)}
      <span class="nowrap">{masked}</span>
      {text.slice(at + masked.length)}
    </>
  );
}

export interface ChannelOption {
  channel: Channel | 'passkey';
  masked: string;
}

/** R7 second step, part one: the member picks email or SMS among the channels the account has, shown masked. */
export function ChooseChannelPage({
  ctx,
  options,
  preferred,
  notice,
  waitMinutes,
}: {
  ctx: PageContext;
  options: ChannelOption[];
  preferred: Channel | null;
  notice?: 'send_limit' | HourlyLimit;
  /** With an hourly limit: the minutes until codes can be sent again. */
  waitMinutes?: number;
}) {
  const { t } = ctx;
  const passkey = options.some((o) => o.channel === 'passkey');
  return (
    <Layout ctx={ctx} title={t('verify.title')} scripts={passkey ? PASSKEY_SCRIPTS : []}>
      <h1>{t('verify.title')}</h1>
      {notice === 'send_limit' ? <Notice kind="error">{t('verify.sendLimit')}</Notice> : null}
      {notice === 'account_limit' || notice === 'address_limit' ? (
        <HourlyLimitNotice ctx={ctx} limit={notice} waitMinutes={waitMinutes ?? 60} others={options.length > 0} />
      ) : null}
      {options.length === 0 ? (
        <p>
          <a href="/sign-in">{t('verify.startAgain')}</a>
        </p>
      ) : (
        <ChannelForm ctx={ctx} options={options} preferred={preferred} />
      )}
      <SignInFooter ctx={ctx} />
    </Layout>
  );
}

/**
 * Issue 25: the hour's codes for the account (or the address) are used up. Says so, how long to wait, and, where the
 * member has an authenticator app or a passkey (which send nothing), that they still work.
 */
function HourlyLimitNotice({
  ctx,
  limit,
  waitMinutes,
  others,
}: {
  ctx: PageContext;
  limit: HourlyLimit;
  waitMinutes: number;
  others: boolean;
}) {
  const { t } = ctx;
  return (
    <Notice kind="error">
      <p>{t(limit === 'account_limit' ? 'verify.hourlyLimit' : 'verify.addressLimit', { count: waitMinutes })}</p>
      {others ? <p>{t('verify.hourlyLimitOthers')}</p> : null}
    </Notice>
  );
}

function ChannelForm({
  ctx,
  options,
  preferred,
}: {
  ctx: PageContext;
  options: ChannelOption[];
  preferred: Channel | null;
}) {
  const { t } = ctx;
  // Only an app or a passkey left (the hour's codes are used up): nothing will be sent, so the page does not say so.
  const sendsNothing = options.every((o) => o.channel === 'totp' || o.channel === 'passkey');
  const codes = options.filter((o) => o.channel !== 'passkey');
  const passkey = options.some((o) => o.channel === 'passkey');
  return (
    <>
      <p>{t(sendsNothing ? 'verify.chooseIntroNoSend' : 'verify.chooseIntro')}</p>
      <Form ctx={ctx} action="/sign-in/verify/send" class="stack">
        <fieldset>
          <legend>{t(sendsNothing ? 'verify.chooseLegendNoSend' : 'verify.chooseLegend')}</legend>
          {codes.map((o, i) => (
            <div class="choice">
              <input
                type="radio"
                id={`channel-${o.channel}`}
                name="channel"
                value={o.channel}
                checked={preferred ? o.channel === preferred : i === 0}
              />
              <label for={`channel-${o.channel}`}>
                {o.channel === 'email' ? (
                  t('verify.byEmail', { to: o.masked })
                ) : o.channel === 'sms' ? (
                  <WithMasked text={t('verify.bySms', { to: o.masked })} masked={o.masked} />
                ) : (
                  t('verify.byTotp')
                )}
              </label>
            </div>
          ))}
          {/* R27: the passkey needs the passkey script; a browser without scripts (lynx) is not offered it. */}
          {passkey ? (
            <ScriptOnly>
              <div class="choice">
                <input type="radio" id="channel-passkey" name="channel" value="passkey" />
                <label for="channel-passkey">{t('verify.byPasskey')}</label>
              </div>
            </ScriptOnly>
          ) : null}
        </fieldset>
        <button type="submit">{t(sendsNothing ? 'verify.continue' : 'verify.send')}</button>
      </Form>
    </>
  );
}

/** R9's hourly limits on sending codes: the account's (10), or the client address's (30). */
export type HourlyLimit = 'account_limit' | 'address_limit';
export type CodeNotice = 'sent' | 'wrong' | 'expired' | 'resend_wait' | 'send_limit' | HourlyLimit;

/** R7 second step, part two: the code field (paste and one-time-code autofill work), resend and switch channel. */
export function EnterCodePage({
  ctx,
  channel,
  masked,
  notice,
  remaining,
  waitMinutes,
  others,
}: {
  ctx: PageContext;
  channel: Channel;
  masked: string;
  notice?: CodeNotice | undefined;
  remaining?: number;
  waitMinutes?: number | undefined;
  others: ChannelOption[];
}) {
  const { t } = ctx;
  const errors: FieldErrors =
    notice === 'wrong'
      ? { code: { code: 'code_wrong', params: { remaining: remaining ?? 0 } } }
      : notice === 'expired'
        ? { code: { code: 'code_expired' } }
        : {};
  const passkey = others.some((o) => o.channel === 'passkey');
  return (
    <Layout ctx={ctx} title={t('verify.title')} scripts={passkey ? PASSKEY_SCRIPTS : []}>
      <h1>{t('verify.title')}</h1>
      {notice === 'sent' && channel !== 'totp' ? (
        <Notice kind="success">
          {channel === 'email' ? (
            t('verify.sentEmail', { to: masked })
          ) : (
            <WithMasked text={t('verify.sentSms', { to: masked })} masked={masked} />
          )}
        </Notice>
      ) : null}
      {notice === 'resend_wait' ? <Notice kind="info">{t('verify.resendWait')}</Notice> : null}
      {notice === 'send_limit' ? <Notice kind="error">{t('verify.sendLimit')}</Notice> : null}
      {notice === 'account_limit' || notice === 'address_limit' ? (
        <HourlyLimitNotice
          ctx={ctx}
          limit={notice}
          waitMinutes={waitMinutes ?? 60}
          others={others.some((o) => o.channel === 'totp' || o.channel === 'passkey')}
        />
      ) : null}
      <ErrorSummary ctx={ctx} errors={errors} labels={{ code: t('verify.code') }} />
      <p>
        {channel === 'email' ? (
          t('verify.codeIntroEmail', { to: masked })
        ) : channel === 'sms' ? (
          <WithMasked text={t('verify.codeIntroSms', { to: masked })} masked={masked} />
        ) : (
          t('verify.codeIntroTotp')
        )}
      </p>
      <Form ctx={ctx} action="/sign-in/verify/code" class="stack">
        <CodeInput ctx={ctx} label={t('verify.code')} hint={t('verify.codeHint')} error={errors.code} />
        <button type="submit">{t('verify.confirm')}</button>
      </Form>
      <div class="secondary-actions">
        {channel !== 'totp' ? (
          <Form ctx={ctx} action="/sign-in/verify/send">
            <input type="hidden" name="channel" value={channel} />
            <button type="submit" class="secondary">
              {t('verify.resend')}
            </button>
          </Form>
        ) : null}
        {others
          .filter((o) => o.channel !== 'passkey')
          .map((o) => (
            <Form ctx={ctx} action="/sign-in/verify/send">
              <input type="hidden" name="channel" value={o.channel} />
              <button type="submit" class="secondary">
                {o.channel === 'email' ? (
                  t('verify.switchEmail', { to: o.masked })
                ) : o.channel === 'sms' ? (
                  <WithMasked text={t('verify.switchSms', { to: o.masked })} masked={o.masked} />
                ) : (
                  t('verify.switchTotp')
                )}
              </button>
            </Form>
          ))}
        {/* R27: offered only where the passkey script runs (a text browser never sees it). */}
        {passkey ? (
          <ScriptOnly>
            <Form ctx={ctx} action="/sign-in/verify/send">
              <input type="hidden" name="channel" value="passkey" />
              <button type="submit" class="secondary">
                {t('verify.switchPasskey')}
              </button>
            </Form>
          </ScriptOnly>
        ) : null}
      </div>
      <SignInFooter ctx={ctx} />
    </Layout>
  );
}

export function SignInFooter({ ctx }: { ctx: PageContext }) {
  const { t } = ctx;
  return (
    <nav aria-label={t('help.title')} class="help-links">
      <ul>
        <li>
          <a href="/help/no-email">{t('help.noEmail.title')}</a>
        </li>
        <li>
          <a href="/help/no-sms">{t('help.noSms.title')}</a>
        </li>
        <li>
          <a href="/help/expired">{t('help.expired.title')}</a>
        </li>
      </ul>
    </nav>
  );
}

/** The emailed link was opened in a browser other than the one that started the sign-in. */
export function OtherBrowserPage({ ctx }: { ctx: PageContext }) {
  const { t } = ctx;
  return (
    <MessagePage
      ctx={ctx}
      title={t('verify.otherBrowser.title')}
      body={t('verify.otherBrowser.body')}
      action={{ href: '/sign-in', label: t('signin.title') }}
    />
  );
}

export function LinkExpiredPage({ ctx }: { ctx: PageContext }) {
  const { t } = ctx;
  return (
    <MessagePage
      ctx={ctx}
      title={t('help.expired.title')}
      body={t('verify.linkExpired')}
      action={{ href: '/sign-in', label: t('signin.title') }}
    />
  );
}
