import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, defaultBrand, loadConfig } from '../../config.js';
import { translator } from '../../infra/i18n/i18n.js';
import { setup } from '../../../test/helpers/setup.js';
import { LEGAL_PAGES } from './legal.routes.js';

// R30: the legal pages from the brand file (text or address), linked from every footer and from the registration
// forms (privacy), in both languages; /.well-known/security.txt (RFC 9116) from the brand's security contact.

const AURORA = join(import.meta.dirname, '..', '..', '..', '..', 'test', 'fixtures', 'brand-aurora.json');

test("the demo brand: four legal pages in both languages, linked from every footer, the back office's too, and from registration (R30)", async (t) => {
  const ctx = await setup('sqlite');
  t.after(() => ctx.close());
  for (const lang of ['es', 'en'] as const) {
    const tr = translator(lang);
    for (const [slug, page] of Object.entries(LEGAL_PAGES)) {
      const res = await ctx.app.inject(`/legal/${slug}?lang=${lang}`);
      assert.equal(res.statusCode, 200, slug);
      assert.match(res.body, new RegExp(`<h1>${tr(page.title)}</h1>`));
      const text = defaultBrand.legal![page.key];
      assert.ok(
        'es' in text && res.body.includes(text[lang].split('\n')[0]!.slice(0, 40)),
        `${slug}: the brand's own text, in ${lang}`,
      );
    }
  }
  // The back office's own pages too (its sign-in page is the one every staff member sees).
  for (const url of ['/', '/sign-in', '/register', '/recovery', '/help', '/legal/privacy', '/backoffice/sign-in']) {
    const body = (await ctx.app.inject(url)).body;
    for (const slug of Object.keys(LEGAL_PAGES))
      assert.match(body, new RegExp(`<footer[\\s\\S]*href="/legal/${slug}"[\\s\\S]*</footer>`), `${url} → ${slug}`);
  }
  assert.match(
    (await ctx.app.inject('/register')).body,
    /<main[\s\S]*href="\/legal\/privacy"[\s\S]*<\/main>/,
    'the registration form links the privacy notice',
  );
  assert.equal((await ctx.app.inject('/legal/nope')).statusCode, 404);
  assert.equal((await ctx.app.inject('/legal/__proto__')).statusCode, 404);
});

test('security.txt (RFC 9116): contact, an expiry within a year, languages, canonical address', async (t) => {
  const ctx = await setup('sqlite');
  t.after(() => ctx.close());
  ctx.clock.set('2026-12-02T10:00:00.000Z');
  const res = await ctx.app.inject('/.well-known/security.txt');
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^text\/plain; charset=utf-8/);
  assert.equal(
    res.body,
    [
      'Contact: mailto:seguridad@salud-ejemplo.example',
      'Expires: 2027-12-02T00:00:00Z',
      'Preferred-Languages: es, en',
      'Canonical: http://localhost:3000/.well-known/security.txt',
      '',
    ].join('\n'),
  );
});

test("a brand with addresses: the pages redirect to the insurer's own; its texts are shown; its security contact is used", async (t) => {
  const ctx = await setup('sqlite', { env: { BRAND_FILE: AURORA } });
  t.after(() => ctx.close());
  const privacy = await ctx.app.inject('/legal/privacy');
  assert.equal(privacy.statusCode, 303);
  assert.equal(privacy.headers.location, 'https://aurora-mutua.example/privacidad');
  assert.match((await ctx.app.inject('/legal/cookies?lang=en')).body, /only technical cookies/);
  assert.match(
    (await ctx.app.inject('/.well-known/security.txt')).body,
    /^Contact: https:\/\/aurora-mutua\.example\/seguridad$/m,
  );
});

test('a brand file without legal texts: no pages, no footer links, and production refuses to start (R30)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'brand-'));
  const file = join(dir, 'brand.json');
  const bare = Object.fromEntries(
    Object.entries(defaultBrand).filter(([k]) => k !== 'legal' && k !== 'securityContact'),
  );
  writeFileSync(file, JSON.stringify(bare));
  const ctx = await setup('sqlite', { env: { BRAND_FILE: file } });
  t.after(() => ctx.close());
  assert.equal((await ctx.app.inject('/legal/privacy')).statusCode, 404);
  assert.equal((await ctx.app.inject('/.well-known/security.txt')).statusCode, 404);
  assert.doesNotMatch((await ctx.app.inject('/')).body, /href="\/legal\//);
  const production = {
    NODE_ENV: 'production',
    PUBLIC_URL: 'https://area.example.es',
    SMTP_URL: 'smtps://u:p@mail:465',
    SECRET_KEY: 'k'.repeat(32),
    ENCRYPTION_KEY: 'e'.repeat(64),
  };
  assert.throws(
    () => loadConfig({ ...production, BRAND_FILE: file }),
    (e: unknown) => e instanceof ConfigError && /legal texts/.test(e.message),
  );
  assert.doesNotThrow(() => loadConfig({ ...production, BRAND_FILE: AURORA }));
  writeFileSync(
    file,
    JSON.stringify({ ...bare, legal: { ...defaultBrand.legal, privacy: { url: 'http://plain.example/p' } } }),
  );
  assert.throws(() => loadConfig({ BRAND_FILE: file }), /BRAND_FILE legal/, 'legal addresses are https');
  writeFileSync(file, JSON.stringify({ ...bare, securityContact: 'call us' }));
  assert.throws(() => loadConfig({ BRAND_FILE: file }), /securityContact/);
});
