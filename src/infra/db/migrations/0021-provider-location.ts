import type { Kysely } from 'kysely';

// R34 "near me": a distance search first looks inside a small box around the origin and widens it only when the
// page is not full, so it reads the providers nearby through this index instead of measuring all of them.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> (STYLE habit 7)
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('providers_location_idx').on('providers').columns(['latitude', 'longitude']).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> (STYLE habit 7)
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('providers_location_idx').execute();
}
