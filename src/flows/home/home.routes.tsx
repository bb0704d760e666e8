import type { FastifyInstance } from 'fastify';
import { Layout } from '../../infra/web/layout.js';
import type { PageContext } from '../../infra/web/page-context.js';
import { sendPage } from '../../infra/web/view.js';
import { ContactText } from '../../infra/web/contact-links.js';

function HomePage({ ctx }: { ctx: PageContext }) {
  const { t, brand } = ctx;
  return (
    <Layout ctx={ctx} title={t('home.title')}>
      <section class="hero">
        <h1>{t('home.title')}</h1>
        <p class="lead">{t('home.lead')}</p>
        <p class="actions">
          <a class="button" href="/sign-in">
            {t('home.signIn')}
          </a>
          <a class="button secondary" href="/register">
            {t('home.register')}
          </a>
        </p>
        <p class="muted">{t('home.registerHint')}</p>
      </section>
      <div class="cards">
        <section class="card">
          <h2>{t('home.whoTitle')}</h2>
          <p>{t('home.whoBody')}</p>
        </section>
        <section class="card">
          <h2>{t('home.twoStepTitle')}</h2>
          <p>{t('home.twoStepBody')}</p>
        </section>
        <section class="card">
          <h2>{t('home.intlTitle')}</h2>
          <p>
            <ContactText t={t} k="home.intlBody" email={brand.internationalContact.email} />
          </p>
          {brand.internationalContact.phone ? (
            <p>
              <ContactText t={t} k="home.intlPhone" phone={brand.internationalContact.phone} />
            </p>
          ) : null}
          {brand.internationalContact.url ? (
            <p>
              <a href={brand.internationalContact.url}>{t('home.intlWeb')}</a>
            </p>
          ) : null}
        </section>
      </div>
    </Layout>
  );
}

export async function homeRoutes(app: FastifyInstance): Promise<void> {
  app.get('/', async (request, reply) => sendPage(reply, <HomePage ctx={request.pageContext()} />));
}
