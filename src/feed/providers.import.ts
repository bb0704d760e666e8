import type { Readable } from 'node:stream';
import type { CsvError } from 'csv-parse';
import { feedCsvParser } from './csv.js';
import type { Clock } from '../clock.js';
import { PROVIDER_COLUMNS, parseProvider, type ProviderInput, type RawProviderRow } from '../domain/provider.js';
import type { Db } from '../infra/db/database.js';
import {
  refreshDirectoryStatistics,
  retireProvidersNotIn,
  upsertProviders,
} from '../infra/directory/providers.repository.js';
import { CompactKeys } from './compact-keys.js';
import type { RowProblem } from './feed.import.js';

// R34: the provider directory's feed. Streamed row by row (memory stays flat but for a compact set of the file's
// provider ids, for duplicates and --full), applied in batched transactions; a bad row is reported as
// `line N: field: reason` and skipped; an unchanged provider writes nothing, so a re-import is idempotent.

export interface ProviderImportReport {
  rows: number;
  inserted: number;
  updated: number;
  unchanged: number;
  skipped: number;
  retired: number;
  problems: RowProblem[];
  fileError?: RowProblem;
}

const BATCH = 500;
const MAX_REPORTED = 10_000;

export async function importProviders(
  deps: { db: Db; clock: Clock },
  input: Readable,
  options: { full?: boolean } = {},
): Promise<ProviderImportReport> {
  const report: ProviderImportReport = {
    rows: 0,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    skipped: 0,
    retired: 0,
    problems: [],
  };
  const seen = new CompactKeys();
  const problem = (...found: RowProblem[]) => {
    report.skipped++;
    for (const p of found) if (report.problems.length < MAX_REPORTED) report.problems.push(p);
  };
  let batch: ProviderInput[] = [];
  const flush = async () => {
    if (!batch.length) return;
    const rows = batch;
    batch = [];
    const now = deps.clock.now().toISOString();
    const outcomes = await deps.db.kysely.transaction().execute((trx) => upsertProviders(trx, rows, now));
    for (const o of outcomes) report[o]++;
  };

  const parser = feedCsvParser(input);
  parser.on('skip', (err: CsvError) => {
    report.rows++;
    problem({ line: Number(err.lines ?? 0), field: 'row', code: 'csv_unreadable', params: { reason: err.code } });
  });
  let header: number[] | undefined;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const line = info.lines;
      if (!header) {
        const names = record.map((n) => n.trim().toLowerCase());
        const indexes = PROVIDER_COLUMNS.map((c) => names.indexOf(c));
        if (indexes.some((i) => i < 0) || names.length !== PROVIDER_COLUMNS.length) {
          report.fileError = {
            line,
            field: 'header',
            code: 'header_invalid',
            params: { expected: PROVIDER_COLUMNS.join(',') },
          };
          return report;
        }
        header = indexes;
        continue;
      }
      report.rows++;
      if (record.length !== PROVIDER_COLUMNS.length) {
        problem({
          line,
          field: 'row',
          code: 'column_count',
          params: { expected: PROVIDER_COLUMNS.length, found: record.length },
        });
        continue;
      }
      const raw = Object.fromEntries(PROVIDER_COLUMNS.map((c, i) => [c, record[header![i]!] ?? ''])) as RawProviderRow;
      const id = raw.provider_id.trim();
      if (id && !seen.add(id)) {
        problem({ line, field: 'provider_id', code: 'duplicate_in_file' });
        continue;
      }
      const parsed = parseProvider(raw);
      if (!parsed.ok) {
        problem(
          ...parsed.errors.map((e) => ({
            line,
            field: e.field,
            code: e.code,
            ...(e.params ? { params: e.params } : {}),
          })),
        );
        continue;
      }
      batch.push(parsed.value);
      if (batch.length >= BATCH) await flush();
    }
  } catch (err) {
    const csvError = err as CsvError;
    if (!csvError.code?.startsWith('CSV_')) throw err;
    report.fileError = {
      line: Number(csvError.lines ?? 0),
      field: 'file',
      code: 'csv_unreadable',
      params: { reason: csvError.code },
    };
  }
  await flush();
  // A file that broke off, or had no rows, is not a full list: retiring on it would empty the directory.
  if (options.full && !report.fileError && report.rows > 0)
    report.retired = await retireProvidersNotIn(deps.db.kysely, (id) => seen.has(id), deps.clock.now().toISOString());
  if (report.inserted + report.updated + report.retired > 0) await refreshDirectoryStatistics(deps.db);
  return report;
}
