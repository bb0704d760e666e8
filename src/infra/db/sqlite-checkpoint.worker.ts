import SQLite from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

// The WAL checkpointer's thread (see sqlite-checkpointer.ts): its own connection to the database file copies the
// write-ahead log back into the database every `everyMs`, passively (it never waits for, nor blocks, the node's
// connection), so that copy no longer runs inside a request on the event loop.

const { path, everyMs } = workerData as { path: string; everyMs: number };
const db = new SQLite(path, { fileMustExist: true });
db.pragma('busy_timeout = 0');

const checkpoint = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Busy or locked: the next turn tries again, and the node's own automatic checkpoint stays as a backstop.
  }
};
const timer = setInterval(checkpoint, everyMs);

parentPort!.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort!.close();
});
