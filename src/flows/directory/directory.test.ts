import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { describeEachDatabase } from '../../../test/helpers/databases.js';
import { loadProviders, memberWithAccount, providerFeedRow as row, signedIn } from '../../../test/helpers/fixture.js';
import { setup, type TestContext } from '../../../test/helpers/setup.js';

// R34 (issue 29 items 2, 3, 4 and 6): /directory, public, and /area/directory, limited to the member's products.

describeEachDatabase('directory pages (R34)', (kind) => {
  let ctx: TestContext;
  const get = (url: string, lang = 'es') =>
    ctx.app.inject({ method: 'GET', url, headers: { 'accept-language': lang } });

  before(async () => {
    ctx = await setup(kind);
    await loadProviders(
      ctx,
      row({ provider_id: 'MAL-1', networks: 'Salud Plus' }),
      row({
        provider_id: 'MAD-1',
        name: 'Dr. José Muñoz',
        specialties: 'Cardiología',
        postal_code: '28001',
        city: 'Madrid',
        province: 'Madrid',
        latitude: '40.4250',
        longitude: '-3.6850',
        networks: 'Salud',
      }),
      ...Array.from({ length: 25 }, (_, i) =>
        row({
          provider_id: `SEV-${i}`,
          name: `Centro Médico Sevilla ${String(i).padStart(2, '0')}`,
          kind: 'clinic',
          specialties: 'Pediatría',
          postal_code: '41001',
          city: 'Sevilla',
          province: 'Sevilla',
          latitude: (37.38 + i / 100).toFixed(4),
          longitude: '-5.99',
          networks: 'Salud Plus',
        }),
      ),
    );
  });
  after(async () => {
    await ctx.close();
  });

  test('a GET search finds "Traumatología" in "Málaga" without accents, with phone, map link and languages', async () => {
    const res = await get('/directory?q=traumatologia+malaga');
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /Dra\. María Núñez Pérez/);
    assert.match(res.body, /href="tel:\+34952000111"/);
    assert.match(
      res.body,
      /href="https:\/\/www\.openstreetmap\.org\/\?mlat=36\.719&amp;mlon=-4\.421#map=17\/36\.719\/-4\.421"/,
    );
    assert.match(res.body, /Idiomas: español, inglés/);
    assert.match(res.body, /<option value="Cardiología">/, 'the specialties present are offered');
    assert.doesNotMatch(res.body, /José Muñoz/);
    const scripts = [...res.body.matchAll(/<script[^>]*src="([^"]+)"/g)].map((m) => m[1]);
    assert.ok(
      scripts.every((s) => s?.startsWith('/assets/')),
      `no third-party script: ${scripts.join(' ')}`,
    );
    const en = await get('/directory?q=NUNEZ', 'en');
    assert.match(en.body, /Find a doctor/);
    assert.match(en.body, /Languages: Spanish, English/);
  });

  test('pages of 20 with shareable previous and next links', async () => {
    const first = await get('/directory?place=sevilla');
    assert.match(first.body, /25 resultados · página 1 de 2/);
    assert.match(first.body, /href="\/directory\?place=sevilla&amp;page=2"/);
    const second = await get('/directory?place=sevilla&page=2');
    assert.equal([...second.body.matchAll(/class="card provider"/g)].length, 5);
    assert.match(second.body, /Centro Médico Sevilla 24/);
  });

  test('near a known postal code the results come nearest first with the distance; an unknown one says so', async () => {
    const res = await get('/directory?near=28001');
    const order = [...res.body.matchAll(/<h3>([^<]+)<\/h3>/g)].map((m) => m[1]);
    assert.equal(order[0], 'Dr. José Muñoz');
    assert.equal(order[1], 'Centro Médico Sevilla 24', 'the northernmost of Sevilla’s is the next nearest');
    const last = await get('/directory?near=28001&page=2');
    assert.match(last.body, /Dra\. María Núñez Pérez<\/h3><p class="muted">[^<]*a 41\d km/, 'Málaga is farthest');
    assert.match(res.body, /a 0 km/);
    assert.match(res.body, /Ordenados por distancia a 28001/);
    const unknown = await get('/directory?near=08001&q=nunez');
    assert.match(unknown.body, /No tenemos centros en el código postal 08001/);
    assert.match(unknown.body, /Núñez/);
  });

  test('a 10 kB search or one full of operators gets a clear answer, never a 500; a burst of 40 too', async () => {
    const long = await get(`/directory?q=${'x'.repeat(10_240)}`);
    assert.equal(long.statusCode, 400);
    assert.match(long.body, /200/);
    for (const q of ['"', '%', '_', '*', 'NEAR(a b)', '-malaga', "' OR 1=1 --", 'a AND NOT b', 'place_doc:x']) {
      const res = await get(`/directory?q=${encodeURIComponent(q)}&place=${encodeURIComponent(q)}`);
      assert.equal(res.statusCode, 200, q);
    }
    assert.equal((await get('/directory?page=0')).statusCode, 400);
    assert.equal((await get('/directory?specialty=Brujer%C3%ADa')).statusCode, 400);
    const burst = await Promise.all(
      Array.from({ length: 40 }, (_, i) => get(`/directory?q=${['nunez', 'pediatria', 'sevilla', 'munoz'][i % 4]}`)),
    );
    assert.deepEqual(new Set(burst.map((r) => r.statusCode)), new Set([200]));
  });

  test('inside the area, only the providers of the member’s products', async () => {
    const member = await memberWithAccount(ctx, { record: { product: 'Salud' } });
    const agent = await signedIn(ctx, member);
    const res = await agent.get('/area/directory?q=');
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /José Muñoz/);
    assert.doesNotMatch(res.body, /Dra\. María|Centro Médico Sevilla/);
    assert.doesNotMatch(res.body, /<option value="Pediatría">/);
    const signedOut = await get('/area/directory');
    assert.equal(signedOut.statusCode, 303);
  });
});

