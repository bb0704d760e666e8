import { createMetrics } from '../../src/infra/metrics/metrics.js';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import pg from 'pg';
import { buildApp } from '../../src/app.js';
import { ManualClock } from '../../src/clock.js';
import { todayIn } from '../../src/domain/calendar.js';
import { demoFeedCsv, nif } from '../../src/feed/demo-feed.js';
import { importFeed } from '../../src/feed/feed.import.js';
import { openDatabase, type Db } from '../../src/infra/db/database.js';
import { migrateToLatest } from '../../src/infra/db/migrate.js';
import { createCourier } from '../../src/infra/outbox/courier.js';
import { memberWithAccount, signedIn } from '../helpers/fixture.js';
import { BrowserAgent } from '../helpers/browser-agent.js';
import { databaseKinds, postgresTestUrl } from '../helpers/databases.js';
import { testConfig, type TestContext } from '../helpers/setup.js';
import { faultsSkip } from './faults.js';
import { openMessage } from '../../src/infra/outbox/outbox.repository.js';

// Issue 9, faults: PostgreSQL goes away under load. The shared server must not be restarted, so a TCP proxy of our
// own sits between the portal and PostgreSQL: cut() resets every connection through it and refuses new ones,
// restore() lets them through again. Meanwhile the portal answers 503 with a clear page (and /readyz 503), never a
// 500, and afterwards it serves again without being restarted.

/** A TCP proxy to PostgreSQL that can cut every connection and refuse new ones. */
async function startCuttableProxy(target: { host: string; port: number }) {
  const sockets = new Set<Socket>();
  let refusing = false;
  let cuts = 0;
  const server: Server = createServer((client) => {
    if (refusing) {
      client.resetAndDestroy();
      return;
    }
    const upstream = createConnection(target);
    sockets.add(client);
    sockets.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    cut() {
      refusing = true;
      for (const s of sockets) {
        s.resetAndDestroy();
        cuts++;
      }
      sockets.clear();
    },
    restore() {
      refusing = false;
    },
    cuts: () => cuts,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

test(
  'PostgreSQL unavailable under load: 503 meanwhile, recovery without a restart (issue 9)',
  { skip: faultsSkip || (!databaseKinds.includes('postgres') && 'PostgreSQL not reachable'), timeout: 60_000 },
  async (t) => {
    const base = new URL(await postgresTestUrl());
    const schema = `outage_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: base.toString() });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    const direct = openDatabase(base.toString(), { schema, poolSize: 2 });
    await migrateToLatest(direct);

    const proxy = await startCuttableProxy({ host: base.hostname, port: Number(base.port || 5432) });
    const proxied = new URL(base);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(proxy.port);
    const db: Db = openDatabase(proxied.toString(), { schema, poolSize: 5 });
    const clock = new ManualClock();
    const config = testConfig({ TRUST_PROXY: 'true' });
    const courier = createCourier({ clock, brand: config.brand, publicUrl: config.publicUrl, box: config.secretBox });
    const app = await buildApp({
      config,
      db,
      clock,
      courier,
      metrics: createMetrics({ processMetrics: false }),
      logger: false,
    });
    const ctx = {
      app,
      db,
      clock,
      courier,
      config,
      outbox: async () =>
        (await db.kysely.selectFrom('outbox').selectAll().orderBy('id').execute()).map((m) =>
          openMessage(config.secretBox, m),
        ),
    } as unknown as TestContext;
    t.after(async () => {
      await app.close();
      await db.close().catch(() => {});
      await direct.close();
      await proxy.close();
      await admin.query(`drop schema ${schema} cascade`);
      await admin.end();
    });

    await importFeed(
      { db, clock, courier, timeZone: 'Europe/Madrid' },
      Readable.from([demoFeedCsv(todayIn('Europe/Madrid', clock.now()))]),
    );
    await memberWithAccount(ctx, { n: 1 });
    const member = await signedIn(ctx, { username: nif(70_000_001), email: 'member1@example.com' });
    const visitor = new BrowserAgent(app, { 'x-forwarded-for': '10.1.1.1' });
    await visitor.get('/register');

    /** A burst of the requests a busy portal gets: readiness probes, private pages, sign-ins and registrations. */
    const burst = () =>
      Promise.all([
        app.inject('/readyz'),
        member.get('/area'),
        member.get('/area/contact'),
        app.inject({ url: '/sign-in' }),
        visitor.post('/register', { member_number: 'AS1001', birth_date: '1985-03-14', policy_number: 'POL-100200' }),
        visitor.post('/sign-in', { username: nif(70_000_001), password: 'Wrong1234' }),
        member.get('/area/card'),
      ]);

    const healthy = await burst();
    assert.equal(healthy[0].statusCode, 200);
    assert.equal(healthy[1].statusCode, 200);

    proxy.cut();
    const statuses: number[] = [];
    for (let round = 0; round < 4; round++) {
      const during = await burst();
      for (const res of during) {
        statuses.push(res.statusCode);
        assert.notEqual(res.statusCode, 500, `${res.statusCode} ${res.body.slice(0, 300)}`);
      }
      assert.equal(during[0].statusCode, 503, '/readyz says unavailable');
      const page = during[1];
      assert.equal(page.statusCode, 503, 'a private page says unavailable');
      assert.match(page.body, /<h1[^>]*>[^<]*(disponible|available)/i, 'a clear page');
      assert.equal(page.headers['retry-after'], '30');
    }
    assert.ok(proxy.cuts() > 0, 'live connections were cut');

    proxy.restore();
    // The pool reconnects by itself: the very next requests succeed, the app was never restarted.
    const recovered = await burst();
    assert.equal(recovered[0].statusCode, 200, '/readyz ready again');
    assert.equal(recovered[1].statusCode, 200, 'the same session serves private pages again');
    assert.equal(recovered[2].statusCode, 200);
    console.log(
      `[postgres] outage: ${proxy.cuts()} connections cut, ${statuses.length} requests during it, statuses ${JSON.stringify([...new Set(statuses)].sort())}`,
    );
  },
);
