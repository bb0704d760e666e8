import type { Readable } from 'node:stream';
import { parse, type Parser } from 'csv-parse';

/**
 * A feed file (PRODUCT §2, R34) as CSV records, streamed: a BOM tolerated, empty lines skipped, a record the parser
 * cannot read reported through its 'skip' event rather than ending the import, no record over 64 KiB.
 */
export function feedCsvParser(input: Readable): Parser {
  return input.pipe(
    parse({
      bom: true,
      relax_column_count: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      info: true,
      encoding: 'utf8',
      max_record_size: 64 * 1024,
    }),
  );
}
