import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ManualClock } from '../../clock.js';
import { haversineKm } from '../../domain/provider.js';
import { describeEachDatabase, freshDatabase } from '../../../test/helpers/databases.js';
import { loadProviders, providerFeedRow as row } from '../../../test/helpers/fixture.js';
import { sql } from 'kysely';
import { parseProvider } from '../../domain/provider.js';
import type { Db } from '../db/database.js';
import {
  postalCodeCentroid,
  refreshDirectoryStatistics,
  retireProvider,
  searchProviders,
  specialtiesPresent,
  upsertProviders,
  type ProviderSearch,
} from './providers.repository.js';

// R34 (issue 29 items 2, 3 and 6): accent- and case-blind search on each engine's own text search, the network
// filter, distance order, and hostile search strings that must get an answer, never an error.

const clock = new ManualClock('2026-12-01T10:00:00Z');

describeEachDatabase('provider search (R34)', (kind) => {
  let db: Db;
  const search = (s: Partial<ProviderSearch>) => searchProviders(db, { page: 1, pageSize: 20, ...s });
  const names = async (s: Partial<ProviderSearch>) => (await search(s)).hits.map((h) => h.providerId);

  before(async () => {
    db = await freshDatabase(kind);
    await loadProviders(
      { db, clock },
      row({ provider_id: 'MAL-1' }),
      row({
        provider_id: 'MAL-2',
        name: 'Hospital Costa del Sol',
        kind: 'hospital',
        specialties: 'Urgencias;Traumatología',
        postal_code: '29603',
        city: 'Marbella',
        latitude: '36.5100',
        longitude: '-4.8820',
        networks: 'Salud Plus',
      }),
      row({
        provider_id: 'MAD-1',
        name: 'Dr. José Muñoz',
        specialties: 'Cardiología',
        postal_code: '28001',
        city: 'Madrid',
        province: 'Madrid',
        latitude: '40.4250',
        longitude: '-3.6850',
        networks: 'Salud Básico',
      }),
      row({
        provider_id: 'MAL-3',
        name: 'Clínica Dental Larios',
        kind: 'dentist',
        specialties: 'Odontología',
        postal_code: '29005',
        latitude: '36.7200',
        longitude: '-4.4200',
        networks: 'Dental',
      }),
    );
  });
  after(async () => {
    await db.close();
  });

  test('accents and case never matter, in the text or the place', async () => {
    assert.deepEqual((await names({ text: 'traumatologia malaga' })).sort(), ['MAL-1', 'MAL-2']);
    assert.deepEqual(await names({ text: 'NUNEZ' }), ['MAL-1']);
    assert.deepEqual(await names({ text: 'muñoz' }), ['MAD-1']);
    assert.deepEqual(await names({ text: 'Cardiología', place: 'MADRID' }), ['MAD-1']);
    assert.deepEqual((await names({ place: 'malaga' })).sort(), ['MAL-1', 'MAL-2', 'MAL-3']);
    assert.deepEqual(await names({ place: '29603' }), ['MAL-2']);
    assert.deepEqual(await names({ specialty: 'Urgencias' }), ['MAL-2']);
    assert.deepEqual(await names({ text: 'nadie existe' }), []);
  });

  test('words match by their beginnings, never their middles; a specialty only whole', async () => {
    assert.deepEqual((await names({ place: 'MÁLA' })).sort(), ['MAL-1', 'MAL-2', 'MAL-3']);
    assert.deepEqual(await names({ place: 'marb' }), ['MAL-2']);
    assert.deepEqual(await names({ place: '2960' }), ['MAL-2']);
    assert.deepEqual(await names({ place: 'arbella' }), []);
    assert.deepEqual(await names({ text: 'nun', place: 'mala' }), ['MAL-1']);
    assert.deepEqual(await names({ text: 'unez' }), []);
    assert.deepEqual((await names({ specialty: 'Traumatología', place: 'málaga' })).sort(), ['MAL-1', 'MAL-2']);
    assert.deepEqual(await names({ specialty: 'Medicina' }), [], 'a part of "Medicina deportiva" is no specialty');
    assert.deepEqual(await names({ specialty: 'Urgencias', place: 'marbella' }), ['MAL-2']);
    // Punctuation separates words on both engines (PostgreSQL's parser would keep `dra.eva` as one host name).
    await loadProviders({ db, clock }, row({ provider_id: 'DOT-1', name: 'Dra.Eva Gil-Ortega', city: 'Sant.Joan' }));
    assert.deepEqual(await names({ text: 'eva ortega' }), ['DOT-1']);
    assert.deepEqual(await names({ text: 'dra eva', place: 'joan' }), ['DOT-1']);
    await retireProvider(db.kysely, 'DOT-1', clock.now().toISOString());
    assert.deepEqual(await names({ text: 'eva ortega' }), [], 'a retired provider is found no more');
  });

  test('the specialties offered are those present, and the network filter keeps to the member’s products', async () => {
    assert.deepEqual(await specialtiesPresent(db.kysely), [
      'Cardiología',
      'Medicina deportiva',
      'Odontología',
      'Traumatología',
      'Urgencias',
    ]);
    assert.deepEqual(await specialtiesPresent(db.kysely, ['Dental']), ['Odontología']);
    assert.deepEqual((await names({ products: ['Salud Básico'] })).sort(), ['MAD-1', 'MAL-1']);
    assert.deepEqual(await names({ text: 'traumatologia', products: ['Dental'] }), []);
    assert.deepEqual(await names({ products: [] }), [], 'a member with no active policy sees no network');
  });

  test('with a known postal code, results come nearest first with their distance', async () => {
    const origin = await postalCodeCentroid(db.kysely, '28001');
    assert.ok(origin);
    assert.equal(await postalCodeCentroid(db.kysely, '08001'), undefined);
    const page = await search({ origin });
    assert.deepEqual(
      page.hits.map((h) => h.providerId),
      ['MAD-1', 'MAL-3', 'MAL-1', 'MAL-2'],
    );
    const malaga = page.hits[2]!;
    const expected = haversineKm(origin.latitude, origin.longitude, malaga.latitude, malaga.longitude);
    assert.ok(Math.abs(malaga.distanceKm! - expected) < 0.01, `${malaga.distanceKm} ≈ ${expected}`);
    assert.ok(malaga.distanceKm! > 400 && malaga.distanceKm! < 450);
    assert.deepEqual(
      (await search({ text: 'traumatologia', page: 2, pageSize: 1, origin })).hits.map((h) => h.providerId),
      ['MAL-2'],
      'paged',
    );
  });

  test('operators and hostile strings are only characters: an answer, never an error', async () => {
    for (const text of [
      '"',
      '*',
      '%',
      '_',
      'NEAR(a b)',
      'nunez -malaga',
      'nunez OR 1=1; drop table providers; --',
      "' or ''='",
      'place_doc : x',
      '^nunez',
      'a AND NOT b',
      '\\',
      'x'.repeat(10_000),
      'ñ'.repeat(5_000),
    ]) {
      const page = await search({ text, place: text });
      assert.ok(Array.isArray(page.hits), text.slice(0, 20));
    }
    assert.deepEqual(await names({ text: '"nunez"' }), ['MAL-1']);
    assert.equal((await search({ text: '%' })).total, 4, 'nothing but operators is no filter, not a wildcard');
  });
});

