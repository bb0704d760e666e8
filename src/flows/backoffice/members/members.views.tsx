import type { ComponentChildren } from 'preact';
import { formatMobile } from '../../../domain/phone.js';
import type { FieldError } from '../../../domain/result.js';
import { addressLines } from '../../../domain/postal-address.js';
import type { Lang, Translate } from '../../../infra/i18n/i18n.js';
import { ADDRESS_FIELDS, AddressFields, addressLabels } from '../../../infra/web/address-fields.js';
import { ReasonField } from '../confirm-page.js';
import {
  byField,
  ErrorSummary,
  errorText as fieldErrorText,
  Form,
  Input,
  Notice,
  Select,
  type FormContext,
} from '../../../infra/web/form.js';
import type {
  AccountSummary,
  AuditPage,
  MemberDetails,
  MemberRecord,
  PasskeySummary,
  ThrottleState,
} from './member-details.repository.js';
import type { ContactCorrectionPlan, UsernameChangePlan } from './member-actions.flow.js';
import { MAX_MATCHES, type SearchPage } from './member-search.repository.js';
import type { RequestRow } from './member-requests.repository.js';
import { MemberRequestsList } from './member-requests.views.js';

// R23 back-office member pages as plain components: data, a translator and the CSRF token in, the page's main
// content out; the routes wrap it in the back-office layout. Every action is a POST form (CSRF) that asks for
// confirmation: the username and contact changes on a review page, the others on their own page with a reason.

/** The URLs of the member pages; the routes mount these same paths. */
export const memberPaths = {
  search: '/backoffice/members',
  searchFor: (q: string, page = 1) =>
    `/backoffice/members?q=${encodeURIComponent(q)}${page > 1 ? `&page=${page}` : ''}`,
  member: (id: number) => `/backoffice/members/${id}`,
  auditBefore: (id: number, before: number) => `/backoffice/members/${id}?before=${before}#audit`,
  action: (id: number, action: MemberAction) => `/backoffice/members/${id}/${action}`,
  done: (id: number, action: MemberAction) => `/backoffice/members/${id}?done=${action}`,
  removePasskey: (id: number, passkeyId: number) => `/backoffice/members/${id}/passkeys/${passkeyId}/remove`,
  passkeyRemoved: (id: number) => `/backoffice/members/${id}?done=passkey-removed#passkeys`,
} as const;

export type MemberAction = 'username' | 'contact' | 'enrolment' | 'unlock' | 'sessions' | 'disable' | 'enable';
/** The actions that only take a reason (their form is their confirmation). */
export type SimpleAction = Exclude<MemberAction, 'username' | 'contact'>;
export const MEMBER_ACTIONS: readonly MemberAction[] = [
  'username',
  'contact',
  'enrolment',
  'unlock',
  'sessions',
  'disable',
  'enable',
];
export const isMemberAction = (v: unknown): v is MemberAction =>
  typeof v === 'string' && (MEMBER_ACTIONS as readonly string[]).includes(v);

/** Reason mandatory for the username change and for disabling (see member-actions.flow.ts). */
export const REASON_REQUIRED: Record<MemberAction, boolean> = {
  username: true,
  contact: false,
  enrolment: false,
  unlock: false,
  sessions: false,
  disable: true,
  enable: false,
};

export interface ViewProps {
  t: Translate;
  /** The page's language (the country names of the address form). */
  lang: Lang;
  csrfToken: string;
}

const formCtx = (p: ViewProps): FormContext => ({ t: p.t, csrfToken: () => p.csrfToken });

/** Timestamps as the audit stores them (UTC, R22), to the minute. */
export const utc = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
const fullName = (m: { firstName: string; lastName: string }) => `${m.firstName} ${m.lastName}`;

// ——— search ———

export interface SearchViewProps {
  t: Translate;
  /** The query as typed (shown back in the box). */
  q?: string;
  result?: SearchPage;
  errors?: readonly FieldError[];
}

/**
 * R23: the search box and, after a search, one page of results with previous/next links. A GET form: searching changes
 * nothing.
 */
