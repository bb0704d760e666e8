import { createHash } from 'node:crypto';
import { systemClock } from '../src/clock.js';
import { formatRequestReference, referencePrefix } from '../src/domain/request-reference.js';
import { createApiKey } from '../src/identity/api-keys.js';
import { createSecretBox, parseKey } from '../src/infra/crypto/secret-box.js';
import type { Db } from '../src/infra/db/database.js';
import type { RequestTable } from '../src/infra/db/tables.js';
import type { Insertable } from 'kysely';
import { httpRequest } from './client.js';
import type { PoolMember } from './database.js';
import { cpuMeter } from './servers.js';

// R31 (issue 26 item 7): the core system walking every request through `GET /api/v1/requests` by cursor, as it would
// each night: `count` requests (half reimbursements with a sealed IBAN, half authorizations, one file each) spread
// over the pool's members, read a page at a time with one key. Reports the whole walk's time, each page's latency and
// the server's CPU per page and per request; every page also writes one data-access audit row per request (R36).

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/** Stores `count` requests straight into the database (many rows a statement); returns an API key to read them. */
export async function seedRequests(
  db: Db,
  members: readonly PoolMember[],
  count: number,
  encryptionKey: string,
): Promise<string> {
  const box = createSecretBox(parseKey(encryptionKey)!);
  const now = new Date().toISOString();
  const owners = await db.kysely
    .selectFrom('members')
    .select(['id', 'account_id'])
    .where(
      'account_id',
      'in',
      members.slice(0, 500).map((m) => m.accountId),
    )
    .execute();
  const pdf = Buffer.from('%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n');
  const file = await db.kysely
    .insertInto('files')
    .values({
      name: 'factura.pdf',
      content_type: 'application/pdf',
      size: pdf.length,
      sha256: createHash('sha256').update(pdf).digest('hex'),
      sealed: box.sealBytes([pdf]),
      account_id: null,
      created_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const iban = box.seal('ES9121000418450200051332');
  const CHUNK = 200;
  for (let start = 0; start < count; start += CHUNK) {
    const rows: Insertable<RequestTable>[] = [];
    for (let i = start; i < Math.min(count, start + CHUNK); i++) {
      const owner = owners[i % owners.length]!;
      const reimbursement = i % 2 === 0;
      rows.push({
        type: reimbursement ? 'reimbursement' : 'authorization',
        reference: formatRequestReference(reimbursement ? 'reimbursement' : 'authorization', 2026, i + 1),
        account_id: owner.account_id!,
        member_id: owner.id,
        patient_member_id: owner.id,
        status: 'received',
        version: 1,
        form_token: `bench-form-token-${String(i).padStart(10, '0')}`,
        ...(reimbursement
          ? {
              service_date: '2026-11-20',
              provider: 'Clínica Bench',
              concept: 'consultation',
              amount_claimed: 8_000 + i,
              iban_sealed: iban,
              iban_masked: 'ES91 •••• •••• •••• •••• 1332',
            }
          : {
              category: 'imaging',
              prescription: 'Resonancia magnética',
              prescribing_doctor: 'Dra. Bench',
              preferred_provider: 'Hospital Bench',
            }),
        submitted_at: now,
        updated_at: now,
      });
    }
    const ids = await db.kysely.insertInto('requests').values(rows).returning('id').execute();
    await db.kysely
      .insertInto('request_files')
      .values(ids.map((r) => ({ request_id: r.id, file_id: file.id, role: 'invoice' as const, event_id: null })))
      .execute();
  }
  // The references above were written without the sequence a form takes its next one from (createRequest): move
  // each type's sequence past them, or a request sent through the portal afterwards would draw one already taken.
  for (const type of ['reimbursement', 'authorization'] as const)
    await db.kysely
      .insertInto('request_sequences')
      .values({ prefix: referencePrefix(type), year: 2026, last: count })
      .onConflict((oc) => oc.columns(['prefix', 'year']).doUpdateSet({ last: count }))
      .execute();
  const key = await createApiKey(db.kysely, systemClock, {
    name: 'bench-core',
    scopes: ['requests:read'],
    createdBy: 'bench',
    ratePerMinute: 100_000,
  });
  if (!key.ok) throw new Error(`bench API key: ${JSON.stringify(key.errors)}`);
  return key.value.key;
}

export interface RequestListingResult {
  requests: number;
  pages: number;
  pageSize: number;
  totalSeconds: number;
  requestsPerSecond: number;
  pageP50Ms: number;
  pageP99Ms: number;
  serverCpuMsPerPage: number;
  serverCpuMsPerRequest: number;
  otherCores: number;
}

/** Walks every request by cursor, one page at a time; fails if a request is missing or repeated. */
export async function requestListing(opts: {
  port: number;
  pid: number;
  key: string;
  expected: number;
  pageSize: number;
}): Promise<RequestListingResult> {
  const headers = { authorization: `Bearer ${opts.key}`, 'x-forwarded-for': '192.0.2.30' };
  const seen = new Set<number>();
  const latencies: number[] = [];
  const cpu = cpuMeter([opts.pid]);
  const started = performance.now();
  let after: string | null = null;
  do {
    const t = performance.now();
    const res = await httpRequest(
      opts.port,
      'GET',
      `/api/v1/requests?limit=${opts.pageSize}${after ? `&after=${after}` : ''}`,
      headers,
    );
    latencies.push(performance.now() - t);
    if (res.status !== 200) throw new Error(`GET /api/v1/requests: ${res.status} ${res.body.slice(0, 300)}`);
    const page = JSON.parse(res.body) as { items: { id: number }[]; next_cursor: string | null };
    for (const item of page.items) {
      if (seen.has(item.id)) throw new Error(`request ${item.id} listed twice`);
      seen.add(item.id);
    }
    after = page.next_cursor;
  } while (after !== null);
  const seconds = (performance.now() - started) / 1000;
  const used = cpu.stop();
  if (seen.size !== opts.expected) throw new Error(`listed ${seen.size} requests of ${opts.expected}`);
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    requests: seen.size,
    pages: latencies.length,
    pageSize: opts.pageSize,
    totalSeconds: round(seconds, 2),
    requestsPerSecond: round(seen.size / seconds),
    pageP50Ms: round(percentile(sorted, 50)),
    pageP99Ms: round(percentile(sorted, 99)),
    serverCpuMsPerPage: round((used.server * 1000) / latencies.length, 2),
    serverCpuMsPerRequest: round((used.server * 1000) / seen.size, 3),
    otherCores: used.otherCores,
  };
}