// R34 "near me" on a large directory: the search looks in a small box around the origin first and widens it only
// while the page is not full. Whatever the box, the order must be exactly the order of the true distances.
describeEachDatabase('provider search by distance, box by box (R34)', (kind) => {
  let db: Db;
  const origin = { latitude: 40, longitude: -3 };
  // Distances from 0.5 km to 1,700 km, north, east, south and west in turn, so each radius of the search ends a page.
  const distances = [0.5, 1.5, 3, 5, 7, 12, 25, 45, 90, 200, 450, 800, 1700];
  const brute = () =>
    distances
      .map((d, i) => ({ id: `FAR-${String(i).padStart(2, '0')}`, d }))
      .sort((a, b) => a.d - b.d)
      .map((x) => x.id);

  before(async () => {
    db = await freshDatabase(kind);
    const cos = Math.cos((origin.latitude * Math.PI) / 180);
    await loadProviders(
      { db, clock },
      ...distances.map((d, i) => {
        const deg = d / 111.19;
        const [dLat, dLon] = [
          [deg, 0],
          [0, deg / cos],
          [-deg, 0],
          [0, -deg / cos],
        ][i % 4]!;
        return row({
          provider_id: `FAR-${String(i).padStart(2, '0')}`,
          specialties: i % 2 ? 'Cardiología' : 'Pediatría',
          latitude: (origin.latitude + dLat!).toFixed(6),
          longitude: (origin.longitude + dLon!).toFixed(6),
        });
      }),
    );
  });
  after(() => db.close());

  test('every page, of any size, holds the next nearest providers: near, across radii and far away', async () => {
    for (const pageSize of [1, 2, 3, 5, 20]) {
      const seen: string[] = [];
      for (let page = 1; page <= Math.ceil(distances.length / pageSize); page++) {
        const result = await searchProviders(db, { origin, page, pageSize });
        assert.equal(result.total, distances.length);
        seen.push(...result.hits.map((h) => h.providerId));
      }
      assert.deepEqual(seen, brute(), `pages of ${pageSize}`);
    }
    const first = await searchProviders(db, { origin, page: 1, pageSize: 1 });
    assert.ok(Math.abs(first.hits[0]!.distanceKm! - 0.5) < 0.01, 'the distance shown is the true one');
  });

  test('with a specialty, the same order among those who have it', async () => {
    const result = await searchProviders(db, { origin, specialty: 'Cardiología', page: 1, pageSize: 4 });
    const cardiology = brute().filter((id) => Number(id.slice(4)) % 2 === 1);
    assert.deepEqual(
      result.hits.map((h) => h.providerId),
      cardiology.slice(0, 4),
    );
    assert.equal(result.total, cardiology.length);
  });

  test('past the counting cap, the total says "more than" and the page is still the nearest', async () => {
    const result = await searchProviders(db, { origin, page: 2, pageSize: 3, countUpTo: 4 });
    assert.equal(result.total, 4);
    assert.equal(result.more, true);
    assert.deepEqual(
      result.hits.map((h) => h.providerId),
      brute().slice(3, 6),
    );
    const exact = await searchProviders(db, { origin, page: 1, pageSize: 3, countUpTo: distances.length });
    assert.equal(exact.more, undefined);
  });
});

