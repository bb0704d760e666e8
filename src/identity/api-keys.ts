import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import { ok, type FieldError, type Result } from '../domain/result.js';
import { recordAudit, type AuditContext } from '../infra/audit/audit.repository.js';
import { hashToken, randomToken } from '../infra/crypto/tokens.js';
import type { ApiKey, Database } from '../infra/db/tables.js';

// R24: API keys for the insurer's core system. A key is 256 random bits behind a recognisable prefix (so secret
// scanners and people can tell what leaked); only its SHA-256 hash is stored, the key itself is shown once. Every
// creation and revocation is audited with its actor (R22); the key never appears in the audit log.

export const API_KEY_PREFIX = 'mak_';
export const API_SCOPES = [
  'members:write',
  'members:read',
  'providers:write',
  'requests:read',
  'requests:write',
  'documents:write',
] as const;
export type ApiScope = (typeof API_SCOPES)[number];

/** Requests per minute a new key may make unless its creator chooses otherwise. */
export const DEFAULT_RATE_PER_MINUTE = 600;
export const MAX_RATE_PER_MINUTE = 100_000;
/** last_used_at is written at most this often per key, so a busy key does not turn every call into an update. */
const LAST_USED_RESOLUTION_MS = 60_000;
/** Prefix + 43 base64url characters (32 bytes). */
const KEY_PATTERN = /^mak_[A-Za-z0-9_-]{43}$/;

/** A key as an administrator sees it: never the key, never its hash. */
export interface ApiKeySummary {
  id: number;
  name: string;
  /** The key's first characters (`mak_AbCdEf…`), to recognise it. */
  hint: string;
  scopes: ApiScope[];
  ratePerMinute: number;
  createdBy: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  revokedBy: string | null;
}

/** A key that authenticated a request. */
export interface AuthenticatedKey {
  id: number;
  name: string;
  scopes: ApiScope[];
  ratePerMinute: number;
}

export interface NewApiKey {
  name: string;
  scopes: readonly string[];
  /** Who creates it, as the audit log names actors (`cli`, `staff:12`). */
  createdBy: string;
  ratePerMinute?: number;
}

function isScope(value: string): value is ApiScope {
  return (API_SCOPES as readonly string[]).includes(value);
}

function parseScopes(stored: string): ApiScope[] {
  return stored.split(' ').filter(isScope);
}

function summary(row: ApiKey): ApiKeySummary {
  return {
    id: row.id,
    name: row.name,
    hint: row.key_hint,
    scopes: parseScopes(row.scopes),
    ratePerMinute: row.rate_per_minute,
    createdBy: row.created_by,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
    revokedBy: row.revoked_by,
  };
}

/**
 * Checks a new key's name, scopes and rate; errors use the form's field names (`name`, `scopes`, `rate_per_minute`).
 */
export function validateNewApiKey(
  input: NewApiKey,
): Result<{ name: string; scopes: ApiScope[]; ratePerMinute: number }> {
  const errors: FieldError[] = [];
  const name = input.name.trim().replace(/\s+/g, ' ');
  if (name === '') errors.push({ field: 'name', code: 'required' });
  else if (name.length > 100) errors.push({ field: 'name', code: 'too_long', params: { max: 100 } });
  else if (/\p{Cc}/u.test(name)) errors.push({ field: 'name', code: 'invalid_characters' });
  const scopes: ApiScope[] = [];
  for (const raw of input.scopes) {
    const scope = raw.trim();
    if (!isScope(scope))
      errors.push({ field: 'scopes', code: 'not_allowed', params: { allowed: API_SCOPES.join('|') } });
    else if (!scopes.includes(scope)) scopes.push(scope);
  }
  if (input.scopes.length === 0) errors.push({ field: 'scopes', code: 'required' });
  const ratePerMinute = input.ratePerMinute ?? DEFAULT_RATE_PER_MINUTE;
  if (!Number.isSafeInteger(ratePerMinute) || ratePerMinute < 1 || ratePerMinute > MAX_RATE_PER_MINUTE) {
    errors.push({ field: 'rate_per_minute', code: 'out_of_range', params: { min: 1, max: MAX_RATE_PER_MINUTE } });
  }
  return errors.length ? { ok: false, errors } : ok({ name, scopes, ratePerMinute });
}

/**
 * Creates an API key (R24) and audits it (R22). Returns the key itself exactly once: it cannot be read back later,
 * only its hint. Invalid input is returned as field errors.
 */