export function MemberSearch({ t, q = '', result, errors = [] }: SearchViewProps) {
  const fieldErrors = byField(errors);
  const ctx = { t };
  return (
    <>
      <h1>{t('bo.members.searchTitle')}</h1>
      <ErrorSummary
        ctx={ctx}
        errors={fieldErrors}
        labels={{ q: t('bo.members.searchLabel'), page: t('bo.members.pagination') }}
      />
      <form method="get" action={memberPaths.search} role="search">
        <Input
          ctx={ctx}
          name="q"
          label={t('bo.members.searchLabel')}
          hint={t('bo.members.searchHint')}
          value={q}
          error={fieldErrors.q}
          maxLength={100}
          spellcheck={false}
          autocomplete="off"
        />
        <button type="submit">{t('bo.members.searchButton')}</button>
      </form>
      {result ? <SearchResults t={t} result={result} /> : null}
    </>
  );
}

function SearchResults({ t, result }: { t: Translate; result: SearchPage }) {
  const q = result.query.text;
  if (result.hits.length === 0) {
    return <p role="status">{t('bo.members.noResults', { q })}</p>;
  }
  return (
    <section aria-labelledby="results-caption">
      {result.truncated ? <Notice kind="info">{t('bo.members.truncated', { max: MAX_MATCHES })}</Notice> : null}
      <DataTable
        columns={[
          t('bo.members.col.memberNumber'),
          t('bo.members.col.name'),
          t('bo.members.col.birthDate'),
          t('bo.members.col.policy'),
          t('bo.members.col.document'),
          t('bo.members.col.account'),
        ]}
        caption={t('bo.members.resultsCaption', { q, page: result.page })}
        captionId="results-caption"
      >
        {result.hits.map((h) => (
          <tr>
            <th scope="row">
              <a href={memberPaths.member(h.memberId)}>{h.memberNumber}</a>
            </th>
            <td>{fullName(h)}</td>
            <td>{h.dateOfBirth}</td>
            <td>
              {h.policyNumber} · {t(`bo.members.policy.${h.policyStatus}`)} · {t(`bo.members.scheme.${h.scheme}`)} ·{' '}
              {t(`bo.members.role.${h.role}`)}
            </td>
            <td>
              {h.documentNumber
                ? `${t(`bo.members.docType.${h.documentType ?? 'NIF'}`)} ${h.documentNumber}`
                : t('bo.members.none')}
            </td>
            <td>
              {h.account
                ? `${h.account.username} · ${t(`bo.members.account.${h.account.status}`)}`
                : t('bo.members.notRegistered')}
            </td>
          </tr>
        ))}
      </DataTable>
      {result.page > 1 || result.hasMore ? (
        <nav aria-label={t('bo.members.pagination')} class="pagination">
          {result.page > 1 ? (
            <a href={memberPaths.searchFor(q, result.page - 1)} rel="prev">
              {t('bo.members.prev')}
            </a>
          ) : null}{' '}
          {result.hasMore ? (
            <a href={memberPaths.searchFor(q, result.page + 1)} rel="next">
              {t('bo.members.next')}
            </a>
          ) : null}
        </nav>
      ) : null}
    </section>
  );
}

// ——— the member page ———

export interface MemberPageProps extends ViewProps {
  details: MemberDetails;
  audit: AuditPage;
  /** R9 state from signInThrottleState, when the person has an account. */
  throttle?: ThrottleState | undefined;
  /** The action just done (from `?done=`), to say so. */
  done?: MemberAction | undefined;
  /** The audit page shown is an older one (`?before=`). */
  olderAudit?: boolean;
  /** R19: adult, not registered, no email on record. */
  waitingForContact?: boolean;
  /** R27: the account's passkeys, and whether one was just removed. */
  passkeys?: PasskeySummary[];
  passkeyRemoved?: boolean;
  /** R31: the member's requests (as patient), named only; opening one asks for a reason. */
  requests?: RequestRow[];
  /** R36: the account was closed by the member: when, until when it can be reopened, and whether it still can. */
  closed?: { on: string; until: string; reopenable: boolean } | undefined;
  /** R36: the account was just reopened (from `?reopened=1`). */
  reopened?: boolean;
}

/**
 * A table that scrolls sideways on a narrow screen (320 px), its scroll box reachable by keyboard; `null` leaves a
 * header cell empty.
 */
