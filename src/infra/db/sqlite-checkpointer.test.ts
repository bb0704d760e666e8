import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sql } from 'kysely';
import { openDatabase } from './database.js';

// The WAL is copied back into the database file by the checkpointer's thread, not by the commit that crosses 4 MB
// (bench: a member's 10 MB file cost 38 ms on the event loop, half of it that copy). The node's own automatic
// checkpoint stays as a backstop at 40 MB.

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('a file database: the log is copied into the file within about a second, by the thread; close ends it', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'checkpoint-')), 'db.sqlite');
  const db = openDatabase(`sqlite:${file}`, { checkpointThread: true });
  const [row] = (await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(db.kysely)).rows;
  assert.equal(row!.wal_autocheckpoint, 10_000, 'the backstop: 10,000 pages');
  await sql`create table blobs (id integer primary key, data blob)`.execute(db.kysely);
  const before = statSync(file).size;
  // 8 MB: under the backstop, so only the thread can have copied it into the file.
  for (let i = 0; i < 4; i++) await sql`insert into blobs (data) values (${randomBytes(2_000_000)})`.execute(db.kysely);
  assert.ok(statSync(file).size < before + 1_000_000, 'the commits wrote to the log, not the file');
  let size = statSync(file).size;
  for (let waited = 0; waited < 5_000 && size < 8_000_000; waited += 100) {
    await sleep(100);
    size = statSync(file).size;
  }
  assert.ok(size >= 8_000_000, `the file holds the 8 MB without any commit copying it (${size} bytes)`);
  await db.close();
  assert.equal(existsSync(`${file}-wal`), false, 'both connections closed: the last one removed the log');
  // Opened again, the data is all there.
  const again = openDatabase(`sqlite:${file}`, { checkpointThread: true });
  const [count] = (await sql<{ n: number }>`select count(*) as n from blobs`.execute(again.kysely)).rows;
  assert.equal(count!.n, 4);
  await again.close();
});

test("an in-memory database, or a command (no checkpointThread), keeps SQLite's own checkpoint and no thread", async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'checkpoint-')), 'db.sqlite');
  for (const url of ['sqlite::memory:', `sqlite:${file}`]) {
    const db = openDatabase(url, url.endsWith(':memory:') ? { checkpointThread: true } : {});
    const [row] = (await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(db.kysely)).rows;
    assert.equal(row!.wal_autocheckpoint, 1_000, `SQLite's default, untouched: ${url}`);
    await db.close();
  }
});