export async function createApiKey(
  db: Kysely<Database>,
  clock: Clock,
  input: NewApiKey,
  ctx: AuditContext = {},
): Promise<Result<{ id: number; key: string; hint: string }>> {
  const valid = validateNewApiKey(input);
  if (!valid.ok) return valid;
  const { name, scopes, ratePerMinute } = valid.value;
  const key = API_KEY_PREFIX + randomToken(32);
  const hint = key.slice(0, API_KEY_PREFIX.length + 6);
  const id = await db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('api_keys')
      .values({
        name,
        key_hash: hashToken(key),
        key_hint: hint,
        scopes: scopes.join(' '),
        rate_per_minute: ratePerMinute,
        created_by: input.createdBy,
        created_at: clock.now().toISOString(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordAudit(trx, clock, ctx, {
      event: 'api_key.created',
      outcome: 'success',
      actor: input.createdBy,
      subject: `api-key:${row.id}`,
      details: { name, scopes: scopes.join(' '), rate_per_minute: ratePerMinute },
    });
    return row.id;
  });
  return ok({ id, key, hint });
}

/** Every key, newest first, revoked ones included (an administrator sees what was used when). */
export async function listApiKeys(db: Kysely<Database>): Promise<ApiKeySummary[]> {
  const rows = await db.selectFrom('api_keys').selectAll().orderBy('id', 'desc').execute();
  return rows.map(summary);
}

/** One key by id, or undefined. */
export async function findApiKey(db: Kysely<Database>, id: number): Promise<ApiKeySummary | undefined> {
  const row = await db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
  return row && summary(row);
}

/**
 * Revokes a key at once and for good (R24), audited with its actor (R22). A single conditional update, so two
 * administrators revoking together record one revocation.
 */
export async function revokeApiKey(
  db: Kysely<Database>,
  clock: Clock,
  id: number,
  actor: string,
  ctx: AuditContext = {},
): Promise<{ ok: true; value: { id: number } } | { ok: false; reason: 'already_revoked' | 'not_found' }> {
  return db.transaction().execute(async (trx) => {
    const now = clock.now().toISOString();
    const result = await trx
      .updateTable('api_keys')
      .set({ revoked_at: now, revoked_by: actor })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) {
      const exists = await trx.selectFrom('api_keys').select('id').where('id', '=', id).executeTakeFirst();
      return { ok: false, reason: exists ? 'already_revoked' : 'not_found' };
    }
    await recordAudit(trx, clock, ctx, {
      event: 'api_key.revoked',
      outcome: 'success',
      actor,
      subject: `api-key:${id}`,
    });
    return { ok: true, value: { id } };
  });
}

export type AuthenticationFailure = 'missing' | 'malformed' | 'unknown' | 'revoked';

/**
 * Finds the live key a request presented. The lookup is by hash, so the stored value an attacker would need to
 * match is never compared byte by byte; a revoked key is told apart only for the audit log, never to the caller.
 */
export async function authenticateApiKey(
  db: Kysely<Database>,
  clock: Clock,
  presented: string | undefined,
): Promise<{ ok: true; key: AuthenticatedKey } | { ok: false; reason: AuthenticationFailure; keyId?: number }> {
  if (presented === undefined || presented === '') return { ok: false, reason: 'missing' };
  if (!KEY_PATTERN.test(presented)) return { ok: false, reason: 'malformed' };
  const row = await db
    .selectFrom('api_keys')
    .selectAll()
    .where('key_hash', '=', hashToken(presented))
    .executeTakeFirst();
  if (!row) return { ok: false, reason: 'unknown' };
  if (row.revoked_at !== null) return { ok: false, reason: 'revoked', keyId: row.id };
  const now = clock.now();
  if (row.last_used_at === null || now.getTime() - new Date(row.last_used_at).getTime() >= LAST_USED_RESOLUTION_MS) {
    await db.updateTable('api_keys').set({ last_used_at: now.toISOString() }).where('id', '=', row.id).execute();
  }
  return {
    ok: true,
    key: { id: row.id, name: row.name, scopes: parseScopes(row.scopes), ratePerMinute: row.rate_per_minute },
  };
}

/** True when the key may do what the scope names. */
export function hasScope(key: AuthenticatedKey, scope: ApiScope): boolean {
  return key.scopes.includes(scope);
}
