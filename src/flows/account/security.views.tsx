import type { MessageKey } from '../../infra/i18n/i18n.js';
import { CodeInput, ErrorSummary, Form, Input, Notice, type FieldErrors } from '../../infra/web/form.js';
import { Layout } from '../../infra/web/layout.js';
import type { PageContext } from '../../infra/web/page-context.js';
import type { Channel } from '../../identity/channels.js';
import type { ChannelOption } from './security.flow.js';
import { PasskeysSection, type PasskeyView } from './passkeys.views.js';
import { PASSKEY_SCRIPTS } from '../../infra/web/web.plugin.js';
import { SignInHistory, type HistoryView } from './sign-in-history.views.js';

export type Done =
  | 'session-ended'
  | 'session-gone'
  | 'others-ended'
  | 'channel-saved'
  | 'totp-enabled'
  | 'totp-removed'
  | 'passkey-added'
  | 'passkey-renamed'
  | 'passkey-removed'
  | 'passkey-restart';
const DONE_KEYS: Record<Done, MessageKey> = {
  'session-ended': 'security.done.sessionEnded',
  'session-gone': 'security.done.sessionGone',
  'others-ended': 'security.done.othersEnded',
  'channel-saved': 'security.done.channelSaved',
  'totp-enabled': 'security.done.totpEnabled',
  'totp-removed': 'security.done.totpRemoved',
  'passkey-added': 'passkey.done.added',
  'passkey-renamed': 'passkey.done.renamed',
  'passkey-removed': 'passkey.done.removed',
  'passkey-restart': 'passkey.done.restart',
};
export const isDone = (v: unknown): v is Done => typeof v === 'string' && Object.hasOwn(DONE_KEYS, v);

export interface SessionView {
  id: number;
  device: string;
  ip: string | null;
  started: string;
  lastUse: string;
  current: boolean;
}

export interface OverviewView {
  channels: ChannelOption[];
  preferred: Channel | null;
  hasMobile: boolean;
  totpSince: string | null;
  sessions: SessionView[];
  passkeys: PasskeyView[];
  maxPasskeys: number;
  /** R28: the last sign-ins and attempts, newest first, and how many the page lists at most. */
  history?: { entries: HistoryView[]; size: number };
  done?: Done | undefined;
  errors?: FieldErrors;
}

function ChannelLabel({ ctx, option }: { ctx: PageContext; option: ChannelOption }) {
  const { t } = ctx;
  if (option.channel === 'email') return <>{t('security.channel.email', { to: option.masked })}</>;
  if (option.channel === 'sms') return <>{t('security.channel.sms', { to: option.masked })}</>;
  return <>{t('security.channel.totp')}</>;
}

function SessionCard({ ctx, s }: { ctx: PageContext; s: SessionView }) {
  const { t } = ctx;
  const headingId = `session-${s.id}`;
  return (
    <section class="card session" aria-labelledby={headingId}>
      <h3 id={headingId}>
        {s.device}
        {s.current ? (
          <>
            {' '}
            <span class="tag">{t('security.sessions.current')}</span>
          </>
        ) : null}
      </h3>
      <dl class="meta">
        <dt>{t('security.sessions.address')}</dt>
        <dd>{s.ip ?? t('security.sessions.unknownAddress')}</dd>
        <dt>{t('security.sessions.started')}</dt>
        <dd>{s.started}</dd>
        <dt>{t('security.sessions.lastUse')}</dt>
        <dd>{s.lastUse}</dd>
      </dl>
      {s.current ? null : (
        <Form ctx={ctx} action={`/area/security/sessions/${s.id}/end`}>
          <button type="submit" class="button--danger-outline">
            {t('security.sessions.endLabel', { device: s.device })}
          </button>
        </Form>
      )}
    </section>
  );
}

