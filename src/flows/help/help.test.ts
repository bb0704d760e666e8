import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { setup, type TestContext } from '../../../test/helpers/setup.js';
import { translator } from '../../infra/i18n/i18n.js';
import { HELP_LINK_TITLES } from '../../infra/web/help-links.js';
import { HELP_TOPICS } from './help.routes.js';

// R26: the help centre answers every question of the insurer's help text (../shared/seeds/), in both languages,
// linked from every footer and from the forms where each question comes up; R18: the brand's contacts on it.

/** The seed's questions (its headings and the facts it answers), each with the topic that answers it. */
export const SEED_QUESTIONS: readonly (readonly [string, string])[] = [
  ['Acceder a tu Área Privada / para qué sirve', 'area'],
  ['¿Quién puede registrarse? (mayores de edad; menores por su tutor)', 'who-can-register'],
  ['El proceso de registro: pasos 1, 2 y 3', 'register'],
  ['Dónde están el número de asegurado y el de póliza (email de alta, tarjeta, atención al cliente)', 'numbers'],
  [
    'Requisitos de la contraseña (8 caracteres, sin símbolos, número, mayúscula, minúscula, últimas 20)',
    'password-rules',
  ],
  ['¿Qué es / cómo funciona la verificación en 2 pasos? (email o SMS)', 'two-step'],
  ['No recibo el email de verificación', 'no-email'],
  ['No recibo el SMS', 'no-sms'],
  ['El enlace o código ha expirado', 'expired'],
  [
    '¿Olvidaste tu contraseña? (documento, captcha, continuar, enviar; enlace de 24 horas y un solo uso)',
    'forgot-password',
  ],
  ['Cambio de NIE a NIF', 'nie-to-nif'],
  ['Ya fui asegurado y soy cliente nuevo (particular o nueva empresa)', 'former-member'],
  ['Menores y el selector de asegurado', 'minors'],
  ['Asegurados de Cigna Internacional o Expatriados', 'international'],
  ['Navegadores, versiones y requisitos de la web', 'browsers'],
  ['Problemas técnicos: email de atención al cliente', 'contact'],
];

test('every question of the seed has a topic, and every topic a title in both languages', () => {
  const slugs = new Set(HELP_TOPICS.map((topic) => topic.slug));
  for (const [question, slug] of SEED_QUESTIONS) assert.ok(slugs.has(slug), `${question} → ${slug}`);
  assert.equal(slugs.size, HELP_TOPICS.length, 'slugs are unique');
  for (const [slug, title] of Object.entries(HELP_LINK_TITLES)) {
    assert.equal(
      HELP_TOPICS.find((topic) => topic.slug === slug)?.title,
      title,
      `the forms' link to ${slug} names its topic`,
    );
  }
});

test('the emails and SMS speak the seed\'s words: "código de verificación", not "código de acceso"', () => {
  const es = translator('es');
  assert.match(es('sms.signInCode', { brand: 'X', code: '123456' }), /código de verificación/);
  assert.match(es('email.signInCode.subject', { brand: 'X', code: '123456' }), /código de verificación/);
  assert.match(translator('en')('sms.signInCode', { brand: 'X', code: '123456' }), /verification code/);
});

for (const brandFile of [undefined, 'brand-aurora.json']) {
  const label = brandFile ?? 'the demo brand';
  let ctx: TestContext;
  const get = (url: string, lang: 'es' | 'en' = 'es') =>
    ctx.app.inject({ url: `${url}${url.includes('?') ? '&' : '?'}lang=${lang}` });

  test(`the help centre with ${label}`, async (t) => {
    ctx = await setup('sqlite', {
      env: brandFile
        ? { BRAND_FILE: join(import.meta.dirname, '..', '..', '..', '..', 'test', 'fixtures', brandFile) }
        : {},
    });
    t.after(() => ctx.close());
    const brand = ctx.config.brand;

    await t.test("/help answers every topic, in Spanish and in English, with the brand's contacts", async () => {
      for (const lang of ['es', 'en'] as const) {
        const tr = translator(lang);
        const res = await get('/help', lang);
        assert.equal(res.statusCode, 200);
        assert.match(res.body, new RegExp(`<h1>${tr('help.centre.title')}</h1>`));
        for (const topic of HELP_TOPICS) {
          assert.ok(res.body.includes(`id="${topic.slug}"`), `${lang}: section ${topic.slug}`);
          assert.ok(res.body.includes(`href="#${topic.slug}"`), `${lang}: contents link to ${topic.slug}`);
        }
        assert.ok(res.body.includes(brand.productName[lang]), 'the area by its brand name');
        assert.ok(res.body.includes(brand.supportEmail), 'R18');
        assert.ok(res.body.includes(brand.internationalContact.email), 'R17');
        if (brand.supportPhone) assert.ok(res.body.includes(brand.supportPhone));
        assert.doesNotMatch(res.body, /\{\{|undefined/, 'every parameter filled');
      }
      const en = await get('/help', 'en');
      assert.match(en.body, /Forgot your password\?/);
      assert.match(en.body, /member drop-down menu/, "the seed's own English term");
      assert.match((await get('/help', 'es')).body, /selector de asegurado/);
    });

    await t.test('each topic has its own page, linked back to the centre; unknown topics are 404', async () => {
      for (const topic of HELP_TOPICS) {
        const res = await get(`/help/${topic.slug}`);
        assert.equal(res.statusCode, 200, topic.slug);
        assert.ok(res.body.includes(`href="/help#${topic.slug}"`), topic.slug);
      }
      for (const bad of ['nope', '__proto__', 'toString', 'constructor'])
        assert.equal((await get(`/help/${bad}`)).statusCode, 404, bad);
    });

    await t.test("every page's footer links the help centre; the forms link the questions they raise", async () => {
      for (const url of ['/', '/sign-in', '/register', '/recovery', '/help']) {
        assert.match((await get(url)).body, /<footer[\s\S]*href="\/help"[\s\S]*<\/footer>/, url);
      }
      const links: Record<string, string[]> = {
        '/register': ['/help/numbers', '/help/who-can-register', '/help/former-member'],
        '/sign-in': ['/help/two-step', '/help/former-member', '/help/forgot-password'],
        '/recovery': ['/help/forgot-password', '/help/browsers'],
      };
      for (const [url, expected] of Object.entries(links)) {
        const body = (await get(url)).body;
        for (const href of expected) assert.ok(body.includes(`href="${href}"`), `${url} → ${href}`);
      }
    });
  });
}
