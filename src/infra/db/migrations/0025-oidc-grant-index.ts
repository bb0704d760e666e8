import type { Kysely } from 'kysely';

// R35, PRODUCT §5: a token is read together with its grant (oidc-adapter.ts): the grant's row is found by its id in
// `grant_id` and its model. Indexed by `grant_id` alone, the lookup walked every row of the grant (each rotation
// leaves a consumed refresh token and an access token behind: hundreds in a month of use) to find the one grant row;
// with the model in the index it goes straight to it. Ending a grant (every row with its id) still uses the prefix.
// Grant rows written before carry no `grant_id`; their tokens fall back to the provider's own lookup of the grant.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> (STYLE habit 7)
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('oidc_payloads_grant_idx').execute();
  await db.schema.createIndex('oidc_payloads_grant_idx').on('oidc_payloads').columns(['grant_id', 'model']).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('oidc_payloads_grant_idx').execute();
  await db.schema.createIndex('oidc_payloads_grant_idx').on('oidc_payloads').column('grant_id').execute();
}
