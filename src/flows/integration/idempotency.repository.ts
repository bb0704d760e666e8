import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../../clock.js';
import type { Database } from '../../infra/db/tables.js';

// R31: an `Idempotency-Key` makes a retried status change safe (the IETF httpapi idempotency-key draft's rules): the
// same key and the same call answer what the first call answered, replayed; the same key with another call is refused
// (422). Claiming the key and doing the work share one transaction with the answer, so the key is never left claimed
// without its answer. Keys belong to the API key that sent them (two clients may pick the same key), and are purged
// after a day (janitor.ts).

/** An Idempotency-Key header: 1-255 visible ASCII characters (a UUID, typically). */
export const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** The fingerprint of a call: method, path and body (its keys sorted, so key order does not make it another call). */
export function callHash(method: string, path: string, body: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify([method, path, canonical(body)]))
    .digest('hex');
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  return value;
}

export type Claim =
  { kind: 'claimed' } | { kind: 'replay'; statusCode: number; response: string } | { kind: 'mismatch' };

/**
 * Claims (apiKeyId, key) for this call inside `trx`. On PostgreSQL a concurrent claim of the same key waits on the
 * primary key until the first transaction ends, then finds its answer; SQLite runs transactions one at a time.
 */
export async function claimIdempotencyKey(
  trx: Kysely<Database>,
  clock: Clock,
  apiKeyId: number,
  key: string,
  hash: string,
): Promise<Claim> {
  // ON CONFLICT DO NOTHING rather than a caught unique violation: on PostgreSQL a failed statement would end the
  // transaction, and the claim must go on to read the answer in it.
  const inserted = await trx
    .insertInto('idempotency_keys')
    .values({
      api_key_id: apiKeyId,
      idempotency_key: key,
      request_hash: hash,
      status_code: 0,
      response: '',
      created_at: clock.now().toISOString(),
    })
    .onConflict((oc) => oc.columns(['api_key_id', 'idempotency_key']).doNothing())
    .returning('api_key_id')
    .executeTakeFirst();
  if (inserted) return { kind: 'claimed' };
  const row = await trx
    .selectFrom('idempotency_keys')
    .select(['request_hash', 'status_code', 'response'])
    .where('api_key_id', '=', apiKeyId)
    .where('idempotency_key', '=', key)
    .executeTakeFirstOrThrow();
  if (row.request_hash !== hash) return { kind: 'mismatch' };
  return { kind: 'replay', statusCode: row.status_code, response: row.response };
}

/** Keeps the answer of a claimed key, in the claim's transaction. */
export async function saveIdempotentAnswer(
  trx: Kysely<Database>,
  apiKeyId: number,
  key: string,
  statusCode: number,
  response: string,
): Promise<void> {
  await trx
    .updateTable('idempotency_keys')
    .set({ status_code: statusCode, response })
    .where('api_key_id', '=', apiKeyId)
    .where('idempotency_key', '=', key)
    .execute();
}
