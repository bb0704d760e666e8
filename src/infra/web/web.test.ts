import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import Fastify from 'fastify';
import { defaultBrand } from '../../config.js';
import { formSecrets, setup, testConfig, type TestContext } from '../../../test/helpers/setup.js';
import { describeEachDatabase } from '../../../test/helpers/databases.js';
import { createCourier } from '../outbox/courier.js';
import { enrolmentEmail } from '../outbox/templates/enrolment.js';
import { emailLogoPng } from './brand-logo.js';
import { loggerOptions, OneLinePerRequest, safeUrl } from './logging.js';
import { sendPage } from './view.js';
import { Form } from './form.js';
import { Layout } from './layout.js';

// The web base: languages (R20), CSRF, security headers, error pages that never leak internals, health checks,
// and the development mailbox (PRODUCT §4).

describeEachDatabase('web base', (kind) => {
  let ctx: TestContext;
  before(async () => {
    ctx = await setup(kind);
    // A form and a failing route, to exercise the shared machinery the flows rely on.
    ctx.app.get('/test/form', async (request, reply) => {
      const page = request.pageContext();
      return sendPage(
        reply,
        Layout({ ctx: page, title: 'form', children: Form({ ctx: page, action: '/test/form', children: null }) }),
      );
    });
    ctx.app.post('/test/form', async () => 'accepted');
    ctx.app.get('/test/boom', async () => {
      throw new Error('secret internals at /srv/app.ts:42');
    });
    ctx.app.get('/test/db-down', async (request) => {
      const q = request.query as Record<string, string>;
      throw q.code
        ? Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:5432'), { code: q.code })
        : new Error('Connection terminated unexpectedly');
    });
  });
  after(() => ctx.close());

  test('the home page is in Spanish by default, and in English when the browser asks for it', async () => {
    const es = await ctx.app.inject('/');
    assert.equal(es.statusCode, 200);
    assert.match(es.body, /<html lang="es"/);
    assert.match(es.body, /Tu área privada/);
    const en = await ctx.app.inject({ url: '/', headers: { 'accept-language': 'en-GB,en;q=0.9' } });
    assert.match(en.body, /<html lang="en"/);
    assert.match(en.body, /Your private area/);
  });

  test('the language link switches the language and a cookie remembers it', async () => {
    const switched = await ctx.app.inject('/?lang=en');
    assert.match(switched.body, /<html lang="en"/);
    const cookie = switched.cookies.find((c) => c.name === 'lang');
    assert.equal(cookie?.value, 'en');
    const next = await ctx.app.inject({ url: '/', cookies: { lang: 'en' }, headers: { 'accept-language': 'es' } });
    assert.match(next.body, /<html lang="en"/, 'the cookie wins over Accept-Language');
    assert.match(next.body, /href="\/\?lang=es"/, 'the switch offers Spanish');
  });

  test('an unknown page gets a 404 page in the member’s language', async () => {
    const es = await ctx.app.inject('/no-such-page');
    assert.equal(es.statusCode, 404);
    assert.match(es.body, /No encontramos esta página/);
    const en = await ctx.app.inject({ url: '/no-such-page', cookies: { lang: 'en' } });
    assert.match(en.body, /We could not find this page/);
  });

  test('a help topic named after an Object.prototype member is a 404, not a 500 (found by fuzzing, issue 9)', async () => {
    for (const topic of ['__proto__', 'toString', 'constructor', 'hasOwnProperty', 'valueOf']) {
      const res = await ctx.app.inject(`/help/${topic}`);
      assert.equal(res.statusCode, 404, topic);
      assert.match(res.body, /No encontramos esta página/);
    }
    assert.equal((await ctx.app.inject('/help/expired')).statusCode, 200);
  });

  test('security headers: a CSP with no inline script, no framing, no referrer, no caching of pages', async () => {
    const res = await ctx.app.inject('/');
    const csp = String(res.headers['content-security-policy']);
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(res.headers['referrer-policy'], 'no-referrer');
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(res.headers['strict-transport-security'], undefined, 'no HSTS on plain-http development');
    assert.doesNotMatch(res.body, /<script>|\son\w+="/, 'no inline script or handler');
  });

  test('R21: with cookies off, every public form says that cookies are needed, never that it expired', async () => {
    for (const [url, fields] of [
      ['/sign-in', 'username=12345678Z&password=x'],
      ['/register', 'member_number=AS1&birth_date=01/01/1980&policy_number=P1'],
      ['/recovery', 'username=12345678Z'],
      ['/test/form', 'a=1'],
    ] as const) {
      // The browser got the page (and its token) but keeps no cookie, so the post carries none.
      const { token } = formSecrets(await ctx.app.inject(url));
      const res = await ctx.app.inject({
        method: 'POST',
        url,
        payload: `${fields}&_csrf=${encodeURIComponent(token)}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(res.statusCode, 403, url);
      assert.match(res.body, /Necesitas activar las cookies/, url);
      assert.doesNotMatch(res.body, /caducado/, url);
      assert.match(res.body, /href="\/help\/browsers"/, url);
    }
    const en = await ctx.app.inject({
      method: 'POST',
      url: '/sign-in?lang=en',
      payload: 'username=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.match(en.body, /Cookies need to be turned on/);
  });

  test('a form post without its CSRF token is refused with a page, and accepted with it', async () => {
    const page = await ctx.app.inject('/test/form');
    const { cookies, token } = formSecrets(page);
    const wrong = await ctx.app.inject({
      method: 'POST',
      url: '/test/form',
      cookies,
      payload: `_csrf=${token}x`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(wrong.statusCode, 403);
    assert.match(wrong.body, /El formulario ha caducado/);
    const ok = await ctx.app.inject({
      method: 'POST',
      url: '/test/form',
      cookies,
      payload: `_csrf=${encodeURIComponent(token)}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(ok.statusCode, 200);
    assert.equal(ok.body, 'accepted');
  });

  test('oversized and malformed requests get a 4xx page, never a 500', async () => {
    const big = await ctx.app.inject({
      method: 'POST',
      url: '/test/form',
      payload: 'a=' + 'x'.repeat(100_000),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(big.statusCode, 413);
    assert.match(big.body, /demasiados datos/);
    const badType = await ctx.app.inject({
      method: 'POST',
      url: '/test/form',
      payload: '<x/>',
      headers: { 'content-type': 'application/xml' },
    });
    assert.equal(badType.statusCode, 415);
    assert.match(badType.body, /<html/);
    const badJson = await ctx.app.inject({
      method: 'POST',
      url: '/test/form',
      payload: '{"a":',
      headers: { 'content-type': 'application/json' },
    });
    assert.ok(badJson.statusCode >= 400 && badJson.statusCode < 500, String(badJson.statusCode));
    const badUrl = await ctx.app.inject('/%E0%A4%A');
    assert.ok(badUrl.statusCode >= 400 && badUrl.statusCode < 500, String(badUrl.statusCode));
    const longUrl = await ctx.app.inject('/' + 'a'.repeat(10_000));
    assert.equal(longUrl.statusCode, 404);
  });

  test('a bug gets a generic page with a reference, never the stack trace', async () => {
    const res = await ctx.app.inject({ url: '/test/boom', cookies: { lang: 'en' } });
    assert.equal(res.statusCode, 500);
    assert.match(res.body, /Something went wrong/);
    assert.match(res.body, /Error reference: [0-9a-f-]{36}/);
    assert.doesNotMatch(res.body, /secret internals|\.ts:42|\n\s+at /);
  });

  test('a database that cannot be reached gets a 503 page saying so, with Retry-After, never a 500 (issue 9)', async () => {
    for (const url of [
      '/test/db-down',
      '/test/db-down?code=ECONNREFUSED',
      '/test/db-down?code=57P01',
      '/test/db-down?code=SQLITE_BUSY',
    ]) {
      const res = await ctx.app.inject({ url, cookies: { lang: 'en' } });
      assert.equal(res.statusCode, 503, url);
      assert.equal(res.headers['retry-after'], '30');
      assert.match(res.body, /The private area is not available right now/);
      assert.doesNotMatch(res.body, /ECONNREFUSED|10\.0\.0\.5|terminated/);
    }
    assert.equal(
      (await ctx.app.inject('/test/db-down?code=23505')).statusCode,
      500,
      'a constraint violation is a bug, not an outage',
    );
  });

  test('/healthz and /readyz answer', async () => {
    assert.deepEqual((await ctx.app.inject('/healthz')).json(), { status: 'ok' });
    const ready = await ctx.app.inject('/readyz');
    assert.equal(ready.statusCode, 200);
    assert.deepEqual(ready.json(), { status: 'ready' });
  });

  test('the development mailbox lists every email and SMS, newest first, with readable bodies', async () => {
    await ctx.courier.email(ctx.db.kysely, 'first@example.com', 'es', enrolmentEmail, {
      firstName: 'Ana',
      memberNumber: 'AS1',
      policyNumber: 'P1',
    });
    await ctx.courier.sms(ctx.db.kysely, '+34612345678', 'es', 'test', 'Tu código es 123456');
    const local = { host: 'localhost:3000' };
    const res = await ctx.app.inject({ url: '/dev/mailbox', headers: local });
    assert.equal(res.statusCode, 200);
    const sms = res.body.indexOf('+34612345678');
    const email = res.body.indexOf('first@example.com');
    assert.ok(sms > 0 && email > 0 && sms < email, 'the SMS (newer) comes before the email');
    assert.match(res.body, /Tu código es 123456/);
    const id = /href="\/dev\/mailbox\/(\d+)\.html"/.exec(res.body)?.[1];
    const html = await ctx.app.inject({ url: `/dev/mailbox/${id}.html`, headers: local });
    assert.equal(html.statusCode, 200);
    assert.match(html.body, /AS1/);
    assert.match(String(html.headers['content-security-policy']), /default-src 'none'/);
    assert.equal((await ctx.app.inject({ url: '/dev/mailbox/999999.html', headers: local })).statusCode, 404);
  });

  test("the development mailbox shows an email's logo as a mail client would: the attached PNG in place of its cid (R37)", async () => {
    const withLogo = createCourier({
      clock: ctx.clock,
      brand: ctx.config.brand,
      publicUrl: ctx.config.publicUrl,
      box: ctx.config.secretBox,
      logo: true,
    });
    await withLogo.email(ctx.db.kysely, 'logo@example.com', 'en', enrolmentEmail, {
      firstName: 'Ana',
      memberNumber: 'AS2',
      policyNumber: 'P2',
    });
    const local = { host: 'localhost:3000' };
    const list = await ctx.app.inject({ url: '/dev/mailbox', headers: local });
    const id = /href="\/dev\/mailbox\/(\d+)\.html"/.exec(list.body)?.[1];
    const html = await ctx.app.inject({ url: `/dev/mailbox/${id}.html`, headers: local });
    const logo = await emailLogoPng(ctx.config.brand);
    assert.ok(logo);
    assert.ok(html.body.includes(`<img src="data:image/png;base64,${logo.toString('base64')}"`), 'the logo is inlined');
    assert.doesNotMatch(html.body, /cid:/);
    assert.match(String(html.headers['content-security-policy']), /img-src data:/);
  });

  test('the development mailbox answers only to its own host: a DNS-rebinding page names another (issue 25)', async () => {
    await ctx.courier.sms(ctx.db.kysely, '+34612345678', 'es', 'test', 'Tu código es 654321');
    // PUBLIC_URL is http://localhost:3000 (PORT 3000) in tests.
    for (const host of ['localhost:3000', '127.0.0.1:3000', '[::1]:3000', 'LOCALHOST:3000']) {
      const res = await ctx.app.inject({ url: '/dev/mailbox', headers: { host } });
      assert.equal(res.statusCode, 200, host);
      assert.match(res.body, /654321/, host);
    }
    for (const host of [
      'evil.example:3000',
      'evil.example',
      'localhost:3001',
      '127.0.0.1',
      'localhost.evil.example:3000',
    ]) {
      for (const url of ['/dev/mailbox', '/dev/mailbox/1.html']) {
        const res = await ctx.app.inject({ url: `${url}?lang=en`, headers: { host } });
        assert.equal(res.statusCode, 421, `${host}${url}`);
        assert.doesNotMatch(res.body, /654321/);
        assert.match(res.body, /The development mailbox answers only at the portal's address/);
      }
    }
    const other = await setup(kind, { env: { PUBLIC_URL: 'https://dev.portal.example' } });
    try {
      const named = await other.app.inject({ url: '/dev/mailbox', headers: { host: 'dev.portal.example' } });
      assert.equal(named.statusCode, 200, 'the configured PUBLIC_URL host');
      const es = await other.app.inject({ url: '/dev/mailbox', headers: { host: 'evil.example' } });
      assert.equal(es.statusCode, 421);
      assert.match(es.body, /El buzón de desarrollo solo responde/);
    } finally {
      await other.close();
    }
  });
});

test('production: HSTS, secure cookies, and no development mailbox', async () => {
  const ctx = await setup('sqlite', {
    env: {
      NODE_ENV: 'production',
      PUBLIC_URL: 'https://area.example.es',
      SMTP_URL: 'smtp://127.0.0.1:2525',
      SECRET_KEY: 's'.repeat(40),
      ENCRYPTION_KEY: 'e'.repeat(64),
    },
  });
  try {
    const res = await ctx.app.inject({ url: '/?lang=en', headers: { 'x-forwarded-proto': 'https' } });
    assert.match(String(res.headers['strict-transport-security']), /max-age=31536000/);
    assert.match(String(res.headers['content-security-policy']), /upgrade-insecure-requests/);
    assert.equal((await ctx.app.inject('/dev/mailbox')).statusCode, 404);
  } finally {
    await ctx.close();
  }
});

test('logs never carry cookies or tokens in URLs', async () => {
  assert.equal(safeUrl('/recovery/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789?x=1'), '/recovery/[redacted]?[…]');
  assert.equal(safeUrl('/dev/mailbox'), '/dev/mailbox');
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const options = loggerOptions(testConfig({ LOG_LEVEL: 'info' }));
  const app = Fastify({ logger: { ...(options as object), stream }, logController: new OneLinePerRequest() });
  app.get('/reset/:token', async () => 'ok');
  await app.inject({
    url: '/reset/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789?code=123456',
    cookies: { session: 'topsecret' },
    headers: { authorization: 'Bearer abc' },
  });
  await app.close();
  const log = lines.join('');
  assert.match(log, /request completed/);
  assert.doesNotMatch(log, /AbCdEfGhIj|123456|topsecret|Bearer/);
  assert.equal(defaultBrand.name.length > 0, true);
});

test('one log line per request: readable in development, JSON elsewhere (issue 25)', async () => {
  const requests = async (env: Record<string, string>) => {
    const lines: string[] = [];
    const config = testConfig({ LOG_LEVEL: 'info', ...env });
    const options = loggerOptions(config, (text) => lines.push(text));
    // Outside development pino writes to its own stream: the test hands it one, as the web base test above does.
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const app = Fastify({
      logger: config.env === 'development' ? options : { ...(options as object), stream },
      logController: new OneLinePerRequest(),
    });
    app.get('/register', async () => 'ok');
    await app.inject('/register');
    await app.inject('/sign-in/link/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789?code=1');
    await app.close();
    return lines.join('').split('\n').filter(Boolean);
  };
  const dev = await requests({ NODE_ENV: 'development' });
  assert.equal(dev.length, 2, dev.join('\n'));
  assert.match(dev[0]!, /^\d\d:\d\d:\d\d INFO {2}GET \/register 200 [\d.]+ ms #req-1$/);
  assert.match(dev[1]!, /^\d\d:\d\d:\d\d INFO {2}GET \/sign-in\/link\/\[redacted\]\?\[…\] 404 [\d.]+ ms #req-2$/);
  const json = await requests({ NODE_ENV: 'test' });
  assert.equal(json.length, 2, json.join('\n'));
  const first = JSON.parse(json[0]!) as {
    msg: string;
    req: { method: string; url: string };
    res: { statusCode: number };
  };
  assert.equal(first.msg, 'request completed');
  assert.deepEqual([first.req.method, first.req.url, first.res.statusCode], ['GET', '/register', 200]);
});
