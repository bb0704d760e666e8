import type { ComponentChildren } from 'preact';
import { formatEuros } from '../../../domain/money.js';
import type { FieldError } from '../../../domain/result.js';
import { ACCESS_NOTE_MAX, ACCESS_REASONS, type AccessReason } from '../../../infra/audit/data-access.js';
import type { Request, RequestEvent } from '../../../infra/db/tables.js';
import type { Translate } from '../../../infra/i18n/i18n.js';
import { byField, ErrorSummary, Form, Input, Notice, Select, type FormContext } from '../../../infra/web/form.js';
import type { RequestFileSummary, RequestRow } from './member-requests.repository.js';

// R31, R36 back office: a member's requests, read-only. The list names them; a request's page and each file come
// only after a reason (ACCESS_REASONS, with its labels from the data-access catalog), which the routes record first.

export const requestPaths = {
  open: (memberId: number, reference: string) =>
    `/backoffice/members/${memberId}/requests/${encodeURIComponent(reference)}`,
  files: (memberId: number, reference: string) =>
    `/backoffice/members/${memberId}/requests/${encodeURIComponent(reference)}/files`,
  member: (memberId: number) => `/backoffice/members/${memberId}`,
} as const;

interface ViewProps {
  t: Translate;
  csrfToken: string;
}
const formCtx = (p: ViewProps): FormContext => ({ t: p.t, csrfToken: () => p.csrfToken });
const utc = (v: string | Date) => {
  const iso = v instanceof Date ? v.toISOString() : new Date(v).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
};
const day = (v: string | Date | null) => (v === null ? null : v instanceof Date ? v.toISOString().slice(0, 10) : v);
const kb = (bytes: number) =>
  bytes < 1024 * 1024 ? `${Math.max(1, Math.round(bytes / 1024))} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;

function Table({ columns, children }: { columns: string[]; children: ComponentChildren }) {
  return (
    <div class="table-scroll" tabIndex={0}>
      <table>
        <thead>
          <tr>
            {columns.map((c) => (
              <th scope="col">{c}</th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

/** The member page's section: each request named, with a link that asks for a reason before opening it. */
export function MemberRequestsList({
  t,
  memberId,
  requests,
}: {
  t: Translate;
  memberId: number;
  requests: RequestRow[];
}) {
  if (requests.length === 0) return <p>{t('bo.requests.none')}</p>;
  return (
    <>
      <p class="hint">{t('bo.requests.listHint')}</p>
      <Table
        columns={[
          t('bo.requests.col.reference'),
          t('bo.requests.col.type'),
          t('bo.requests.col.status'),
          t('bo.requests.col.submitted'),
          t('bo.requests.col.updated'),
        ]}
      >
        {requests.map((r) => (
          <tr>
            <th scope="row">
              <a href={requestPaths.open(memberId, r.reference)}>{r.reference}</a>
            </th>
            <td>{t(`bo.requests.type.${r.type}`)}</td>
            <td>{t(`bo.requests.status.${r.status}`)}</td>
            <td>{utc(r.submittedAt)}</td>
            <td>{utc(r.updatedAt)}</td>
          </tr>
        ))}
      </Table>
    </>
  );
}

const reasonOptions = (t: Translate) => ACCESS_REASONS.map((r) => ({ value: r, label: t(`access.reason.${r}`) }));

/** The reason and its note, as parseAccessReason reads them. */
function ReasonFields(p: {
  t: Translate;
  reason?: string;
  note?: string;
  error?: Pick<FieldError, 'code' | 'params'> | undefined;
}) {
  const { t } = p;
  return (
    <>
      <Select
        ctx={{ t }}
        name="access_reason"
        label={t('access.reason.label')}
        options={reasonOptions(t)}
        value={p.reason ?? ''}
        placeholder={t('bo.requests.chooseReason')}
        required
        error={p.error}
      />
      <Input
        ctx={{ t }}
        name="access_note"
        label={t('access.note.label')}
        value={p.note ?? ''}
        maxLength={ACCESS_NOTE_MAX}
        hint={t('access.reason.hint')}
      />
    </>
  );
}

export interface ReasonPageProps extends ViewProps {
  memberId: number;
  reference: string;
  /** Asking for a file (its id posted back) rather than the request. */
  fileId?: number;
  reason?: string;
  note?: string;
  errors?: readonly FieldError[];
}

/** Asks why before anything of the request (or one of its files) is shown; posts to the request's or files' path. */
export function AccessReasonPage(p: ReasonPageProps) {
  const { t } = p;
  const errors = p.errors ?? [];
  const forFile = p.fileId !== undefined;
  return (
    <>
      <p>
        <a href={requestPaths.member(p.memberId)}>{t('bo.requests.backToMember')}</a>
      </p>
      <h1>
        {forFile
          ? t('bo.requests.fileReasonTitle', { reference: p.reference })
          : t('bo.requests.reasonTitle', { reference: p.reference })}
      </h1>
      <ErrorSummary ctx={{ t }} errors={byField(errors)} labels={{ access_reason: t('access.reason.label') }} />
      <p>{forFile ? t('bo.requests.fileReasonIntro') : t('bo.requests.reasonIntro')}</p>
      <Form
        ctx={formCtx(p)}
        action={forFile ? requestPaths.files(p.memberId, p.reference) : requestPaths.open(p.memberId, p.reference)}
      >
        {forFile ? <input type="hidden" name="file" value={String(p.fileId)} /> : null}
        <ReasonFields t={t} reason={p.reason ?? ''} note={p.note ?? ''} error={byField(errors).access_reason} />
        <button type="submit">{forFile ? t('bo.requests.downloadButton') : t('bo.requests.openButton')}</button>
      </Form>
    </>
  );
}

function Facts({ items }: { items: [string, string | null | undefined][] }) {
  const shown = items.filter((i): i is [string, string] => i[1] !== null && i[1] !== undefined && i[1] !== '');
  return (
    <dl class="meta">
      {shown.map(([k, v]) => (
        <>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </>
      ))}
    </dl>
  );
}

/** A timeline step's details, as label: value lines (amounts in euros). */
function StepDetails({ t, event }: { t: Translate; event: RequestEvent }) {
  const details = JSON.parse(event.details) as Record<string, string | number>;
  const lines = Object.entries(details).map(([k, v]) => {
    const value = typeof v === 'number' && k.startsWith('amount') ? formatEuros(v) : String(v);
    const key = k === 'provider' ? 'authorized_provider' : k;
    return [t(`bo.requests.field.${key}` as Parameters<Translate>[0]), value] as const;
  });
  if (lines.length === 0) return null;
  return (
    <>
      {lines.map(([k, v]) => (
        <div>
          {k}: {v}
        </div>
      ))}
    </>
  );
}

export interface RequestPageProps extends ViewProps {
  memberId: number;
  patient: string;
  request: Request;
  timeline: RequestEvent[];
  files: RequestFileSummary[];
  reason: AccessReason;
  note?: string | undefined;
}

/** A request as the agent sees it after giving a reason: what was sent, the decision, the timeline and the files. */
export function RequestPage(p: RequestPageProps) {
  const { t, request: r } = p;
  const money = (v: number | null) => (v === null ? null : formatEuros(v));
  const reasonText = t(`access.reason.${p.reason}`) + (p.note ? ` (${p.note})` : '');
  const form: [string, string | null][] =
    r.type === 'reimbursement'
      ? [
          [t('bo.requests.field.service_date'), day(r.service_date)],
          [t('bo.requests.field.provider'), r.provider],
          [t('bo.requests.field.concept'), r.concept],
          [t('bo.requests.field.amount_claimed'), money(r.amount_claimed)],
          [t('bo.requests.field.iban'), r.iban_masked],
        ]
      : [
          [t('bo.requests.field.category'), r.category],
          [t('bo.requests.field.prescription'), r.prescription],
          [t('bo.requests.field.prescribing_doctor'), r.prescribing_doctor],
          [t('bo.requests.field.preferred_provider'), r.preferred_provider],
        ];
  const decision: [string, string | null][] = [
    [t('bo.requests.field.amount_approved'), money(r.amount_approved)],
    [t('bo.requests.field.amount_paid'), money(r.amount_paid)],
    [t('bo.requests.field.paid_on'), day(r.paid_on)],
    [t('bo.requests.field.reason'), r.reason],
    [t('bo.requests.field.authorization_number'), r.authorization_number],
    [t('bo.requests.field.valid_from'), day(r.valid_from)],
    [t('bo.requests.field.valid_until'), day(r.valid_until)],
    [t('bo.requests.field.authorized_provider'), r.authorized_provider],
  ];
  const decided = decision.some(([, v]) => v !== null);
  return (
    <>
      <p>
        <a href={requestPaths.member(p.memberId)}>{t('bo.requests.backToMember')}</a>
      </p>
      <h1>
        {t('bo.requests.heading', { reference: r.reference })}{' '}
        <span class="muted">· {t(`bo.requests.type.${r.type}`)}</span>
      </h1>
      <Notice kind="info">
        <p>{t('bo.requests.openedFor', { reason: reasonText })}</p>
        <p>{t('bo.requests.readOnly')}</p>
      </Notice>
      <section aria-labelledby="summary-title">
        <h2 id="summary-title">{t('bo.requests.summary')}</h2>
        <Facts
          items={[
            [t('bo.requests.col.status'), t(`bo.requests.status.${r.status}`)],
            [t('bo.requests.field.patient'), p.patient],
            [t('bo.requests.col.submitted'), utc(r.submitted_at)],
            [t('bo.requests.col.updated'), utc(r.updated_at)],
          ]}
        />
      </section>
      <section aria-labelledby="form-title">
        <h2 id="form-title">{t('bo.requests.form')}</h2>
        <Facts items={form} />
      </section>
      <section aria-labelledby="decision-title">
        <h2 id="decision-title">{t('bo.requests.decision')}</h2>
        {decided ? <Facts items={decision} /> : <p>{t('bo.requests.noDecision')}</p>}
      </section>
      <section aria-labelledby="timeline-title">
        <h2 id="timeline-title">{t('bo.requests.timeline')}</h2>
        <Table
          columns={[
            t('bo.requests.col.when'),
            t('bo.requests.col.status'),
            t('bo.requests.col.by'),
            t('bo.requests.col.details'),
          ]}
        >
          {p.timeline.map((e) => (
            <tr>
              <td>{utc(e.at)}</td>
              <td>{t(`bo.requests.status.${e.status}`)}</td>
              <td>{t(`bo.requests.by.${e.actor}`)}</td>
              <td>
                <StepDetails t={t} event={e} />
              </td>
            </tr>
          ))}
        </Table>
      </section>
      <section aria-labelledby="files-title">
        <h2 id="files-title">{t('bo.requests.files')}</h2>
        {p.files.length === 0 ? (
          <p>{t('bo.requests.noFiles')}</p>
        ) : (
          <Form ctx={formCtx(p)} action={requestPaths.files(p.memberId, r.reference)}>
            <p class="hint">{t('bo.requests.filesHint')}</p>
            <ReasonFields t={t} reason={p.reason} note={p.note ?? ''} />
            <ul class="bo-files">
              {p.files.map((f) => (
                <li>
                  <span class="tag">{t(`bo.requests.role.${f.role}` as Parameters<Translate>[0])}</span>{' '}
                  <button type="submit" name="file" value={String(f.id)} class="link-button">
                    {t('bo.requests.download', { name: f.name, size: kb(f.size) })}
                  </button>
                </li>
              ))}
            </ul>
          </Form>
        )}
      </section>
    </>
  );
}
