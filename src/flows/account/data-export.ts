import type { Kysely } from 'kysely';
import type { Clock } from '../../clock.js';
import { listConnectedApps } from '../../identity/connected-apps.js';
import { signInHistory } from '../../identity/sign-in-history.js';
import type { SecretBox } from '../../infra/crypto/secret-box.js';
import { listDocuments } from '../../infra/documents/documents.repository.js';
import type { Account, Database } from '../../infra/db/tables.js';
import { listDataAccesses } from './data-accesses.js';
import { visibleMembers } from './member-selector.js';

// R36, GDPR art. 15/20: everything the portal holds about the member, as one JSON document of a documented, versioned
// shape (docs/data-export.md) and as a readable page. NO SECRET EVER: no hash, code, token, key, authenticator secret,
// passkey public key or credential id, device-cookie hash, nor an IBAN in clear (masked only). Each section is one
// function below that picks the columns it exports by name (never `selectAll` into the output), so a column added to a
// table later stays out until someone decides it belongs. data-export.test.ts scans the export for every secret value
// the account has.

export const EXPORT_FORMAT = 'member-area/data-export';
export const EXPORT_VERSION = 1;

type Value = string | number | boolean | null;
export type ExportRecord = { [key: string]: Value | ExportRecord[] | ExportRecord };

export interface DataExport {
  format: typeof EXPORT_FORMAT;
  version: typeof EXPORT_VERSION;
  generated_at: string;
  profile: ExportRecord;
  policies: ExportRecord[];
  contact_changes: ExportRecord[];
  devices: ExportRecord[];
  passkeys: ExportRecord[];
  sign_in_history: ExportRecord[];
  requests: ExportRecord[];
  documents: ExportRecord[];
  connected_apps: ExportRecord[];
  data_accesses: ExportRecord[];
}

/** The sections in the order the readable page shows them. */
export const EXPORT_SECTIONS = [
  'profile',
  'policies',
  'contact_changes',
  'devices',
  'passkeys',
  'sign_in_history',
  'requests',
  'documents',
  'connected_apps',
  'data_accesses',
] as const;
export type ExportSection = (typeof EXPORT_SECTIONS)[number];

export interface ExportDeps {
  db: Kysely<Database>;
  clock: Clock;
  timeZone: string;
  secretKey: string;
  /** Opens the OpenID grants, to read which scopes each app was given. */
  secretBox: SecretBox;
}

/** The account's own data: never a secret column (see above). */
function profileSection(a: Account): ExportRecord {
  return {
    username: a.username,
    document_type: a.document_type,
    email: a.email,
    email_verified_at: a.email_verified_at,
    mobile: a.mobile,
    mobile_verified_at: a.mobile_verified_at,
    address_line: a.address_line,
    postal_code: a.postal_code,
    city: a.city,
    province: a.province,
    country: a.country,
    language: a.language,
    preferred_channel: a.preferred_channel,
    authenticator_app_since: a.totp_secret && a.totp_enabled_at ? a.totp_enabled_at : null,
    status: a.status,
    created_at: a.created_at,
    password_changed_at: a.password_changed_at,
  };
}

/** The member records the account holds or, as guardian, sees (R14), with their policies: the insurer's contract. */
async function policiesSection(deps: ExportDeps, a: Account): Promise<ExportRecord[]> {
  const visible = await visibleMembers(deps.db, deps.clock, deps.timeZone, a.id);
  if (visible.length === 0) return [];
  const rows = await deps.db
    .selectFrom('members')
    .select([
      'id',
      'role',
      'document_type',
      'document_number',
      'email',
      'mobile',
      'address_line',
      'postal_code',
      'city',
      'province',
      'country',
    ])
    .where(
      'id',
      'in',
      visible.map((v) => v.id),
    )
    .execute();
  const byId = new Map(rows.map((r) => [r.id, r]));
  return visible.map((v) => {
    const r = byId.get(v.id);
    return {
      member_number: v.memberNumber,
      relation: v.relation,
      first_name: v.firstName,
      last_name: v.lastName,
      date_of_birth: v.dateOfBirth,
      role: r?.role ?? null,
      document_type: r?.document_type ?? null,
      document_number: r?.document_number ?? null,
      email_on_record: r?.email ?? null,
      mobile_on_record: r?.mobile ?? null,
      address_on_record: r
        ? [r.address_line, r.postal_code, r.city, r.province, r.country].filter(Boolean).join(', ') || null
        : null,
      policy_number: v.policyNumber,
      product: v.product,
      policy_status: v.policyStatus,
      start_date: v.startDate,
      end_date: v.endDate,
    };
  });
}

const CONTACT_EVENTS = ['contact.changed', 'contact.address', 'contact.mobile_removed', 'backoffice.contact.correct'];

