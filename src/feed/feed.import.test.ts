import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { ManualClock } from '../clock.js';
import { todayIn } from '../domain/calendar.js';
import type { Db } from '../infra/db/database.js';
import { createCourier } from '../infra/outbox/courier.js';
import { defaultBrand } from '../config.js';
import { describeEachDatabase, freshDatabase } from '../../test/helpers/databases.js';
import { accountFor, memberFeedRow } from '../../test/helpers/fixture.js';
import { demoFeedCsv, FEED_HEADER, nie, nif, syntheticFeed, toCsvLine, yearsBefore } from './demo-feed.js';
import { type RawFeedRow } from './feed-row.js';
import { importFeed } from './feed.import.js';
import { developmentSecretBox } from '../infra/crypto/secret-box.js';
import { openMessage } from '../infra/outbox/outbox.repository.js';

// PRODUCT §2 (member feed), R19 (enrolment email), R25 (queued in the import's transaction).

const clock = new ManualClock('2026-11-27T10:00:00Z');
const today = todayIn('Europe/Madrid', clock.now());

const row = (partial: Partial<RawFeedRow>): RawFeedRow =>
  memberFeedRow({
    policy_number: 'P-1',
    member_number: 'M-1',
    first_name: 'Ana',
    last_name: 'Pérez',
    date_of_birth: '1980-05-04',
    email: 'ana@example.com',
    ...partial,
  });

const csv = (...rows: RawFeedRow[]) => FEED_HEADER + rows.map(toCsvLine).join('');
const bytes = (text: string | Buffer) => Readable.from([typeof text === 'string' ? Buffer.from(text, 'utf8') : text]);