/** R8, R37: "sign out every other device?", naming them, before it is done; Cancel returns to the list. */
export function EndOthersPage({ ctx, others }: { ctx: PageContext; others: SessionView[] }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('security.endOthers.title')}>
      <h1>{t('security.endOthers.title')}</h1>
      <p>
        {others.length === 1
          ? t('security.endOthers.leadOne')
          : t('security.endOthers.leadMany', { count: others.length })}
      </p>
      <ul>
        {others.map((s) => (
          <li>
            <strong>{s.device}</strong> · {t('security.sessions.lastUse')}: {s.lastUse}
            {s.ip ? ` · ${s.ip}` : ''}
          </li>
        ))}
      </ul>
      <p>{t('security.endOthers.after')}</p>
      <Form ctx={ctx} action="/area/security/sessions/end-others" class="actions">
        <input type="hidden" name="confirmed" value="1" />
        <button type="submit" class="button--danger">
          {others.length === 1
            ? t('security.endOthers.confirmOne')
            : t('security.endOthers.confirmMany', { count: others.length })}
        </button>
        <a class="button secondary" href="/area/security#sessions-heading">
          {t('security.endOthers.cancel')}
        </a>
      </Form>
    </Layout>
  );
}

/** R8, R12, R13: password, preferred second-step channel, authenticator app and the account's open sessions. */
export function SecurityPage({ ctx, view }: { ctx: PageContext; view: OverviewView }) {
  const { t } = ctx;
  const errors = view.errors ?? {};
  const checked = view.preferred ?? view.channels[0]?.channel;
  const others = view.sessions.filter((s) => !s.current).length;
  return (
    <Layout ctx={ctx} title={t('security.title')} scripts={PASSKEY_SCRIPTS}>
      <h1>{t('security.title')}</h1>
      {view.done ? (
        <Notice kind={view.done === 'passkey-restart' ? 'info' : 'success'}>{t(DONE_KEYS[view.done])}</Notice>
      ) : null}
      <ErrorSummary
        ctx={ctx}
        errors={errors}
        labels={{
          channel: t('security.channel.legend'),
          current_password: t('security.totp.password'),
          passkey_name: t('passkey.add.name'),
          passkey_password: t('passkey.add.password'),
        }}
      />
      <p>{t('security.intro')}</p>

      <nav aria-label={t('sections.label')} class="section-nav">
        <ul>
          <li>
            <a href="#password-heading">{t('security.password.heading')}</a>
          </li>
          <li>
            <a href="#channel-heading">{t('security.channel.heading')}</a>
          </li>
          <li>
            <a href="#totp-heading">{t('security.totp.heading')}</a>
          </li>
          <li>
            <a href="#passkeys">{t('passkey.heading')}</a>
          </li>
          <li>
            <a href="#sessions-heading">{t('security.sessions.heading')}</a>
          </li>
        </ul>
      </nav>

      <p>
        <a href="/area/security/apps">{t('oidc.apps.link')}</a>
      </p>

      <section class="section" aria-labelledby="password-heading">
        <h2 id="password-heading">{t('security.password.heading')}</h2>
        <p>{t('security.password.body')}</p>
        <p>
          <a href="/area/security/password" class="button button--secondary">
            {t('security.password.link')}
          </a>
        </p>
      </section>

      <section class="section" aria-labelledby="channel-heading">
        <h2 id="channel-heading">{t('security.channel.heading')}</h2>
        <p>{t('security.channel.body')}</p>
        <Form ctx={ctx} action="/area/security/channel" class="stack">
          <fieldset {...(errors.channel ? { 'aria-describedby': 'channel-error' } : {})}>
            <legend>{t('security.channel.legend')}</legend>
            {errors.channel ? (
              <p class="field-error" id="channel-error">
                {t('field.channel_unavailable')}
              </p>
            ) : null}
            {view.channels.map((o, i) => {
              // The first radio carries the group's id, so the error summary's link lands in the group.
              const id = i === 0 ? 'channel' : `channel-${o.channel}`;
              return (
                <div class="choice">
                  <input type="radio" id={id} name="channel" value={o.channel} checked={o.channel === checked} />
                  <label for={id}>
                    <ChannelLabel ctx={ctx} option={o} />
                  </label>
                </div>
              );
            })}
            {view.hasMobile ? null : <p class="hint">{t('security.channel.noMobile')}</p>}
          </fieldset>
          <button type="submit">{t('security.channel.save')}</button>
        </Form>
      </section>

      <section class="section" aria-labelledby="totp-heading">
        <h2 id="totp-heading">{t('security.totp.heading')}</h2>
        {view.totpSince ? (
          <>
            <p>{t('security.totp.on', { date: view.totpSince })}</p>
            <Form ctx={ctx} action="/area/security/totp/remove" class="stack">
              <fieldset>
                <legend>{t('security.totp.removeLegend')}</legend>
                <Input
                  ctx={ctx}
                  name="current_password"
                  type="password"
                  label={t('security.totp.password')}
                  hint={t('security.totp.removeHint')}
                  value=""
                  error={errors.current_password}
                  autocomplete="current-password"
                  maxLength={64}
                  required
                />
              </fieldset>
              <button type="submit" class="button--danger">
                {t('security.totp.remove')}
              </button>
            </Form>
          </>
        ) : (
          <>
            <p>{t('security.totp.off')}</p>
            <p>
              <a class="button secondary" href="/area/security/totp">
                {t('security.totp.setUp')}
              </a>
            </p>
          </>
        )}
      </section>

      <PasskeysSection ctx={ctx} passkeys={view.passkeys} errors={errors} max={view.maxPasskeys} />

      <section class="section" aria-labelledby="sessions-heading">
        <h2 id="sessions-heading">{t('security.sessions.heading')}</h2>
        <p>{t('security.sessions.body')}</p>
        <div class="cards">
          {view.sessions.map((s) => (
            <SessionCard ctx={ctx} s={s} />
          ))}
        </div>
        {others > 0 ? (
          <Form ctx={ctx} action="/area/security/sessions/end-others" class="secondary-actions">
            <button type="submit" class="button--danger">
              {t('security.sessions.endOthers')}
            </button>
          </Form>
        ) : (
          <p>{t('security.sessions.onlyThis')}</p>
        )}
      </section>

      {view.history ? <SignInHistory ctx={ctx} entries={view.history.entries} size={view.history.size} /> : null}
      {/* R36: who looked at the member's data, the copy of it and closing the account live on their own page. */}
      <p>
        <a href="/area/data">{t('data.link')}</a>
      </p>
    </Layout>
  );
}

