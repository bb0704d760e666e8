import { Form, Notice } from '../../infra/web/form.js';
import { Layout } from '../../infra/web/layout.js';
import type { PageContext } from '../../infra/web/page-context.js';
import { PASSKEY_SCRIPTS } from '../../infra/web/web.plugin.js';
import { passkeyMessages, PasskeyStatus, PasskeyUnsupported, ScriptOnly } from '../../identity/passkey-parts.js';
import { SignInFooter, WithMasked, type ChannelOption } from './sign-in.views.js';

// R27: signing in with a passkey as the second step. The form works only through the passkey script, so it is sent as
// a template the script puts in the page; without scripts the page says so and offers the codes instead.

/** The second step with a passkey; the member can still switch to a code. */
export function PasskeyStepPage({
  ctx,
  failed,
  others,
}: {
  ctx: PageContext;
  failed: boolean;
  others: ChannelOption[];
}) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('verify.title')} scripts={PASSKEY_SCRIPTS}>
      <h1>{t('verify.title')}</h1>
      {failed ? (
        <Notice kind="error">
          <p>{t('passkey.step.failed')}</p>
        </Notice>
      ) : null}
      <p>{t('passkey.step.intro')}</p>
      <PasskeyUnsupported ctx={ctx} />
      <ScriptOnly>
        <Form
          ctx={ctx}
          action="/sign-in/verify/passkey"
          class="stack"
          data={{ passkey: 'authenticate', options: '/sign-in/verify/passkey/options', ...passkeyMessages(ctx) }}
        >
          <input type="hidden" name="response" value="" />
          <button type="submit">{t('passkey.step.submit')}</button>
          <PasskeyStatus />
        </Form>
      </ScriptOnly>
      <div class="secondary-actions">
        {others.map((o) => (
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
      </div>
      <SignInFooter ctx={ctx} />
    </Layout>
  );
}
