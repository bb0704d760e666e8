import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

// A benchmark is not a test; this only checks that `npm run bench` starts: it seeds SQLite, starts the portal as in
// production, signs a member in over HTTP, measures the hash ceiling and idle memory, imports and searches a small
// provider directory, renews apps' access at the OpenID token endpoint, and writes its results.
test('the bench script starts and writes its results', () => {
  const out = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
  try {
    const run = spawnSync(process.execPath, [join(import.meta.dirname, 'run.js')], {
      env: {
        ...process.env,
        BENCH_QUICK: '1',
        BENCH_DB: 'sqlite',
        BENCH_SKIP: 'signin,passkey,page,password,scale,import',
        BENCH_CEILING_S: '0.2',
        BENCH_SETTLE_S: '0',
        BENCH_DIRECTORY_ROWS: '300',
        BENCH_DIRECTORY_S: '1',
        BENCH_OIDC_S: '1',
        BENCH_OUT: out,
      },
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(run.status, 0, run.stderr);
    const results = JSON.parse(readFileSync(join(out, 'quick.json'), 'utf8'));
    assert.ok(results.sqlite.ceiling.verificationsPerSecond > 0);
    assert.ok(results.sqlite.rssIdleMb > 0);
    assert.equal(results.sqlite.directory.providers, 300);
    assert.ok(results.sqlite.directory.postalCodeDistance.peakPerSecond > 0);
    // R31: the API listing phase walked every seeded request by cursor (BENCH_QUICK seeds 500).
    assert.equal(results.sqlite.requestListing.requests, 500, JSON.stringify(results.sqlite.requestListing));
    // R31: uploads went through the form beside the seeded requests (their references do not collide).
    assert.ok(results.sqlite.uploads.pdf.ms > 0 && results.sqlite.uploads.concurrent.uploads > 0);
    assert.match(run.stdout, /\| Server RSS idle \|/);
    // R35: the token endpoint renewed access for every app, without an error.
    assert.ok(results.sqlite.oidcRefresh.completed > 0, JSON.stringify(results.sqlite.oidcRefresh));
    assert.equal(results.sqlite.oidcRefresh.errors, 0);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
