import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../src/cluster.js';

// Issue 18: what an operator installs runs without the development dependencies: the built tree (dist/src, bin,
// public, package files) with its node_modules pruned to production ones (`npm prune --omit=dev`, as `npm ci
// --omit=dev` would leave them, without compiling better-sqlite3 again), started with `npm run start:prod`'s command
// in production mode. A runtime import of a dev-only package (TypeScript, Playwright, the test helpers) fails here.

const ROOT = join(import.meta.dirname, '..', '..');

test(
  'a production install without dev dependencies starts, answers ready, and knows its version',
  { timeout: 120_000 },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'prod-start-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    for (const part of ['bin', 'public', 'package.json', 'package-lock.json', join('dist', 'src')])
      cpSync(join(ROOT, part), join(dir, part), { recursive: true });
    // Dereferenced: a node_modules that is itself a link (a second checkout sharing one) must be copied, never pruned.
    cpSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), { recursive: true, dereference: true });
    execFileSync('npm', ['prune', '--omit=dev', '--offline', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'pipe' });
    // (TypeScript stays: i18next lists it as a peer.)
    for (const devOnly of ['playwright-core', 'eslint', 'fast-check', 'smtp-server', 'autocannon', 'mailparser'])
      assert.ok(!existsSync(join(dir, 'node_modules', devOnly)), `${devOnly} was pruned`);

    assert.match(
      execFileSync(process.execPath, ['bin/member-area.js', '--version'], { cwd: dir, encoding: 'utf8' }),
      /^member-area \d+\.\d+\.\d+/,
    );
    const port = await freePort();
    const child = spawn(process.execPath, ['bin/member-area.js', 'serve'], {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'production',
        PORT: String(port),
        HOST: '127.0.0.1',
        PUBLIC_URL: 'https://area.example.es',
        DATABASE_URL: `sqlite:${join(dir, 'portal.db')}`,
        SMTP_URL: 'smtp://127.0.0.1:2525',
        SECRET_KEY: 'production-start-secret-0123456789abcdef',
        ENCRYPTION_KEY: 'ab'.repeat(32),
        TRUST_PROXY: 'loopback',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    child.stdout.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr.on('data', (d: Buffer) => (log += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    t.after(() => child.kill('SIGKILL'));
    let ready = false;
    for (let i = 0; i < 150 && !ready && child.exitCode === null; i++) {
      ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (!ready) await sleep(100);
    }
    assert.ok(ready, `ready without dev dependencies:\n${log}`);
    const home = await fetch(`http://127.0.0.1:${port}/`, { headers: { 'x-forwarded-proto': 'https' } });
    assert.equal(home.status, 200);
    child.kill('SIGTERM');
    assert.equal(await exited, 0, log);
  },
);
