import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { Kysely, SqliteDialect } from 'kysely';
import SQLite from 'better-sqlite3';
import { BrowserAgent } from '../../../test/helpers/browser-agent.js';
import { databaseKinds } from '../../../test/helpers/databases.js';
import { memberWithAccount, signedIn } from '../../../test/helpers/fixture.js';
import { QueryLog } from '../../../test/helpers/query-log.js';
import { setup, type TestContext } from '../../../test/helpers/setup.js';
import type { Database } from '../db/tables.js';
import { changesSessions, createSessionCache } from './session-cache.js';

// Issue 32, lever 5: a node keeps live sessions in memory; a session ended or an account disabled anywhere is refused
// by every node at the next request (R8, ASVS 7.4.2), and a node that cannot hear the others keeps nothing.

const compile = new Kysely<Database>({ dialect: new SqliteDialect({ database: new SQLite(':memory:') }) });

describe('which statements make a node forget its sessions', () => {
  const changes = (q: { toOperationNode(): unknown }) => changesSessions(q.toOperationNode() as never);

  test('ending, switching or deleting a session, and any change of an account status', () => {
    assert.ok(changes(compile.updateTable('sessions').set({ ended_at: 'x' }).where('id', '=', 1)));
    assert.ok(changes(compile.updateTable('sessions').set({ acting_member_id: 2 }).where('id', '=', 1)));
    assert.ok(changes(compile.updateTable('sessions').set({ idle_expires_at: 'x' })), 'a deadline alone');
    assert.ok(changes(compile.deleteFrom('sessions').where('id', '=', 1)));
    assert.ok(changes(compile.updateTable('accounts').set({ status: 'disabled' }).where('id', '=', 1)));
    assert.ok(changes(compile.deleteFrom('accounts').where('id', '=', 1)));
    assert.ok(
      changes(
        compile
          .with('gone', (db) => db.updateTable('sessions').set({ ended_at: 'x' }).returning('id'))
          .selectFrom('gone')
          .selectAll(),
      ),
      'inside a WITH',
    );
  });

  test('not the sliding update of last use, other columns of accounts, or other tables', () => {
    const touch = compile.updateTable('sessions').set({ last_seen_at: 'x', idle_expires_at: 'y' }).where('id', '=', 1);
    assert.equal(changes(touch), false);
    assert.equal(changes(compile.updateTable('accounts').set({ preferred_channel: 'sms' }).where('id', '=', 1)), false);
    assert.equal(changes(compile.updateTable('flows').set({ expires_at: 'x' })), false);
    assert.equal(changes(compile.selectFrom('sessions').selectAll()), false);
    assert.equal(changes(compile.insertInto('sessions').values({} as never)), false);
  });

  test('a read under way when something changed is not kept', () => {
    const cache = createSessionCache<{ n: number }>();
    const before = cache.generation;
    cache.clear();
    cache.put('h', 1, { n: 1 }, before);
    assert.equal(cache.get('h'), undefined);
    cache.put('h', 1, { n: 1 }, cache.generation);
    assert.deepEqual(cache.get('h'), { n: 1 });
    cache.forgetAccount(2);
    assert.deepEqual(cache.get('h'), { n: 1 }, 'another account');
    cache.forgetAccount(1);
    assert.equal(cache.get('h'), undefined);
    cache.put('h', 1, { n: 1 }, cache.generation);
    cache.disable();
    assert.equal(cache.get('h'), undefined, 'off: nothing served');
    cache.put('h', 1, { n: 1 }, cache.generation);
    cache.enable();
    assert.equal(cache.get('h'), undefined, 'off: nothing kept');
  });
});

/** Statements of the kind "select sessions" a node ran since the last look. */
function sessionReads(log: QueryLog): number {
  return log.take().filter((s) => s === 'select sessions').length;
}

async function until(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !ok(); i++) await sleep(10);
  assert.ok(ok(), what);
}