export function ForbiddenSessionPage({ ctx }: { ctx: PageContext }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('security.forbidden.title')}>
      <h1>{t('security.forbidden.title')}</h1>
      <p>{t('security.forbidden.body')}</p>
      <p>
        <a href="/area/security">{t('security.back')}</a>
      </p>
    </Layout>
  );
}

export interface EnrolView {
  qr: string;
  secret: string;
  notice?: 'restart' | 'tooMany' | undefined;
  errors?: FieldErrors;
}

/** Enrolment of an authenticator app: the QR (an image rendered on the server: no script), the key, one code. */
export function EnrolPage({ ctx, view }: { ctx: PageContext; view: EnrolView }) {
  const { t } = ctx;
  const errors = view.errors ?? {};
  return (
    <Layout ctx={ctx} title={t('security.enrol.title')}>
      <h1>{t('security.enrol.title')}</h1>
      {view.notice ? (
        <Notice kind="info">
          {t(view.notice === 'restart' ? 'security.enrol.restart' : 'security.enrol.tooMany')}
        </Notice>
      ) : null}
      <ErrorSummary
        ctx={ctx}
        errors={errors}
        labels={{ code: t('security.enrol.code'), current_password: t('security.totp.password') }}
      />
      <ol>
        <li>
          <p>{t('security.enrol.step1')}</p>
        </li>
        <li>
          <p>{t('security.enrol.step2')}</p>
          <p>
            <img src={view.qr} alt={t('security.enrol.qrAlt', { brand: ctx.brand.name })} width={220} height={220} />
          </p>
          <p>{t('security.enrol.manual')}</p>
          <p>
            <code>{view.secret.match(/.{1,4}/g)?.join(' ')}</code>
          </p>
          <p class="hint">{t('security.enrol.manualHint')}</p>
        </li>
        <li>
          <p>{t('security.enrol.step3')}</p>
        </li>
      </ol>
      <Form ctx={ctx} action="/area/security/totp" class="stack">
        <CodeInput ctx={ctx} label={t('security.enrol.code')} hint={t('security.enrol.codeHint')} error={errors.code} />
        <Input
          ctx={ctx}
          name="current_password"
          type="password"
          label={t('security.totp.password')}
          hint={t('security.enrol.passwordHint')}
          value=""
          error={errors.current_password}
          autocomplete="current-password"
          maxLength={64}
          required
        />
        <button type="submit">{t('security.enrol.confirm')}</button>
      </Form>
      <p>
        <a href="/area/security">{t('security.enrol.cancel')}</a>
      </p>
    </Layout>
  );
}
