import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { ManualClock } from '../clock.js';
import { PROVIDER_COLUMNS } from '../domain/provider.js';
import { providerCsv as csv, providerFeedRow as providerRow } from '../../test/helpers/fixture.js';
import type { Db } from '../infra/db/database.js';
import { searchProviders } from '../infra/directory/providers.repository.js';
import { describeEachDatabase, freshDatabase } from '../../test/helpers/databases.js';
import { importProviders } from './providers.import.js';

// R34 (issue 29 items 1 and 6): the provider feed — streamed, bad rows reported by line and skipped, idempotent,
// `--full` retires the providers a full file no longer lists.

const clock = new ManualClock('2026-12-01T10:00:00Z');
const HEADER = PROVIDER_COLUMNS.join(',') + '\n';

describeEachDatabase('provider import (R34)', (kind) => {
  let db: Db;
  const run = (text: string, full = false) =>
    importProviders({ db, clock }, Readable.from([Buffer.from(text)]), { full });
  const page = (text: string) => searchProviders(db, { text, page: 1, pageSize: 20 });

  before(async () => {
    db = await freshDatabase(kind);
  });
  after(async () => {
    await db.close();
  });

  test('imports good rows, reports bad ones by line and field, and a re-import changes nothing', async () => {
    const file = csv(
      providerRow({ provider_id: 'PR-1' }),
      providerRow({ provider_id: 'PR-2', name: 'Clínica Sol', kind: 'clinic', specialties: '' }),
      providerRow({ provider_id: 'PR-3', postal_code: '99999' }),
      providerRow({ provider_id: 'PR-4', latitude: 'north' }),
      providerRow({ provider_id: 'PR-1', name: 'Twice' }),
      providerRow({ provider_id: 'PR-5', kind: 'witch' }),
    );
    const first = await run(file);
    assert.equal(first.inserted, 2);
    assert.equal(first.skipped, 4);
    assert.deepEqual(
      first.problems.map((p) => `line ${p.line}: ${p.field}: ${p.code}`),
      [
        'line 4: postal_code: postal_code_invalid',
        'line 5: latitude: invalid_format',
        'line 6: provider_id: duplicate_in_file',
        'line 7: kind: not_allowed',
      ],
    );
    const again = await run(file);
    assert.deepEqual([again.inserted, again.updated, again.unchanged], [0, 0, 2]);
    const changed = await run(csv(providerRow({ provider_id: 'PR-1', phone: '952 999 999' })));
    assert.deepEqual([changed.inserted, changed.updated, changed.retired], [0, 1, 0], 'without --full, PR-2 stays');
    assert.equal((await page('clinica sol')).total, 1);
  });

  test('--full retires the providers the file no longer lists, and they leave every search', async () => {
    const r = await run(csv(providerRow({ provider_id: 'PR-1', phone: '952 999 999' })), true);
    assert.equal(r.retired, 1);
    assert.equal((await page('clinica sol')).total, 0);
    assert.equal((await page('nunez')).total, 1);
    const back = await run(
      csv(providerRow({ provider_id: 'PR-2', name: 'Clínica Sol', kind: 'clinic', specialties: '' })),
    );
    assert.equal(back.updated, 1, 'a retired provider fed again comes back');
    assert.equal((await page('clinica sol')).total, 1);
  });

  test('a wrong header or an empty file retires nothing, even with --full', async () => {
    const wrong = await run('provider_id,name\nPR-9,X\n', true);
    assert.equal(wrong.fileError?.code, 'header_invalid');
    const empty = await run(HEADER, true);
    assert.equal(empty.retired, 0);
    assert.equal((await page('nunez')).total, 1);
  });
});
