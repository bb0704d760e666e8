import type { Channel } from '../../identity/channels.js';
import type { FieldError } from '../../domain/result.js';
import { CodeInput, ErrorSummary, Form, Input, Notice, type FieldErrors } from '../../infra/web/form.js';
import { Layout } from '../../infra/web/layout.js';
import type { PageContext } from '../../infra/web/page-context.js';
import type { ChannelOption } from './security.flow.js';

export interface CloseView {
  channels: ChannelOption[];
  channel?: Channel | undefined;
  /** The date, in words, until which customer service could reopen it if closed now. */
  until: string;
  days: number;
  errors?: FieldErrors;
  notice?: 'expired' | 'exhausted' | 'locked' | undefined;
}

const CHANNEL_KEYS = { email: 'close.channel.email', sms: 'close.channel.sms', totp: 'close.channel.totp' } as const;

/** R36: what closing means, then the password and the second step to confirm it (step 1 of 2). */
export function ClosePage({ ctx, view }: { ctx: PageContext; view: CloseView }) {
  const { t } = ctx;
  const errors = view.errors ?? {};
  const checked = view.channel ?? view.channels[0]?.channel;
  return (
    <Layout ctx={ctx} title={t('close.title')}>
      <p>
        <a href="/area/data">{t('close.back')}</a>
      </p>
      <h1>{t('close.title')}</h1>
      {view.notice ? (
        <Notice kind="error">
          <p>{t(`close.notice.${view.notice}`)}</p>
        </Notice>
      ) : null}
      <ErrorSummary ctx={ctx} errors={errors} labels={{ password: t('close.password'), channel: t('close.channel') }} />
      <p>{t('close.intro')}</p>
      <ul>
        <li>{t('close.what.blocked')}</li>
        <li>{t('close.what.sessions')}</li>
        <li>{t('close.what.kept', { days: view.days, until: view.until })}</li>
        <li>{t('close.what.purged')}</li>
        <li>{t('close.what.policies')}</li>
      </ul>
      <p>
        <a href="/area/data/export">{t('close.exportFirst')}</a>
      </p>
      <Form ctx={ctx} action="/area/data/close">
        <Input
          ctx={ctx}
          name="password"
          type="password"
          label={t('close.password')}
          autocomplete="current-password"
          required
          error={errors.password}
        />
        <fieldset id="channel">
          <legend>{t('close.channel')}</legend>
          {view.channels.map((o) => (
            <div class="choice">
              <input
                type="radio"
                id={`channel-${o.channel}`}
                name="channel"
                value={o.channel}
                checked={o.channel === checked}
              />
              <label for={`channel-${o.channel}`}>{t(CHANNEL_KEYS[o.channel], { to: o.masked })}</label>
            </div>
          ))}
        </fieldset>
        <button type="submit" class="danger">
          {t('close.continue')}
        </button>
      </Form>
    </Layout>
  );
}

/** Step 2 of 2: the code; the button closes the account. */
export function CloseCodePage({
  ctx,
  channel,
  masked,
  error,
}: {
  ctx: PageContext;
  channel: Channel;
  masked: string;
  error?: Pick<FieldError, 'code' | 'params'> | undefined;
}) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('close.title')}>
      <h1>{t('close.title')}</h1>
      <ErrorSummary ctx={ctx} errors={error ? { code: error } : {}} labels={{ code: t('close.code') }} />
      <p>{channel === 'totp' ? t('close.codeFromApp') : t('close.codeSent', { to: masked })}</p>
      <Form ctx={ctx} action="/area/data/close/confirm">
        <CodeInput ctx={ctx} label={t('close.code')} error={error} />
        <button type="submit" class="danger">
          {t('close.confirm')}
        </button>{' '}
        <a href="/area/data">{t('close.cancel')}</a>
      </Form>
    </Layout>
  );
}
