import type { Kysely } from 'kysely';
import type { Clock } from '../../clock.js';
import type { Database } from '../db/tables.js';
import { purgeExpiredOidc } from '../oidc/oidc-adapter.js';

const DAY = 24 * 3_600_000;

export interface PurgeReport {
  flows: number;
  rateLimits: number;
  captchas: number;
  tokens: number;
  sessions: number;
  idempotencyKeys: number;
  /** R35: the provider's expired codes, tokens, sessions, interactions and grants. */
  oidc: number;
}

/**
 * Deletes what can no longer be used: expired flows, counters and captcha records, and old spent tokens and ended
 * sessions (kept a while for the member's session list and for investigations), and idempotency keys older than a
 * day (R31: a retry comes within minutes; a later one is refused by the request's version anyway). Safe on every node
 * at once.
 */
export async function purgeExpired(db: Kysely<Database>, clock: Clock): Promise<PurgeReport> {
  const now = clock.now();
  const iso = now.toISOString();
  const weekAgo = new Date(now.getTime() - 7 * DAY).toISOString();
  const monthAgo = new Date(now.getTime() - 30 * DAY).toISOString();
  const n = (r: { numDeletedRows: bigint }) => Number(r.numDeletedRows);
  return {
    flows: n(await db.deleteFrom('flows').where('expires_at', '<=', iso).executeTakeFirst()),
    rateLimits: n(await db.deleteFrom('rate_limits').where('expires_at', '<=', iso).executeTakeFirst()),
    captchas: n(await db.deleteFrom('captcha_solutions').where('expires_at', '<=', iso).executeTakeFirst()),
    tokens: n(await db.deleteFrom('one_time_tokens').where('expires_at', '<=', weekAgo).executeTakeFirst()),
    sessions: n(
      await db
        .deleteFrom('sessions')
        .where((eb) => eb.or([eb('ended_at', '<=', monthAgo), eb('absolute_expires_at', '<=', monthAgo)]))
        .executeTakeFirst(),
    ),
    idempotencyKeys: n(
      await db
        .deleteFrom('idempotency_keys')
        .where('created_at', '<=', new Date(now.getTime() - DAY).toISOString())
        .executeTakeFirst(),
    ),
    oidc: await purgeExpiredOidc(db, clock),
  };
}
