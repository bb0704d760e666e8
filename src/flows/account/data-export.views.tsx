import { ACCESS_REASONS, type AccessReason } from '../../infra/audit/data-access.js';
import type { MessageKey, Translate } from '../../infra/i18n/i18n.js';
import { Layout } from '../../infra/web/layout.js';
import type { PageContext } from '../../infra/web/page-context.js';
import { EXPORT_SECTIONS, type DataExport, type ExportRecord } from './data-export.js';

type Formats = { time: (iso: string) => string; money: (cents: number) => string };

const isTimestamp = (key: string, v: unknown) =>
  typeof v === 'string' && /(_at|_since)$|^at$/.test(key) && /^\d{4}-\d\d-\d\dT/.test(v);

/** Codes the member would not read as words, in words (the JSON keeps the codes, docs/data-export.md). */
function codeText(t: Translate, key: string, v: string): string | undefined {
  if (key === 'reason' && (ACCESS_REASONS as readonly string[]).includes(v))
    return t(`access.reason.${v as AccessReason}`);
  if (key === 'what' && (['record', 'request', 'file', 'document'] as const).some((w) => w === v))
    return t(`data.access.what.${v as 'record' | 'request' | 'file' | 'document'}`);
  if (key === 'by' && v === 'insurer_systems') return t('data.access.systems');
  if (key === 'role' && (v === 'agent' || v === 'admin')) return t(`data.access.role.${v}`);
  return undefined;
}

function valueText(t: Translate, f: Formats, key: string, v: unknown): string {
  if (v === null || v === undefined || v === '') return t('export.none');
  if (typeof v === 'string') {
    const words = codeText(t, key, v);
    if (words) return words;
  }
  if (typeof v === 'boolean') return v ? t('export.yes') : t('export.no');
  if (typeof v === 'number' && key.endsWith('_cents')) return f.money(v);
  if (isTimestamp(key, v)) return f.time(v as string);
  return String(v);
}

const label = (t: Translate, key: string) => t(`export.field.${key}` as MessageKey);

/** One record as a definition list; nested lists (a request's timeline and files) as lists inside it. */
function RecordList({ t, f, record }: { t: Translate; f: Formats; record: ExportRecord }) {
  return (
    <dl class="meta export-record">
      {Object.entries(record).map(([key, v]) => (
        <>
          <dt>{label(t, key)}</dt>
          <dd>
            {Array.isArray(v) ? (
              v.length === 0 ? (
                t('export.none')
              ) : (
                <ol>
                  {v.map((item) => (
                    <li>
                      <RecordList t={t} f={f} record={item} />
                    </li>
                  ))}
                </ol>
              )
            ) : v !== null && typeof v === 'object' ? (
              <RecordList t={t} f={f} record={v} />
            ) : (
              valueText(t, f, key, v)
            )}
          </dd>
        </>
      ))}
    </dl>
  );
}

/** R36: the readable copy, one section per heading; prints as a plain document (the browser's "save as PDF"). */
export function ExportPage({ ctx, data, formats }: { ctx: PageContext; data: DataExport; formats: Formats }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('export.title')}>
      <p class="no-print">
        <a href="/area/data">{t('change.back')}</a>
      </p>
      <h1>{t('export.title')}</h1>
      <p>{t('export.intro', { when: formats.time(data.generated_at) })}</p>
      {EXPORT_SECTIONS.map((name) => {
        const content = data[name];
        const records = Array.isArray(content) ? content : [content];
        return (
          <section aria-labelledby={`export-${name}`} class="export-section">
            <h2 id={`export-${name}`}>{t(`export.section.${name}`)}</h2>
            {records.length === 0 ? (
              <p>{t('export.empty')}</p>
            ) : records.length === 1 && !Array.isArray(content) ? (
              <RecordList t={t} f={formats} record={records[0]!} />
            ) : (
              <ol class="export-records">
                {records.map((r) => (
                  <li>
                    <RecordList t={t} f={formats} record={r} />
                  </li>
                ))}
              </ol>
            )}
          </section>
        );
      })}
    </Layout>
  );
}
