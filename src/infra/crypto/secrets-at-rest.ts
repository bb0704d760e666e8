import type { Kysely } from 'kysely';
import type { Database } from '../db/tables.js';
import type { SecretBox } from './secret-box.js';

// R29: every column that holds a secret the product reads back, and the way to (re)seal it. Two uses:
//   - at every start, values still in clear (a database from before R29) are sealed: `mode: 'clear'`;
//   - `member-area secrets rotate`, after ENCRYPTION_KEY changed (the old key in ENCRYPTION_KEYS_PREVIOUS), re-seals
//     every value sealed under another key: `mode: 'rotate'`. Then the old key can be removed.
// Only the rotation touches values sealed under another key: two nodes started with different current keys during a
// rolling change would otherwise undo each other's work.

export interface ResealReport {
  accounts: number;
  staff: number;
  outbox: number;
  flows: number;
  /** R31: members' files (sealed bytes) and requests' IBANs. */
  files: number;
  requests: number;
}

const BATCH = 500;

/** Seals (mode 'clear') or re-seals under the current key (mode 'rotate') every secret at rest; counts the rows. */
export async function resealSecrets(
  db: Kysely<Database>,
  box: SecretBox,
  mode: 'clear' | 'rotate',
): Promise<ResealReport> {
  const needs = (value: string | null): value is string =>
    value !== null && value !== '' && (mode === 'clear' ? !box.isSealed(value) : !box.isCurrent(value));
  const reseal = (value: string) => box.seal(box.isSealed(value) ? box.open(value) : value);
  const report: ResealReport = { accounts: 0, staff: 0, outbox: 0, flows: 0, files: 0, requests: 0 };

  for (const table of ['accounts', 'staff_users'] as const) {
    let after = 0;
    for (;;) {
      const rows = await db
        .selectFrom(table)
        .select(['id', 'totp_secret'])
        .where('totp_secret', 'is not', null)
        .where('id', '>', after)
        .orderBy('id')
        .limit(BATCH)
        .execute();
      if (rows.length === 0) break;
      after = rows.at(-1)!.id;
      for (const row of rows.filter((r) => needs(r.totp_secret))) {
        // Guarded by the value read, so a secret changed meanwhile (a new enrolment) is never overwritten.
        const done = await db
          .updateTable(table)
          .set({ totp_secret: reseal(row.totp_secret!) })
          .where('id', '=', row.id)
          .where('totp_secret', '=', row.totp_secret)
          .executeTakeFirst();
        if (Number(done.numUpdatedRows) === 1) report[table === 'accounts' ? 'accounts' : 'staff']++;
      }
    }
  }

  let after = 0;
  for (;;) {
    const rows = await db
      .selectFrom('outbox')
      .select(['id', 'subject', 'body_text', 'body_html'])
      .where('id', '>', after)
      .orderBy('id')
      .limit(BATCH)
      .execute();
    if (rows.length === 0) break;
    after = rows.at(-1)!.id;
    for (const row of rows.filter((r) => needs(r.subject) || needs(r.body_text) || needs(r.body_html))) {
      const again = (v: string | null) => (v === null || v === '' ? v : needs(v) ? reseal(v) : v);
      await db
        .updateTable('outbox')
        .set({ subject: again(row.subject), body_text: again(row.body_text) ?? '', body_html: again(row.body_html) })
        .where('id', '=', row.id)
        .where('body_text', '=', row.body_text)
        .execute();
      report.outbox++;
    }
  }

  // Pending authenticator enrolments keep their secret in the flow's data (src/flows/account/security.flow.ts,
  // the staff sign-in): short-lived, but a rotation must not leave them unreadable.
  const flows = await db.selectFrom('flows').select(['id', 'data']).where('data', 'like', '%"secret":%').execute();
  for (const flow of flows) {
    const data = JSON.parse(flow.data) as { secret?: unknown };
    if (typeof data.secret !== 'string' || !needs(data.secret)) continue;
    await db
      .updateTable('flows')
      .set({ data: JSON.stringify({ ...data, secret: reseal(data.secret) }) })
      .where('id', '=', flow.id)
      .where('data', '=', flow.data)
      .execute();
    report.flows++;
  }

  // R31: the IBAN a reimbursement is paid into.
  after = 0;
  for (;;) {
    const rows = await db
      .selectFrom('requests')
      .select(['id', 'iban_sealed'])
      .where('iban_sealed', 'is not', null)
      .where('id', '>', after)
      .orderBy('id')
      .limit(BATCH)
      .execute();
    if (rows.length === 0) break;
    after = rows.at(-1)!.id;
    for (const row of rows.filter((r) => needs(r.iban_sealed))) {
      const done = await db
        .updateTable('requests')
        .set({ iban_sealed: reseal(row.iban_sealed!) })
        .where('id', '=', row.id)
        .where('iban_sealed', '=', row.iban_sealed)
        .executeTakeFirst();
      if (Number(done.numUpdatedRows) === 1) report.requests++;
    }
  }

  // R31: files are sealed from the moment they are stored, so only a rotation has work here. One file in memory at a
  // time (up to 10 MB): the ids come in batches, the bytes one by one.
  if (mode === 'rotate') report.files = await resealFiles(db, box);
  return report;
}

async function resealFiles(db: Kysely<Database>, box: SecretBox): Promise<number> {
  let count = 0;
  let after = 0;
  for (;;) {
    const ids = await db.selectFrom('files').select('id').where('id', '>', after).orderBy('id').limit(BATCH).execute();
    if (ids.length === 0) break;
    after = ids.at(-1)!.id;
    for (const { id } of ids) {
      const file = await db.selectFrom('files').select('sealed').where('id', '=', id).executeTakeFirst();
      if (!file || box.isCurrentBytes(Buffer.from(file.sealed))) continue;
      const done = await db
        .updateTable('files')
        .set({ sealed: box.sealBytes(box.openBytes(Buffer.from(file.sealed))) })
        .where('id', '=', id)
        .where('sealed', '=', file.sealed)
        .executeTakeFirst();
      if (Number(done.numUpdatedRows) === 1) count++;
    }
  }
  return count;
}
