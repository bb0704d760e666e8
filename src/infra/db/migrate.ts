import { Migrator, sql, type Migration, type MigrationProvider } from 'kysely';
import type { Db } from './database.js';
import * as m0001 from './migrations/0001-initial.js';
import * as m0002 from './migrations/0002-captcha.js';
import * as m0003 from './migrations/0003-back-office.js';
import * as m0005 from './migrations/0005-member-search.js';
import * as m0004 from './migrations/0004-integration-api.js';
import * as m0006 from './migrations/0006-audit-append-only.js';
import * as m0007 from './migrations/0007-staff-passwords.js';
import * as m0008 from './migrations/0008-member-notices.js';
import * as m0009 from './migrations/0009-passkeys.js';
import * as m0010 from './migrations/0010-known-devices.js';
import * as m0011 from './migrations/0011-outbox-lanes.js';
import * as m0012 from './migrations/0012-verification-tokens.js';
import * as m0013 from './migrations/0013-requests.js';
import * as m0014 from './migrations/0014-providers.js';
import * as m0015 from './migrations/0015-documents.js';
import * as m0016 from './migrations/0016-oidc.js';
import * as m0017 from './migrations/0017-your-data.js';
import * as m0019 from './migrations/0019-idempotency-keys.js';
import * as m0021 from './migrations/0021-provider-location.js';
import * as m0022 from './migrations/0022-oidc-client-logout.js';
import * as m0023 from './migrations/0023-provider-words.js';
import * as m0024 from './migrations/0024-session-notify.js';
import * as m0025 from './migrations/0025-oidc-grant-index.js';
import * as m0026 from './migrations/0026-files-uncompressed.js';

// Migrations are listed here rather than read from disk, so the compiled bundle and the tests see the same set.
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001-initial': m0001,
  '0002-captcha': m0002,
  '0003-back-office': m0003,
  '0005-member-search': m0005,
  '0004-integration-api': m0004,
  '0006-audit-append-only': m0006,
  '0007-staff-passwords': m0007,
  '0008-member-notices': m0008,
  '0009-passkeys': m0009,
  '0010-known-devices': m0010,
  '0011-outbox-lanes': m0011,
  '0012-verification-tokens': m0012,
  '0013-requests': m0013,
  '0014-providers': m0014,
  '0015-documents': m0015,
  '0016-oidc': m0016,
  '0017-your-data': m0017,
  '0019-idempotency-keys': m0019,
  '0021-provider-location': m0021,
  '0022-oidc-client-logout': m0022,
  '0023-provider-words': m0023,
  '0024-session-notify': m0024,
  '0025-oidc-grant-index': m0025,
  '0026-files-uncompressed': m0026,
};

const provider: MigrationProvider = { getMigrations: async () => ({ ...MIGRATIONS }) };

/** Brings the schema up to date; safe to run from several nodes at once (Kysely takes a migration lock). */
export async function migrateToLatest(db: Db): Promise<string[]> {
  // Kysely looks for its bookkeeping tables by name in every schema; name ours, or a database holding several
  // schemas (one per test run, or per tenant) would find another schema's tables and skip creating its own.
  const schema =
    db.dialect === 'postgres'
      ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db.kysely)).rows[0]?.schema
      : undefined;
  const migrator = new Migrator({ db: db.kysely, provider, ...(schema ? { migrationTableSchema: schema } : {}) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
