import { DOCUMENT_KINDS } from '../../domain/document.js';
import type { DocumentSummary } from '../../infra/documents/documents.repository.js';
import { longDate } from '../../infra/i18n/dates.js';
import type { Lang, Translate } from '../../infra/i18n/i18n.js';
import { Notice } from '../../infra/web/form.js';
import { Layout } from '../../infra/web/layout.js';
import type { PageContext } from '../../infra/web/page-context.js';
import type { VisibleMember } from './member-selector.js';

/** "820 KB", "1,4 MB" / "1.4 MB": rounded up, so a small file never reads as 0 KB. */
export function fileSize(bytes: number, lang: Lang, t: Translate): string {
  const number = new Intl.NumberFormat(lang === 'es' ? 'es-ES' : 'en-GB', { maximumFractionDigits: 1 });
  if (bytes < 1024 * 1024) return t('documents.size.kb', { n: number.format(Math.max(1, Math.ceil(bytes / 1024))) });
  return t('documents.size.mb', { n: number.format(Math.ceil((bytes / 1024 / 1024) * 10) / 10) });
}

export interface DocumentsPageProps {
  ctx: PageContext;
  documents: DocumentSummary[];
  /** The records whose documents are shown: the member's own, or the minor's in the selector (R14). */
  records: VisibleMember[];
  /** Policy numbers by policy id, to say whose a policy's document is. */
  policyNumbers: ReadonlyMap<number, string>;
}

/** R32: the member's documents, grouped by kind, newest first, each a download; and the certificate(s). */
export function DocumentsPage({ ctx, documents, records, policyNumbers }: DocumentsPageProps) {
  const { t, lang } = ctx;
  const minor = records.length === 1 && records[0]!.relation === 'minor' ? records[0] : undefined;
  const groups = DOCUMENT_KINDS.map((kind) => ({ kind, items: documents.filter((d) => d.kind === kind) })).filter(
    (g) => g.items.length > 0,
  );
  const several = records.length > 1;
  return (
    <Layout ctx={ctx} title={t('documents.title')}>
      <h1>{t('documents.title')}</h1>
      {minor ? (
        <Notice kind="info">
          <p>{t('documents.introMinor', { name: `${minor.firstName} ${minor.lastName}` })}</p>
        </Notice>
      ) : null}
      <p>{t('documents.intro')}</p>
      {groups.length === 0 ? <p class="muted">{t('documents.none')}</p> : null}
      {groups.map((group) => (
        <section class="document-group" aria-labelledby={`kind-${group.kind}`}>
          <h2 id={`kind-${group.kind}`}>{t(`documents.kind.${group.kind}`)}</h2>
          <ul class="documents">
            {group.items.map((d) => {
              const title = lang === 'es' ? d.titleEs : d.titleEn;
              const size = fileSize(d.size, lang, t);
              const policy = d.policyId === null ? undefined : policyNumbers.get(d.policyId);
              return (
                <li class="document">
                  <a href={`/area/documents/${d.id}`} download aria-label={t('documents.downloadOf', { title, size })}>
                    {title}
                  </a>
                  <span class="document-meta">
                    <span>
                      {t('documents.date')}: <time datetime={d.date}>{longDate(d.date, lang)}</time>
                    </span>
                    <span>
                      {t('documents.size')}: PDF, {size}
                    </span>
                    {several && policy ? <span>{t('documents.forPolicy', { policy })}</span> : null}
                  </span>
                </li>
              );
            })}
          </ul>
        </section>
      ))}
      <section class="document-group" aria-labelledby="certificate">
        <h2 id="certificate">{t('documents.certificate.heading')}</h2>
        <p>{t('documents.certificate.body')}</p>
        <ul class="links">
          {records.length === 1 ? (
            <li>
              <a href={`/area/certificate?member=${encodeURIComponent(records[0]!.memberNumber)}`}>
                {t('certificate.link')}
              </a>
            </li>
          ) : (
            records.map((r) => (
              <li>
                <a href={`/area/certificate?member=${encodeURIComponent(r.memberNumber)}`}>
                  {t('documents.certificate.forPolicy', { policy: r.policyNumber, product: r.product })}
                </a>
              </li>
            ))
          )}
        </ul>
      </section>
      <p>
        <a href="/area">{t('change.back')}</a>
      </p>
    </Layout>
  );
}
