import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ManualClock } from '../../clock.js';
import { haversineKm } from '../../domain/provider.js';
import { describeEachDatabase, freshDatabase } from '../../../test/helpers/databases.js';
import { loadProviders, providerFeedRow as row } from '../../../test/helpers/fixture.js';
import type { Db } from '../db/database.js';
import {
  postalCodeCentroid,
  searchProviders,
  specialtiesPresent,
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
