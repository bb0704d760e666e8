import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { freePort } from '../../src/cluster.js';
import { postgresTestUrl, type DatabaseKind } from './databases.js';

// The real server as a child process (`member-area serve`), for the fault tests that kill it (issues 9 and 33).
// Waiting for a child process to listen is the one place these tests poll the wall clock.

/** The built command line, as `npx member-area` runs it. */
export const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli.js');

/** A database URL of its own for a child process: a SQLite file, or a fresh PostgreSQL schema. */
export async function childDatabase(
  kind: DatabaseKind,
  dir: string,
  name: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  if (kind === 'sqlite') return { url: `sqlite:${join(dir, `${name}.db`)}`, drop: async () => {} };
  const base = await postgresTestUrl();
  const schema = `crash_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  return {
    url: `${base}?options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    async drop() {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
    },
  };
}

export function childEnv(databaseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'development',
    DATABASE_URL: databaseUrl,
    DEMO_DATA: 'off',
    LOG_LEVEL: 'warn',
    TRUST_PROXY: 'true',
    HOST: '127.0.0.1',
    SECRET_KEY: 'crash-test-secret-key-0123456789abcdef',
    // The worker stays idle, so every queued confirmation is still in the outbox to be counted.
    OUTBOX_POLL_MS: '60000',
    ...extra,
  };
}

/** `member-area serve` on a free port, its output appended to `log`; resolves once /readyz answers. */
export async function startServer(
  databaseUrl: string,
  log: string,
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const child = spawn(process.execPath, [CLI, 'serve'], {
    env: childEnv(databaseUrl, { PORT: String(port), ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = createWriteStream(log, { flags: 'a' });
  child.stdout!.pipe(out);
  child.stderr!.pipe(out);
  for (let i = 0; i < 300 && child.exitCode === null; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) return { child, port };
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  child.kill('SIGKILL');
  throw new Error(`the server did not start (exit ${child.exitCode}); see ${log}`);
}

/** Resolves when the child has exited (at once if it already has). */
export const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((resolve) => child.once('exit', () => resolve()));
