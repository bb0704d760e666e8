import { createReadStream } from 'node:fs';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { ImportReport } from './feed.import.js';

// `member-area import FILE` runs the import in a worker thread whose JavaScript heap is capped (IMPORT_HEAP_MB).
// What the import keeps for the whole file lives off that heap (CompactKeys' buffers) and everything else is per
// batch, so the cap holds whatever the feed's size; without it V8 lets garbage pile up to several hundred megabytes
// before collecting it (issue 8: 799 MB for a million rows). A heap too small for a feed fails the import cleanly,
// with the batches already committed kept: a re-run with a larger IMPORT_HEAP_MB carries on idempotently.

interface Job {
  kind: 'member-area-feed-import';
  file: string;
}

export class ImportHeapExhausted extends Error {
  constructor(readonly heapMb: number) {
    super(
      `the import needed more than its ${heapMb} MB heap; run it again with a larger IMPORT_HEAP_MB (batches already applied stay applied)`,
    );
    this.name = 'ImportHeapExhausted';
  }
}

/** Imports `file` (CSV) in a worker thread with a heap of `heapMb`; resolves with the report. */
export function importFileInWorker(file: string, heapMb: number): Promise<ImportReport> {
  const job: Job = { kind: 'member-area-feed-import', file };
  const worker = new Worker(new URL(import.meta.url), {
    workerData: job,
    resourceLimits: { maxOldGenerationSizeMb: heapMb },
  });
  return new Promise((resolve, reject) => {
    let report: ImportReport | undefined;
    worker.on('message', (message: ImportReport) => (report = message));
    worker.once('error', (err: Error & { code?: string }) =>
      reject(err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? new ImportHeapExhausted(heapMb) : err),
    );
    worker.once('exit', (code) =>
      report ? resolve(report) : reject(new Error(`the import worker stopped (exit ${code}) without a report`)),
    );
  });
}

async function runJob(job: Job): Promise<void> {
  const [{ loadConfig }, { openRuntime }, { importFeed }] = await Promise.all([
    import('../config.js'),
    import('../runtime.js'),
    import('./feed.import.js'),
  ]);
  const config = loadConfig();
  const runtime = await openRuntime(config);
  try {
    const report = await importFeed({ ...runtime, timeZone: config.timeZone }, createReadStream(job.file), {
      actor: 'cli',
    });
    parentPort!.postMessage(report);
  } finally {
    await runtime.close();
  }
}

if (!isMainThread && (workerData as Job | undefined)?.kind === 'member-area-feed-import')
  await runJob(workerData as Job);
