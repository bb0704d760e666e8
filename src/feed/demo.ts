import { Readable } from 'node:stream';
import { todayIn } from '../domain/calendar.js';
import type { Runtime } from '../runtime.js';
import { demoFeedCsv } from './demo-feed.js';
import { importFeed, type ImportReport } from './feed.import.js';
import { demoProvidersCsv } from './demo-providers.js';
import { importProviders } from './providers.import.js';

/** Imports the demo feed (idempotent: a second run changes nothing). */
export async function loadDemo(runtime: Pick<Runtime, 'db' | 'clock' | 'courier' | 'config'>): Promise<ImportReport> {
  const csv = demoFeedCsv(todayIn(runtime.config.timeZone, runtime.clock.now()));
  return importFeed({ ...runtime, timeZone: runtime.config.timeZone }, Readable.from([csv]), { actor: 'demo' });
}

/** PRODUCT §4: a new development database starts with the demo feed, and (R34) a few providers to search. */
export async function loadDemoIfEmpty(
  runtime: Pick<Runtime, 'db' | 'clock' | 'courier' | 'config'>,
): Promise<ImportReport | undefined> {
  const provider = await runtime.db.kysely.selectFrom('providers').select('id').limit(1).executeTakeFirst();
  if (!provider) await importProviders(runtime, Readable.from([demoProvidersCsv()]));
  const any = await runtime.db.kysely.selectFrom('members').select('id').limit(1).executeTakeFirst();
  return any ? undefined : loadDemo(runtime);
}