const detailsOf = (text: string | null): Record<string, unknown> => {
  try {
    const v: unknown = text ? JSON.parse(text) : {};
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
};

/** R15: each change of email, mobile or address, by the member or corrected by customer service (values masked). */
async function contactChangesSection(deps: ExportDeps, a: Account): Promise<ExportRecord[]> {
  const rows = await deps.db
    .selectFrom('audit_events')
    .select(['occurred_at', 'event', 'details'])
    .where('account_id', '=', a.id)
    .where('event', 'in', CONTACT_EVENTS)
    .where('outcome', '=', 'success')
    .orderBy('id', 'desc')
    .execute();
  return rows.map((r) => {
    const d = detailsOf(r.details);
    const what =
      r.event === 'contact.address'
        ? 'address'
        : r.event === 'contact.mobile_removed'
          ? 'mobile_removed'
          : r.event === 'contact.changed'
            ? d.what === 'mobile'
              ? 'mobile'
              : 'email'
            : typeof d.fields === 'string'
              ? d.fields.slice(0, 100)
              : 'contact';
    return {
      at: r.occurred_at,
      what,
      by: r.event.startsWith('backoffice.') ? 'customer_service' : 'member',
      new_value_masked: typeof d.to === 'string' ? d.to : null,
    };
  });
}

/** R8, R28: the sessions opened (device as the browser named itself, address) and the browsers recognised. */
async function devicesSection(deps: ExportDeps, a: Account): Promise<ExportRecord[]> {
  const [sessions, known] = await Promise.all([
    deps.db
      .selectFrom('sessions')
      .select(['created_at', 'last_seen_at', 'ended_at', 'ip', 'user_agent', 'second_factor'])
      .where('account_id', '=', a.id)
      .orderBy('id', 'desc')
      .execute(),
    deps.db
      .selectFrom('known_devices')
      .select(['first_seen_at', 'last_seen_at'])
      .where('account_id', '=', a.id)
      .orderBy('first_seen_at', 'desc')
      .execute(),
  ]);
  return [
    ...sessions.map((s) => ({
      kind: 'session',
      started_at: s.created_at,
      last_seen_at: s.last_seen_at,
      ended_at: s.ended_at,
      ip: s.ip,
      user_agent: s.user_agent,
      second_step: s.second_factor,
    })),
    ...known.map((k) => ({ kind: 'known_browser', first_seen_at: k.first_seen_at, last_seen_at: k.last_seen_at })),
  ];
}

/** R27: the passkeys' names and dates; never the credential id or public key. */
async function passkeysSection(deps: ExportDeps, a: Account): Promise<ExportRecord[]> {
  const rows = await deps.db
    .selectFrom('passkeys')
    .select(['name', 'created_at', 'last_used_at', 'backed_up'])
    .where('account_id', '=', a.id)
    .orderBy('id')
    .execute();
  return rows.map((p) => ({
    name: p.name,
    created_at: p.created_at,
    last_used_at: p.last_used_at,
    synced: Number(p.backed_up) === 1,
  }));
}

/** R28: every sign-in and attempt the audit holds. */
async function signInHistorySection(deps: ExportDeps, a: Account): Promise<ExportRecord[]> {
  const entries = await signInHistory(deps.db, a, 10_000);
  return entries.map((e) => ({ at: e.at, ip: e.ip, user_agent: e.userAgent, step: e.factor, outcome: e.outcome }));
}

/** R31: the requests sent from this account, their timeline and their files' names (never the IBAN in clear). */
async function requestsSection(deps: ExportDeps, a: Account): Promise<ExportRecord[]> {
  const requests = await deps.db
    .selectFrom('requests')
    .innerJoin('members as patient', 'patient.id', 'requests.patient_member_id')
    .select([
      'requests.id',
      'requests.reference',
      'requests.type',
      'requests.status',
      'patient.member_number as patient_member_number',
      'requests.submitted_at',
      'requests.updated_at',
      'requests.service_date',
      'requests.provider',
      'requests.concept',
      'requests.amount_claimed',
      'requests.iban_masked',
      'requests.category',
      'requests.prescription',
      'requests.prescribing_doctor',
      'requests.preferred_provider',
      'requests.amount_approved',
      'requests.amount_paid',
      'requests.paid_on',
      'requests.reason',
      'requests.authorization_number',
      'requests.valid_from',
      'requests.valid_until',
      'requests.authorized_provider',
    ])
    .where('requests.account_id', '=', a.id)
    .orderBy('requests.id', 'desc')
    .execute();
  if (requests.length === 0) return [];
  const ids = requests.map((r) => r.id);
  const [events, files] = await Promise.all([
    deps.db
      .selectFrom('request_events')
      .select(['request_id', 'status', 'actor', 'at'])
      .where('request_id', 'in', ids)
      .orderBy('id')
      .execute(),
    deps.db
      .selectFrom('request_files')
      .innerJoin('files', 'files.id', 'request_files.file_id')
      .select([
        'request_files.request_id',
        'request_files.role',
        'files.name',
        'files.content_type',
        'files.size',
        'files.created_at',
      ])
      .where('request_files.request_id', 'in', ids)
      .orderBy('files.id')
      .execute(),
  ]);
  return requests.map(({ id, ...r }) => ({
    reference: r.reference,
    type: r.type,
    status: r.status,
    patient_member_number: r.patient_member_number,
    submitted_at: r.submitted_at,
    updated_at: r.updated_at,
    service_date: r.service_date,
    provider: r.provider,
    concept: r.concept,
    amount_claimed_cents: r.amount_claimed,
    iban_masked: r.iban_masked,
    category: r.category,
    prescription: r.prescription,
    prescribing_doctor: r.prescribing_doctor,
    preferred_provider: r.preferred_provider,
    amount_approved_cents: r.amount_approved,
    amount_paid_cents: r.amount_paid,
    paid_on: r.paid_on,
    reason: r.reason,
    authorization_number: r.authorization_number,
    valid_from: r.valid_from,
    valid_until: r.valid_until,
    authorized_provider: r.authorized_provider,
    timeline: events.filter((e) => e.request_id === id).map((e) => ({ at: e.at, status: e.status, by: e.actor })),
    files: files
      .filter((f) => f.request_id === id)
      .map((f) => ({ name: f.name, role: f.role, content_type: f.content_type, size: f.size, added_at: f.created_at })),
  }));
}

/** R36: who at the company opened the data of the account's records, as /area/data lists it. */
async function dataAccessesSection(deps: ExportDeps, a: Account): Promise<ExportRecord[]> {
  const own = await deps.db.selectFrom('members').select('id').where('account_id', '=', a.id).execute();
  const { entries } = await listDataAccesses(
    deps.db,
    deps.secretKey,
    own.map((m) => m.id),
    { limit: 10_000 },
  );
  return entries.map((e) => ({
    at: e.at,
    what: e.what,
    reference: e.ref,
    by: e.who.by === 'staff' ? 'staff' : 'insurer_systems',
    role: e.who.by === 'staff' ? e.who.role : null,
    agent_id: e.who.by === 'staff' ? e.who.pseudonym : null,
    reason: e.who.by === 'staff' ? e.who.reason : null,
  }));
}

/** R32: the documents the member sees (their own, their minors', their policies'): what and when, never the bytes. */
async function documentsSection(deps: ExportDeps, a: Account): Promise<ExportRecord[]> {
  const visible = await visibleMembers(deps.db, deps.clock, deps.timeZone, a.id);
  if (visible.length === 0) return [];
  const policies = await deps.db
    .selectFrom('members')
    .select('policy_id')
    .where(
      'id',
      'in',
      visible.map((v) => v.id),
    )
    .execute();
  const docs = await listDocuments(deps.db, {
    memberIds: visible.map((v) => v.id),
    policyIds: [...new Set(policies.map((p) => p.policy_id))],
  });
  return docs.map((d) => ({
    kind: d.kind,
    title_es: d.titleEs,
    title_en: d.titleEn,
    date: d.date,
    size: d.size,
    added_at: d.createdAt,
  }));
}

/** R35: the apps the member let sign them in: name, scopes, since; never a token, code or client secret. */
async function connectedAppsSection(deps: ExportDeps, a: Account): Promise<ExportRecord[]> {
  const apps = await listConnectedApps(deps.db, deps.secretBox, deps.clock, a.id);
  return apps.map((app) => ({
    name: app.name,
    scopes: app.scopes.join(' '),
    since: app.since,
    ...(app.actingFor ? { on_behalf_of: app.actingFor.name } : {}),
  }));
}

/** R36: the whole export of one account. */
export async function buildExport(deps: ExportDeps, account: Account): Promise<DataExport> {
  const [policies, contactChanges, devices, passkeys, history, requests, documents, apps, accesses] = await Promise.all(
    [
      policiesSection(deps, account),
      contactChangesSection(deps, account),
      devicesSection(deps, account),
      passkeysSection(deps, account),
      signInHistorySection(deps, account),
      requestsSection(deps, account),
      documentsSection(deps, account),
      connectedAppsSection(deps, account),
      dataAccessesSection(deps, account),
    ],
  );
  return {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    generated_at: deps.clock.now().toISOString(),
    profile: profileSection(account),
    policies,
    contact_changes: contactChanges,
    devices,
    passkeys,
    sign_in_history: history,
    requests,
    documents,
    connected_apps: apps,
    data_accesses: accesses,
  };
}
