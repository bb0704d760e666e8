import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { generate } from 'otplib';
import pg from 'pg';
import { buildApp } from '../src/app.js';
import { ManualClock } from '../src/clock.js';
import { verifyPassword } from '../src/infra/crypto/password-hash.js';
import { openDatabase } from '../src/infra/db/database.js';
import { createMetrics } from '../src/infra/metrics/metrics.js';
import { createCourier } from '../src/infra/outbox/courier.js';
import { BrowserAgent } from './helpers/browser-agent.js';
import { cli } from './helpers/cli.js';
import { databaseKinds, postgresTestUrl } from './helpers/databases.js';
import { testConfig } from './helpers/setup.js';

// R23: `member-area staff create-admin` makes the first administrator from the terminal: a generated password and
// an otpauth:// URI, printed once; a username that exists is refused.

function printed(stdout: string): { password: string; uri: URL } {
  const password = /Password \(shown only this once[^)]*\): (\S+)/.exec(stdout)?.[1];
  const uri = /^(otpauth:\/\/totp\/\S+)$/m.exec(stdout)?.[1];
  assert.ok(password && uri, stdout);
  return { password, uri: new URL(uri) };
}

/**
 * The printed administrator signs in with the password and the app, and must choose their own password before any
 * other page opens (issue 15 item 5), on the database at `url`.
 */
async function firstSignIn(url: string, username: string, password: string, secret: string): Promise<void> {
  const db = openDatabase(url);
  const clock = new ManualClock(new Date());
  const config = testConfig();
  const app = await buildApp({
    config,
    db,
    clock,
    courier: createCourier({ clock, brand: config.brand, publicUrl: config.publicUrl, box: config.secretBox }),
    metrics: createMetrics({ processMetrics: false }),
    logger: false,
  });
  try {
    const row = await db.kysely
      .selectFrom('staff_users')
      .selectAll()
      .where('username', '=', username)
      .executeTakeFirstOrThrow();
    assert.equal(row.role, 'admin');
    assert.equal(row.display_name, 'Ana Root');
    assert.equal(config.secretBox.open(row.totp_secret!), secret, 'sealed at rest (R29)');
    assert.ok(await verifyPassword(row.password_hash, password));
    const created = await db.kysely
      .selectFrom('audit_events')
      .selectAll()
      .where('event', '=', 'staff.created')
      .executeTakeFirstOrThrow();
    assert.equal(created.actor, 'cli');
    assert.ok(!created.details?.includes(password) && !created.details?.includes(secret));

    const agent = new BrowserAgent(app);
    await agent.get('/backoffice/sign-in');
    assert.equal(
      (await agent.post('/backoffice/sign-in', { username, password })).headers.location,
      '/backoffice/sign-in/verify',
    );
    const code = await generate({ secret, epoch: Math.floor(clock.now().getTime() / 1000) });
    assert.equal((await agent.post('/backoffice/sign-in/verify', { code })).headers.location, '/backoffice');
    // Issue 15: a printed password opens nothing but the page to choose one's own.
    assert.equal((await agent.get('/backoffice/staff')).headers.location, '/backoffice/password');
    assert.equal(
      (await agent.post('/backoffice/staff/new', { username: 'x.y', email: 'x@y.es', role: 'agent', confirmed: '1' }))
        .statusCode,
      403,
    );
    assert.match((await agent.get('/backoffice/password')).body, /data-notice="required"/);
    const same = await agent.post('/backoffice/password', {
      current_password: password,
      password,
      password_confirmation: password,
    });
    assert.equal(same.statusCode, 400, 'not the generated one again');
    const own = 'Raiz2031Propia';
    assert.equal(
      (
        await agent.post('/backoffice/password', {
          current_password: password,
          password: own,
          password_confirmation: own,
        })
      ).headers.location,
      '/backoffice/password?changed=1',
    );
    assert.equal((await agent.get('/backoffice/staff')).statusCode, 200);
  } finally {
    await app.close();
    await db.close();
  }
}

test('staff create-admin on SQLite: the administrator it prints can sign in with the password and the app; duplicates and bad input refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'staff-cli-'));
  const url = `sqlite:${join(dir, 'portal.db')}`;
  const created = await cli(
    ['staff', 'create-admin', '--username', 'Root.Admin', '--email', 'root@staff.example', '--name', 'Ana Root'],
    { DATABASE_URL: url },
  );
  assert.equal(created.code, 0, created.stderr);
  const { password, uri } = printed(created.stdout);
  assert.ok(password.length >= 20);
  const secret = uri.searchParams.get('secret');
  assert.ok(secret);
  assert.match(decodeURIComponent(uri.pathname), /root\.admin/);

  const again = await cli(['staff', 'create-admin', '--username', 'root.admin', '--email', 'other@staff.example'], {
    DATABASE_URL: url,
  });
  assert.equal(again.code, 1);
  assert.match(again.stderr, /already exists/);
  assert.doesNotMatch(again.stdout, /Password/);
  for (const bad of [
    ['staff', 'create-admin', '--email', 'x@y.es'],
    ['staff', 'create-admin', '--username', 'ok.name', '--email', 'nope'],
    ['staff', 'create-admin', '--username', 'ok.name', '--email', 'x@y.es', '--bogus'],
    ['staff', 'frob'],
  ]) {
    assert.equal((await cli(bad, { DATABASE_URL: url })).code, 2, bad.join(' '));
  }

  await firstSignIn(url, 'root.admin', password, secret);
});

test(
  'staff create-admin on PostgreSQL: the same first sign-in and forced password change',
  { skip: !databaseKinds.includes('postgres') && 'PostgreSQL not reachable' },
  async () => {
    const schema = `staffcli_${process.pid}_${Date.now()}`;
    const base = await postgresTestUrl();
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    try {
      const url = `${base}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
      const created = await cli(
        ['staff', 'create-admin', '--username', 'pg.admin', '--email', 'pg@staff.example', '--name', 'Ana Root'],
        {
          DATABASE_URL: url,
        },
      );
      assert.equal(created.code, 0, created.stderr);
      const { password, uri } = printed(created.stdout);
      assert.equal(
        (
          await cli(['staff', 'create-admin', '--username', 'pg.admin', '--email', 'pg@staff.example'], {
            DATABASE_URL: url,
          })
        ).code,
        1,
      );
      const { rows } = await admin.query(`select role, status from ${schema}.staff_users`);
      assert.deepEqual(rows, [{ role: 'admin', status: 'active' }]);
      await firstSignIn(url, 'pg.admin', password, uri.searchParams.get('secret')!);
    } finally {
      await admin.query(`drop schema ${schema} cascade`);
      await admin.end();
    }
  },
);
