import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock } from '../../src/clock.js';
import { defaultBrand } from '../../src/config.js';
import { todayIn } from '../../src/domain/calendar.js';
import { FEED_HEADER, nif, syntheticFeed, toCsvLine } from '../../src/feed/demo-feed.js';
import { importFeed } from '../../src/feed/feed.import.js';
import { openDatabase, type Db } from '../../src/infra/db/database.js';
import { migrateToLatest } from '../../src/infra/db/migrate.js';
import { createCourier } from '../../src/infra/outbox/courier.js';
import { describeEachDatabase, freshDatabase } from '../helpers/databases.js';
import { childDatabase, childEnv, CLI, exited, startServer } from '../helpers/child-server.js';
import { assertNoHalfWrittenRows } from '../helpers/integrity.js';
import { memberFeedRow } from '../helpers/fixture.js';
import { faultsSkip } from './faults.js';
import { developmentSecretBox } from '../../src/infra/crypto/secret-box.js';

// Issue 9, faults: the real server process (and the import command) killed with SIGKILL mid-work. After a restart
// every registration that got its success answer is there and whole (account, password history, linked member,
// confirmation email queued), nothing is half-written, and a killed import re-run ends equal to a clean import.
// Waiting for a child process to listen is the one place these tests poll the wall clock.

const PASSWORD = 'Tranvia7Lunes';
const MEMBERS = 8;

/** One person registering over HTTP like a browser without scripts: three steps, cookies and CSRF tokens kept. */
async function register(port: number, i: number, birthDate: string): Promise<'done' | 'already'> {
  const jar = new Map<string, string>();
  const ip = `10.77.${i}.1`;
  const call = async (method: 'GET' | 'POST', path: string, form?: Record<string, string>) => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      redirect: 'manual',
      headers: {
        cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
        'x-forwarded-for': ip,
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(form ? { body: new URLSearchParams(form).toString() } : {}),
    });
    for (const c of res.headers.getSetCookie()) {
      const pair = c.split(';')[0] ?? '';
      const eq = pair.indexOf('=');
      jar.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    const body = await res.text();
    return {
      status: res.status,
      location: res.headers.get('location'),
      token: /name="_csrf" value="([^"]+)"/.exec(body)?.[1] ?? '',
      body,
    };
  };
  let page = await call('GET', '/register');
  let res = await call('POST', '/register', {
    _csrf: page.token,
    member_number: `CR-${i}`,
    birth_date: birthDate,
    policy_number: `CRP-${i}`,
  });
  // R2: a record that already has an account gets the "sign in instead" page (200), not step 2.
  if (res.status === 200) return 'already';
  assert.equal(res.location, '/register/details', `step 1 of CR-${i}: ${res.status}`);
  page = await call('GET', '/register/details');
  res = await call('POST', '/register/details', {
    _csrf: page.token,
    address_line: 'Calle Mayor 1',
    postal_code: '28013',
    city: 'Madrid',
    province: 'Madrid',
    email: `crash${i}@example.com`,
    mobile: '',
    document_type: 'NIF',
    document_number: nif(60_000_000 + i),
  });
  assert.equal(res.location, '/register/password', `step 2 of CR-${i}: ${res.status}`);
  page = await call('GET', '/register/password');
  res = await call('POST', '/register/password', {
    _csrf: page.token,
    password: PASSWORD,
    password_confirmation: PASSWORD,
  });
  assert.equal(res.location, '/register/done', `step 3 of CR-${i}: ${res.status}`);
  return 'done';
}

