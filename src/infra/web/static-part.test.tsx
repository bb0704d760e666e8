import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultBrand, type Brand } from '../../config.js';
import { translator, type Lang } from '../i18n/i18n.js';
import type { PageContext } from './page-context.js';
import { staticPart } from './static-part.js';

// Issue 32: a part that depends only on the brand and the language is rendered once per brand and language, and a
// page in another language, or of another brand in the same process, never gets another's copy.

const ctxOf = (brand: Brand, lang: Lang): PageContext => ({
  lang,
  t: translator(lang),
  brand,
  path: '/area',
  csrfToken: () => 'token',
  year: 2026,
});

test('rendered once per brand and language, and each gets its own', () => {
  const other: Brand = { ...defaultBrand, name: 'Otra Mutua' };
  let renders = 0;
  const part = (ctx: PageContext) => () => {
    renders++;
    return (
      <p>
        {ctx.brand.name} · {ctx.t('nav.contact')}
      </p>
    );
  };
  const es = staticPart(ctxOf(defaultBrand, 'es'), 'test.part', part(ctxOf(defaultBrand, 'es')));
  assert.equal(staticPart(ctxOf(defaultBrand, 'es'), 'test.part', part(ctxOf(defaultBrand, 'es'))), es);
  assert.equal(renders, 1, 'the second page reuses the HTML');
  const en = staticPart(ctxOf(defaultBrand, 'en'), 'test.part', part(ctxOf(defaultBrand, 'en')));
  const otherEs = staticPart(ctxOf(other, 'es'), 'test.part', part(ctxOf(other, 'es')));
  assert.equal(renders, 3);
  assert.notEqual(en, es);
  assert.match(otherEs, /Otra Mutua/);
  assert.doesNotMatch(es, /Otra Mutua/);
  assert.equal(es, `<p>${defaultBrand.name} · ${translator('es')('nav.contact')}</p>`);
});
