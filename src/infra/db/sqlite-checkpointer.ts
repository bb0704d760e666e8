import { Worker } from 'node:worker_threads';

// SQLite in WAL mode appends each commit to the write-ahead log and, by default, the commit that takes the log past
// 1,000 pages (4 MB) also copies it back into the database file: inside that request, on the event loop. One
// member's 10 MB file made every commit a checkpoint (38 ms a file, half of it the copy; a page waiting behind it).
// A thread of its own does the copy instead, every second, on a connection of its own; the node's connection keeps an
// automatic checkpoint only as a backstop, at 10,000 pages (40 MB), should the thread fall behind. Only a node serving
// requests runs it: a command (an import) has no page waiting, and an extra thread would only add to its memory.

/** How often the thread copies the log into the database. */
export const CHECKPOINT_EVERY_MS = 1_000;
/** The node's own automatic checkpoint, as a backstop: pages of log (4 KB each). */
export const BACKSTOP_PAGES = 10_000;

export interface Checkpointer {
  stop(): Promise<void>;
}

export function startCheckpointer(path: string, everyMs = CHECKPOINT_EVERY_MS): Checkpointer {
  const worker = new Worker(new URL('./sqlite-checkpoint.worker.js', import.meta.url), {
    workerData: { path, everyMs },
  });
  // Never what keeps a process alive; a failure of the thread leaves the backstop.
  worker.unref();
  worker.on('error', () => {});
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  let stopping: Promise<void> | undefined;
  return {
    stop() {
      stopping ??= (async () => {
        worker.postMessage('stop');
        const timer = setTimeout(() => void worker.terminate(), 5_000);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}
