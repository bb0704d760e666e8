import type { ComponentChildren } from 'preact';
import type { RequestOption } from '../../domain/request-lists.js';
import { optionLabel } from '../../domain/request-lists.js';
import type { RequestStatus } from '../../domain/request-status.js';
import type { RequestType } from '../../domain/request-reference.js';
import { formatEuros } from '../../domain/money.js';
import { MAX_FILES_PER_REQUEST } from '../../domain/request-files.js';
import type { VisibleMember } from '../../identity/visible-members.js';
import { CodeInput, ErrorSummary, Input, Notice, Select, errorText, type FieldErrors } from '../../infra/web/form.js';
import { Layout } from '../../infra/web/layout.js';
import type { PageContext } from '../../infra/web/page-context.js';
import { StatusBadge } from '../../infra/web/status-badge.js';
import type { FileProblem } from './requests.form.js';
import type { StepUpChannel } from './requests.stepup.js';

// R31, the member's side: the list of requests, the two forms, and a request's page. Plain HTML forms that work
// without scripts (multipart, the CSRF token first); with scripts, public/request-upload.js shows upload progress.

const UPLOAD_SCRIPTS = ['/assets/request-upload.js'];
const ACCEPT = '.pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png';

export function formatDate(iso: string): string {
  const [y, m, d] = iso.split('-');
  return `${d}/${m}/${y}`;
}

const personName = (m: Pick<VisibleMember, 'firstName' | 'lastName'>) => `${m.firstName} ${m.lastName}`;

/** The member shown (R14): a guardian acting for a minor is told so on every page of the slice. */
function ActingNotice({ ctx, acting }: { ctx: PageContext; acting: VisibleMember | undefined }) {
  if (acting?.relation !== 'minor') return null;
  return (
    <Notice kind="info">
      <p>{ctx.t('selector.viewing', { name: personName(acting) })}</p>
    </Notice>
  );
}

export interface ListItem {
  reference: string;
  type: RequestType;
  status: RequestStatus;
  patient: string;
  submitted: string;
}

export function RequestListPage({
  ctx,
  items,
  acting,
  olderHref,
}: {
  ctx: PageContext;
  items: ListItem[];
  acting: VisibleMember | undefined;
  olderHref?: string | undefined;
}) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('requests.title')}>
      <h1>{t('requests.title')}</h1>
      <ActingNotice ctx={ctx} acting={acting} />
      <p>{t('requests.lead')}</p>
      <ul class="actions links-inline">
        <li>
          <a class="button" href="/area/requests/new/reimbursement">
            {t('requests.newReimbursement')}
          </a>
        </li>
        <li>
          <a class="button secondary" href="/area/requests/new/authorization">
            {t('requests.newAuthorization')}
          </a>
        </li>
      </ul>
      <h2>{t('requests.yours')}</h2>
      {items.length === 0 ? (
        <p>{t('requests.none')}</p>
      ) : (
        <ul class="request-list">
          {items.map((r) => (
            <li>
              <h3>
                <a href={`/area/requests/${r.reference}`}>{r.reference}</a> <StatusBadge t={ctx.t} status={r.status} />
              </h3>
              <dl class="meta">
                <dt>{t('requests.type')}</dt>
                <dd>{t(`request.type.${r.type}`)}</dd>
                <dt>{t('requests.patient')}</dt>
                <dd>{r.patient}</dd>
                <dt>{t('requests.sent')}</dt>
                <dd>{r.submitted}</dd>
              </dl>
            </li>
          ))}
        </ul>
      )}
      {olderHref ? (
        <p>
          <a href={olderHref}>{t('requests.older')}</a>
        </p>
      ) : null}
      <p>
        <a href="/area">{t('change.back')}</a>
      </p>
    </Layout>
  );
}