describeEachDatabase('feed import', (kind) => {
  let db: Db;
  const courier = createCourier({
    clock,
    brand: defaultBrand,
    publicUrl: 'http://localhost:3000',
    box: developmentSecretBox(),
  });
  const run = (input: string | Buffer, batchSize?: number) =>
    importFeed({ db, clock, courier, timeZone: 'Europe/Madrid' }, bytes(input), batchSize ? { batchSize } : {});

  before(async () => {
    db = await freshDatabase(kind);
  });
  after(async () => {
    await db.close();
  });

  test('imports the demo feed, and a second import of the same file changes nothing', async () => {
    const first = await run(demoFeedCsv(today));
    assert.equal(first.skipped, 0, JSON.stringify(first.problems));
    assert.equal(first.inserted, 11);
    const links = await db.kysely.selectFrom('guardian_links').selectAll().execute();
    assert.equal(links.length, 4, 'two minors, two guardians each');
    const emails = (await db.kysely.selectFrom('outbox').selectAll().execute()).map((m) =>
      openMessage(developmentSecretBox(), m),
    );
    // Adults on active local policies with an email: not minors, not international/expatriate, not cancelled.
    assert.deepEqual(emails.map((e) => e.recipient).sort(), [
      'carmen.ruiz@example.com',
      'emily.clarke@example.com',
      'javier.martin@example.com',
      'lucia.garcia@example.com',
      'pablo.sanchez@example.com',
    ]);
    const emily = emails.find((e) => e.recipient === 'emily.clarke@example.com')!;
    assert.equal(emily.language, 'en', 'R19: the member’s language');
    assert.match(emily.body_text, /AS3001/);
    assert.match(emily.body_text, /POL100400/);
    assert.match(emily.body_html ?? '', /AS3001/);

    const before = await db.kysely.selectFrom('members').selectAll().orderBy('id').execute();
    const second = await run(demoFeedCsv(today));
    assert.deepEqual(
      {
        inserted: second.inserted,
        updated: second.updated,
        unchanged: second.unchanged,
        skipped: second.skipped,
        emails: second.enrolmentEmails,
      },
      { inserted: 0, updated: 0, unchanged: 11, skipped: 0, emails: 0 },
    );
    assert.deepEqual(await db.kysely.selectFrom('members').selectAll().orderBy('id').execute(), before);
    assert.equal((await db.kysely.selectFrom('outbox').selectAll().execute()).length, 5, 'no enrolment email twice');
  });

  test('normalises numbers and documents, stores E.164 mobiles, and updates changed rows', async () => {
    const r = await run(
      csv(
        row({
          policy_number: 'np-9.1',
          member_number: 'nm 9-1',
          document_type: 'NIF',
          document_number: '12345678-z',
          mobile: '612 34 56 78',
        }),
      ),
    );
    assert.equal(r.skipped, 0, JSON.stringify(r.problems));
    const m = await db.kysely
      .selectFrom('members')
      .selectAll()
      .where('member_number', '=', 'NM91')
      .executeTakeFirstOrThrow();
    assert.equal(m.document_number, '12345678Z');
    assert.equal(m.mobile, '+34612345678');
    const again = await run(
      csv(
        row({
          policy_number: 'NP91',
          member_number: 'NM91',
          document_type: 'NIF',
          document_number: '12345678Z',
          mobile: '+34612345678',
          city: 'Madrid',
        }),
      ),
    );
    assert.equal(again.updated, 1);
    const updated = await db.kysely
      .selectFrom('members')
      .selectAll()
      .where('member_number', '=', 'NM91')
      .executeTakeFirstOrThrow();
    assert.equal(updated.city, 'Madrid');
    // R23: the agents' name index is written with the member, folded, and follows a change of name.
    assert.equal(updated.search_name, 'perez ana');
    const terms = () =>
      db.kysely
        .selectFrom('member_search_terms')
        .select('term')
        .where('member_id', '=', updated.id)
        .orderBy('term')
        .execute()
        .then((r) => r.map((t) => t.term));
    assert.deepEqual(await terms(), ['ana', 'perez']);
    await run(
      csv(
        row({
          policy_number: 'NP91',
          member_number: 'NM91',
          document_type: 'NIF',
          document_number: '12345678Z',
          mobile: '+34612345678',
          city: 'Madrid',
          first_name: 'Ána María',
          last_name: 'Núñez',
        }),
      ),
    );
    assert.deepEqual(await terms(), ['ana', 'maria', 'nunez']);
  });

  test('reports each bad row with line, field and reason, keeps the good rows and half-writes nothing', async () => {
    const good = row({ policy_number: 'BAD-P', member_number: 'GOOD-1' });
    const text =
      FEED_HEADER +
      toCsvLine(good) + // line 2
      toCsvLine(
        row({
          policy_number: 'BAD-P',
          member_number: 'WRONG-LETTER',
          document_type: 'NIF',
          document_number: '12345678A',
        }),
      ) + // 3
      toCsvLine(
        row({
          policy_number: 'BAD-P',
          member_number: 'MINOR-X',
          date_of_birth: yearsBefore(today, 5),
          guardian_member_numbers: 'NOBODY',
        }),
      ) + // 4
      toCsvLine(row({ policy_number: 'BAD-P', member_number: 'GOOD-1', first_name: 'Dup' })) + // 5
      'BAD-P,active,local,Salud,2025-01-01\n' + // 6: a broken row
      toCsvLine(
        row({
          policy_number: 'BAD-P',
          member_number: 'BADDATE',
          date_of_birth: '1990-02-31',
          postal_code: '53001',
          email: 'not-an-email',
          mobile: '912345678',
        }),
      ) + // 7
      toCsvLine(row({ policy_number: 'BAD-P', member_number: 'GOOD-2', policy_status: 'frozen' })) + // 8
      toCsvLine(row({ policy_number: 'BAD-P', member_number: 'GOOD-3', first_name: 'x'.repeat(10_000) })) + // 9
      toCsvLine(row({ policy_number: 'BAD-P', member_number: 'GOOD-4' })); // 10
    const r = await run(text);
    const found = r.problems.map((p) => `${p.line}:${p.field}:${p.code}`);
    for (const expected of [
      '3:document_number:nif_letter',
      '4:guardian_member_numbers:guardian_unknown',
      '5:member_number:duplicate_in_file',
      '6:row:column_count',
      '7:date_of_birth:date_invalid',
      '7:postal_code:postal_code_invalid',
      '7:email:email_invalid',
      '7:mobile:phone_not_mobile',
      '8:policy_status:not_allowed',
      '9:first_name:too_long',
    ]) {
      assert.ok(found.includes(expected), `expected ${expected} in ${found.join(', ')}`);
    }
    assert.equal(r.skipped, 7);
    assert.equal(r.inserted, 2);
    const members = await db.kysely
      .selectFrom('members')
      .innerJoin('policies', 'policies.id', 'members.policy_id')
      .select(['member_number', 'first_name'])
      .where('policies.policy_number', '=', 'BADP')
      .orderBy('member_number')
      .execute();
    assert.deepEqual(members, [
      { member_number: 'GOOD1', first_name: 'Ana' },
      { member_number: 'GOOD4', first_name: 'Ana' },
    ]);
  });

  test('links a guardian listed later in the file, on the same policy only', async () => {
    const minor = row({
      policy_number: 'FAM-1',
      member_number: 'KID-1',
      role: 'dependent',
      date_of_birth: yearsBefore(today, 9),
      guardian_member_numbers: 'MUM-1;OTHER-1',
    });
    const mum = row({ policy_number: 'FAM-1', member_number: 'MUM-1' });
    const other = row({ policy_number: 'FAM-2', member_number: 'OTHER-1' });
    const r = await run(csv(other, minor, mum), 1);
    assert.deepEqual(
      r.problems.map((p) => [p.line, p.code, p.params?.member_numbers]),
      [[3, 'guardian_unknown', 'OTHER1']],
      'a guardian on another policy is refused',
    );
    const fixed = await run(csv(row({ ...minor, guardian_member_numbers: 'MUM-1' })));
    assert.equal(fixed.inserted, 1);
    const links = await db.kysely
      .selectFrom('guardian_links')
      .innerJoin('members as k', 'k.id', 'guardian_links.minor_member_id')
      .innerJoin('members as g', 'g.id', 'guardian_links.guardian_member_id')
      .select(['k.member_number as kid', 'g.member_number as guardian'])
      .where('k.member_number', '=', 'KID1')
      .execute();
    assert.deepEqual(links, [{ kid: 'KID1', guardian: 'MUM1' }]);
    // R14: a guardian dropped by a later import loses the link.
    await run(csv(row({ ...minor, guardian_member_numbers: '' })));
    assert.equal(
      (
        await db.kysely
          .selectFrom('guardian_links')
          .selectAll()
          .where(
            'minor_member_id',
            '=',
            (
              await db.kysely
                .selectFrom('members')
                .select('id')
                .where('member_number', '=', 'KID1')
                .executeTakeFirstOrThrow()
            ).id,
          )
          .execute()
      ).length,
      0,
    );
  });

  test('a feed listing minors before their guardians imports whole; rows set aside past the limit wait on disk', async () => {
    // Families reversed: each minor comes before the adults it names, so every minor waits for the final pass.
    const [header, ...lines] = [...syntheticFeed(400, today)].map((l) => l.replace(/SY/g, 'RV').replace(/SP/g, 'RP'));
    // A temporary folder of this test's own: other test processes import (and spill) in the shared one meanwhile.
    const ownTmp = mkdtempSync(join(tmpdir(), 'feed-test-'));
    const previousTmp = process.env.TMPDIR;
    process.env.TMPDIR = ownTmp;
    const spilled = () => readdirSync(ownTmp).filter((d) => d.startsWith('member-area-import-')).length;
    const before = spilled();
    const r = await importFeed(
      { db, clock, courier, timeZone: 'Europe/Madrid' },
      bytes(header + lines.reverse().join('')),
      {
        batchSize: 50,
        deferredInMemory: 20,
      },
    ).finally(() => {
      if (previousTmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = previousTmp;
    });
    assert.equal(r.skipped, 0, JSON.stringify(r.problems.slice(0, 3)));
    assert.equal(r.inserted, 400);
    const links = await db.kysely
      .selectFrom('guardian_links')
      .innerJoin('members as k', 'k.id', 'guardian_links.minor_member_id')
      .select(db.kysely.fn.countAll<number>().as('n'))
      .where('k.member_number', 'like', 'RV%')
      .executeTakeFirstOrThrow();
    assert.equal(Number(links.n), 400, 'two guardians for each of the 200 minors');
    assert.equal(spilled(), before, 'the temporary file is removed');
  });

  test('a new record whose document is an account’s username joins that account, only with the same birth date', async () => {
    const doc = nie('Z', 7654321);
    const accountId = await accountFor(
      { db, clock },
      { username: doc, documentType: 'NIE', memberNumbers: [], email: 'r@example.com' },
    );
    await run(
      csv(
        row({
          policy_number: 'OLD-1',
          policy_status: 'cancelled',
          member_number: 'RET-OLD',
          document_type: 'NIE',
          document_number: doc,
          date_of_birth: '1970-01-01',
        }),
      ),
    );
    await db.kysely
      .updateTable('members')
      .set({ account_id: accountId })
      .where('member_number', '=', 'RETOLD')
      .execute();
    const outboxBefore = (await db.kysely.selectFrom('outbox').selectAll().execute()).length;

    const r = await run(
      csv(
        row({
          policy_number: 'NEW-1',
          member_number: 'RET-NEW',
          document_type: 'NIE',
          document_number: doc,
          date_of_birth: '1970-01-01',
        }),
        row({
          policy_number: 'NEW-1',
          member_number: 'NOT-HIM',
          document_type: 'NIE',
          document_number: doc,
          date_of_birth: '1990-06-06',
        }),
      ),
    );
    assert.equal(r.joinedAccounts, 1);
    const joined = await db.kysely
      .selectFrom('members')
      .select(['member_number', 'account_id'])
      .where('member_number', 'in', ['RETNEW', 'NOTHIM'])
      .orderBy('member_number')
      .execute();
    assert.deepEqual(joined, [
      { member_number: 'NOTHIM', account_id: null },
      { member_number: 'RETNEW', account_id: accountId },
    ]);
    // The returning member needs no registration, so no enrolment email for the joined record.
    const queued = (await db.kysely.selectFrom('outbox').selectAll().execute()).slice(outboxBefore);
    assert.equal(queued.length, 1);
  });

  test('rows that disagree about one policy: the first decides, later ones are reported, and a re-run is a no-op (found by fuzzing, issue 9)', async () => {
    const file = csv(
      row({ policy_number: 'CONF-1', member_number: 'CONF-A', product: 'Salud' }),
      row({ policy_number: 'CONF-1', member_number: 'CONF-B', product: 'Dental' }),
      row({ policy_number: 'CONF-1', member_number: 'CONF-C', product: 'Salud' }),
    );
    // batchSize 1: before the fix each batch rewrote the policy with its own last row, on every run.
    const first = await run(file, 1);
    assert.deepEqual(
      first.problems.map((p) => `${p.line}:${p.field}:${p.code}`),
      ['3:policy_number:policy_conflict'],
    );
    assert.equal(first.inserted, 2);
    const again = await run(file, 1);
    assert.deepEqual(
      [again.inserted, again.updated, again.policiesUpdated, again.unchanged, again.skipped],
      [0, 0, 0, 2, 1],
    );
    const policy = await db.kysely
      .selectFrom('policies')
      .select('product')
      .where('policy_number', '=', 'CONF1')
      .executeTakeFirstOrThrow();
    assert.equal(policy.product, 'Salud');
  });

  test('a non-UTF-8 file: the rows with bad bytes are refused, the others kept', async () => {
    const good = toCsvLine(row({ policy_number: 'LAT-1', member_number: 'LAT-GOOD' }));
    const latin1 = Buffer.from(
      toCsvLine(row({ policy_number: 'LAT-1', member_number: 'LAT-BAD', first_name: 'Begoña' })),
      'latin1',
    );
    const r = await run(Buffer.concat([Buffer.from(FEED_HEADER + good), latin1]));
    assert.deepEqual(
      r.problems.map((p) => `${p.line}:${p.field}:${p.code}`),
      ['3:first_name:not_utf8', '3:last_name:not_utf8'],
    );
    assert.equal(r.inserted, 1);
  });

  test('a truncated file (a quote never closed) keeps the rows before and reports where it broke', async () => {
    const text =
      csv(
        row({ policy_number: 'TR-1', member_number: 'TR-1' }),
        row({ policy_number: 'TR-1', member_number: 'TR-2' }),
      ) + 'TR-1,active,local,"Salud unfinished';
    const r = await run(text);
    assert.equal(r.inserted, 2);
    assert.deepEqual(
      r.problems.map((p) => `${p.line}:${p.code}`),
      ['4:csv_unreadable'],
    );
    assert.equal(r.skipped, 1);
  });

  test('a file without the expected header imports nothing', async () => {
    const r = await run('member,policy\n1,2\n');
    assert.equal(r.fileError?.code, 'header_invalid');
    assert.equal(r.inserted, 0);
  });

  test('a synthetic feed of families imports cleanly (the generator used for load measurements)', async () => {
    const text = [...syntheticFeed(200, today)].join('');
    const r = await run(text, 50);
    assert.equal(r.skipped, 0, JSON.stringify(r.problems.slice(0, 3)));
    assert.equal(r.inserted, 200);
    assert.equal(r.policiesInserted, 50);
    assert.equal(nif(12345678), '12345678Z');
  });
});
