import type { Kysely } from 'kysely';
import { timestamp, withId } from '../dialect.js';

// R35: the OpenID Provider's storage. `oidc_payloads` holds every model oidc-provider persists (sessions, grants,
// codes, tokens, interactions, pushed requests, replay detection), keyed by the SHA-256 of the model's id (for codes
// and tokens the id is the token itself) and with the payload sealed (R29): a copy of the database holds no usable
// token. `oidc_clients` are the registered relying parties; a confidential client's secret is kept as its hash.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> (STYLE habit 7)
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('oidc_payloads')
    .addColumn('model', 'varchar(40)', (c) => c.notNull())
    .addColumn('id_hash', 'varchar(64)', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('grant_id', 'varchar(100)')
    .addColumn('uid_hash', 'varchar(64)')
    .addColumn('account_id', 'varchar(64)')
    .addColumn('client_id', 'varchar(100)')
    .addColumn('expires_at', timestamp(db))
    .addColumn('consumed_at', timestamp(db))
    .addPrimaryKeyConstraint('oidc_payloads_pk', ['model', 'id_hash'])
    .execute();
  await db.schema.createIndex('oidc_payloads_grant_idx').on('oidc_payloads').column('grant_id').execute();
  await db.schema.createIndex('oidc_payloads_uid_idx').on('oidc_payloads').column('uid_hash').execute();
  await db.schema.createIndex('oidc_payloads_expires_idx').on('oidc_payloads').column('expires_at').execute();
  await db.schema
    .createIndex('oidc_payloads_account_idx')
    .on('oidc_payloads')
    .columns(['account_id', 'model'])
    .execute();

  await withId(db, db.schema.createTable('oidc_clients'))
    .addColumn('client_id', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('name', 'varchar(100)', (c) => c.notNull())
    .addColumn('secret_hash', 'varchar(64)')
    .addColumn('redirect_uris', 'text', (c) => c.notNull())
    .addColumn('post_logout_redirect_uris', 'text', (c) => c.notNull())
    .addColumn('scopes', 'varchar(500)', (c) => c.notNull())
    .addColumn('first_party', 'integer', (c) => c.notNull())
    .addColumn('created_by', 'varchar(100)', (c) => c.notNull())
    .addColumn('created_at', timestamp(db), (c) => c.notNull())
    .addColumn('revoked_at', timestamp(db))
    .addColumn('revoked_by', 'varchar(100)')
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> (STYLE habit 7)
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('oidc_clients').execute();
  await db.schema.dropTable('oidc_payloads').execute();
}