/** Registration of CR-i is whole: account, one password, the member linked, one confirmation email queued (R5, R25). */
async function assertRegistered(db: Db, i: number): Promise<void> {
  const account = await db.kysely
    .selectFrom('accounts')
    .select(['id', 'email'])
    .where('username', '=', nif(60_000_000 + i))
    .executeTakeFirst();
  assert.ok(account, `CR-${i} acknowledged, so its account exists`);
  assert.equal(account.email, `crash${i}@example.com`);
  const member = await db.kysely
    .selectFrom('members')
    .select('account_id')
    .where('member_number', '=', `CR${i}`)
    .executeTakeFirstOrThrow();
  assert.equal(member.account_id, account.id);
  assert.equal(
    (await db.kysely.selectFrom('password_history').select('id').where('account_id', '=', account.id).execute()).length,
    1,
  );
  const mails = await db.kysely
    .selectFrom('outbox')
    .select('id')
    .where('recipient', '=', `crash${i}@example.com`)
    .where('template', '=', 'registration-complete')
    .execute();
  assert.equal(mails.length, 1, `one confirmation for CR-${i}`);
}

describeEachDatabase(
  'the server killed during a burst of registrations, and the import killed mid-way (issue 9)',
  (kind) => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'crash-'));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    test(
      'SIGKILL during registrations: every acknowledged one is whole after restart, the rest can finish',
      { timeout: 240_000, skip: faultsSkip },
      async () => {
        const database = await childDatabase(kind, dir, 'registrations');
        const db = openDatabase(database.url);
        try {
          await migrateToLatest(db);
          const courier = createCourier({
            clock: systemClock,
            brand: defaultBrand,
            publicUrl: 'http://localhost',
            box: developmentSecretBox(),
          });
          const birth = (i: number) => `19${70 + i}-0${1 + (i % 9)}-1${i % 10}`;
          const rows = Array.from({ length: MEMBERS }, (_, i) =>
            memberFeedRow({
              policy_number: `CRP-${i}`,
              member_number: `CR-${i}`,
              date_of_birth: birth(i),
              email: `crash${i}@example.com`,
            }),
          );
          await importFeed(
            { db, clock: systemClock, courier, timeZone: 'Europe/Madrid' },
            Readable.from([FEED_HEADER + rows.map(toCsvLine).join('')]),
          );
          await db.kysely.deleteFrom('outbox').execute();

          const log = join(dir, `server-${kind}.log`);
          const first = await startServer(database.url, log);
          const acknowledged = new Set<number>();
          const killAt = Math.ceil(MEMBERS / 3);
          let killed = false;
          const kill = () => {
            if (killed) return;
            killed = true;
            first.child.kill('SIGKILL');
          };
          const outcomes = await Promise.allSettled(
            Array.from({ length: MEMBERS }, (_, i) =>
              register(first.port, i, birth(i)).then((r) => {
                if (!killed) acknowledged.add(i);
                if (acknowledged.size >= killAt) kill();
                return r;
              }),
            ),
          );
          kill();
          await exited(first.child);
          const cutShort = outcomes.filter((o) => o.status === 'rejected').length;

          // Straight after the kill, before any restart: nothing half-written, every acknowledged registration whole.
          await assertNoHalfWrittenRows(db, 'after SIGKILL');
          for (const i of acknowledged) await assertRegistered(db, i);
          const committed = (await db.kysely.selectFrom('accounts').select('id').execute()).length;

          // Restarted on the same database, every person tries again: the ones cut short finish, or are told to sign in
          // because their registration had committed just before the kill (and then it is whole too).
          const second = await startServer(database.url, log);
          try {
            for (let i = 0; i < MEMBERS; i++) {
              if (acknowledged.has(i)) continue;
              await register(second.port, i, birth(i));
            }
            for (let i = 0; i < MEMBERS; i++) await assertRegistered(db, i);
            await assertNoHalfWrittenRows(db, 'after restart');
            assert.ok((await fetch(`http://127.0.0.1:${second.port}/readyz`)).ok);
          } finally {
            second.child.kill('SIGTERM');
            await exited(second.child);
          }
          console.log(
            `[${kind}] registrations: ${MEMBERS} started, ${acknowledged.size} acknowledged before SIGKILL, ${cutShort} cut short, ${committed} accounts committed at the kill; all ${MEMBERS} whole after restart`,
          );
        } finally {
          await db.close();
          await database.drop();
        }
      },
    );

    test(
      'SIGKILL during an import: re-running it completes and equals a clean import (PRODUCT §2)',
      { timeout: 240_000, skip: faultsSkip },
      async () => {
        const rowsInFile = 2_000;
        const file = join(dir, `feed-${kind}.csv`);
        await pipeline(
          Readable.from(syntheticFeed(rowsInFile, todayIn('Europe/Madrid', new Date()))),
          createWriteStream(file),
        );
        const database = await childDatabase(kind, dir, 'import');
        const db = openDatabase(database.url);
        const clean = await freshDatabase(kind);
        try {
          await migrateToLatest(db);
          const count = async () =>
            Number(
              (
                await db.kysely
                  .selectFrom('members')
                  .select((eb) => eb.fn.countAll<number>().as('n'))
                  .executeTakeFirstOrThrow()
              ).n,
            );

          const importer = spawn(process.execPath, [CLI, 'import', file], {
            env: childEnv(database.url),
            stdio: 'ignore',
          });
          let atKill = 0;
          for (let i = 0; i < 2_000 && importer.exitCode === null; i++) {
            atKill = await count();
            if (atKill > 0) break;
            await sleep(10);
          }
          importer.kill('SIGKILL');
          await exited(importer);
          atKill = await count();
          assert.ok(atKill > 0 && atKill < rowsInFile, `killed mid-way (${atKill} of ${rowsInFile} rows in)`);
          await assertNoHalfWrittenRows(db, 'after the killed import');

          const rerun = spawn(process.execPath, [CLI, 'import', file], {
            env: childEnv(database.url),
            stdio: 'ignore',
          });
          await exited(rerun);
          assert.equal(rerun.exitCode, 0, 'the re-run imports every row');

          const courier = createCourier({
            clock: systemClock,
            brand: defaultBrand,
            publicUrl: 'http://localhost',
            box: developmentSecretBox(),
          });
          const { createReadStream } = await import('node:fs');
          await importFeed(
            { db: clean, clock: systemClock, courier, timeZone: 'Europe/Madrid' },
            createReadStream(file),
          );

          const snapshot = async (d: Db) => ({
            members: await d.kysely
              .selectFrom('members')
              .innerJoin('policies', 'policies.id', 'members.policy_id')
              .select([
                'member_number',
                'policy_number',
                'role',
                'first_name',
                'last_name',
                'date_of_birth',
                'document_type',
                'document_number',
                'email',
                'mobile',
                'postal_code',
                'city',
                'account_id',
              ])
              .orderBy('member_number')
              .execute(),
            policies: await d.kysely
              .selectFrom('policies')
              .select(['policy_number', 'status', 'scheme', 'product', 'start_date', 'end_date'])
              .orderBy('policy_number')
              .execute(),
            guardians: await d.kysely
              .selectFrom('guardian_links')
              .innerJoin('members as minor', 'minor.id', 'guardian_links.minor_member_id')
              .innerJoin('members as guardian', 'guardian.id', 'guardian_links.guardian_member_id')
              .select(['minor.member_number as minor', 'guardian.member_number as guardian'])
              .orderBy('minor')
              .orderBy('guardian')
              .execute(),
            enrolments: (
              await d.kysely.selectFrom('outbox').select(['recipient', 'template']).orderBy('recipient').execute()
            ).map((m) => `${m.template}:${m.recipient}`),
          });
          const [resumed, expected] = [await snapshot(db), await snapshot(clean)];
          assert.equal(resumed.members.length, rowsInFile);
          assert.deepEqual(resumed.policies, expected.policies);
          assert.deepEqual(resumed.guardians, expected.guardians);
          assert.deepEqual(
            resumed.enrolments,
            expected.enrolments,
            'one enrolment email per new eligible member: none lost, none twice',
          );
          assert.deepEqual(resumed.members, expected.members);
          console.log(
            `[${kind}] import: ${rowsInFile} rows, killed with ${atKill} in, re-run equals a clean import (${expected.enrolments.length} enrolment emails)`,
          );
        } finally {
          await clean.close();
          await db.close();
          await database.drop();
        }
      },
    );
  },
);
