import type { FieldError } from '../../domain/result.js';
import type { ProviderHit, ProviderPage } from '../../infra/directory/providers.repository.js';
import type { MessageKey } from '../../infra/i18n/i18n.js';
import { byField, ErrorSummary, Input, Notice, Select } from '../../infra/web/form.js';
import { Layout } from '../../infra/web/layout.js';
import type { PageContext } from '../../infra/web/page-context.js';
import { MAX_PAGE, PAGE_SIZE, pageHref, type DirectoryQuery } from './directory.query.js';

export interface DirectoryView {
  path: string;
  query: DirectoryQuery;
  errors: FieldError[];
  specialties: string[];
  result?: ProviderPage;
  /** The area's version: the member's products (empty: none in force). */
  products?: string[];
  nearUnknown?: boolean;
  sortedFrom?: string;
}

/** An OpenStreetMap link to the provider's point: a plain link, no map script on our pages. */
const mapHref = (h: ProviderHit) =>
  `https://www.openstreetmap.org/?mlat=${h.latitude}&mlon=${h.longitude}#map=17/${h.latitude}/${h.longitude}`;

function Hit({ ctx, hit }: { ctx: PageContext; hit: ProviderHit }) {
  const { t, lang } = ctx;
  const languageName = new Intl.DisplayNames([lang], { type: 'language' });
  const km =
    hit.distanceKm == null ? null : new Intl.NumberFormat(lang, { maximumFractionDigits: 1 }).format(hit.distanceKm);
  return (
    <li class="card provider">
      <h3>{hit.name}</h3>
      <p class="muted">
        {t(`directory.kind.${hit.kind}` as MessageKey)}
        {hit.specialties.length ? ` · ${hit.specialties.join(', ')}` : ''}
        {km ? ` · ${t('directory.distance', { km })}` : ''}
      </p>
      <p>
        {hit.addressLine}, {hit.postalCode} {hit.city} ({hit.province})
      </p>
      <p>
        {t('directory.phone')}: <a href={`tel:${hit.phone}`}>{hit.phone}</a>
      </p>
      {hit.languages.length ? (
        <p>
          {t('directory.languages')}: {hit.languages.map((l) => languageName.of(l) ?? l).join(', ')}
        </p>
      ) : null}
      <p>
        <a href={mapHref(hit)}>
          {t('directory.map')}
          <span class="visually-hidden"> · {hit.name} (OpenStreetMap)</span>
        </a>
      </p>
    </li>
  );
}

function Results({ ctx, view, result }: { ctx: PageContext; view: DirectoryView; result: ProviderPage }) {
  const { t } = ctx;
  if (result.total === 0) return <p role="status">{t('directory.none')}</p>;
  const page = view.query.page;
  // Past the counted matches (a distance search counts up to a cap) the pages go on while they are full.
  const pages = result.more
    ? Math.min(MAX_PAGE, result.hits.length === PAGE_SIZE ? page + 1 : page)
    : Math.min(MAX_PAGE, Math.max(1, Math.ceil(result.total / PAGE_SIZE)));
  return (
    <section aria-labelledby="results-title">
      <h2 id="results-title">
        {result.more
          ? t('directory.resultsMore', { count: result.total, page })
          : pages > 1
            ? t('directory.resultsPage', { count: result.total, page, pages })
            : t('directory.results', { count: result.total })}
      </h2>
      {view.sortedFrom ? <p>{t('directory.byDistanceFrom', { from: view.sortedFrom })}</p> : null}
      <ul class="providers">
        {result.hits.map((hit) => (
          <Hit ctx={ctx} hit={hit} />
        ))}
      </ul>
      {pages > 1 ? (
        <nav aria-label={t('directory.pages')} class="secondary-actions">
          {page > 1 ? <a href={pageHref(view.path, view.query, page - 1)}>{t('directory.previous')}</a> : null}
          {page < pages ? <a href={pageHref(view.path, view.query, page + 1)}>{t('directory.next')}</a> : null}
        </nav>
      ) : null}
    </section>
  );
}

export function DirectoryPage({ ctx, view }: { ctx: PageContext; view: DirectoryView }) {
  const { t } = ctx;
  const q = view.query;
  const errors = byField(view.errors);
  const area = view.products !== undefined;
  const title = area ? t('directory.areaTitle') : t('directory.title');
  return (
    <Layout ctx={ctx} title={title} scripts={['/assets/directory.js']}>
      <h1>{title}</h1>
      <p>{t('directory.intro')}</p>
      {area ? (
        view.products!.length ? (
          <p>{t('directory.areaIntro', { products: view.products!.join(', ') })}</p>
        ) : (
          <Notice>{t('directory.areaNone')}</Notice>
        )
      ) : ctx.signedIn ? (
        <p>
          {t('directory.signedInHint')} <a href="/area/directory">{t('directory.areaTitle')}</a>.
        </p>
      ) : null}
      <ErrorSummary
        ctx={ctx}
        errors={errors}
        labels={{
          q: t('directory.q'),
          place: t('directory.place'),
          specialty: t('directory.specialty'),
          near: t('directory.near'),
          page: t('directory.pages'),
        }}
      />
      <form method="get" action={view.path} role="search" class="directory-search" noValidate>
        <Input
          ctx={ctx}
          name="q"
          label={t('directory.q')}
          hint={t('directory.qHint')}
          value={q.q}
          error={errors.q}
          maxLength={200}
        />
        <Select
          ctx={ctx}
          name="specialty"
          label={t('directory.specialty')}
          value={q.specialty}
          placeholder={t('directory.anySpecialty')}
          options={view.specialties.map((s) => ({ value: s, label: s }))}
          error={errors.specialty}
        />
        <Input
          ctx={ctx}
          name="place"
          label={t('directory.place')}
          value={q.place}
          error={errors.place}
          maxLength={100}
        />
        <Input
          ctx={ctx}
          name="near"
          label={t('directory.near')}
          hint={t('directory.nearHint')}
          value={q.near}
          error={errors.near}
          inputMode="numeric"
          maxLength={5}
          autocomplete="postal-code"
        />
        <div class="actions">
          <button type="submit">{t('directory.search')}</button>
          {/* Shown by directory.js only where the browser can locate: without scripts, the postal code does it. */}
          <button type="button" class="secondary" id="use-location" hidden>
            {t('directory.useLocation')}
          </button>
        </div>
      </form>
      {view.nearUnknown ? <Notice>{t('directory.nearUnknown', { code: q.near })}</Notice> : null}
      {view.result ? <Results ctx={ctx} view={view} result={view.result} /> : null}
    </Layout>
  );
}
