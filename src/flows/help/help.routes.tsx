import type { FastifyInstance } from 'fastify';
import type { MessageKey } from '../../infra/i18n/i18n.js';
import { Layout } from '../../infra/web/layout.js';
import type { PageContext } from '../../infra/web/page-context.js';
import { sendPage } from '../../infra/web/view.js';

const PAGES: Record<string, { title: MessageKey; items: MessageKey[] }> = {
  'no-email': { title: 'help.noEmail.title', items: ['help.noEmail.1', 'help.noEmail.2', 'help.noEmail.3', 'help.noEmail.4'] },
  'no-sms': { title: 'help.noSms.title', items: ['help.noSms.1', 'help.noSms.2', 'help.noSms.3', 'help.noSms.4'] },
  expired: { title: 'help.expired.title', items: ['help.expired.1', 'help.expired.2', 'help.expired.3'] },
};

/** R7 help pages (and R18: the support contact on each). */
function HelpPage({ ctx, page }: { ctx: PageContext; page: { title: MessageKey; items: MessageKey[] } }) {
  const { t, brand } = ctx;
  return (
    <Layout ctx={ctx} title={t(page.title)}>
      <h1>{t(page.title)}</h1>
      <ul class="help-list">
        {page.items.map((k) => (
          <li>{t(k)}</li>
        ))}
      </ul>
      <p>{t('help.contact', { email: brand.supportEmail })}</p>
      {/* Back to where the member was: a sign-in under way shows its code page again (the help here is about asking
          for another code or switching channel there); without one, /sign-in/verify sends them to the sign-in page. */}
      <p>
        <a href="/sign-in/verify">{t('signin.title')}</a>
      </p>
    </Layout>
  );
}

export async function helpRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Params: { topic: string } }>('/help/:topic', async (request, reply) => {
    // Own keys only: "/help/__proto__" or "/help/toString" must not find Object.prototype's members (issue 9).
    const topic = request.params.topic;
    const page = Object.hasOwn(PAGES, topic) ? PAGES[topic] : undefined;
    if (!page) return reply.callNotFound();
    return sendPage(reply, <HelpPage ctx={request.pageContext()} page={page} />);
  });
}
