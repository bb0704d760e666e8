import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, beforeEach, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { render } from 'preact-render-to-string';
import { ManualClock } from '../../clock.js';
import { defaultBrand } from '../../config.js';
import { describeEachDatabase, freshDatabase } from '../../../test/helpers/databases.js';
import { setup, type TestContext } from '../../../test/helpers/setup.js';
import { solveCaptcha } from '../../../test/helpers/captcha.js';
import type { Db } from '../db/database.js';
import { translator } from '../i18n/i18n.js';
import type { PageContext } from '../web/page-context.js';
import {
  CAPTCHA_ALGORITHM,
  createCaptcha,
  NOSCRIPT_MIN_WAIT_MS,
  NOSCRIPT_PER_ADDRESS_PER_HOUR,
  noScriptToken,
  type Captcha,
  type CaptchaChallenge,
} from './captcha.js';
import { CAPTCHA_SCRIPTS, CAPTCHA_STYLESHEET, CaptchaField } from './captcha-field.js';
import { ALTCHA_ASSETS, CAPTCHA_SETUP_SCRIPT, captchaRoutes } from './captcha.routes.js';

// R10: the captcha is ALTCHA, self-hosted: challenges signed by us, solutions verified by us, each accepted once,
// expiring by our clock. Garbage never throws. The browser's work is done here with altcha-lib's own solver.

const KEY = 'test-secret-key-test-secret-key-0123456789';
const MINUTE = 60_000;
const publicDir = join(import.meta.dirname, '..', '..', '..', '..', 'public');

const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64');
const unb64 = (payload: string) =>
  JSON.parse(Buffer.from(payload, 'base64').toString('utf8')) as {
    challenge: CaptchaChallenge;
    solution: { counter: number; derivedKey: string; time?: number };
  };

const solve = solveCaptcha;

/** A payload with one part changed after solving. */
function tamper(payload: string, change: (p: ReturnType<typeof unb64>) => void): string {
  const p = unb64(payload);
  change(p);
  return b64(p);
}