/** A labelled multi-line text field, its hint and error tied to it (R21). */
function TextArea(p: {
  ctx: PageContext;
  name: string;
  label: string;
  value: string;
  error?: FieldErrors[string];
  hint?: string;
  maxLength: number;
}) {
  const hintId = p.hint ? `${p.name}-hint` : undefined;
  const errorId = p.error ? `${p.name}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  return (
    <div class={`field${p.error ? ' has-error' : ''}`}>
      <label for={p.name}>{p.label}</label>
      {p.hint ? (
        <div class="hint" id={hintId}>
          {p.hint}
        </div>
      ) : null}
      {p.error ? (
        <p class="field-error" id={errorId}>
          {errorText(p.ctx, p.error)}
        </p>
      ) : null}
      <textarea
        id={p.name}
        name={p.name}
        rows={5}
        maxLength={p.maxLength}
        required
        aria-required="true"
        {...(describedBy ? { 'aria-describedby': describedBy } : {})}
        {...(p.error ? { 'aria-invalid': 'true' } : {})}
      >
        {p.value}
      </textarea>
    </div>
  );
}

/** The file input: 1-5 files (0-5 in an answer); the problems of a refused upload are listed by file name. */
function FilesField({
  ctx,
  label,
  error,
  problems,
  resend,
}: {
  ctx: PageContext;
  label: string;
  error?: FieldErrors[string];
  problems: FileProblem[];
  resend: boolean;
}) {
  const { t } = ctx;
  const errorId = error ? 'files-error' : undefined;
  return (
    <div class={`field${error ? ' has-error' : ''}`}>
      <label for="files">{label}</label>
      <div class="hint" id="files-hint">
        {t('requests.filesHint', { max: MAX_FILES_PER_REQUEST })}
      </div>
      {resend ? (
        <p class="hint" id="files-again">
          {t('requests.filesAgain')}
        </p>
      ) : null}
      {error ? (
        <div class="field-error" id={errorId}>
          {problems.length > 1 ? (
            <ul>
              {problems.map((p) => (
                <li>
                  {p.name}: {errorText(ctx, p.error)}
                </li>
              ))}
            </ul>
          ) : (
            <p>
              {problems.length === 1 ? `${problems[0]!.name}: ` : ''}
              {errorText(ctx, error)}
            </p>
          )}
        </div>
      ) : null}
      <input
        type="file"
        id="files"
        name="files"
        multiple
        accept={ACCEPT}
        aria-describedby={['files-hint', resend ? 'files-again' : '', errorId ?? ''].filter(Boolean).join(' ')}
        {...(error ? { 'aria-invalid': 'true' } : {})}
      />
    </div>
  );
}

/** Shown by the script while the files go up; hidden (and never needed) without scripts. */
function UploadProgress({ ctx }: { ctx: PageContext }) {
  return (
    <div
      class="upload-progress"
      hidden
      data-progress={ctx.t('requests.uploadProgress', { percent: '{percent}' })}
      data-done={ctx.t('requests.uploadDone')}
    >
      <progress max={100} value={0} aria-label={ctx.t('requests.uploading')} />
      <p class="upload-status" aria-live="polite" />
    </div>
  );
}

function PatientSelect({
  ctx,
  visible,
  value,
  error,
}: {
  ctx: PageContext;
  visible: VisibleMember[];
  value: string;
  error?: FieldErrors[string];
}) {
  const several = new Set(visible.map(personName)).size < visible.length;
  return (
    <Select
      ctx={ctx}
      name="patient"
      label={ctx.t('requests.patient')}
      value={value}
      error={error}
      required
      options={visible.map((m) => ({
        value: m.memberNumber,
        label: several ? `${personName(m)} (${ctx.t('requests.policy', { policy: m.policyNumber })})` : personName(m),
      }))}
    />
  );
}

export interface StepUpView {
  channel: StepUpChannel;
  masked: string;
  /** A code went out with this answer (not on a wrong-code answer, which keeps the code already sent). */
  sent: boolean;
}

export interface FormView {
  formToken: string;
  visible: VisibleMember[];
  acting: VisibleMember | undefined;
  values: Record<string, string>;
  errors: FieldErrors;
  fileProblems: FileProblem[];
  /** The form comes back after a refusal: files must be chosen again. */
  resend: boolean;
  options: readonly RequestOption[];
  stepUp?: StepUpView | undefined;
}

const optionList = (ctx: PageContext, list: readonly RequestOption[]) =>
  list.map((o) => ({ value: o.id, label: o[ctx.lang] }));

function NoPeople({ ctx }: { ctx: PageContext }) {
  return <Notice>{ctx.t('area.noPolicies')}</Notice>;
}

/**
 * What both new-request forms share (R31): the page, the error summary, the plain multipart form with its CSRF and
 * one-time form tokens, the patient first, the files and the progress bar last; the form's own fields in between.
 */
function RequestForm(p: {
  ctx: PageContext;
  view: FormView;
  kind: 'reimbursement' | 'authorization';
  title: string;
  labels: Record<string, string>;
  files: string;
  children: ComponentChildren;
}) {
  const { ctx, view } = p;
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={p.title} scripts={UPLOAD_SCRIPTS}>
      <h1>{p.title}</h1>
      <ActingNotice ctx={ctx} acting={view.acting} />
      <ErrorSummary ctx={ctx} errors={view.errors} labels={p.labels} />
      {view.visible.length === 0 ? (
        <NoPeople ctx={ctx} />
      ) : (
        <form
          method="post"
          action={`/area/requests/new/${p.kind}`}
          id="request"
          enctype="multipart/form-data"
          noValidate
          data-upload="1"
        >
          <input type="hidden" name="_csrf" value={ctx.csrfToken()} />
          <input type="hidden" name="form_token" value={view.formToken} />
          <PatientSelect
            ctx={ctx}
            visible={view.visible}
            value={view.values.patient ?? ''}
            error={view.errors.patient}
          />
          {p.children}
          <FilesField
            ctx={ctx}
            label={p.files}
            error={view.errors.files}
            problems={view.fileProblems}
            resend={view.resend}
          />
          <UploadProgress ctx={ctx} />
          <div class="actions">
            <button type="submit">{t('requests.send')}</button>
            <a href="/area/requests">{t('requests.cancel')}</a>
          </div>
        </form>
      )}
    </Layout>
  );
}

export function ReimbursementFormPage({ ctx, view }: { ctx: PageContext; view: FormView }) {
  const { t } = ctx;
  const v = view.values;
  const e = view.errors;
  const labels: Record<string, string> = {
    patient: t('requests.patient'),
    service_date: t('requests.serviceDate'),
    provider: t('requests.provider'),
    amount: t('requests.amount'),
    concept: t('requests.concept'),
    iban: t('requests.iban'),
    files: t('requests.invoices'),
    code: t('requests.code'),
    request: t('requests.title'),
  };
  return (
    <RequestForm
      ctx={ctx}
      view={view}
      kind="reimbursement"
      title={t('requests.newReimbursement')}
      labels={labels}
      files={t('requests.invoices')}
    >
      <Input
        ctx={ctx}
        name="service_date"
        label={t('requests.serviceDate')}
        hint={t('requests.dateHint')}
        value={v.service_date}
        error={e.service_date}
        inputMode="numeric"
        maxLength={20}
        required
      />
      <Input
        ctx={ctx}
        name="provider"
        label={t('requests.provider')}
        hint={t('requests.providerHint')}
        value={v.provider}
        error={e.provider}
        maxLength={200}
        required
      />
      <Input
        ctx={ctx}
        name="amount"
        label={t('requests.amount')}
        hint={t('requests.amountHint')}
        value={v.amount}
        error={e.amount}
        inputMode="text"
        maxLength={20}
        required
      />
      <Select
        ctx={ctx}
        name="concept"
        label={t('requests.concept')}
        value={v.concept}
        error={e.concept}
        placeholder={t('requests.choose')}
        options={optionList(ctx, view.options)}
        required
      />
      <Input
        ctx={ctx}
        name="iban"
        label={t('requests.iban')}
        hint={t('requests.ibanHint')}
        value={v.iban}
        error={e.iban}
        autocomplete="off"
        spellcheck={false}
        maxLength={64}
        required
      />
      {view.stepUp ? (
        <fieldset class="step-up">
          <legend>{t('requests.stepUpTitle')}</legend>
          <p>
            {view.stepUp.channel === 'totp'
              ? t('requests.stepUpApp')
              : t(view.stepUp.sent ? 'requests.stepUpSent' : 'requests.stepUpCode', {
                  destination: view.stepUp.masked,
                })}
          </p>
          <CodeInput
            ctx={ctx}
            label={t('requests.code')}
            error={e.code}
            hint={view.stepUp.channel === 'totp' ? undefined : t('requests.stepUpResend')}
          />
        </fieldset>
      ) : null}
    </RequestForm>
  );
}

export function AuthorizationFormPage({ ctx, view }: { ctx: PageContext; view: FormView }) {
  const { t } = ctx;
  const v = view.values;
  const e = view.errors;
  const labels: Record<string, string> = {
    patient: t('requests.patient'),
    category: t('requests.category'),
    prescription: t('requests.prescription'),
    prescribing_doctor: t('requests.prescribingDoctor'),
    preferred_provider: t('requests.preferredProvider'),
    files: t('requests.prescriptions'),
    request: t('requests.title'),
  };
  return (
    <RequestForm
      ctx={ctx}
      view={view}
      kind="authorization"
      title={t('requests.newAuthorization')}
      labels={labels}
      files={t('requests.prescriptions')}
    >
      <Select
        ctx={ctx}
        name="category"
        label={t('requests.category')}
        value={v.category}
        error={e.category}
        placeholder={t('requests.choose')}
        options={optionList(ctx, view.options)}
        required
      />
      <TextArea
        ctx={ctx}
        name="prescription"
        label={t('requests.prescription')}
        hint={t('requests.prescriptionHint')}
        value={v.prescription ?? ''}
        error={e.prescription}
        maxLength={2000}
      />
      <Input
        ctx={ctx}
        name="prescribing_doctor"
        label={t('requests.prescribingDoctor')}
        value={v.prescribing_doctor}
        error={e.prescribing_doctor}
        maxLength={200}
        required
      />
      <Input
        ctx={ctx}
        name="preferred_provider"
        label={t('requests.preferredProvider')}
        hint={t('requests.optional')}
        value={v.preferred_provider}
        error={e.preferred_provider}
        maxLength={200}
      />
    </RequestForm>
  );
}

export interface TimelineEntry {
  status: RequestStatus;
  when: string;
  byMember: boolean;
  message?: string | undefined;
  answer?: string | undefined;
  reason?: string | undefined;
}

export interface FileEntry {
  id: number;
  name: string;
  role: 'invoice' | 'prescription' | 'answer' | 'letter';
  size: string;
}

export interface RequestView {
  reference: string;
  type: RequestType;
  status: RequestStatus;
  version: number;
  patient: string;
  submitted: string;
  /** Reimbursement */
  serviceDate?: string | null;
  provider?: string | null;
  concept?: string | null;
  amountClaimed?: number | null;
  ibanMasked?: string | null;
  /** Authorization */
  category?: string | null;
  prescription?: string | null;
  prescribingDoctor?: string | null;
  preferredProvider?: string | null;
  /** Decision */
  amountApproved?: number | null;
  amountPaid?: number | null;
  paidOn?: string | null;
  reason?: string | null;
  authorizationNumber?: string | null;
  validFrom?: string | null;
  validUntil?: string | null;
  authorizedProvider?: string | null;
  timeline: TimelineEntry[];
  files: FileEntry[];
  /** needs_info: the insurer's question, answered with the form below it. */
  question?: string | undefined;
  notice?: 'sent' | 'answered' | undefined;
  answer: { value: string; errors: FieldErrors; fileProblems: FileProblem[]; resend: boolean };
}

function Row({ label, value }: { label: string; value: string | null | undefined }) {
  if (value === null || value === undefined || value === '') return null;
  return (
    <>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </>
  );
}

export function RequestPage({
  ctx,
  view,
  acting,
  lists,
}: {
  ctx: PageContext;
  view: RequestView;
  acting: VisibleMember | undefined;
  lists: { concepts: readonly RequestOption[]; categories: readonly RequestOption[] };
}) {
  const { t, lang } = ctx;
  const money = (cents: number | null | undefined) =>
    cents === null || cents === undefined ? null : formatEuros(cents, lang);
  const date = (iso: string | null | undefined) => (iso ? formatDate(iso) : null);
  const answerLabels: Record<string, string> = {
    answer: t('requests.answer'),
    files: t('requests.answerFiles'),
    version: t('requests.title'),
    status: t('requests.title'),
  };
  return (
    <Layout ctx={ctx} title={view.reference} scripts={view.status === 'needs_info' ? UPLOAD_SCRIPTS : []}>
      <p>
        <a href="/area/requests">{t('requests.back')}</a>
      </p>
      <h1>
        {t(`request.type.${view.type}`)} {view.reference}
      </h1>
      <ActingNotice ctx={ctx} acting={acting} />
      {view.notice === 'sent' ? (
        <Notice kind="success">
          <p>{t('requests.sentNotice', { reference: view.reference })}</p>
        </Notice>
      ) : null}
      {view.notice === 'answered' ? (
        <Notice kind="success">
          <p>{t('requests.answeredNotice')}</p>
        </Notice>
      ) : null}
      <p>
        {t('requests.statusNow')} <StatusBadge t={ctx.t} status={view.status} />
      </p>
      <h2>{t('requests.details')}</h2>
      <dl class="meta request-details">
        <Row label={t('requests.patient')} value={view.patient} />
        <Row label={t('requests.sent')} value={view.submitted} />
        {view.type === 'reimbursement' ? (
          <>
            <Row label={t('requests.serviceDate')} value={date(view.serviceDate)} />
            <Row label={t('requests.provider')} value={view.provider} />
            <Row label={t('requests.concept')} value={optionLabel(lists.concepts, view.concept ?? null, lang)} />
            <Row label={t('requests.amount')} value={money(view.amountClaimed)} />
            <Row label={t('requests.iban')} value={view.ibanMasked} />
          </>
        ) : (
          <>
            <Row label={t('requests.category')} value={optionLabel(lists.categories, view.category ?? null, lang)} />
            <Row label={t('requests.prescription')} value={view.prescription} />
            <Row label={t('requests.prescribingDoctor')} value={view.prescribingDoctor} />
            <Row label={t('requests.preferredProvider')} value={view.preferredProvider} />
          </>
        )}
        <Row label={t('requests.amountApproved')} value={money(view.amountApproved)} />
        <Row label={t('requests.amountPaid')} value={money(view.amountPaid)} />
        <Row label={t('requests.paidOn')} value={date(view.paidOn)} />
        <Row label={t('requests.reason')} value={view.reason} />
        <Row label={t('requests.authorizationNumber')} value={view.authorizationNumber} />
        <Row label={t('requests.validFrom')} value={date(view.validFrom)} />
        <Row label={t('requests.validUntil')} value={date(view.validUntil)} />
        <Row label={t('requests.authorizedProvider')} value={view.authorizedProvider} />
      </dl>

      {view.status === 'needs_info' ? (
        <section aria-labelledby="answer-title" class="card">
          <h2 id="answer-title">{t('requests.needsInfoTitle')}</h2>
          <p class="insurer-message">{view.question ?? ''}</p>
          <ErrorSummary ctx={ctx} errors={view.answer.errors} labels={answerLabels} />
          <form
            method="post"
            action={`/area/requests/${view.reference}/answer`}
            enctype="multipart/form-data"
            noValidate
            data-upload="1"
          >
            <input type="hidden" name="_csrf" value={ctx.csrfToken()} />
            <input type="hidden" name="version" value={String(view.version)} />
            <TextArea
              ctx={ctx}
              name="answer"
              label={t('requests.answer')}
              value={view.answer.value}
              error={view.answer.errors.answer}
              maxLength={2000}
            />
            <FilesField
              ctx={ctx}
              label={t('requests.answerFiles')}
              error={view.answer.errors.files}
              problems={view.answer.fileProblems}
              resend={view.answer.resend}
            />
            <UploadProgress ctx={ctx} />
            <div class="actions">
              <button type="submit">{t('requests.sendAnswer')}</button>
            </div>
          </form>
        </section>
      ) : null}

      <h2>{t('requests.timeline')}</h2>
      <ol class="timeline">
        {view.timeline.map((e) => (
          <li>
            <p>
              <StatusBadge t={ctx.t} status={e.status} /> <span class="when">{e.when}</span>
            </p>
            {e.message ? (
              <p>
                {t('requests.insurerAsked')} {e.message}
              </p>
            ) : null}
            {e.answer ? (
              <p>
                {t('requests.youAnswered')} {e.answer}
              </p>
            ) : null}
            {e.reason ? (
              <p>
                {t('requests.reason')}: {e.reason}
              </p>
            ) : null}
          </li>
        ))}
      </ol>

      <h2>{t('requests.files')}</h2>
      {view.files.length === 0 ? (
        <p>{t('requests.noFiles')}</p>
      ) : (
        <ul class="file-list">
          {view.files.map((f) => (
            <li>
              <a href={`/area/requests/${view.reference}/files/${f.id}`} download>
                {f.name}
              </a>{' '}
              <span class="hint">
                ({t(`request.role.${f.role}`)}, {f.size})
              </span>
            </li>
          ))}
        </ul>
      )}
    </Layout>
  );
}