function DataTable({
  columns,
  caption,
  captionId,
  children,
}: {
  columns: (string | null)[];
  caption?: string;
  captionId?: string;
  children: ComponentChildren;
}) {
  return (
    <div class="table-scroll" tabIndex={0}>
      <table>
        {caption ? <caption id={captionId}>{caption}</caption> : null}
        <thead>
          <tr>{columns.map((c) => (c === null ? <td /> : <th scope="col">{c}</th>))}</tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

function Section({ id, title, children }: { id: string; title: string; children: ComponentChildren }) {
  return (
    <section aria-labelledby={`${id}-title`} id={id}>
      <h2 id={`${id}-title`}>{title}</h2>
      {children}
    </section>
  );
}

function RecordsTable({ t, records, current }: { t: Translate; records: MemberRecord[]; current: number }) {
  return (
    <DataTable
      columns={[
        t('bo.members.col.memberNumber'),
        t('bo.members.col.policy'),
        t('bo.members.col.product'),
        t('bo.members.col.policyStatus'),
        t('bo.members.col.scheme'),
        t('bo.members.col.dates'),
        t('bo.members.col.role'),
        t('bo.members.col.document'),
      ]}
    >
      {records.map((r) => (
        <tr>
          <th scope="row">
            {r.id === current ? r.memberNumber : <a href={memberPaths.member(r.id)}>{r.memberNumber}</a>}
          </th>
          <td>{r.policy.number}</td>
          <td>{r.policy.product}</td>
          <td>{t(`bo.members.policy.${r.policy.status}`)}</td>
          <td>{t(`bo.members.scheme.${r.policy.scheme}`)}</td>
          <td>
            {r.policy.startDate} – {r.policy.endDate ?? t('bo.members.openEnded')}
          </td>
          <td>{t(`bo.members.role.${r.role}`)}</td>
          <td>
            {r.documentNumber
              ? `${t(`bo.members.docType.${r.documentType ?? 'NIF'}`)} ${r.documentNumber}`
              : t('bo.members.none')}
          </td>
        </tr>
      ))}
    </DataTable>
  );
}

function AccountFacts({
  t,
  account,
  throttle,
}: {
  t: Translate;
  account: AccountSummary;
  throttle: MemberPageProps['throttle'];
}) {
  const verified = (at: string | null) => (
    <span class="tag">{at ? t('bo.members.verified') : t('bo.members.unverified')}</span>
  );
  const a = account.address;
  const addressLines = [a.line, [a.postalCode, a.city].filter(Boolean).join(' '), a.province, a.country].filter(
    (l): l is string => Boolean(l),
  );
  return (
    <dl class="meta">
      <dt>{t('bo.members.username')}</dt>
      <dd>
        {account.username} ({t(`bo.members.docType.${account.documentType}`)})
      </dd>
      <dt>{t('bo.members.accountStatus')}</dt>
      <dd>{t(`bo.members.account.${account.status}`)}</dd>
      <dt>{t('bo.members.lock')}</dt>
      <dd>
        {account.lockedUntil
          ? t('bo.members.lockedUntil', { until: `${utc(account.lockedUntil)} UTC` })
          : t('bo.members.notLocked')}
        {throttle && throttle.failures > 0 ? (
          <>
            <br />
            {t('bo.members.failures', { count: throttle.failures })}
          </>
        ) : null}
      </dd>
      <dt>{t('bo.members.email')}</dt>
      <dd>
        {account.email} {verified(account.emailVerifiedAt)}
      </dd>
      <dt>{t('bo.members.mobile')}</dt>
      <dd>
        {account.mobile ? (
          <>
            {formatMobile(account.mobile)} {verified(account.mobileVerifiedAt)}
          </>
        ) : (
          t('bo.members.none')
        )}
      </dd>
      <dt>{t('bo.members.preferred')}</dt>
      <dd>
        {account.preferredChannel ? t(`bo.members.channel.${account.preferredChannel}`) : t('bo.members.channel.none')}
      </dd>
      <dt>{t('bo.members.totp')}</dt>
      <dd>{account.totpEnabled ? t('bo.members.totpOn') : t('bo.members.totpOff')}</dd>
      <dt>{t('bo.members.language')}</dt>
      <dd>{t(`bo.members.lang.${account.language}`)}</dd>
      <dt>{t('bo.members.address')}</dt>
      <dd>{addressLines.length ? addressLines.map((l, i) => (i === 0 ? l : [<br />, l])) : t('bo.members.none')}</dd>
      <dt>{t('bo.members.createdAt')}</dt>
      <dd>{utc(account.createdAt)} UTC</dd>
      <dt>{t('bo.members.passwordChangedAt')}</dt>
      <dd>{utc(account.passwordChangedAt)} UTC</dd>
    </dl>
  );
}

function SignInsTable({ t, details }: { t: Translate; details: MemberDetails }) {
  if (details.signIns.length === 0) return <p>{t('bo.members.noSignIns')}</p>;
  return (
    <DataTable
      columns={[
        t('bo.members.col.when'),
        t('bo.members.col.factor'),
        t('bo.members.col.ip'),
        t('bo.members.col.device'),
        t('bo.members.col.state'),
      ]}
    >
      {details.signIns.map((s) => (
        <tr>
          <td>{utc(s.at)}</td>
          <td>
            {s.secondFactor === 'email' || s.secondFactor === 'sms' || s.secondFactor === 'totp'
              ? t(`bo.members.channel.${s.secondFactor}`)
              : s.secondFactor}
          </td>
          <td>{s.ip ?? '—'}</td>
          <td>{s.userAgent ?? '—'}</td>
          <td>
            {s.active
              ? t('bo.members.session.active')
              : s.endedAt
                ? `${t('bo.members.session.ended')} ${utc(s.endedAt)}`
                : t('bo.members.session.expired')}
          </td>
        </tr>
      ))}
    </DataTable>
  );
}

function LinksTable({ t, links, empty }: { t: Translate; links: MemberDetails['guardians']; empty: string }) {
  if (links.length === 0) return <p>{empty}</p>;
  return (
    <DataTable
      columns={[
        t('bo.members.col.memberNumber'),
        t('bo.members.col.name'),
        t('bo.members.col.birthDate'),
        t('bo.members.col.account'),
        t('bo.members.col.via'),
      ]}
    >
      {links.map((l) => (
        <tr>
          <th scope="row">
            <a href={memberPaths.member(l.memberId)}>{l.memberNumber}</a>
          </th>
          <td>{fullName(l)}</td>
          <td>{l.dateOfBirth}</td>
          <td>{l.registered ? t('bo.members.registered') : t('bo.members.notRegistered')}</td>
          <td>{l.viaMemberNumber}</td>
        </tr>
      ))}
    </DataTable>
  );
}

const detailText = (details: Record<string, unknown> | null) =>
  details
    ? Object.entries(details)
        .filter(([, v]) => v !== null && v !== undefined && v !== '')
        .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
        .join(' · ')
    : '';

function AuditTable({
  t,
  memberId,
  audit,
  older,
}: {
  t: Translate;
  memberId: number;
  audit: AuditPage;
  older: boolean;
}) {
  return (
    <>
      {audit.entries.length === 0 ? (
        <p>{t('bo.members.noAudit')}</p>
      ) : (
        <DataTable
          columns={[
            t('bo.members.col.when'),
            t('bo.members.col.event'),
            t('bo.members.col.outcome'),
            t('bo.members.col.actor'),
            t('bo.members.col.ip'),
            t('bo.members.col.details'),
          ]}
          caption={t('bo.members.auditCaption')}
        >
          {audit.entries.map((e) => (
            <tr>
              <td>{utc(e.occurredAt)}</td>
              <td>
                <code>{e.event}</code>
              </td>
              <td>{t(`bo.members.outcome.${e.outcome}`)}</td>
              <td>{e.actor ?? '—'}</td>
              <td>{e.ip ?? '—'}</td>
              <td>{detailText(e.details)}</td>
            </tr>
          ))}
        </DataTable>
      )}
      <nav aria-label={t('bo.members.auditTitle')} class="pagination">
        {older ? <a href={`${memberPaths.member(memberId)}#audit`}>{t('bo.members.newest')}</a> : null}{' '}
        {audit.nextBefore ? (
          <a href={memberPaths.auditBefore(memberId, audit.nextBefore)} rel="next">
            {t('bo.members.older')}
          </a>
        ) : null}
      </nav>
    </>
  );
}

/** The actions open to this member now (the account's state decides which make sense). */
export function availableActions(details: MemberDetails): MemberAction[] {
  const a = details.account;
  if (!a) return ['enrolment'];
  const actions: MemberAction[] = ['username', 'contact', 'unlock', 'sessions'];
  actions.push(a.status === 'active' ? 'disable' : 'enable');
  return actions;
}

/** R23: the member page: records and policies, account, sign-ins, guardian links, audit trail and the actions. */
export function MemberPage(p: MemberPageProps) {
  const { t, details } = p;
  const m = details.member;
  if (details.account?.status === 'closed' && p.closed) return <ClosedMemberPage {...p} closed={p.closed} />;
  return (
    <>
      <p>
        <a href={memberPaths.search}>{t('bo.members.backToSearch')}</a>
      </p>
      <h1>
        {fullName(m)}{' '}
        <span class="muted">
          ({m.memberNumber} · {m.dateOfBirth})
        </span>
      </h1>
      {p.done ? <Notice kind="success">{t(`bo.members.done.${p.done}`)}</Notice> : null}
      {p.passkeyRemoved ? <Notice kind="success">{t('bo.passkeys.removed')}</Notice> : null}
      {p.reopened ? <Notice kind="success">{t('bo.closed.reopened')}</Notice> : null}
      <Section id="actions" title={t('bo.members.actionsTitle')}>
        <ul class="actions">
          {availableActions(details).map((a) => (
            <li>
              <a href={memberPaths.action(m.id, a)}>{t(`bo.members.action.${a}`)}</a>
            </li>
          ))}
        </ul>
      </Section>
      <Section id="records" title={t('bo.members.recordsTitle')}>
        <RecordsTable t={t} records={details.records} current={m.id} />
      </Section>
      <Section id="account" title={t('bo.members.accountTitle')}>
        {details.account ? (
          <AccountFacts t={t} account={details.account} throttle={p.throttle} />
        ) : (
          <p>{t('bo.members.noAccount')}</p>
        )}
        {p.waitingForContact ? <p data-status="waiting-for-contact">{t('bo.members.waitingForContact')}</p> : null}
      </Section>
      {details.account ? (
        <Section id="passkeys" title={t('bo.passkeys.heading')}>
          <PasskeysTable t={t} memberId={m.id} passkeys={p.passkeys ?? []} />
        </Section>
      ) : null}
      {details.account ? (
        <Section id="sign-ins" title={t('bo.members.signInsTitle')}>
          <SignInsTable t={t} details={details} />
        </Section>
      ) : null}
      {p.requests ? (
        <Section id="requests" title={t('bo.requests.title')}>
          <MemberRequestsList t={t} memberId={m.id} requests={p.requests} />
        </Section>
      ) : null}
      <Section id="guardians" title={t('bo.members.guardiansTitle')}>
        <LinksTable t={t} links={details.guardians} empty={t('bo.members.noGuardians')} />
      </Section>
      <Section id="wards" title={t('bo.members.wardsTitle')}>
        <LinksTable t={t} links={details.wards} empty={t('bo.members.noWards')} />
      </Section>
      <Section id="audit" title={t('bo.members.auditTitle')}>
        <AuditTable t={t} memberId={m.id} audit={p.audit} older={Boolean(p.olderAudit)} />
      </Section>
    </>
  );
}

/**
 * R36: a member who closed their portal account: the insurer's records and links stay visible, the account's data is
 * blocked (only "closed on <date>"), and the one action is reopening it within the retention, with a reason.
 */
function ClosedMemberPage(p: MemberPageProps & { closed: NonNullable<MemberPageProps['closed']> }) {
  const { t, details } = p;
  const m = details.member;
  return (
    <>
      <p>
        <a href={memberPaths.search}>{t('bo.members.backToSearch')}</a>
      </p>
      <h1>
        {fullName(m)}{' '}
        <span class="muted">
          ({m.memberNumber} · {m.dateOfBirth})
        </span>
      </h1>
      <Section id="account" title={t('bo.closed.title')}>
        <p data-status="account-closed">{t('bo.closed.body', { on: p.closed.on, until: p.closed.until })}</p>
        {p.closed.reopenable ? (
          <Form ctx={formCtx(p)} action={`/backoffice/members/${m.id}/reopen`}>
            <p>{t('bo.closed.reopenIntro')}</p>
            <input type="hidden" name="confirm" value="yes" />
            <ReasonField t={t} required value="" error={undefined} />
            <button type="submit">{t('bo.closed.reopen')}</button>
          </Form>
        ) : (
          <p>{t('bo.closed.expired', { until: p.closed.until })}</p>
        )}
      </Section>
      <Section id="records" title={t('bo.members.recordsTitle')}>
        <RecordsTable t={t} records={details.records} current={m.id} />
      </Section>
      <Section id="guardians" title={t('bo.members.guardiansTitle')}>
        <LinksTable t={t} links={details.guardians} empty={t('bo.members.noGuardians')} />
      </Section>
      <Section id="wards" title={t('bo.members.wardsTitle')}>
        <LinksTable t={t} links={details.wards} empty={t('bo.members.noWards')} />
      </Section>
    </>
  );
}

/** R27: the member's passkeys (names and dates), each with a way to remove it. */
function PasskeysTable({ t, memberId, passkeys }: { t: Translate; memberId: number; passkeys: PasskeySummary[] }) {
  if (passkeys.length === 0) return <p>{t('bo.passkeys.none')}</p>;
  return (
    <DataTable columns={[t('bo.passkeys.name'), t('bo.passkeys.created'), t('bo.passkeys.lastUsed'), null]}>
      {passkeys.map((k) => (
        <tr>
          <td>{k.name}</td>
          <td>{utc(k.createdAt)}</td>
          <td>{k.lastUsedAt ? utc(k.lastUsedAt) : t('bo.passkeys.never')}</td>
          <td>
            <a href={memberPaths.removePasskey(memberId, k.id)}>{t('bo.passkeys.remove', { name: k.name })}</a>
          </td>
        </tr>
      ))}
    </DataTable>
  );
}

/** R27: removing one passkey: its own page, with the reason (required) as the confirmation. */
export function RemovePasskeyForm(
  p: ViewProps & {
    details: MemberDetails;
    passkey: PasskeySummary;
    values?: Record<string, string>;
    errors?: readonly FieldError[];
  },
) {
  const { t, details, passkey } = p;
  const m = details.member;
  const errors = p.errors ?? [];
  return (
    <>
      <p>
        <a href={memberPaths.member(m.id)}>{t('bo.members.backToMember')}</a>
      </p>
      <h1>
        {t('bo.passkeys.remove', { name: passkey.name })}{' '}
        <span class="muted">
          · {fullName(m)} ({m.memberNumber})
        </span>
      </h1>
      <FormErrors t={t} errors={errors} labels={{ reason: t('bo.members.reason') }} />
      <Form ctx={formCtx(p)} action={memberPaths.removePasskey(m.id, passkey.id)}>
        <input type="hidden" name="confirm" value="yes" />
        <ReasonField t={t} required value={p.values?.reason ?? ''} error={byField(errors).reason} />
        <button type="submit" class="danger">
          {t('bo.members.confirm')}
        </button>{' '}
        <a href={memberPaths.member(m.id)}>{t('bo.members.cancel')}</a>
      </Form>
    </>
  );
}

// ——— the action forms ———

export interface ActionFormProps extends ViewProps {
  details: MemberDetails;
  /** The values typed, to show them back after an error. */
  values?: Record<string, string>;
  errors?: readonly FieldError[];
}

/** Errors not tied to a field of this form (a conflict, a refusal) are shown as one notice. */
function FormErrors({
  t,
  errors,
  labels,
}: {
  t: Translate;
  errors: readonly FieldError[];
  labels: Record<string, string>;
}) {
  const fieldErrors = byField(errors.filter((e) => e.field in labels));
  const general = errors.filter((e) => !(e.field in labels));
  return (
    <>
      {general.length ? (
        <Notice kind="error">
          {general.map((e) => (
            <p>{fieldErrorText({ t }, e)}</p>
          ))}
        </Notice>
      ) : null}
      <ErrorSummary ctx={{ t }} errors={fieldErrors} labels={labels} />
    </>
  );
}

function ActionHeader({ t, details, action }: { t: Translate; details: MemberDetails; action: MemberAction }) {
  const m = details.member;
  return (
    <>
      <p>
        <a href={memberPaths.member(m.id)}>{t('bo.members.backToMember')}</a>
      </p>
      <h1>
        {t(`bo.members.action.${action}`)}{' '}
        <span class="muted">
          · {fullName(m)} ({m.memberNumber})
        </span>
      </h1>
    </>
  );
}

const documentTypeOptions = (t: Translate) =>
  (['NIF', 'NIE', 'PASSPORT'] as const).map((d) => ({ value: d, label: t(`bo.members.docType.${d}`) }));

/**
 * R16: the new document and the reason; posts to the review step. Carries the username shown, for the conflict check.
 */
export function UsernameChangeForm(p: ActionFormProps) {
  const { t, details } = p;
  const v = p.values ?? {};
  const errors = p.errors ?? [];
  const fe = byField(errors);
  const labels = {
    document_type: t('bo.members.newDocumentType'),
    document_number: t('bo.members.newDocumentNumber'),
    reason: t('bo.members.reason'),
  };
  const account = details.account;
  return (
    <>
      <ActionHeader t={t} details={details} action="username" />
      <FormErrors t={t} errors={errors} labels={labels} />
      <p>{t('bo.members.usernameIntro')}</p>
      {account ? (
        <dl class="meta">
          <dt>{t('bo.members.currentUsername')}</dt>
          <dd>
            {account.username} ({t(`bo.members.docType.${account.documentType}`)})
          </dd>
        </dl>
      ) : null}
      <Form ctx={formCtx(p)} action={memberPaths.action(details.member.id, 'username')}>
        <input type="hidden" name="expected_username" value={v.expected_username ?? account?.username ?? ''} />
        <Select
          ctx={{ t }}
          name="document_type"
          label={labels.document_type}
          value={v.document_type}
          options={documentTypeOptions(t)}
          placeholder={t('bo.members.chooseType')}
          error={fe.document_type}
          required
        />
        <Input
          ctx={{ t }}
          name="document_number"
          label={labels.document_number}
          value={v.document_number}
          error={fe.document_number}
          maxLength={40}
          spellcheck={false}
          autocomplete="off"
          required
        />
        <ReasonField t={t} required value={v.reason ?? ''} error={fe.reason} />
        <button type="submit">{t('bo.members.continue')}</button>
      </Form>
    </>
  );
}

/** Contact correction: the account's email, mobile and postal address, prefilled; posts to the review step. */
export function ContactCorrectionForm(p: ActionFormProps) {
  const { t, details } = p;
  const a = details.account;
  const v = p.values ?? {
    email: a?.email ?? '',
    mobile: a?.mobile ? formatMobile(a.mobile) : '',
    address_line: a?.address.line ?? '',
    postal_code: a?.address.postalCode ?? '',
    city: a?.address.city ?? '',
    province: a?.address.province ?? '',
    country: a?.address.country ?? '',
  };
  const errors = p.errors ?? [];
  const fe = byField(errors);
  const labels = {
    email: t('bo.members.email'),
    mobile: t('bo.members.mobile'),
    ...addressLabels(t),
    reason: t('bo.members.reasonOptional'),
  };
  const ctx = { t, lang: p.lang };
  return (
    <>
      <ActionHeader t={t} details={details} action="contact" />
      <FormErrors t={t} errors={errors} labels={labels} />
      <p>{t('bo.members.contactIntro')}</p>
      <Form ctx={formCtx(p)} action={memberPaths.action(details.member.id, 'contact')}>
        <Input
          ctx={ctx}
          name="email"
          type="email"
          label={labels.email}
          value={v.email}
          error={fe.email}
          maxLength={254}
          spellcheck={false}
          autocomplete="off"
          required
        />
        <Input
          ctx={ctx}
          name="mobile"
          type="tel"
          label={labels.mobile}
          value={v.mobile}
          error={fe.mobile}
          maxLength={30}
          autocomplete="off"
        />
        <AddressFields ctx={ctx} values={v} errors={fe} staff />
        <ReasonField t={t} required={false} value={v.reason ?? ''} error={fe.reason} />
        <button type="submit">{t('bo.members.continue')}</button>
      </Form>
    </>
  );
}

const SIMPLE_INTRO = {
  enrolment: 'bo.members.enrolmentIntro',
  unlock: 'bo.members.unlockIntro',
  sessions: 'bo.members.sessionsIntro',
  disable: 'bo.members.disableIntro',
  enable: 'bo.members.enableIntro',
} as const;

/** Resend enrolment, unlock, end sessions, disable, enable: what will happen, a reason, and the confirm button. */
export function SimpleActionForm(p: ActionFormProps & { action: SimpleAction }) {
  const { t, details, action } = p;
  const errors = p.errors ?? [];
  const required = REASON_REQUIRED[action];
  const labels = { reason: required ? t('bo.members.reason') : t('bo.members.reasonOptional') };
  return (
    <>
      <ActionHeader t={t} details={details} action={action} />
      <FormErrors t={t} errors={errors} labels={labels} />
      <p>{t(SIMPLE_INTRO[action], { email: details.member.email ?? t('bo.members.none') })}</p>
      <Form ctx={formCtx(p)} action={memberPaths.action(details.member.id, action)}>
        <input type="hidden" name="confirm" value="yes" />
        <ReasonField t={t} required={required} value={p.values?.reason ?? ''} error={byField(errors).reason} />
        <button type="submit" class={action === 'disable' ? 'danger' : undefined}>
          {t('bo.members.confirm')}
        </button>{' '}
        <a href={memberPaths.member(details.member.id)}>{t('bo.members.cancel')}</a>
      </Form>
    </>
  );
}

// ——— the review step (username and contact) ———

interface Row {
  label: string;
  before: string;
  after: string;
}

function ReviewPage(
  p: ViewProps & {
    details: MemberDetails;
    action: 'username' | 'contact';
    rows: Row[];
    hidden: Record<string, string>;
  },
) {
  const { t, details } = p;
  const m = details.member;
  return (
    <>
      <ActionHeader t={t} details={details} action={p.action} />
      <h2>{t('bo.members.confirmTitle')}</h2>
      <p>{t('bo.members.confirmIntro', { name: fullName(m), memberNumber: m.memberNumber })}</p>
      <DataTable columns={[null, t('bo.members.before'), t('bo.members.after')]}>
        {p.rows.map((r) => (
          <tr>
            <th scope="row">{r.label}</th>
            <td>{r.before}</td>
            <td>
              <strong>{r.after}</strong>
            </td>
          </tr>
        ))}
      </DataTable>
      <Form ctx={formCtx(p)} action={memberPaths.action(m.id, p.action)}>
        {Object.entries(p.hidden).map(([name, value]) => (
          <input type="hidden" name={name} value={value} />
        ))}
        <input type="hidden" name="confirm" value="yes" />
        <button type="submit">{t('bo.members.confirm')}</button>{' '}
        <a href={memberPaths.action(m.id, p.action)}>{t('bo.members.cancel')}</a>
      </Form>
    </>
  );
}

/** R16 review: old and new document and the reason, with every value carried to the confirming POST. */
export function UsernameChangeReview(
  p: ViewProps & { details: MemberDetails; plan: UsernameChangePlan; reason: string },
) {
  const { t, plan } = p;
  const doc = (type: UsernameChangePlan['toType'], n: string) => `${n} (${t(`bo.members.docType.${type}`)})`;
  return (
    <ReviewPage
      t={t}
      lang={p.lang}
      csrfToken={p.csrfToken}
      details={p.details}
      action="username"
      rows={[
        { label: t('bo.members.username'), before: doc(plan.fromType, plan.from), after: doc(plan.toType, plan.to) },
        { label: t('bo.members.reason'), before: '', after: p.reason },
      ]}
      hidden={{ expected_username: plan.from, document_type: plan.toType, document_number: plan.to, reason: p.reason }}
    />
  );
}

/** Contact review: each field before and after (unchanged ones say so), carried to the confirming POST. */
export function ContactCorrectionReview(
  p: ViewProps & { details: MemberDetails; plan: ContactCorrectionPlan; values: Record<string, string> },
) {
  const { t, plan } = p;
  const a = p.details.account;
  const none = t('bo.members.none');
  const addressText = (x: Parameters<typeof addressLines>[0] | null | undefined) =>
    (x && addressLines(x, p.lang).join(', ')) || none;
  const rows: Row[] = [];
  if (plan.email !== undefined)
    rows.push({ label: t('bo.members.email'), before: a?.email ?? none, after: plan.email });
  if (plan.mobile !== undefined)
    rows.push({
      label: t('bo.members.mobile'),
      before: a?.mobile ? formatMobile(a.mobile) : none,
      after: plan.mobile ? formatMobile(plan.mobile) : t('bo.members.removed'),
    });
  if (plan.address !== undefined) {
    const before = a?.address;
    rows.push({
      label: t('bo.members.address'),
      before: addressText(before && { ...before, addressLine: before.line }),
      after: plan.address ? addressText(plan.address) : t('bo.members.removed'),
    });
  }
  if (p.values.reason) rows.push({ label: t('bo.members.reasonOptional'), before: '', after: p.values.reason });
  const keep = ['email', 'mobile', ...ADDRESS_FIELDS, 'reason'];
  return (
    <ReviewPage
      t={t}
      lang={p.lang}
      csrfToken={p.csrfToken}
      details={p.details}
      action="contact"
      rows={rows}
      hidden={Object.fromEntries(keep.map((k) => [k, p.values[k] ?? '']))}
    />
  );
}
