import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ERROR_CODES } from '../../domain/error-codes.js';
import { catalogs, i18nextTranslate, interpolate, translator } from './i18n.js';

// R20: every page, message and email exists in both languages; a test fails if a key is missing in either.

const placeholders = (s: string) => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();

test('Spanish and English have the same keys, none empty', () => {
  const es = Object.keys(catalogs.es).sort();
  const en = Object.keys(catalogs.en).sort();
  assert.deepEqual(en, es);
  for (const [lang, catalog] of Object.entries(catalogs)) {
    for (const [key, text] of Object.entries(catalog)) assert.ok(text.trim().length > 0, `${lang}: ${key} is empty`);
  }
});

test('no key is defined twice across the catalog parts: a later spread would silently win (issue 19)', () => {
  // The catalogs are merged by object spread, so a key in two parts keeps one text and hides the other; the sources
  // are read, since the merged object cannot show it. Each file's Spanish half is the object whose name ends in Es,
  // or es.ts's core.
  const dir = join(process.cwd(), 'src', 'infra', 'i18n');
  const files = [
    join(dir, 'es.ts'),
    ...readdirSync(join(dir, 'parts'))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => join(dir, 'parts', f)),
  ];
  const seen = new Map<string, string>();
  const twice: string[] = [];
  for (const file of files) {
    const source = readFileSync(file, 'utf8');
    const start = /(?:export )?const (?:core|\w+Es)\b[^=]*= \{/.exec(source);
    assert.ok(start, `${file}: a Spanish catalog object`);
    const body = source.slice(start.index, source.indexOf('\n}', start.index));
    for (const [, key] of body.matchAll(/^\s+'([\w.-]+)':/gm)) {
      if (seen.has(key!)) twice.push(`${key} in ${seen.get(key!)} and ${file}`);
      else seen.set(key!, file);
    }
  }
  assert.deepEqual(twice, []);
  assert.ok(
    seen.size >= Object.keys(catalogs.es).length * 0.99,
    `the scan found ${seen.size} of ${Object.keys(catalogs.es).length} keys`,
  );
});

test('each message has the same placeholders in both languages', () => {
  for (const key of Object.keys(catalogs.es) as (keyof typeof catalogs.es)[]) {
    assert.deepEqual(placeholders(catalogs.en[key]), placeholders(catalogs.es[key]), key);
  }
});

test('a translator fills placeholders and does not escape (the views do)', () => {
  assert.equal(translator('en')('layout.support', { email: 'a<b>@x.es' }), 'Need help? Write to us at a<b>@x.es.');
  assert.equal(translator('es')('layout.support', { email: 'x@y.es' }), '¿Necesitas ayuda? Escríbenos a x@y.es.');
});

test('the placeholder fast path gives exactly what i18next gives, for every key of both catalogs', () => {
  for (const lang of ['es', 'en'] as const) {
    for (const [key, text] of Object.entries(catalogs[lang])) {
      const names = placeholders(text);
      // Every value given; every value but the first (left as the placeholder); awkward values.
      const all = Object.fromEntries(names.map((n, i) => [n, i % 2 ? 7 : `v$&<${n}>`]));
      const some = Object.fromEntries(names.slice(1).map((n) => [n, 'x']));
      for (const params of [all, some, { unrelated: 'y' }]) {
        assert.equal(
          translator(lang)(key as keyof typeof catalogs.es, params),
          i18nextTranslate(lang, key, params),
          `${lang} ${key} ${JSON.stringify(params)}`,
        );
      }
    }
  }
  assert.equal(interpolate('a {{ x }} b {{y}}', { x: 1 }), 'a 1 b {{y}}');
});

test('error codes: every declared code has a text in both languages, and no field text is left without a code (issue 19)', () => {
  // The compiler already refuses a declared code without a Spanish text (`field.${code}` must be a catalog key); this
  // holds both languages at run time, and finds texts of codes nobody can give any more.
  for (const lang of ['es', 'en'] as const) {
    for (const code of Object.keys(ERROR_CODES))
      assert.ok(Object.hasOwn(catalogs[lang], `field.${code}`), `${lang}: field.${code}`);
  }
  const declared = new Set<string>(Object.keys(ERROR_CODES));
  const orphans = Object.keys(catalogs.es).filter(
    (key) => key.startsWith('field.') && !declared.has(key.slice('field.'.length)),
  );
  assert.deepEqual(orphans, []);
});
