import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { ManualClock } from '../../../clock.js';
import { defaultBrand } from '../../../config.js';
import { FEED_HEADER, nie, nif, toCsvLine } from '../../../feed/demo-feed.js';
import { importFeed } from '../../../feed/feed.import.js';
import type { Db } from '../../../infra/db/database.js';
import { createCourier } from '../../../infra/outbox/courier.js';
import { accountFor } from '../../../../test/helpers/fixture.js';
import { describeEachDatabase, freshDatabase } from '../../../../test/helpers/databases.js';
import { memberFeedRow } from '../../../../test/helpers/fixture.js';
import { MAX_PAGE, parsePage, parseSearchQuery, prefixSuccessor, searchMembers } from './member-search.repository.js';
import { developmentSecretBox } from '../../../infra/crypto/secret-box.js';

// R23: agents search by member number, policy number, document (R3 normalised) or username, name or email; case-
// and accent-insensitive, paged, in a fixed order, refusing input that would search nothing or everything.

const clock = new ManualClock('2026-11-27T10:00:00Z');
const courier = createCourier({
  clock,
  brand: defaultBrand,
  publicUrl: 'http://localhost:3000',
  box: developmentSecretBox(),
});

const JOSE_NIF = nif(12345678);
const MARIA_NIE = nie('X', 1234567);
const ACCOUNT_USERNAME = nif(44556677);

const feed = [
  memberFeedRow({
    policy_number: 'P100',
    member_number: 'M100',
    first_name: 'José Luis',
    last_name: 'Muñoz García',
    date_of_birth: '1980-01-01',
    document_type: 'NIF',
    document_number: JOSE_NIF,
    email: 'Jose.Munoz@Example.com',
  }),
  memberFeedRow({
    policy_number: 'P100',
    member_number: 'M101',
    role: 'dependent',
    first_name: 'Lucía',
    last_name: 'Muñoz Pérez',
    date_of_birth: '2015-03-03',
    guardian_member_numbers: 'M100',
  }),
  memberFeedRow({
    policy_number: 'P200',
    member_number: 'M200',
    first_name: 'JOSE',
    last_name: 'Martínez',
    date_of_birth: '1970-02-02',
    email: 'martinez@example.com',
  }),
  memberFeedRow({
    policy_number: 'P200',
    member_number: 'M201',
    first_name: 'María José',
    last_name: 'Álvarez',
    date_of_birth: '1972-02-02',
    document_type: 'NIE',
    document_number: MARIA_NIE,
  }),
  ...Array.from({ length: 25 }, (_, i) =>
    memberFeedRow({
      policy_number: 'P300',
      member_number: `S${String(i).padStart(3, '0')}`,
      first_name: `Ana ${'ABCDE'[i % 5]}`,
      last_name: 'Serrano',
      date_of_birth: '1990-01-01',
    }),
  ),
];