describeEachDatabase('captcha (R10)', (kind) => {
  let db: Db;
  let clock: ManualClock;
  let captcha: Captcha;
  before(async () => {
    db = await freshDatabase(kind);
  });
  after(async () => {
    await db.close();
  });
  beforeEach(async () => {
    clock = new ManualClock('2026-11-27T10:00:00.000Z');
    captcha = createCaptcha({ db: db.kysely, clock, hmacKey: KEY, maxNumber: 20 });
    await db.kysely.deleteFrom('captcha_solutions').execute();
    await db.kysely.deleteFrom('rate_limits').execute();
  });

  test('R21 no-script path: a token drawn with the page is accepted after 5 seconds, once; tampered, early or late ones are not', async () => {
    const token = noScriptToken(KEY, clock.now());
    assert.equal(await captcha.verify(token, '192.0.2.7'), 'too_soon', 'a script posting at once');
    clock.advance(NOSCRIPT_MIN_WAIT_MS);
    assert.equal(
      await captcha.verify(`${token.slice(0, -1)}${token.endsWith('0') ? '1' : '0'}`, '192.0.2.7'),
      'invalid',
    );
    assert.equal(
      await captcha.verify(
        noScriptToken('another-secret-of-enough-length-123', new Date(clock.now().getTime() - 6_000)),
        '192.0.2.7',
      ),
      'invalid',
    );
    assert.equal(await captcha.verify(token, '192.0.2.7'), 'ok');
    assert.equal(await captcha.verify(token, '192.0.2.7'), 'replayed');
    const old = noScriptToken(KEY, clock.now());
    clock.advance(10 * 60_000);
    assert.equal(await captcha.verify(old, '192.0.2.7'), 'expired');
  });

  test(`R21 no-script path: at most ${NOSCRIPT_PER_ADDRESS_PER_HOUR} an hour per address, also for 40 tokens at once, its /64 for IPv6`, async () => {
    const tokens = Array.from({ length: 40 }, () => noScriptToken(KEY, clock.now()));
    clock.advance(NOSCRIPT_MIN_WAIT_MS);
    const verdicts = await Promise.all(tokens.map((t) => captcha.verify(t, '2001:db8:9:9::1')));
    assert.equal(verdicts.filter((v) => v === 'ok').length, NOSCRIPT_PER_ADDRESS_PER_HOUR);
    assert.equal(verdicts.filter((v) => v === 'limited').length, 40 - NOSCRIPT_PER_ADDRESS_PER_HOUR);
    const sameBlock = noScriptToken(KEY, new Date(clock.now().getTime() - NOSCRIPT_MIN_WAIT_MS));
    assert.equal(await captcha.verify(sameBlock, '2001:db8:9:9:ffff::2'), 'limited', 'another address of the same /64');
    assert.equal(
      await captcha.verify(noScriptToken(KEY, new Date(clock.now().getTime() - NOSCRIPT_MIN_WAIT_MS)), '198.51.100.99'),
      'ok',
      'another client is unaffected',
    );
    clock.advance(3_600_000);
    assert.equal(
      await captcha.verify(
        noScriptToken(KEY, new Date(clock.now().getTime() - NOSCRIPT_MIN_WAIT_MS)),
        '2001:db8:9:9::1',
      ),
      'ok',
      'the next hour',
    );
  });

  test('a challenge is signed, expires in 10 minutes by our clock, and carries no secret', async () => {
    const c = await captcha.challenge();
    assert.equal(c.parameters.algorithm, CAPTCHA_ALGORITHM);
    assert.match(c.signature ?? '', /^[0-9a-f]{64}$/);
    assert.match(c.parameters.keySignature ?? '', /^[0-9a-f]{64}$/, 'deterministic mode: verifying costs one HMAC');
    assert.deepEqual(c.parameters.data, { expires: '2026-11-27T10:10:00.000Z' });
    assert.equal(
      c.parameters.expiresAt,
      undefined,
      'no expiry for altcha-lib or the widget to read against another clock',
    );
    assert.ok(!JSON.stringify(c).includes(KEY));
    const again = await captcha.challenge();
    assert.notEqual(again.parameters.nonce, c.parameters.nonce);
  });

  test('a solved challenge is accepted once; the same payload again is a replay', async () => {
    const payload = await solve(await captcha.challenge());
    assert.equal(await captcha.verify(payload, '192.0.2.1'), 'ok');
    assert.equal(await captcha.verify(payload, '192.0.2.1'), 'replayed');
    assert.equal(
      await captcha.verify(await solve(await captcha.challenge()), '192.0.2.1'),
      'ok',
      'another challenge is independent',
    );
  });

  test('the same payload submitted concurrently is accepted exactly once', async () => {
    const payload = await solve(await captcha.challenge());
    const verdicts = await Promise.all(Array.from({ length: 8 }, () => captcha.verify(payload, '192.0.2.1')));
    assert.deepEqual([...verdicts].sort(), ['ok', ...Array.from({ length: 7 }, () => 'replayed')]);
  });

  test('a tampered payload is invalid', async () => {
    const payload = await solve(await captcha.challenge());
    const tampered = {
      'wrong derived key': tamper(payload, (p) => {
        const k = p.solution.derivedKey;
        p.solution.derivedKey = (k[0] === '0' ? '1' : '0') + k.slice(1);
      }),
      'lower cost': tamper(payload, (p) => (p.challenge.parameters.cost = 1)),
      'later expiry in the signed data': tamper(
        payload,
        (p) => (p.challenge.parameters.data = { expires: '2030-01-01T00:00:00.000Z' }),
      ),
      'other key prefix': tamper(payload, (p) => (p.challenge.parameters.keyPrefix = '00')),
      'no signature': tamper(payload, (p) => delete p.challenge.signature),
      'an extra parameter': tamper(payload, (p) => Object.assign(p.challenge.parameters, { extra: 1 })),
      'counter out of range': tamper(payload, (p) => (p.solution.counter = -1)),
      'an altcha-lib expiry added': tamper(payload, (p) => (p.challenge.parameters.expiresAt = 4_102_444_800)),
    };
    for (const [what, bad] of Object.entries(tampered))
      assert.equal(await captcha.verify(bad, '192.0.2.1'), 'invalid', what);
    assert.equal(await captcha.verify(payload, '192.0.2.1'), 'ok', 'the genuine payload is still unused');
  });

  test('a challenge signed with another key is invalid', async () => {
    const other = createCaptcha({
      db: db.kysely,
      clock,
      hmacKey: 'another-secret-another-secret-another',
      maxNumber: 20,
    });
    assert.equal(await captcha.verify(await solve(await other.challenge()), '192.0.2.1'), 'invalid');
  });

  test('garbage is invalid and never throws', async () => {
    const garbage = [
      'not base64 at all!',
      'AAA',
      b64('not json'),
      b64('null'),
      b64('42'),
      b64([]),
      b64({}),
      b64({ challenge: null, solution: null, test: true }), // the widget's test mode
      b64({ challenge: { parameters: {}, signature: 'x' }, solution: {} }),
      b64({ challenge: { parameters: { algorithm: 'SHA-1' } }, solution: { counter: 1, derivedKey: 'zz' } }),
      'A'.repeat(10_000),
      b64('x'.repeat(7_000)),
      Array.from({ length: 10_000 }, (_, i) => String.fromCharCode(32 + ((i * 7919) % 95))).join(''),
      '\u0000\uffff\ud800',
    ];
    for (const g of garbage) assert.equal(await captcha.verify(g, '192.0.2.1'), 'invalid', g.slice(0, 40));
  });

  test('no payload is missing', async () => {
    assert.equal(await captcha.verify(undefined, '192.0.2.1'), 'missing');
    assert.equal(await captcha.verify('', '192.0.2.1'), 'missing');
    assert.equal(await captcha.verify('   ', '192.0.2.1'), 'missing');
  });

  test('a challenge expires 10 minutes after it was issued, by the injected clock', async () => {
    const late = await solve(await captcha.challenge());
    const inTime = await solve(await captcha.challenge());
    clock.advance(10 * MINUTE - 1);
    assert.equal(await captcha.verify(inTime, '192.0.2.1'), 'ok');
    clock.advance(1);
    assert.equal(await captcha.verify(late, '192.0.2.1'), 'expired');
    assert.equal(
      await captcha.verify(inTime, '192.0.2.1'),
      'expired',
      'a used payload past its expiry is refused as expired',
    );
  });

  test('the real time does not matter, only the injected clock', async () => {
    for (const at of ['2001-01-01T00:00:00.000Z', '2099-12-31T23:00:00.000Z']) {
      clock.set(at);
      assert.equal(await captcha.verify(await solve(await captcha.challenge()), '192.0.2.1'), 'ok', at);
    }
  });

  test('used solutions are forgotten once their challenges have expired', async () => {
    assert.equal(await captcha.verify(await solve(await captcha.challenge()), '192.0.2.1'), 'ok');
    clock.advance(5 * MINUTE);
    assert.equal(await captcha.verify(await solve(await captcha.challenge()), '192.0.2.1'), 'ok');
    assert.equal(await captcha.purgeExpired(), 0);
    clock.advance(5 * MINUTE);
    assert.equal(await captcha.purgeExpired(), 1);
    clock.advance(5 * MINUTE);
    assert.equal(await captcha.purgeExpired(), 1);
    assert.equal((await db.kysely.selectFrom('captcha_solutions').selectAll().execute()).length, 0);
  });

  test('GET /captcha/challenge on a bare Fastify instance: fresh JSON, never cached, solvable', async () => {
    const app: FastifyInstance = Fastify({ logger: false });
    await app.register(captchaRoutes, { captcha });
    try {
      const res = await app.inject('/captcha/challenge');
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /^application\/json/);
      assert.equal(res.headers['cache-control'], 'no-store');
      const challenge = res.json<CaptchaChallenge>();
      assert.equal(challenge.parameters.algorithm, CAPTCHA_ALGORITHM);
      assert.equal(await captcha.verify(await solve(challenge), '192.0.2.1'), 'ok');
      const second = await app.inject('/captcha/challenge');
      assert.notEqual(second.json<CaptchaChallenge>().signature, challenge.signature);
    } finally {
      await app.close();
    }
  });
});