// R34 and PRODUCT §5 on a large directory: a name fragment matching thousands of providers is ranked within a capped
// set of candidates, those whose words are the searched words whole first; the count says "more than" the cap, and
// the pages go on past the candidates without losing or repeating anyone.
describeEachDatabase('text search ranked within a capped set of candidates (R34)', (kind) => {
  let db: Db;
  // Loaded first, so that each engine meets them before the whole-word matches in its own order.
  const prefixOnly = Array.from({ length: 6 }, (_, i) => `PRE-${i}`);
  const whole = ['WHOLE-0', 'WHOLE-1'];

  before(async () => {
    db = await freshDatabase(kind);
    await loadProviders(
      { db, clock },
      ...prefixOnly.map((id, i) =>
        row({
          provider_id: id,
          name: `Dr. Andrés Martínez Ruiz ${String.fromCharCode(65 + i)}`,
          specialties: 'Pediatría',
        }),
      ),
      row({ provider_id: 'WHOLE-0', name: 'Dra. Eva Martín', specialties: 'Pediatría' }),
      row({ provider_id: 'WHOLE-1', name: 'Clínica San Martín de Porres y Asociados', kind: 'clinic' }),
      row({ provider_id: 'OTHER', name: 'Dr. Pablo Ortega', specialties: 'Pediatría' }),
    );
  });
  after(() => db.close());

  test('past the cap, the whole-word matches come first and the count says "more than"', async () => {
    for (const text of ['martin', 'MARTÍN', 'Martin']) {
      const page = await searchProviders(db, { text, page: 1, pageSize: 3, countUpTo: 3 });
      assert.equal(page.total, 3, text);
      assert.equal(page.more, true, text);
      assert.deepEqual(
        page.hits
          .slice(0, 2)
          .map((h) => h.providerId)
          .sort(),
        whole,
        text,
      );
      assert.ok(prefixOnly.includes(page.hits[2]!.providerId), text);
    }
    // Among the whole-word matches, the shorter text is the more relevant (FTS5's rank, ts_rank by length).
    const first = await searchProviders(db, { text: 'martin', page: 1, pageSize: 1, countUpTo: 3 });
    assert.equal(first.hits[0]!.providerId, 'WHOLE-0');
  });

  test('the pages go on past the candidates: every match once, the candidates first', async () => {
    for (const pageSize of [1, 2, 3, 5]) {
      const seen: string[] = [];
      for (let page = 1; page <= 20; page++) {
        const result = await searchProviders(db, { text: 'martin', page, pageSize, countUpTo: 3 });
        seen.push(...result.hits.map((h) => h.providerId));
        if (result.hits.length < pageSize) break;
      }
      assert.equal(seen.length, 8, `pages of ${pageSize}: ${seen.join(' ')}`);
      assert.deepEqual([...seen].sort(), [...prefixOnly, ...whole].sort(), `pages of ${pageSize}`);
      assert.deepEqual(seen.slice(0, 2).sort(), whole, `pages of ${pageSize}`);
    }
  });

  test('within the cap the count is exact and every match is ranked; other filters still apply', async () => {
    const all = await searchProviders(db, { text: 'martin', page: 1, pageSize: 20 });
    assert.equal(all.total, 8);
    assert.equal(all.more, undefined);
    assert.deepEqual(
      all.hits.slice(0, 2).map((h) => h.providerId),
      whole,
    );
    const pediatrics = await searchProviders(db, { text: 'martin', specialty: 'Pediatría', page: 1, pageSize: 20 });
    assert.equal(pediatrics.hits[0]!.providerId, 'WHOLE-0');
    assert.equal(pediatrics.total, 7);
    const fragment = await searchProviders(db, { text: 'mart', page: 1, pageSize: 20, countUpTo: 3 });
    assert.equal(fragment.total, 3);
    assert.equal(fragment.more, true, 'a fragment is a beginning of words: no word is "mart" whole');
    assert.equal((await searchProviders(db, { text: 'artin', page: 1, pageSize: 20 })).total, 0, 'beginnings only');
  });

  test('after a feed, nothing waits in the word index’s pending list (PostgreSQL)', async () => {
    const parsed = parseProvider(row({ provider_id: 'NEW-1', name: 'Dr. Ramón Pendiente' }));
    assert.ok(parsed.ok);
    await upsertProviders(db.kysely, [parsed.value], clock.now().toISOString());
    await refreshDirectoryStatistics(db);
    if (kind === 'postgres') {
      const { rows } = await sql<{ n: number }>`select gin_clean_pending_list(
        'providers_search_words_idx'::regclass) as n`.execute(db.kysely);
      assert.equal(Number(rows[0]!.n), 0);
    }
    assert.equal((await searchProviders(db, { text: 'pendiente', page: 1, pageSize: 20 })).total, 1);
    await retireProvider(db.kysely, 'NEW-1', clock.now().toISOString());
  });

  test('by name past the cap: "more than", and the pages are the name order of every match', async () => {
    const byName = async (s: Partial<ProviderSearch>, countUpTo?: number) => {
      const seen: string[] = [];
      let first: Awaited<ReturnType<typeof searchProviders>> | undefined;
      for (let page = 1; page <= 20; page++) {
        const result = await searchProviders(db, { page, pageSize: 2, ...(countUpTo ? { countUpTo } : {}), ...s });
        first ??= result;
        seen.push(...result.hits.map((h) => h.name));
        if (result.hits.length < 2) break;
      }
      return { first: first!, seen };
    };
    for (const s of [{ place: 'malaga' }, { products: ['Salud Plus'] }, { specialty: 'Pediatría', place: 'mál' }]) {
      const exact = await byName(s);
      assert.equal(exact.first.more, undefined, JSON.stringify(s));
      assert.ok(exact.seen.length > 3, JSON.stringify(s));
      assert.deepEqual(exact.seen, [...exact.seen].sort(), `${JSON.stringify(s)}: by name`);
      const capped = await byName(s, 3);
      assert.equal(capped.first.total, 3, JSON.stringify(s));
      assert.equal(capped.first.more, true, JSON.stringify(s));
      assert.deepEqual(capped.seen, exact.seen, `${JSON.stringify(s)}: the same pages past the cap`);
    }
  });
});