if (databaseKinds.includes('postgres')) {
  describe('two nodes on one PostgreSQL database, each with its cache', () => {
    let one: TestContext;
    let two: TestContext;
    const twoLog = new QueryLog();
    before(async () => {
      one = await setup('postgres');
      two = await setup('postgres', { database: one.database, clock: one.clock, kyselyPlugins: [twoLog] });
    });
    after(async () => {
      await two.close();
      await one.close();
    });

    /** The same browser on node two: its cookies as they are. */
    const onTwo = (agent: BrowserAgent) => {
      const other = new BrowserAgent(two.app);
      Object.assign(other.cookies, agent.cookies);
      return other;
    };
    const area = async (agent: BrowserAgent) => (await agent.get('/area')).statusCode;

    test('node two serves a live session from memory, and refuses it at the next request once node one ends it', async () => {
      const m = await memberWithAccount(one, { n: 1 });
      const a = await signedIn(one, m);
      const b = onTwo(a);
      assert.equal(await area(b), 200);
      twoLog.take();
      assert.equal(await area(b), 200);
      assert.equal(sessionReads(twoLog), 0, 'the second request on node two reads no session row');

      assert.equal((await a.post('/sign-out', {})).statusCode, 303);
      const refused = await b.get('/area');
      assert.equal(refused.statusCode, 303, 'the very next request on node two');
      assert.match(String(refused.headers.location), /^\/sign-in/);
    });

    test('"sign out the other devices" on node one: 40 requests at once on node two, all refused', async () => {
      const m = await memberWithAccount(one, { n: 2 });
      const here = await signedIn(one, m);
      const phone = await signedIn(one, m);
      const phoneOnTwo = onTwo(phone);
      assert.equal(await area(phoneOnTwo), 200);
      assert.equal(await area(phoneOnTwo), 200);
      await here.get('/area/security');
      const ended = await here.post('/area/security/sessions/end-others', { confirmed: '1' });
      assert.equal(ended.headers.location, '/area/security?done=others-ended');
      const burst = await Promise.all(Array.from({ length: 40 }, () => phoneOnTwo.get('/area')));
      assert.deepEqual(
        burst.map((r) => r.statusCode),
        Array(40).fill(303),
      );
      assert.equal(await area(onTwo(here)), 200, 'the session that asked stays');
    });

    test('an account disabled from outside any node (an operator, a command) is refused on node two', async () => {
      const m = await memberWithAccount(one, { n: 3 });
      const b = onTwo(await signedIn(one, m));
      assert.equal(await area(b), 200);
      assert.equal(await area(b), 200);
      const operator = new pg.Client({ connectionString: one.database.postgres!.connectionString });
      await operator.connect();
      try {
        await operator.query(`update ${one.database.postgres!.schema}.accounts set status = 'disabled' where id = $1`, [
          m.accountId,
        ]);
      } finally {
        await operator.end();
      }
      // The operator's commit reaches node two only as a notification: nothing node two did.
      const burst = await Promise.all(Array.from({ length: 40 }, () => b.get('/area')));
      assert.deepEqual(
        burst.map((r) => r.statusCode),
        Array(40).fill(303),
      );
    });

    test('pages answered from memory keep the idle deadline sliding and the absolute one fixed (R8)', async () => {
      const m = await memberWithAccount(one, { n: 5 });
      const b = onTwo(await signedIn(one, m));
      const { idleMinutes, absoluteHours } = one.config.session;
      // A page every 50 s: most from memory (a sliding update is due once a minute), the session alive throughout.
      let fromMemory = 0;
      let pages = 0;
      twoLog.take();
      for (let t = 50; t < absoluteHours * 3600 - 60; t += 50) {
        one.clock.advance(50_000);
        assert.equal(await area(b), 200, `${t} s after signing in`);
        pages++;
        if (sessionReads(twoLog) === 0) fromMemory++;
      }
      assert.ok(fromMemory > pages / 3, `${fromMemory} of ${pages} pages from memory`);
      one.clock.advance(120_000);
      assert.equal(await area(b), 303, 'past the absolute deadline, however active');

      // Idle: the last page from memory, then silence until the deadline set by the last sliding update has passed.
      const c = onTwo(await signedIn(one, m));
      one.clock.advance(30_000);
      assert.equal(await area(c), 200);
      twoLog.take();
      one.clock.advance(20_000);
      assert.equal(await area(c), 200);
      assert.equal(sessionReads(twoLog), 0, 'from memory');
      one.clock.advance(idleMinutes * 60_000 - 50_000 - 1_000);
      assert.equal(await area(c), 200, 'a second before the idle deadline');
      one.clock.advance(idleMinutes * 60_000 + 1_000);
      assert.equal(await area(c), 303, 'idle past the deadline');
    });

    test('while its LISTEN connection is down a node keeps nothing: a session ended meanwhile is refused', async () => {
      const m = await memberWithAccount(one, { n: 4 });
      const a = await signedIn(one, m);
      const b = onTwo(a);
      assert.equal(await area(b), 200);
      assert.equal(await area(b), 200);
      twoLog.take();
      const admin = new pg.Client({ connectionString: one.database.postgres!.connectionString });
      await admin.connect();
      try {
        await admin.query(
          `select pg_terminate_backend(pid) from pg_stat_activity
           where application_name like 'session-listener %' and datname = current_database()`,
        );
      } finally {
        await admin.end();
      }
      await until('node two noticed', () => two.sessionCache!.enabled === false);
      assert.equal(await area(b), 200);
      assert.equal(sessionReads(twoLog), 1, 'read from the database while not listening');
      // Ended while node two cannot hear it: no notification will ever come for this one.
      await a.post('/sign-out', {});
      assert.equal(await area(b), 303);

      // Listening again (a second later), it keeps sessions again, from empty.
      await until('node two listens again', () => two.sessionCache!.enabled);
      const c = onTwo(await signedIn(one, m));
      assert.equal(await area(c), 200);
      twoLog.take();
      assert.equal(await area(c), 200);
      assert.equal(sessionReads(twoLog), 0);
    });
  });
}
