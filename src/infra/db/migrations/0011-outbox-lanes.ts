import type { Kysely } from 'kysely';

// Issue 20 (R7, R11, R25): a message someone is waiting for on a page (a sign-in or contact code, a recovery link)
// goes before notices. Without lanes, a feed import that queues an enrolment email per new member put every code of
// the next minutes behind thousands of them, past its 10 minutes. Lane 0: waited for; lane 1: the rest (existing
// rows included). The claim reads the index in (status, lane, id) order.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> (STYLE habit 7)
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('outbox')
    .addColumn('lane', 'smallint', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema.createIndex('outbox_claim_idx').on('outbox').columns(['status', 'lane', 'id']).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> (STYLE habit 7)
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('outbox_claim_idx').execute();
  await db.schema.alterTable('outbox').dropColumn('lane').execute();
}
