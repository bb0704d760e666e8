import { Form } from '../../infra/web/form.js';
import { Layout } from '../../infra/web/layout.js';
import { MessagePage } from '../../infra/web/message-page.js';
import type { PageContext } from '../../infra/web/page-context.js';
import { ContactText } from '../../infra/web/contact-links.js';

/**
 * R28: the new-device email's link opens this; nothing happens until the member presses the button (mail scanners fetch
 * links).
 */
export function NotMeConfirmPage({ ctx, action }: { ctx: PageContext; action: string }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('notMe.confirm.title')}>
      <h1>{t('notMe.confirm.title')}</h1>
      <p class="lead">{t('notMe.confirm.body')}</p>
      <Form ctx={ctx} action={action}>
        <button type="submit">{t('notMe.confirm.button')}</button>
      </Form>
      <p>{t('notMe.confirm.ifYou')}</p>
    </Layout>
  );
}

/** R28: what "this wasn't me" did, and what the member should do next. */
export function NotMeDonePage({ ctx }: { ctx: PageContext }) {
  const { t, brand } = ctx;
  return (
    <Layout ctx={ctx} title={t('notMe.done.title')}>
      <h1>{t('notMe.done.title')}</h1>
      <p class="lead">{t('notMe.done.body')}</p>
      <h2>{t('notMe.done.nextHeading')}</h2>
      <ol>
        <li>{t('notMe.done.email')}</li>
        <li>{t('notMe.done.elsewhere')}</li>
        <li>{t('notMe.done.channels')}</li>
      </ol>
      <p>
        <ContactText t={t} k="notMe.done.support" email={brand.supportEmail} />
        {brand.supportPhone ? (
          <>
            {' '}
            <ContactText t={t} k="notMe.done.phone" phone={brand.supportPhone} />
          </>
        ) : null}
      </p>
      <p>
        <a class="button" href="/sign-in">
          {t('notMe.done.signIn')}
        </a>
      </p>
    </Layout>
  );
}

/** R28: an expired, used or unknown "this wasn't me" link (410). */
export function NotMeInvalidPage({ ctx }: { ctx: PageContext }) {
  const { t } = ctx;
  return (
    <MessagePage
      ctx={ctx}
      title={t('notMe.invalid.title')}
      body={t('notMe.invalid.body')}
      action={{ href: '/recovery', label: t('notMe.invalid.action') }}
    />
  );
}
