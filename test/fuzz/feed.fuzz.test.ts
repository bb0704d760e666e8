import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { FEED_HEADER, nif, toCsvLine } from '../../src/feed/demo-feed.js';
import { FEED_COLUMNS, type RawFeedRow } from '../../src/feed/feed-row.js';
import { importFeed, type ImportReport } from '../../src/feed/feed.import.js';
import { describeEachDatabase } from '../helpers/databases.js';
import { setup, type TestContext } from '../helpers/setup.js';
import { anyText, checkAsync } from './fuzz.js';

// Issue 9, fuzzing the member feed (PRODUCT §2): random rows, then random damage to the file (bytes flipped, quotes,
// commas and newlines inserted, cut short, invalid UTF-8, a BOM, CRLF), delivered in random chunks. The import never
// throws, accounts for every record (imported or reported with its line), writes only what it reports, and a second
// run of the same file changes nothing.

const memberNumber = fc.constantFrom(
  'M-1',
  'M-2',
  'M-3',
  'M-4',
  'M-5',
  'M-6',
  'M-7',
  'M-8',
  'm 9',
  'M.10',
  'M-11',
  'M-12',
);
const birthDate = fc
  .date({ min: new Date('1920-01-01'), max: new Date('2024-01-01'), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));
const POLICIES: Record<
  string,
  Pick<RawFeedRow, 'policy_status' | 'scheme' | 'product' | 'policy_start' | 'policy_end'>
> = {
  'P-1': {
    policy_status: 'active',
    scheme: 'local',
    product: 'Salud "Plus", familia',
    policy_start: '2024-01-01',
    policy_end: '',
  },
  'P-2': {
    policy_status: 'active',
    scheme: 'international',
    product: 'Dental\nFamilia',
    policy_start: '2025-06-30',
    policy_end: '2030-12-31',
  },
  'p-3': {
    policy_status: 'cancelled',
    scheme: 'local',
    product: 'Salud',
    policy_start: '2024-01-01',
    policy_end: '2030-12-31',
  },
};
/** A good row, with now and then one field spoilt (a bad value, or an unknown guardian). */
const validRow: fc.Arbitrary<RawFeedRow> = fc
  .record({
    policy_number: fc.constantFrom('P-1', 'P-2', 'p-3'),
    member_number: memberNumber,
    role: fc.constantFrom('holder', 'dependent'),
    first_name: fc.constantFrom('Eva', 'José Ñúñez', 'Zoë'),
    last_name: fc.constantFrom('Gil', 'García-López', "O'Neill"),
    date_of_birth: fc.oneof(fc.constantFrom('2015-05-05', '2012-02-29'), birthDate),
    document: fc.oneof(
      fc.constant(['', '']),
      fc.integer({ min: 1, max: 99_999_999 }).map((n) => ['NIF', nif(n)]),
      fc.constant(['PASSPORT', 'AB123456']),
    ),
    email: fc.oneof(
      fc.constantFrom('', 'eva@example.com', 'José.Núñez@Example.ES'),
      fc.stringMatching(/^[a-z]{1,8}(\.[a-z0-9]{1,8})?@[a-z]{2,8}\.(es|com)$/),
    ),
    mobile: fc.constantFrom('', '612345678', '+34 612 345 678'),
    address_line: fc.constantFrom('', 'Calle Mayor 1, 3º B'),
    postal_code: fc.constantFrom('', '28013'),
    city: fc.constantFrom('', 'Madrid'),
    province: fc.constantFrom('', 'Madrid'),
    country: fc.constantFrom('ES', 'es'),
    language: fc.constantFrom('es', 'en'),
    guardian_member_numbers: fc.oneof(
      fc.constant(''),
      fc.constant(''),
      fc.array(memberNumber, { maxLength: 2 }).map((a) => a.join(';')),
    ),
    spoil: fc.oneof(
      { weight: 5, arbitrary: fc.constant(null) },
      {
        weight: 1,
        arbitrary: fc.tuple(
          fc.constantFrom(...FEED_COLUMNS),
          fc.oneof(
            anyText(20),
            fc.constantFrom('', 'bogus', '2024-02-30', '12345678A', 'not-an-email', '911234567', '99999', 'XX', 'fr'),
          ),
        ),
      },
    ),
  })
  .map(({ document, spoil, ...r }) => {
    // A policy's columns are the same on every row naming it (as the core system sends them), unless spoilt.
    const policy = POLICIES[r.policy_number] ?? POLICIES['P-1']!;
    const row: RawFeedRow = { ...r, ...policy, document_type: document[0] ?? '', document_number: document[1] ?? '' };
    if (spoil) row[spoil[0]] = spoil[1];
    return row;
  });

type Damage =
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'bytes'; at: number; bytes: number[] };

const damage: fc.Arbitrary<Damage> = fc.oneof(
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.oneof(fc.constantFrom('"', ',', '\n', '\r\n', '""', '\r', ',,,,', '\ufeff', '\u0000'), anyText(10)),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 20 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('bytes' as const),
    at: fc.nat(),
    bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 4 }),
  }),
);