// R34 and PRODUCT §5: a name fragment that matches more providers than the directory ranks (1,000) says "more than",
// shows the whole-word matches first, and pages on past the ranked ones.
describeEachDatabase('directory pages, a name matching more than 1,000 providers (R34)', (kind) => {
  let ctx: TestContext;
  const get = (url: string, lang = 'es') =>
    ctx.app.inject({ method: 'GET', url, headers: { 'accept-language': lang } });
  const names = (body: string) => [...body.matchAll(/<h3>([^<]+)<\/h3>/g)].map((m) => m[1]);

  before(async () => {
    ctx = await setup(kind);
    await loadProviders(
      ctx,
      ...Array.from({ length: 1_001 }, (_, i) =>
        row({ provider_id: `MTZ-${i}`, name: `Dr. Luis Martínez ${String(i).padStart(4, '0')}` }),
      ),
      row({ provider_id: 'MTN-1', name: 'Dra. Eva Martín' }),
    );
  });
  after(async () => {
    await ctx.close();
  });

  test('"more than 1,000", the whole-word match first, and a page past the ranked ones', async () => {
    const es = await get('/directory?q=martin');
    assert.equal(es.statusCode, 200);
    assert.match(es.body, /Más de 1[.,]?000 resultados · página 1/);
    assert.equal(names(es.body)[0], 'Dra. Eva Martín');
    assert.equal(names(es.body).length, 20);
    assert.match(es.body, /href="\/directory\?q=martin&amp;page=2"/);
    const en = await get('/directory?q=MART%C3%8DN', 'en');
    assert.match(en.body, /More than 1,?000 results · page 1/);
    assert.equal(names(en.body)[0], 'Dra. Eva Martín');
    // Page 51 starts at the 1,001st: the last ranked candidate, then the one match past them.
    const last = await get('/directory?q=martin&page=51');
    assert.equal(names(last.body).length, 2);
    assert.doesNotMatch(last.body, /Eva Martín/);
    const exact = await get('/directory?q=eva+martin');
    assert.match(exact.body, /1 resultados|1 resultado\b/);
  });
});
