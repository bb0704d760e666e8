import { ErrorSummary, Input, type FieldErrors } from '../../infra/web/form.js';
import type { PageContext } from '../../infra/web/page-context.js';
import { BackofficeLayout } from './backoffice-layout.js';
import type { AuditQuery, AuditRow } from './audit-log.repository.js';
import type { StaffPrincipal } from './staff-session.js';
import { utc } from './staff-admin.views.js';

/** The query string of the current filters, for the export and the next-page links. */
export function auditHref(base: string, query: AuditQuery, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...query, ...extra })) if (v) params.set(k, v);
  const s = params.toString();
  return s ? `${base}?${s}` : base;
}

/** R22, R23: the whole audit log for administrators, filtered, newest first, a page at a time, with a CSV export. */
export function AuditLogPage({
  ctx,
  staff,
  query,
  errors,
  rows,
  next,
  paged,
}: {
  ctx: PageContext;
  staff: StaffPrincipal;
  query: AuditQuery;
  errors: FieldErrors;
  rows: AuditRow[];
  next?: string | undefined;
  paged: boolean;
}) {
  const { t } = ctx;
  const labels = {
    from: t('bo.audit.from'),
    to: t('bo.audit.to'),
    actor: t('bo.audit.actor'),
    subject: t('bo.audit.subject'),
    event: t('bo.audit.event'),
  };
  const valid = Object.keys(errors).length === 0;
  return (
    <BackofficeLayout ctx={ctx} staff={staff} title={t('bo.audit.title')}>
      <h1>{t('bo.audit.title')}</h1>
      <p>{t('bo.audit.intro')}</p>
      <ErrorSummary ctx={ctx} errors={errors} labels={labels} />
      {/* A search form: GET, so a filtered view is a link an administrator can keep; it changes nothing. */}
      <form method="get" action="/backoffice/audit" class="bo-filters" noValidate>
        <fieldset>
          <legend>{t('bo.audit.filters')}</legend>
          <div class="bo-filter-grid">
            <Input
              ctx={ctx}
              name="from"
              label={labels.from}
              hint={t('bo.audit.timeHint')}
              value={query.from}
              error={errors.from}
              maxLength={16}
              spellcheck={false}
            />
            <Input
              ctx={ctx}
              name="to"
              label={labels.to}
              hint={t('bo.audit.timeHint')}
              value={query.to}
              error={errors.to}
              maxLength={16}
              spellcheck={false}
            />
            <Input
              ctx={ctx}
              name="actor"
              label={labels.actor}
              hint={t('bo.audit.actorHint')}
              value={query.actor}
              error={errors.actor}
              maxLength={200}
              spellcheck={false}
            />
            <Input
              ctx={ctx}
              name="subject"
              label={labels.subject}
              hint={t('bo.audit.subjectHint')}
              value={query.subject}
              error={errors.subject}
              maxLength={200}
              spellcheck={false}
            />
            <Input
              ctx={ctx}
              name="event"
              label={labels.event}
              hint={t('bo.audit.eventHint')}
              value={query.event}
              error={errors.event}
              maxLength={200}
              spellcheck={false}
            />
          </div>
          <div class="actions">
            <button type="submit">{t('bo.audit.apply')}</button>
            <a class="button secondary" href="/backoffice/audit">
              {t('bo.audit.clear')}
            </a>
          </div>
        </fieldset>
      </form>
      {valid ? (
        <p>
          <a href={auditHref('/backoffice/audit.csv', query)} download>
            {t('bo.audit.export')}
          </a>
        </p>
      ) : null}
      {rows.length === 0 ? (
        <p data-empty="1">{t('bo.audit.empty')}</p>
      ) : (
        <div class="bo-table" role="region" aria-labelledby="audit-caption" tabIndex={0}>
          <table>
            <caption id="audit-caption">{paged ? t('bo.audit.captionOlder') : t('bo.audit.caption')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('bo.audit.col.time')}</th>
                <th scope="col">{t('bo.audit.col.event')}</th>
                <th scope="col">{t('bo.audit.col.outcome')}</th>
                <th scope="col">{t('bo.audit.col.actor')}</th>
                <th scope="col">{t('bo.audit.col.subject')}</th>
                <th scope="col">{t('bo.audit.col.client')}</th>
                <th scope="col">{t('bo.audit.col.details')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr data-event-id={String(r.id)}>
                  <td class="nowrap">{utc(r.occurred_at)}</td>
                  <td>
                    <code>{r.event}</code>
                  </td>
                  <td>{r.outcome}</td>
                  <td>{r.actor ?? '—'}</td>
                  <td>{r.subject ?? (r.account_id !== null ? `#${r.account_id}` : '—')}</td>
                  <td>{r.ip ?? '—'}</td>
                  <td class="bo-details">{r.details ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav aria-label={t('bo.audit.pages')} class="secondary-actions">
        {paged ? <a href={auditHref('/backoffice/audit', query)}>{t('bo.audit.newest')}</a> : null}
        {next ? (
          <a href={auditHref('/backoffice/audit', query, { before: next })} rel="next">
            {t('bo.audit.older')}
          </a>
        ) : null}
      </nav>
    </BackofficeLayout>
  );
}