describeEachDatabase('back office: member search', (kind) => {
  let db: Db;
  const search = async (q: string, page = 1) => {
    const parsed = parseSearchQuery(q);
    assert.ok(parsed.ok, `${q}: ${JSON.stringify(parsed)}`);
    return searchMembers(db.kysely, parsed.value, page);
  };
  const numbers = async (q: string, page = 1) => (await search(q, page)).hits.map((h) => h.memberNumber);

  before(async () => {
    db = await freshDatabase(kind);
    const report = await importFeed(
      { db, clock, courier, timeZone: 'Europe/Madrid' },
      Readable.from([FEED_HEADER + feed.map(toCsvLine).join('')]),
    );
    assert.equal(report.skipped, 0, JSON.stringify(report.problems));
    // M200 registered with a document the insurer's record does not carry, and another email.
    await accountFor(
      { db, clock },
      { username: ACCOUNT_USERNAME, memberNumbers: ['M200'], email: 'Pepe.Account@Example.org' },
    );
  });
  after(async () => {
    await db.close();
  });

  test('by name, without regard to accents or case, any word by its beginning, in folded-name order', async () => {
    assert.deepEqual(await numbers('munoz'), ['M100', 'M101']);
    assert.deepEqual(await numbers('MUÑOZ'), ['M100', 'M101']);
    assert.deepEqual(await numbers('JOSÉ'), ['M201', 'M200', 'M100'], 'álvarez < martínez < muñoz');
    assert.deepEqual(await numbers('jose mun'), ['M100'], 'every word must match');
    assert.deepEqual(await numbers('garc jos'), ['M100'], 'the second surname and the first name, in any order');
    assert.deepEqual(await numbers('lucia'), ['M101']);
    assert.deepEqual(await numbers('perezz'), []);
    const hit = (await search('maria jose')).hits[0]!;
    assert.equal(hit.lastName, 'Álvarez');
    assert.equal(hit.policyNumber, 'P200');
    assert.equal(hit.account, null);
  });

  test('by member and policy number, as R1 normalises them', async () => {
    assert.deepEqual(await numbers('m-100'), ['M100']);
    assert.deepEqual(await numbers(' m.101 '), ['M101']);
    assert.deepEqual(await numbers('p 100'), ['M100', 'M101']);
  });

  test('by identity document (R3 normalised) and by the account’s username', async () => {
    assert.deepEqual(await numbers(`${JOSE_NIF.slice(0, 8)}-${JOSE_NIF.slice(8).toLowerCase()}`), ['M100']);
    assert.deepEqual(await numbers(MARIA_NIE.toLowerCase()), ['M201']);
    const byUsername = await search(ACCOUNT_USERNAME);
    assert.deepEqual(
      byUsername.hits.map((h) => h.memberNumber),
      ['M200'],
    );
    assert.equal(byUsername.hits[0]!.account?.username, ACCOUNT_USERNAME);
    assert.equal(byUsername.hits[0]!.account?.status, 'active');
  });

  test('by email, the record’s or the account’s, whatever the case', async () => {
    assert.deepEqual(await numbers('JOSE.MUNOZ@example.COM'), ['M100']);
    assert.deepEqual(await numbers('pepe.account@example.org'), ['M200']);
    assert.deepEqual(await numbers('nobody@example.com'), []);
  });

  test('pages of 20 with a next page flag; the pages cover every match once, in a stable order', async () => {
    const first = await search('serrano');
    assert.equal(first.hits.length, 20);
    assert.equal(first.hasMore, true);
    const second = await search('serrano', 2);
    assert.equal(second.hits.length, 5);
    assert.equal(second.hasMore, false);
    const all = [...first.hits, ...second.hits].map((h) => h.memberNumber);
    assert.equal(new Set(all).size, 25);
    // Folded name first ("serrano ana a" …), then the member number among the five of each name.
    const expected = Array.from({ length: 25 }, (_, i) => ({ n: `S${String(i).padStart(3, '0')}`, letter: i % 5 }))
      .sort((a, b) => a.letter - b.letter || (a.n < b.n ? -1 : 1))
      .map((x) => x.n);
    assert.deepEqual(all, expected);
    assert.deepEqual(await numbers('serrano'), expected.slice(0, 20), 'the same order every time');
    assert.deepEqual((await search('serrano', 3)).hits, []);
    assert.equal(first.truncated, false);
  });

  test('a name matching more than the cap gathers only that many (the lowest ids), says so, and still sorts them by name', async () => {
    const parsed = parseSearchQuery('serrano');
    assert.ok(parsed.ok);
    const capped = await searchMembers(db.kysely, parsed.value, 1, 20, 10);
    assert.equal(capped.truncated, true);
    assert.equal(capped.hits.length, 10);
    assert.equal(capped.hasMore, false);
    const names = capped.hits.map((h) => `${h.firstName}|${h.memberNumber}`);
    assert.deepEqual(names, [...names].sort());
    // Exact keys are never crowded out by the cap.
    const mixed = parseSearchQuery('p100');
    assert.ok(mixed.ok);
    assert.equal((await searchMembers(db.kysely, mixed.value, 1, 20, 0)).hits.length, 2);
  });

  test('refuses input that would search nothing or everything, with a code', () => {
    const code = (q: string) => {
      const r = parseSearchQuery(q);
      return r.ok ? 'ok' : r.errors.map((e) => `${e.field}:${e.code}`).join();
    };
    assert.equal(code(''), 'q:required');
    assert.equal(code('   '), 'q:required');
    assert.equal(code('x'.repeat(10_000)), 'q:too_long');
    assert.equal(code('!!! --- ...'), 'q:search_unusable');
    assert.equal(code('¿?¡!'), 'q:search_unusable');
    assert.equal(code('a\u0000b'), 'q:search_unusable');
    assert.equal(code('munoz@'), 'q:search_unusable');
    assert.equal(code('m'), 'ok', 'a one-character reference is an exact lookup, not a prefix scan');
    assert.equal(code('m é'), 'q:search_unusable', 'one-letter name words are not searched');
    const one = parseSearchQuery('jose m');
    assert.ok(one.ok);
    assert.deepEqual(one.value.words, ['jose']);
    assert.deepEqual(parsePage(undefined), { ok: true, value: 1 });
    assert.deepEqual(parsePage('2'), { ok: true, value: 2 });
    for (const bad of ['0', '-1', 'abc', String(MAX_PAGE + 1), '9'.repeat(400), '1e3'])
      assert.equal(parsePage(bad).ok, false, bad);
  });

  test('a prefix range ends right after every word that starts with it', () => {
    assert.equal(prefixSuccessor('mun'), 'muo');
    assert.equal(prefixSuccessor('az'), 'a{');
    const word: string = 'munoz';
    assert.ok(word >= 'mun' && word < prefixSuccessor('mun'));
    assert.ok(!('muo' < prefixSuccessor('mun')));
  });
});
