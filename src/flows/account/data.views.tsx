import type { MessageKey } from '../../infra/i18n/i18n.js';
import { Layout } from '../../infra/web/layout.js';
import type { PageContext } from '../../infra/web/page-context.js';
import type { DataAccessView } from './data-accesses.js';

export interface DataPageView {
  /** Whose accesses are listed (the member, or the minor a guardian is acting for, R14). */
  subject: { name: string; self: boolean };
  accesses: (DataAccessView & { when: string })[];
  olderHref?: string | undefined;
  /** The list shows an older page. */
  older: boolean;
}

const WHAT_KEYS: Record<DataAccessView['what'], MessageKey> = {
  record: 'data.access.what.record',
  request: 'data.access.what.request',
  file: 'data.access.what.file',
  document: 'data.access.what.document',
};

/** R36: who opened the member's data, newest first: a list of short cards (a wide table would not fit 320 px). */
function AccessList({ ctx, view }: { ctx: PageContext; view: DataPageView }) {
  const { t } = ctx;
  return (
    <section aria-labelledby="accesses-heading">
      <h2 id="accesses-heading">{t('data.access.heading')}</h2>
      <p>{view.subject.self ? t('data.access.intro') : t('data.access.introMinor', { name: view.subject.name })}</p>
      {view.accesses.length === 0 ? (
        <p>{view.older ? t('data.access.noOlder') : t('data.access.empty')}</p>
      ) : (
        <ol class="cards data-accesses">
          {view.accesses.map((a) => (
            <li class="card data-access" data-access-id={a.id}>
              <h3>
                <time datetime={a.at}>{a.when}</time>
              </h3>
              <dl class="meta">
                <dt>{t('data.access.who')}</dt>
                <dd>
                  {a.who.by === 'api'
                    ? t('data.access.systems')
                    : t('data.access.staff', {
                        role: t(a.who.role === 'admin' ? 'data.access.role.admin' : 'data.access.role.agent'),
                        id: a.who.pseudonym,
                      })}
                </dd>
                <dt>{t('data.access.what')}</dt>
                <dd>
                  {t(WHAT_KEYS[a.what])}
                  {a.ref && a.what === 'request' ? ` ${a.ref}` : ''}
                </dd>
                <dt>{t('data.access.reason')}</dt>
                <dd>{a.who.by === 'api' ? t('data.access.systemsReason') : t(`access.reason.${a.who.reason}`)}</dd>
              </dl>
            </li>
          ))}
        </ol>
      )}
      {view.olderHref ? (
        <p>
          <a href={view.olderHref}>{t('data.access.older')}</a>
        </p>
      ) : null}
    </section>
  );
}

/** R36: /area/data, everything about the member's data in one place. */
export function DataPage({ ctx, view }: { ctx: PageContext; view: DataPageView }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('data.title')}>
      <p>
        <a href="/area">{t('change.back')}</a>
      </p>
      <h1>{t('data.title')}</h1>
      <p>{t('data.intro')}</p>
      <section aria-labelledby="export-heading">
        <h2 id="export-heading">{t('data.export.heading')}</h2>
        <p>{t('data.export.intro')}</p>
        <ul class="links">
          <li>
            <a href="/area/data/export">{t('data.export.page')}</a>
          </li>
          <li>
            <a href="/area/data/export.json" download>
              {t('data.export.json')}
            </a>
          </li>
        </ul>
      </section>
      <AccessList ctx={ctx} view={view} />
      <section aria-labelledby="close-heading">
        <h2 id="close-heading">{t('data.close.heading')}</h2>
        <p>{t('data.close.intro')}</p>
        <p>
          <a href="/area/data/close">{t('data.close.link')}</a>
        </p>
      </section>
    </Layout>
  );
}
