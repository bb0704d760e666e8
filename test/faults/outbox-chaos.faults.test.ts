import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { systemClock } from '../../src/clock.js';
import { defaultBrand } from '../../src/config.js';
import { signInCodeEmail } from '../../src/flows/sign-in/sign-in.emails.js';
import { developmentSecretBox } from '../../src/infra/crypto/secret-box.js';
import { openDatabase, type Db } from '../../src/infra/db/database.js';
import { migrateToLatest } from '../../src/infra/db/migrate.js';
import { createCourier } from '../../src/infra/outbox/courier.js';
import { childDatabase, exited, startServer } from '../helpers/child-server.js';
import { describeEachDatabase, PG_URL, postgresTestUrl } from '../helpers/databases.js';
import { startSmtpReceiver, type SmtpReceiver } from '../helpers/smtp-receiver.js';
import { faultsSkip } from './faults.js';

// Issue 33 (R25, R7): sign-in codes through a node's death and a database cut, with the real server processes and a
// real SMTP receiver that can be slowed. A node killed while it sends codes leaves them to the next node within one
// lease (20 s by default), not 5 minutes; a "sent" record lost to a database cut after the mail server accepted the
// message is retried, and the message is not delivered again. The wall clock is what is measured here.

const CODES = 10;

describeEachDatabase("the outbox under faults: a node's death and a database cut (issue 33)", (kind) => {
  let dir: string;
  let receiver: SmtpReceiver;
  let db: Db | undefined;
  const drops: (() => Promise<void>)[] = [];
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'outbox-chaos-'));
    receiver = await startSmtpReceiver();
  });
  after(async () => {
    await db?.close();
    for (const drop of drops) await drop();
    await receiver.close();
    if (!process.env.KEEP_CHAOS_LOGS) rmSync(dir, { recursive: true, force: true });
  });

  /** A database of the nodes' own, migrated, and a courier that queues sign-in code emails into it. */
  async function prepare(name: string) {
    const database = await childDatabase(kind, dir, name);
    drops.push(database.drop);
    db = openDatabase(database.url);
    await migrateToLatest(db);
    const courier = createCourier({
      clock: systemClock,
      brand: defaultBrand,
      publicUrl: 'http://localhost:3000',
      box: developmentSecretBox(),
    });
    const queue = async (prefix: string, count: number) => {
      for (let i = 0; i < count; i++)
        await courier.email(db!.kysely, `${prefix}${i}@example.com`, 'es', signInCodeEmail, {
          code: String(100_000 + i),
          link: `http://localhost:3000/sign-in/link/${prefix}${i}`,
        });
    };
    return { url: database.url, db, queue };
  }
  const statuses = async (d: Db) =>
    d.kysely.selectFrom('outbox').select(['status', 'locked_by']).where('template', '=', 'signin-code').execute();
  const received = (prefix: string) =>
    receiver.messages.map((m) => m.to && 'text' in m.to && m.to.text).filter((to) => to && to.startsWith(prefix));
  async function until(what: string, check: () => Promise<boolean> | boolean, ms: number): Promise<void> {
    const end = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await sleep(50);
    }
  }

  test(
    'a node killed while it sends codes: each arrives once, within 30 s of the kill',
    { skip: faultsSkip, timeout: 120_000 },
    async (t) => {
      const { url, db, queue } = await prepare('killed');
      receiver.slowDown(600); // a slow mail server: the node is mid-batch for seconds
      const env = { SMTP_URL: receiver.url, OUTBOX_POLL_MS: '100' }; // the default lease: 20 s
      const log = join(dir, 'killed.log');
      const first = await startServer(url, log, env);
      await queue('killed', CODES);
      await until(
        'the first five codes recorded as sent',
        async () => (await statuses(db)).filter((r) => r.status === 'sent').length >= 5,
        30_000,
      );
      // The kill lands while the node is mid-send: its first five codes (one per SMTP session) are recorded as sent,
      // and the next five are with the slow mail server, not yet accepted.
      await sleep(150);
      first.child.kill('SIGKILL');
      const killedAt = Date.now();
      await exited(first.child);
      const held = (await statuses(db)).filter((r) => r.status === 'pending' && r.locked_by !== null).length;
      assert.ok(held > 0, 'the killed node held codes it had not sent');

      // The node that carries on (on SQLite: the same node, restarted).
      const next = await startServer(url, log, env);
      try {
        await until(
          'every code to arrive',
          async () => (await statuses(db)).every((r) => r.status === 'sent') && received('killed').length >= CODES,
          60_000,
        );
        const took = Date.now() - killedAt;
        t.diagnostic(`${held} codes held by the killed node; all delivered ${took} ms after the kill`);
        assert.ok(took < 30_000, `delivered within 30 s of the kill (${took} ms)`);
        assert.deepEqual([...new Set(received('killed'))].length, received('killed').length, 'each code arrives once');
        assert.equal(received('killed').length, CODES);
      } finally {
        next.child.kill('SIGKILL');
        await exited(next.child);
        receiver.slowDown(0);
      }
    },
  );

  test(
    'the database cut right after the mail server accepts: the record is retried, the message not sent again',
    {
      skip: faultsSkip || (kind !== 'postgres' && 'a database connection can only be cut on PostgreSQL'),
      timeout: 90_000,
    },
    async (t) => {
      const { url, db, queue } = await prepare('cut');
      // From outside the nodes' database (a database cannot refuse connections while the one asking is in it).
      const name = new URL(await postgresTestUrl()).pathname.slice(1);
      const admin = new pg.Client({ connectionString: PG_URL });
      await admin.connect();
      let cuts = 0;
      // At the first acceptance, before the server answers 250: every connection to the database is terminated and
      // none is let in for 1.5 s, so the node's "mark sent" after the 250 finds no database.
      receiver.onAccept(async () => {
        if (cuts++ > 0) return;
        await admin.query(`alter database ${name} with allow_connections false`);
        await admin.query(
          'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
          [name],
        );
        setTimeout(() => void admin.query(`alter database ${name} with allow_connections true`), 1_500);
      });
      // A short lease (3 s): a claim not kept through the cut would be taken and sent again within seconds.
      const log = join(dir, 'cut.log');
      const node = await startServer(url, log, {
        SMTP_URL: receiver.url,
        OUTBOX_POLL_MS: '100',
        OUTBOX_LEASE_SECONDS: '3',
      });
      try {
        await queue('cut', 3);
        await until(
          'every code recorded as sent',
          async () => {
            try {
              return (await statuses(db)).every((r) => r.status === 'sent');
            } catch {
              return false; // our own connection was cut too
            }
          },
          30_000,
        );
        await sleep(8_000); // more than two leases: a copy would have gone out by now
        assert.equal(cuts > 0, true, 'the cut happened');
        assert.deepEqual(received('cut').sort(), ['cut0@example.com', 'cut1@example.com', 'cut2@example.com']);
        const said = readFileSync(log, 'utf8');
        assert.match(said, /accepted, recording it as sent failed/, 'logged as what it is');
        t.diagnostic('the record lost to the cut was retried; each message delivered once');
      } finally {
        receiver.onAccept(undefined);
        await admin.query(`alter database ${name} with allow_connections true`).catch(() => {});
        await admin.end();
        node.child.kill('SIGKILL');
        await exited(node.child);
      }
    },
  );
});
