import type { Kysely } from 'kysely';
import type { RequestStatus } from '../../domain/request-status.js';
import type { SecretBox } from '../../infra/crypto/secret-box.js';
import type { Database, Request, RequestEvent } from '../../infra/db/tables.js';

// R31: what the core system reads of requests. A page is one query for the requests (with the member, policy and
// patient numbers joined in) and one for all their files, whatever the page's size: never a query per request.

/** A request as the API gives it, before JSON: the form's fields, the decision, the files; the IBAN opened. */
export interface ApiRequest {
  id: number;
  type: Request['type'];
  reference: string;
  status: RequestStatus;
  version: number;
  member_number: string;
  policy_number: string;
  patient_member_number: string;
  submitted_at: string;
  updated_at: string;
  service_date: string | null;
  provider: string | null;
  concept: string | null;
  amount_claimed: number | null;
  iban: string | null;
  category: string | null;
  prescription: string | null;
  prescribing_doctor: string | null;
  preferred_provider: string | null;
  amount_approved: number | null;
  amount_paid: number | null;
  paid_on: string | null;
  reason: string | null;
  authorization_number: string | null;
  valid_from: string | null;
  valid_until: string | null;
  authorized_provider: string | null;
  files: ApiFile[];
}

export interface ApiFile {
  id: number;
  name: string;
  content_type: string;
  size: number;
  sha256: string;
  role: string;
}

/** The patient's member id comes along for the data-access audit (R36); it is not part of the answer. */
export type LoadedRequest = ApiRequest & { patientMemberId: number };

const iso = (v: string | Date): string => (v instanceof Date ? v.toISOString() : new Date(v).toISOString());
const day = (v: string | Date | null): string | null =>
  v === null ? null : v instanceof Date ? v.toISOString().slice(0, 10) : String(v).slice(0, 10);

function baseQuery(db: Kysely<Database>) {
  return db
    .selectFrom('requests')
    .innerJoin('members as sender', 'sender.id', 'requests.member_id')
    .innerJoin('members as patient', 'patient.id', 'requests.patient_member_id')
    .innerJoin('policies', 'policies.id', 'patient.policy_id')
    .selectAll('requests')
    .select([
      'sender.member_number as member_number',
      'patient.member_number as patient_member_number',
      'policies.policy_number as policy_number',
    ]);
}

type Row = Request & { member_number: string; patient_member_number: string; policy_number: string };

async function withFiles(db: Kysely<Database>, box: SecretBox, rows: Row[]): Promise<LoadedRequest[]> {
  if (rows.length === 0) return [];
  const files = await db
    .selectFrom('request_files')
    .innerJoin('files', 'files.id', 'request_files.file_id')
    .select([
      'request_files.request_id',
      'files.id',
      'files.name',
      'files.content_type',
      'files.size',
      'files.sha256',
      'request_files.role',
    ])
    .where(
      'request_files.request_id',
      'in',
      rows.map((r) => r.id),
    )
    .orderBy('files.id')
    .execute();
  const byRequest = new Map<number, ApiFile[]>();
  for (const f of files) {
    const list = byRequest.get(f.request_id) ?? [];
    list.push({ id: f.id, name: f.name, content_type: f.content_type, size: f.size, sha256: f.sha256, role: f.role });
    byRequest.set(f.request_id, list);
  }
  return rows.map((r) => ({
    id: r.id,
    type: r.type,
    reference: r.reference,
    status: r.status,
    version: r.version,
    member_number: r.member_number,
    policy_number: r.policy_number,
    patient_member_number: r.patient_member_number,
    submitted_at: iso(r.submitted_at),
    updated_at: iso(r.updated_at),
    service_date: day(r.service_date),
    provider: r.provider,
    concept: r.concept,
    amount_claimed: r.amount_claimed,
    // The core system pays into it, so it gets the IBAN itself; the portal's pages only ever show the mask.
    iban: r.iban_sealed === null ? null : box.open(r.iban_sealed),
    category: r.category,
    prescription: r.prescription,
    prescribing_doctor: r.prescribing_doctor,
    preferred_provider: r.preferred_provider,
    amount_approved: r.amount_approved,
    amount_paid: r.amount_paid,
    paid_on: day(r.paid_on),
    reason: r.reason,
    authorization_number: r.authorization_number,
    valid_from: day(r.valid_from),
    valid_until: day(r.valid_until),
    authorized_provider: r.authorized_provider,
    files: byRequest.get(r.id) ?? [],
    patientMemberId: r.patient_member_id,
  }));
}

/** One page of requests, oldest first, after the request `afterId` (exclusive), optionally of one status. */
export async function listRequestsPage(
  db: Kysely<Database>,
  box: SecretBox,
  options: { status?: RequestStatus | undefined; afterId: number; limit: number },
): Promise<{ items: LoadedRequest[]; more: boolean }> {
  let q = baseQuery(db).where('requests.id', '>', options.afterId);
  if (options.status !== undefined) q = q.where('requests.status', '=', options.status);
  // One more than asked: whether there is a next page, without counting.
  const rows = (await q
    .orderBy('requests.id')
    .limit(options.limit + 1)
    .execute()) as Row[];
  const more = rows.length > options.limit;
  return { items: await withFiles(db, box, rows.slice(0, options.limit)), more };
}

/** One request by id, or undefined. */
export async function loadRequest(
  db: Kysely<Database>,
  box: SecretBox,
  id: number,
): Promise<LoadedRequest | undefined> {
  const row = (await baseQuery(db).where('requests.id', '=', id).executeTakeFirst()) as Row | undefined;
  if (!row) return undefined;
  return (await withFiles(db, box, [row]))[0];
}

/** A request's file, only when it belongs to that request (another request's file id is not found). */
export async function findRequestFile(db: Kysely<Database>, requestId: number, fileId: number) {
  return db
    .selectFrom('request_files')
    .innerJoin('files', 'files.id', 'request_files.file_id')
    .innerJoin('requests', 'requests.id', 'request_files.request_id')
    .select([
      'files.id',
      'files.name',
      'files.content_type',
      'files.size',
      'files.sha256',
      'files.sealed',
      'requests.reference',
      'requests.patient_member_id',
    ])
    .where('request_files.request_id', '=', requestId)
    .where('request_files.file_id', '=', fileId)
    .executeTakeFirst();
}

/** A timeline event as the API gives it: who moved it (member, staff, core) and what the step carried. */
export function apiEvent(e: RequestEvent): {
  status: RequestStatus;
  at: string;
  by: string;
  details: Record<string, unknown>;
} {
  return { status: e.status, at: iso(e.at), by: e.actor, details: JSON.parse(e.details) as Record<string, unknown> };
}
