import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { nif } from '../../feed/demo-feed.js';
import { recordAudit } from '../../infra/audit/audit.repository.js';
import { hashToken } from '../../infra/crypto/tokens.js';
import { lastCode, auditOf, accountFor, signedIn, TEST_PASSWORD } from '../../../test/helpers/fixture.js';
import { BrowserAgent } from '../../../test/helpers/browser-agent.js';
import { describeEachDatabase } from '../../../test/helpers/databases.js';
import { setup, type TestContext } from '../../../test/helpers/setup.js';

// R28 sign-in awareness: the new-device email and its "this wasn't me" link, the security page's sign-in history and
// its button; R29 (nothing usable at rest), R22 (audited), R20 (both languages).

const CHROME_ANDROID =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36';
const FIREFOX_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0';
const SAFARI_IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const TELEFONICA_ES = '80.58.61.250';
const DAY = 24 * 3_600_000;

interface M {
  id: number;
  username: string;
  email: string;
}

describeEachDatabase('sign-in awareness (R28)', (kind) => {
  let ctx: TestContext;
  let n = 0;

  /** An account with no member record (signing in needs none). */
  async function member(language: 'es' | 'en' = 'es'): Promise<M> {
    n++;
    const username = nif(73000000 + n);
    const email = `aw${n}@example.com`;
    const id = await accountFor(ctx, { username, memberNumbers: [], email, language });
    return { id, username, email };
  }

  const mails = async (to: string, template: string) =>
    (await ctx.outbox()).filter((m) => m.recipient === to && m.template === template);

  /** Signs in with password and emailed code in this browser (its cookie jar), then half a minute passes. */
  async function signIn(agent: BrowserAgent, m: M): Promise<void> {
    await signedIn(ctx, m, { browser: agent });
    ctx.clock.advance(31_000);
  }

  const browser = (ua = CHROME_ANDROID, ip = '198.51.100.10') =>
    new BrowserAgent(ctx.app, { 'user-agent': ua, 'x-forwarded-for': ip });
  /** A member who has signed in once already (in a browser of their own), so a new device is news. */
  async function regular(language: 'es' | 'en' = 'es'): Promise<{ m: M; home: BrowserAgent }> {
    const m = await member(language);
    const home = browser();
    await signIn(home, m);
    return { m, home };
  }
  const notMePath = (text: string) => /http:\/\/localhost:3000(\/sign-in\/not-me\/[A-Za-z0-9_-]+)/.exec(text)?.[1];

  before(async () => {
    ctx = await setup(kind, { env: { TRUST_PROXY: 'true' } });
  });
  after(() => ctx.close());
  beforeEach(async () => {
    await ctx.db.kysely.deleteFrom('rate_limits').execute();
  });

  test('a member’s first sign-in remembers the browser (a long-lived, HttpOnly cookie) but warns of nothing', async () => {
    const m = await member();
    const agent = browser();
    await signIn(agent, m);
    assert.equal((await mails(m.email, 'new-device')).length, 0, 'the registration just done is no news');
    const set = String((await ctx.app.inject({ method: 'GET', url: '/sign-in' })).headers['set-cookie'] ?? '');
    assert.doesNotMatch(set, /device=/, 'a page view sets no device cookie');
    assert.ok(agent.cookies.device, 'the device cookie is kept by the browser');
    assert.ok(agent.cookies.device!.length >= 22, '≥128 bits');
    const rows = await ctx.db.kysely.selectFrom('known_devices').selectAll().where('account_id', '=', m.id).execute();
    assert.equal(rows.length, 1);
  });

  test('the device cookie: HttpOnly, SameSite=Lax, 400 days', async () => {
    const m = await member();
    const agent = browser();
    await ctx.db.kysely.deleteFrom('rate_limits').execute();
    await agent.post('/sign-in', { username: m.username, password: TEST_PASSWORD });
    await agent.get('/sign-in/verify');
    await agent.post('/sign-in/verify/send', { channel: 'email' });
    const code = await lastCode(ctx, m.email);
    const done = await agent.post('/sign-in/verify/code', { code });
    const header = [done.headers['set-cookie']].flat().find((c) => String(c).startsWith('device='));
    assert.ok(header, 'set at sign-in');
    assert.match(String(header), /HttpOnly/i);
    assert.match(String(header), /SameSite=Lax/i);
    assert.match(String(header), /Max-Age=34560000/);
    assert.match(String(header), /Path=\//);
  });

  test('a new browser gets one email (browser, system, time, place, one link); the same browser again none; another cookie jar one', async () => {
    const { m } = await regular();
    const laptop = browser(FIREFOX_WINDOWS, TELEFONICA_ES);
    await signIn(laptop, m);
    const first = await mails(m.email, 'new-device');
    assert.equal(first.length, 1);
    const mail = first[0]!;
    assert.equal(mail.language, 'es');
    assert.match(mail.subject ?? '', /Nuevo acceso a tu Área Privada de Asegurado/);
    assert.match(mail.body_text, /Firefox en Windows/);
    assert.match(mail.body_text, /España/);
    // 10:00:31 UTC on 27 November 2026 is 11:00 in Madrid (CET).
    assert.match(mail.body_text, /viernes, 27 de noviembre de 2026/);
    assert.match(mail.body_text, /11:0\d/);
    assert.match(mail.body_text, /CET/);
    assert.ok(notMePath(mail.body_text), 'the link is in the text');
    assert.ok(mail.body_html?.includes(notMePath(mail.body_text)!), 'and in the HTML');
    assert.equal(new Set(mail.body_text.match(/http:\/\/localhost:3000\/\S+/g)).size, 1, 'one link');

    await signIn(laptop, m);
    await signIn(laptop, m);
    assert.equal((await mails(m.email, 'new-device')).length, 1, 'a known device is not news');

    await signIn(browser(FIREFOX_WINDOWS, TELEFONICA_ES), m);
    assert.equal((await mails(m.email, 'new-device')).length, 2, 'same browser make, another cookie jar: a new device');
    const audit = await auditOf(ctx, m.id, 'signin.new_device');
    // The first sign-in (at home) is remembered quietly; each new device after it is reported.
    assert.deepEqual(
      audit.map((a) => (JSON.parse(a.details ?? '{}') as { notified: boolean }).notified),
      [false, true, true],
    );
  });

  test('in English for a member who reads English; a private address shows the network only', async () => {
    const { m } = await regular('en');
    await signIn(browser(SAFARI_IPHONE, '192.168.1.20'), m);
    const mail = (await mails(m.email, 'new-device')).at(-1)!;
    assert.equal(mail.language, 'en');
    assert.match(mail.subject ?? '', /New sign-in to your/);
    assert.match(mail.body_text, /Safari on iOS/);
    assert.match(mail.body_text, /Unknown country \(network 192\.168\.1\.x\)/);
    assert.doesNotMatch(mail.body_text, /Australia/, 'the table’s entry for a private range is not used');
    assert.match(mail.body_text, /Friday, 27 November 2026/);
  });

  test('a device known to another account does not count for this one', async () => {
    const a = await regular();
    const b = await regular();
    const shared = browser(FIREFOX_WINDOWS);
    await signIn(shared, a.m);
    assert.equal((await mails(a.m.email, 'new-device')).length, 1);
    await signIn(shared, b.m);
    assert.equal((await mails(b.m.email, 'new-device')).length, 1, 'new to this account');
    await signIn(shared, a.m);
    assert.equal((await mails(a.m.email, 'new-device')).length, 1);
  });

  test('a device unseen for 180 days is new again; one used within them is not', async () => {
    const { m } = await regular();
    const laptop = browser(FIREFOX_WINDOWS);
    await signIn(laptop, m);
    assert.equal((await mails(m.email, 'new-device')).length, 1);
    ctx.clock.advance(179 * DAY);
    await signIn(laptop, m);
    ctx.clock.advance(179 * DAY);
    await signIn(laptop, m);
    assert.equal((await mails(m.email, 'new-device')).length, 1, 'seen within 180 days each time');
    ctx.clock.advance(180 * DAY);
    await signIn(laptop, m);
    assert.equal((await mails(m.email, 'new-device')).length, 2, '180 days unseen: news again');
  });

  test('the email’s link: GET changes nothing; POST ends every session and sends a recovery link that works; single use', async () => {
    const { m, home } = await regular();
    const intruder = browser(FIREFOX_WINDOWS, TELEFONICA_ES);
    await signIn(intruder, m);
    const link = notMePath((await mails(m.email, 'new-device')).at(-1)!.body_text)!;

    // A mail scanner (or the member) opens the link: a confirmation page, nothing done.
    const reader = browser();
    const page = await reader.get(link);
    assert.equal(page.statusCode, 200);
    assert.equal(page.headers['referrer-policy'], 'no-referrer');
    assert.equal(page.headers['cache-control'], 'no-store');
    assert.match(page.body, /¿No reconoces este acceso\?/);
    assert.match(page.body, /<form method="post" action="\/sign-in\/not-me\/[A-Za-z0-9_-]+"/);
    assert.equal((await reader.get(link)).statusCode, 200, 'opening it twice uses nothing');
    assert.equal((await home.get('/area')).statusCode, 200, 'GET ends no session');
    assert.equal((await intruder.get('/area')).statusCode, 200);
    assert.equal((await mails(m.email, 'recovery-link')).length, 0, 'GET sends nothing');

    // A forged form (no CSRF token) does nothing either.
    const forged = await ctx.app.inject({
      method: 'POST',
      url: link,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: '',
    });
    assert.equal(forged.statusCode, 403);
    assert.equal((await intruder.get('/area')).statusCode, 200);

    const done = await reader.post(link, {});
    assert.equal(done.statusCode, 303);
    assert.equal(done.headers.location, '/sign-in/not-me/done');
    const told = await reader.get('/sign-in/not-me/done');
    assert.equal(told.statusCode, 200);
    assert.match(told.body, /Hemos cerrado todas las sesiones de tu cuenta/);
    assert.match(told.body, /crear una contraseña nueva/);
    assert.match(told.body, /otras webs o aplicaciones/);
    assert.ok(told.body.includes(ctx.config.brand.supportEmail), 'customer service from the brand');
    assert.equal((await home.get('/area')).statusCode, 303, 'the member’s session ended');
    assert.equal((await intruder.get('/area')).statusCode, 303, 'the intruder’s session ended');
    assert.equal(
      (await ctx.db.kysely.selectFrom('known_devices').select('device_hash').where('account_id', '=', m.id).execute())
        .length,
      0,
      'every device is news again',
    );
    const notMe = await auditOf(ctx, m.id, 'signin.not_me');
    assert.equal(notMe.length, 1);
    assert.match(notMe[0]!.details ?? '', /"via":"email-link"/);

    // Single use: a second click is told the link no longer works, and nothing more is sent.
    assert.equal((await reader.get(link)).statusCode, 410);
    assert.equal((await reader.post(link, {})).statusCode, 410);
    const recovery = await mails(m.email, 'recovery-link');
    assert.equal(recovery.length, 1);

    // The recovery link works as R11's does.
    const reset = /http:\/\/localhost:3000(\/recovery\/reset\/[A-Za-z0-9_-]+)/.exec(recovery[0]!.body_text)![1]!;
    const setter = browser();
    assert.equal((await setter.get(reset)).headers.location, '/recovery/reset');
    await setter.get('/recovery/reset');
    const saved = await setter.post('/recovery/reset', {
      password: 'Otono2031Nuevo',
      password_confirmation: 'Otono2031Nuevo',
    });
    assert.equal(saved.headers.location, '/recovery/done');
  });

  test('a link expires after 7 days; an unknown or malformed token gets 410, never an error', async () => {
    const { m } = await regular();
    await signIn(browser(FIREFOX_WINDOWS), m);
    const link = notMePath((await mails(m.email, 'new-device')).at(-1)!.body_text)!;
    ctx.clock.advance(7 * DAY - 60_000);
    assert.equal((await browser().get(link)).statusCode, 200, 'still valid just before 7 days');
    ctx.clock.advance(120_000);
    const expired = browser();
    const page = await expired.get(link);
    assert.equal(page.statusCode, 410);
    assert.match(page.body, /Este enlace ya no sirve/);
    assert.equal((await expired.post(link, {})).statusCode, 410);
    for (const bad of [
      '/sign-in/not-me/wrong',
      `/sign-in/not-me/${'a'.repeat(43)}`,
      `/sign-in/not-me/${'x'.repeat(150)}`,
      '/sign-in/not-me/%E2%80%AE%00',
    ]) {
      const res = await browser().get(bad);
      assert.equal(res.statusCode, 410, bad);
    }
    assert.equal((await mails(m.email, 'recovery-link')).length, 0);
  });

  test('R29: no cookie or link token in clear at rest (every column of known_devices and one_time_tokens)', async () => {
    const { m } = await regular();
    const laptop = browser(FIREFOX_WINDOWS);
    await signIn(laptop, m);
    const cookie = laptop.cookies.device!;
    const token = notMePath((await mails(m.email, 'new-device')).at(-1)!.body_text)!
      .split('/')
      .pop()!;
    const rows = [
      ...(await ctx.db.kysely.selectFrom('known_devices').selectAll().execute()),
      ...(await ctx.db.kysely.selectFrom('one_time_tokens').selectAll().execute()),
    ];
    for (const row of rows) {
      for (const [column, value] of Object.entries(row)) {
        assert.ok(!String(value).includes(cookie), `known_devices/one_time_tokens.${column} holds no device cookie`);
        assert.ok(!String(value).includes(token), `${column} holds no link token`);
      }
    }
    const mine = await ctx.db.kysely
      .selectFrom('known_devices')
      .select('device_hash')
      .where('account_id', '=', m.id)
      .execute();
    assert.ok(
      mine.some((r) => r.device_hash === hashToken(cookie)),
      'only the hash is kept',
    );
    const stored = await ctx.db.kysely
      .selectFrom('one_time_tokens')
      .select(['token_hash', 'expires_at'])
      .where('purpose', '=', 'not-me')
      .where('account_id', '=', m.id)
      .execute();
    assert.deepEqual(
      stored.map((r) => r.token_hash),
      [hashToken(token)],
    );
  });

  test('the security page lists sign-ins and failed attempts: time, device, place, factor, outcome; newest first; only this account’s', async () => {
    const { m } = await regular();
    const other = await regular();
    // A wrong password from a Spanish address, then a wrong code, then a sign-in by emailed code.
    const laptop = browser(FIREFOX_WINDOWS, TELEFONICA_ES);
    assert.equal((await laptop.post('/sign-in', { username: m.username, password: 'Equivocada99' })).statusCode, 401);
    ctx.clock.advance(60_000);
    await laptop.post('/sign-in', { username: m.username, password: TEST_PASSWORD });
    await laptop.get('/sign-in/verify');
    await laptop.post('/sign-in/verify/send', { channel: 'email' });
    ctx.clock.advance(60_000);
    const right = await lastCode(ctx, m.email);
    const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, '0');
    assert.equal((await laptop.post('/sign-in/verify/code', { code: wrong })).statusCode, 400);
    ctx.clock.advance(60_000);
    await signIn(laptop, m);
    // The other member's attempts, from an iPhone, must not show.
    await browser(SAFARI_IPHONE, '81.2.69.142').post('/sign-in', {
      username: other.m.username,
      password: 'Equivocada99',
    });

    const page = await laptop.get('/area/security');
    assert.equal(page.statusCode, 200);
    const history = page.body.slice(page.body.indexOf('id="history-heading"'));
    assert.match(history, /Últimos accesos/);
    const items = history.split('<li class="card sign-in').slice(1);
    assert.equal(items.length, 4, 'the first sign-in, the wrong password, the wrong code and the sign-in');
    assert.match(items[0]!, /Acceso correcto/);
    assert.match(items[0]!, /Firefox en Windows/);
    assert.match(items[0]!, /España/);
    assert.match(items[0]!, /Código de verificación por email/);
    assert.match(items[1]!, /Código incorrecto/);
    assert.match(items[2]!, /Contraseña incorrecta/);
    assert.match(items[2]!, /<dd>Contraseña<\/dd>/);
    assert.match(items[3]!, /Chrome en Android/);
    assert.match(items[3]!, /País desconocido \(red 198\.51\.100\.x\)/);
    assert.doesNotMatch(history, /iOS|Reino Unido/, 'nothing of another account');
    assert.ok(
      items[0]!.includes(
        new Intl.DateTimeFormat('es-ES', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Europe/Madrid' }).format(
          ctx.clock.now(),
        ),
      ),
    );

    const english = await laptop.get('/area/security?lang=en');
    assert.match(english.body, /Recent sign-ins/);
    assert.match(english.body, /Verification code by email/);
    assert.match(english.body, /Wrong password/);
    assert.match(english.body, /Spain/);
    assert.match(english.body, /It was not me/);
  });

  test('the history shows at most the last 20, and names a passkey and an authenticator app', async () => {
    const { m, home } = await regular();
    for (let i = 0; i < 25; i++) {
      ctx.clock.advance(1000);
      await recordAudit(
        ctx.db.kysely,
        ctx.clock,
        { ip: '2.136.0.1', userAgent: SAFARI_IPHONE },
        {
          event: 'signin.password',
          outcome: 'failure',
          actor: m.username,
          accountId: m.id,
          details: { reason: 'wrong_password' },
        },
      );
    }
    await recordAudit(
      ctx.db.kysely,
      ctx.clock,
      { ip: '8.8.8.8', userAgent: FIREFOX_WINDOWS },
      {
        event: 'signin.success',
        outcome: 'success',
        actor: m.username,
        accountId: m.id,
        details: { factor: 'totp', via: 'code' },
      },
    );
    await recordAudit(
      ctx.db.kysely,
      ctx.clock,
      { ip: '8.8.8.8', userAgent: FIREFOX_WINDOWS },
      { event: 'signin.passkey', outcome: 'success', actor: m.username, accountId: m.id },
    );
    const page = await home.get('/area/security');
    const items = page.body.slice(page.body.indexOf('id="history-heading"')).split('<li class="card sign-in').slice(1);
    assert.equal(items.length, 20);
    assert.match(items[0]!, /Llave de acceso/);
    assert.match(items[1]!, /Aplicación de autenticación/);
    assert.match(items[1]!, /Estados Unidos/);
    assert.match(items[2]!, /Contraseña incorrecta/);
  });

  test('“this wasn’t me” on the security page ends every session, this one too, and sends the recovery link', async () => {
    const { m, home } = await regular();
    const intruder = browser(FIREFOX_WINDOWS);
    await signIn(intruder, m);
    const page = await home.get('/area/security');
    assert.match(page.body, /<form method="post" action="\/area\/security\/not-me"/);
    const res = await home.post('/area/security/not-me', {});
    assert.equal(res.headers.location, '/sign-in/not-me/done');
    assert.equal((await home.get('/area')).statusCode, 303);
    assert.equal((await intruder.get('/area')).statusCode, 303);
    assert.equal((await mails(m.email, 'recovery-link')).length, 1);
    const audit = await auditOf(ctx, m.id, 'signin.not_me');
    assert.match(audit[0]?.details ?? '', /"via":"security-page"/);
    // Without a session the button leads to sign-in and does nothing.
    const stranger = await browser().post('/area/security/not-me', {});
    assert.match(String(stranger.headers.location), /^\/sign-in/);
    assert.equal((await mails(m.email, 'recovery-link')).length, 1);
  });
});