test('the widget’s files are served from node_modules/altcha, and nothing else of the package', async () => {
  const db = await freshDatabase('sqlite');
  const app = Fastify({ logger: false });
  await app.register(captchaRoutes, {
    captcha: createCaptcha({ db: db.kysely, clock: new ManualClock(), hmacKey: KEY }),
  });
  try {
    for (const url of [ALTCHA_ASSETS.script, ALTCHA_ASSETS.spanish, ALTCHA_ASSETS.worker]) {
      const res = await app.inject(url);
      assert.equal(res.statusCode, 200, url);
      assert.match(String(res.headers['content-type']), /javascript/, url);
    }
    const css = await app.inject(CAPTCHA_STYLESHEET);
    assert.equal(css.statusCode, 200);
    assert.match(String(css.headers['content-type']), /^text\/css/);
    const widget = await app.inject(ALTCHA_ASSETS.script);
    assert.match(widget.body, /customElements\.define\("altcha-widget"/);
    assert.doesNotMatch(widget.body, /createObjectURL/, 'the external build makes no blob: workers');
    for (const url of [
      '/assets/vendor/altcha/main/altcha.js',
      '/assets/vendor/altcha/',
      '/assets/vendor/altcha/../package.json',
      '/assets/vendor/altcha/%2e%2e/package.json',
    ]) {
      const res = await app.inject(url);
      assert.ok(res.statusCode === 404 || res.statusCode === 403, `${url}: ${res.statusCode}`);
    }
  } finally {
    await app.close();
    await db.close();
  }
});

test('our setup script registers the worker the routes serve, for the algorithm the server issues', async () => {
  const script = await readFile(join(publicDir, CAPTCHA_SETUP_SCRIPT.replace(/^\/assets\//, '')), 'utf8');
  assert.ok(script.includes(`'${CAPTCHA_ALGORITHM}'`));
  assert.ok(script.includes(`'${ALTCHA_ASSETS.worker}'`));
  assert.deepEqual(CAPTCHA_SCRIPTS, [ALTCHA_ASSETS.spanish, ALTCHA_ASSETS.script, CAPTCHA_SETUP_SCRIPT]);
});

test('in the app: the routes coexist with /assets, under the portal’s CSP', async () => {
  const ctx: TestContext = await setup('sqlite');
  try {
    const challenge = await ctx.app.inject('/captcha/challenge');
    assert.equal(challenge.statusCode, 200);
    assert.equal(challenge.headers['cache-control'], 'no-store');
    assert.match(String(challenge.headers['content-security-policy']), /script-src 'self'/);
    assert.equal((await ctx.app.inject(ALTCHA_ASSETS.script)).statusCode, 200);
    assert.equal(
      (await ctx.app.inject(CAPTCHA_SETUP_SCRIPT)).statusCode,
      200,
      'public/captcha.js through the web base',
    );
    assert.equal((await ctx.app.inject('/assets/app.css')).statusCode, 200, 'the web base’s assets are untouched');
  } finally {
    await ctx.close();
  }
});

test('CaptchaField renders the widget in the page’s language, its stylesheet, the error and a no-script note', () => {
  const ctx = (lang: 'es' | 'en'): PageContext => ({
    lang,
    t: translator(lang),
    brand: defaultBrand,
    path: '/register',
    csrfToken: () => 'token',
    year: 2026,
  });
  const es = render(CaptchaField({ ctx: ctx('es') }));
  assert.match(es, /<altcha-widget challenge="\/captcha\/challenge" name="altcha" language="es"/);
  assert.ok(es.includes(`<link rel="stylesheet" href="${CAPTCHA_STYLESHEET}"`));
  assert.match(es, /<legend>Verificación de seguridad<\/legend>/);
  assert.match(
    es,
    /<div class="captcha-fallback" data-captcha-fallback><p class="hint">[^<]*JavaScript[^<]*<\/p><\/div>/,
    'outside <noscript>, so a browser without module scripts shows it too',
  );
  assert.doesNotMatch(es, /style=/, 'no inline style (CSP)');
  assert.doesNotMatch(es, /field-error/);

  const en = render(CaptchaField({ ctx: ctx('en'), label: 'Prove it', error: { code: 'captcha_invalid' } }));
  assert.match(en, /language="en"/);
  assert.match(en, /<legend>Prove it<\/legend>/);
  assert.match(en, /<fieldset id="altcha" class="field captcha-field has-error" aria-describedby="altcha-error">/);
  assert.match(en, /<p class="field-error" id="altcha-error">The security check is not valid or has expired/);
});