function damaged(file: Buffer, hurts: Damage[]): Buffer {
  let b = file;
  for (const d of hurts) {
    const at = b.length === 0 ? 0 : d.at % (b.length + 1);
    if (d.kind === 'insert') b = Buffer.concat([b.subarray(0, at), Buffer.from(d.text), b.subarray(at)]);
    else if (d.kind === 'delete') b = Buffer.concat([b.subarray(0, at), b.subarray(at + d.length)]);
    else if (d.kind === 'truncate') b = b.subarray(0, at);
    else b = Buffer.concat([b.subarray(0, at), Buffer.from(d.bytes), b.subarray(at)]);
  }
  return b;
}

const feedFile = fc.record({
  header: fc.constantFrom(
    FEED_HEADER,
    '\ufeff' + FEED_HEADER,
    FEED_HEADER.toUpperCase().replace(/\n$/, '\r\n'),
    FEED_COLUMNS.slice().reverse().join(',') + '\n',
  ),
  rows: fc.array(validRow, { minLength: 1, maxLength: 14, size: 'max' }),
  crlf: fc.boolean(),
  hurts: fc.oneof(
    { weight: 1, arbitrary: fc.constant([] as Damage[]) },
    { weight: 1, arbitrary: fc.array(damage, { minLength: 1, maxLength: 4 }) },
  ),
  random: fc.oneof(
    { weight: 9, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 400 }) },
  ),
  chunks: fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 8 }),
});

/** Splits a buffer into chunks of the given sizes (cycled), so multi-byte characters may straddle two chunks. */
function chunked(b: Buffer, sizes: number[]): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0, i = 0; at < b.length; i++) {
    const n = sizes[i % sizes.length] ?? 16;
    out.push(b.subarray(at, at + n));
    at += n;
  }
  return out;
}

describeEachDatabase('member feed import with random and damaged files (issue 9, PRODUCT §2)', (kind) => {
  let ctx: TestContext;
  const totals = { files: 0, records: 0, imported: 0, reported: 0 };
  const deps = () => ({ db: ctx.db, clock: ctx.clock, courier: ctx.courier, timeZone: 'Europe/Madrid' });
  const count = async (table: 'members' | 'policies' | 'outbox' | 'guardian_links') =>
    Number(
      (
        await ctx.db.kysely
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  before(async () => {
    ctx = await setup(kind);
  });
  after(async () => {
    console.log(
      `[${kind}] ${totals.files} feed files, ${totals.records} records: ${totals.imported} imported, ${totals.reported} reported`,
    );
    await ctx.close();
  });

  test('never throws; every record is imported or reported; a second run changes nothing', async () => {
    await checkAsync(
      fc.asyncProperty(feedFile, async (f) => {
        for (const table of ['guardian_links', 'members', 'policies', 'outbox'] as const)
          await ctx.db.kysely.deleteFrom(table).execute();
        const eol = (s: string) => (f.crlf ? s.replace(/\n/g, '\r\n') : s);
        const clean = Buffer.from(eol(f.header + f.rows.map(toCsvLine).join('')));
        const file = f.random ? Buffer.from(f.random) : damaged(clean, f.hurts);
        const run = () => importFeed(deps(), Readable.from(chunked(file, f.chunks)), { batchSize: 4 });

        const first: ImportReport = await run();
        if (process.env.FUZZ_TRACE)
          console.log(
            JSON.stringify({
              rows: f.rows.length,
              hurts: f.hurts.length,
              random: !!f.random,
              bytes: file.length,
              report: { ...first, problems: first.problems.slice(0, 2) },
            }),
          );
        const what = JSON.stringify(file.toString('latin1')).slice(0, 3000);
        const applied = first.inserted + first.updated + first.unchanged;
        const failedRows = first.skipped - (first.fileError ? 1 : 0);
        assert.equal(
          applied + failedRows,
          first.rows,
          `every record is imported or reported: ${JSON.stringify(first)} ${what}`,
        );
        const reportedLines = new Set(first.problems.map((p) => p.line));
        assert.ok(
          reportedLines.size <= failedRows && (failedRows === 0 || reportedLines.size >= 1),
          `skipped rows carry their lines: ${JSON.stringify(first)}`,
        );
        for (const p of first.problems) assert.ok(p.line >= 1 && p.field && p.code, JSON.stringify(p));
        assert.equal(await count('members'), first.inserted, `only what it reports is written ${what}`);
        assert.equal(await count('outbox'), first.enrolmentEmails);
        if (first.fileError) assert.ok(first.fileError.code && first.fileError.line >= 0);

        const second = await run();
        assert.deepEqual(
          {
            inserted: second.inserted,
            updated: second.updated,
            policiesInserted: second.policiesInserted,
            policiesUpdated: second.policiesUpdated,
            enrolmentEmails: second.enrolmentEmails,
            rows: second.rows,
            skipped: second.skipped,
          },
          {
            inserted: 0,
            updated: 0,
            policiesInserted: 0,
            policiesUpdated: 0,
            enrolmentEmails: 0,
            rows: first.rows,
            skipped: first.skipped,
          },
          `a re-run changes nothing ${what}`,
        );
        assert.equal(await count('members'), first.inserted);
        totals.files++;
        totals.records += first.rows;
        totals.imported += applied;
        totals.reported += failedRows;
      }),
      kind === 'sqlite' ? 100 : 20,
    );
  });
});
