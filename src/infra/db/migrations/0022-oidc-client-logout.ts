import type { Kysely } from 'kysely';

// R35: a client's back-channel logout address (OpenID Connect Back-Channel Logout 1.0: the provider POSTs a signed
// logout token there when the member signs out of the portal, ends every session or disconnects the app) and its
// logo (https only), shown where the member meets the app. Both optional.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> (STYLE habit 7)
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('oidc_clients').addColumn('backchannel_logout_uri', 'text').execute();
  await db.schema.alterTable('oidc_clients').addColumn('logo_uri', 'text').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> (STYLE habit 7)
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('oidc_clients').dropColumn('logo_uri').execute();
  await db.schema.alterTable('oidc_clients').dropColumn('backchannel_logout_uri').execute();
}
