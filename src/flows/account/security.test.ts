import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { generate } from 'otplib';
import { BrowserAgent } from '../../../test/helpers/browser-agent.js';
import { auditOf, memberWithAccount, signedIn, TEST_PASSWORD } from '../../../test/helpers/fixture.js';
import { describeEachDatabase } from '../../../test/helpers/databases.js';
import { setup, type TestContext } from '../../../test/helpers/setup.js';

// Security settings (R7, R8, R12, R13): sessions listed and ended, preferred channel, authenticator app; audit (R22).

const CHROME_ANDROID =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36';
const FIREFOX_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0';
const SAFARI_IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

/** The open-sessions part of the security page (R28's sign-in history below it names past devices too). */
const sessionsPart = (html: string) => html.split('id="history-heading"')[0]!;
const sessionIdsIn = (html: string) =>
  [...html.matchAll(/action="\/area\/security\/sessions\/(\d+)\/end"/g)].map((m) => m[1]!);

describeEachDatabase('security settings', (kind) => {
  let ctx: TestContext;

  /** A registered member (email, and a mobile unless told otherwise). */
  const member = (options: { mobile?: string | null } = {}) =>
    memberWithAccount(ctx, {
      language: 'es',
      record: { first_name: 'Nora', last_name: 'Vidal', date_of_birth: '1980-01-01', product: 'Salud Plus' },
      mobile: options.mobile === undefined ? '+34600111333' : options.mobile,
    });
  /** A browser of its own: its user agent and address. */
  const browser = (userAgent = CHROME_ANDROID, ip = '198.51.100.10') => ({
    headers: { 'user-agent': userAgent, 'x-forwarded-for': ip },
  });

  const epoch = () => Math.floor(ctx.clock.now().getTime() / 1000);
  const account = (id: number) =>
    ctx.db.kysely.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  before(async () => {
    ctx = await setup(kind, { env: { TRUST_PROXY: 'true' } });
  });
  after(() => ctx.close());
  beforeEach(async () => {
    await ctx.db.kysely.deleteFrom('rate_limits').execute();
  });

  test('every security page and action needs a session (R8)', async () => {
    const stranger = new BrowserAgent(ctx.app);
    for (const url of ['/area/security', '/area/security/totp']) {
      const res = await stranger.get(url);
      assert.equal(res.statusCode, 303, url);
      assert.equal(res.headers.location, `/sign-in?&next=${encodeURIComponent(url)}`);
    }
    for (const url of [
      '/area/security/sessions/1/end',
      '/area/security/sessions/end-others',
      '/area/security/channel',
      '/area/security/totp',
      '/area/security/totp/remove',
    ]) {
      const res = await stranger.post(url, { channel: 'email', code: '123456', current_password: TEST_PASSWORD });
      assert.equal(res.statusCode, 303, url);
      assert.match(String(res.headers.location), /^\/sign-in/, url);
    }
  });

  test('the list shows this and other browsers’ live sessions: device, address, times, “this device” (R8, R13)', async () => {
    const m = await member();
    const phone = await signedIn(ctx, m, browser(CHROME_ANDROID, '198.51.100.10'));
    const laptop = await signedIn(ctx, m, browser(FIREFOX_WINDOWS, '203.0.113.7'));
    const started = new Intl.DateTimeFormat('es-ES', {
      dateStyle: 'medium',
      timeStyle: 'short',
      timeZone: 'Europe/Madrid',
    }).format(ctx.clock.now());
    await signedIn(ctx, m, browser(SAFARI_IPHONE, '192.0.2.99'));
    // The phone and the laptop are used again; the iPhone's session passes its idle deadline (R8: 15 minutes).
    ctx.clock.advanceMinutes(14);
    assert.equal((await phone.get('/area')).statusCode, 200);
    assert.equal((await laptop.get('/area')).statusCode, 200);
    ctx.clock.advanceMinutes(2);

    const page = await phone.get('/area/security');
    assert.equal(page.statusCode, 200);
    assert.equal(page.headers['cache-control'], 'no-store');
    assert.match(page.body, /Chrome en Android/);
    assert.match(page.body, /Firefox en Windows/);
    assert.doesNotMatch(sessionsPart(page.body), /iOS/, 'a session past its idle deadline is not listed');
    assert.match(page.body, /198\.51\.100\.10/);
    assert.match(page.body, /203\.0\.113\.7/);
    assert.ok(page.body.includes(started), `the start time in Spanish (${started})`);
    assert.match(page.body, /Chrome en Android <span class="tag">Este dispositivo<\/span>/);
    assert.equal(sessionIdsIn(page.body).length, 1, 'an end button for the other session only');
    assert.match(page.body, /Cerrar la sesión de Firefox en Windows/);
    assert.match(page.body, /Cerrar todas las demás sesiones/);
    assert.match(page.body, /href="\/area\/security\/password"/);

    const english = await phone.get('/area/security?lang=en');
    assert.match(english.body, /Chrome on Android/);
    assert.match(english.body, /This device/);
    assert.ok(
      english.body.includes(
        new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Europe/Madrid' }).format(
          new Date(ctx.clock.now().getTime() - 16 * 60_000),
        ),
      ),
    );
  });

  test('ending another of my sessions signs that browser out, and is audited (R8, R22)', async () => {
    const m = await member();
    const phone = await signedIn(ctx, m, browser(CHROME_ANDROID));
    const laptop = await signedIn(ctx, m, browser(FIREFOX_WINDOWS));
    const [laptopId] = sessionIdsIn((await phone.get('/area/security')).body);
    assert.ok(laptopId);
    const res = await phone.post(`/area/security/sessions/${laptopId}/end`, {});
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/area/security?done=session-ended');
    const after = await phone.get(res.headers.location);
    assert.match(after.body, /Hemos cerrado esa sesión/);
    assert.doesNotMatch(sessionsPart(after.body), /Firefox en Windows/);
    assert.equal((await laptop.get('/area')).statusCode, 303, 'the laptop is signed out');
    assert.equal((await phone.get('/area')).statusCode, 200);
    const again = await phone.post(`/area/security/sessions/${laptopId}/end`, {});
    assert.equal(again.headers.location, '/area/security?done=session-gone');
    const audit = await auditOf(ctx, m.accountId, 'session.end');
    assert.equal(audit.filter((a) => a.outcome === 'success').length, 1);
    assert.ok(audit[0]!.actor === m.username && audit[0]!.ip && audit[0]!.user_agent);

    // Ending this browser's own session is a sign-out.
    const own = await ctx.db.kysely
      .selectFrom('sessions')
      .select('id')
      .where('account_id', '=', m.accountId)
      .where('ended_at', 'is', null)
      .executeTakeFirstOrThrow();
    const out = await phone.post(`/area/security/sessions/${own.id}/end`, {});
    assert.equal(out.headers.location, '/sign-in?signedOut=1');
    assert.equal((await phone.get('/area')).statusCode, 303);
  });

  test('another account’s session id: 403, nothing ended, the attempt recorded (R8, R22)', async () => {
    const victim = await member();
    const victimBrowser = await signedIn(ctx, victim, browser(FIREFOX_WINDOWS));
    const victimSession = await ctx.db.kysely
      .selectFrom('sessions')
      .select('id')
      .where('account_id', '=', victim.accountId)
      .where('ended_at', 'is', null)
      .executeTakeFirstOrThrow();
    const m = await member();
    const mine = await signedIn(ctx, m, browser());
    await mine.get('/area/security');
    const res = await mine.post(`/area/security/sessions/${victimSession.id}/end`, {});
    assert.equal(res.statusCode, 403);
    assert.match(res.body, /No puedes cerrar esa sesión/);
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal((await victimBrowser.get('/area')).statusCode, 200, 'the other account’s session is still active');
    for (const id of ['999999', 'abc', '1e3'])
      assert.equal((await mine.post(`/area/security/sessions/${id}/end`, {})).statusCode, 403, id);
    const refused = (await auditOf(ctx, m.accountId, 'session.end')).filter((a) => a.outcome === 'refused');
    assert.equal(refused.length, 4);
    assert.match(refused[0]!.details ?? '', new RegExp(`"session":"${victimSession.id}"`));
  });

  test('“end all others” keeps only the current session (R8)', async () => {
    const m = await member();
    const a = await signedIn(ctx, m, browser(CHROME_ANDROID));
    const b = await signedIn(ctx, m, browser(FIREFOX_WINDOWS));
    const c = await signedIn(ctx, m, browser(SAFARI_IPHONE));
    // R37: asked first, naming the two other devices; nothing ends until the member confirms.
    const ask = await b.post('/area/security/sessions/end-others', {});
    assert.equal(ask.statusCode, 200);
    assert.match(ask.body, /<h1>¿Cerrar la sesión en los demás dispositivos\?<\/h1>/);
    assert.match(ask.body, /Vas a cerrar la sesión en estos 2 dispositivos/);
    assert.match(ask.body, /Chrome[^<]*Android/);
    assert.match(ask.body, /Safari[^<]*iOS/);
    assert.doesNotMatch(ask.body, /Firefox/, 'this device is not among them');
    assert.match(ask.body, /<input type="hidden" name="confirmed" value="1"\/>/);
    assert.match(ask.body, /<button type="submit" class="button--danger">Cerrar las 2 sesiones<\/button>/);
    assert.equal((await a.get('/area')).statusCode, 200, 'still signed in until confirmed');
    assert.equal((await c.get('/area')).statusCode, 200);
    assert.equal((await auditOf(ctx, m.accountId, 'session.end_others')).length, 0);
    const res = await b.post('/area/security/sessions/end-others', { confirmed: '1' });
    assert.equal(res.headers.location, '/area/security?done=others-ended');
    assert.equal((await a.get('/area')).statusCode, 303);
    assert.equal((await c.get('/area')).statusCode, 303);
    const page = await b.get('/area/security');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /No tienes la sesión abierta en ningún otro dispositivo/);
    assert.equal(sessionIdsIn(page.body).length, 0);
    assert.equal((await auditOf(ctx, m.accountId, 'session.end_others')).length, 1);
    // With no other device left, the question is not asked: back to the list.
    const none = await b.post('/area/security/sessions/end-others', {});
    assert.equal(none.statusCode, 303);
    assert.equal(none.headers.location, '/area/security#sessions-heading');
  });

  test('the preferred channel: one the account has, anything else refused with a field error (R7)', async () => {
    const m = await member();
    const agent = await signedIn(ctx, m, browser());
    const page = await agent.get('/area/security');
    assert.match(page.body, /<legend>Quiero recibir el código<\/legend>/);
    assert.match(page.body, /m•••@example\.com/, 'the address masked (member…@example.com)');
    assert.ok(!page.body.includes(m.email));
    assert.match(page.body, /value="sms"/);
    assert.doesNotMatch(page.body, /value="totp"/, 'no app enrolled yet');
    const saved = await agent.post('/area/security/channel', { channel: 'sms' });
    assert.equal(saved.headers.location, '/area/security?done=channel-saved');
    assert.equal((await account(m.accountId)).preferred_channel, 'sms');
    assert.match(
      (await agent.get(saved.headers.location)).body,
      /<input type="radio" id="channel-sms" name="channel" value="sms" checked/,
    );

    for (const channel of ['totp', 'fax', '']) {
      const refused = await agent.post('/area/security/channel', { channel });
      assert.equal(refused.statusCode, 400, channel);
      assert.match(refused.body, /Elige una de las opciones de la lista/);
      assert.match(refused.body, /href="#channel"/, 'the error summary links to the group');
    }
    assert.equal((await account(m.accountId)).preferred_channel, 'sms');

    const noMobile = await member({ mobile: null });
    const other = await signedIn(ctx, noMobile, browser());
    assert.equal((await other.post('/area/security/channel', { channel: 'sms' })).statusCode, 400);
    assert.equal((await account(noMobile.accountId)).preferred_channel, 'email', 'the sign-in’s channel, untouched');
  });

  test('authenticator app: QR as an image, wrong code refused, right code enables it, sign-in offers and accepts it (R7)', async () => {
    const m = await member();
    const agent = await signedIn(ctx, m, browser());
    const page = await agent.get('/area/security/totp');
    assert.equal(page.statusCode, 200);
    assert.equal(page.headers['cache-control'], 'no-store');
    const img = /<img src="data:image\/svg\+xml;base64,([A-Za-z0-9+/=]+)" alt="([^"]+)"/.exec(page.body);
    assert.ok(img, 'the QR is an <img> with a data: URI');
    assert.match(Buffer.from(img[1]!, 'base64').toString('utf8'), /<svg/);
    assert.match(img[2]!, /Código QR/);
    assert.doesNotMatch(page.body, /<script(?![^>]*\ssrc=)/, 'no inline script (CSP)');
    assert.doesNotMatch(page.body, /\sstyle=/, 'no inline style (CSP)');
    assert.match(page.body, /autocomplete="one-time-code"/);
    const secret = /<code>([A-Z2-7 ]+)<\/code>/.exec(page.body)?.[1]?.replace(/ /g, '');
    assert.ok(secret && secret.length >= 16);
    assert.ok(
      (await agent.get('/area/security/totp')).body.includes(/<code>([A-Z2-7 ]+)<\/code>/.exec(page.body)![1]!),
      'a reload keeps the pending secret',
    );
    assert.equal((await account(m.accountId)).totp_secret, null, 'pending: nothing on the account yet');

    const right = await generate({ secret, epoch: epoch() });
    const wrong = await agent.post('/area/security/totp', {
      code: right === '000000' ? '111111' : '000000',
      current_password: TEST_PASSWORD,
    });
    assert.equal(wrong.statusCode, 400);
    assert.match(wrong.body, /El código no es correcto/);
    assert.equal((await account(m.accountId)).totp_enabled_at, null);

    const ok = await agent.post('/area/security/totp', { code: right, current_password: TEST_PASSWORD });
    assert.equal(ok.headers.location, '/area/security?done=totp-enabled');
    const enrolled = await account(m.accountId);
    assert.equal(ctx.secretBox.open(enrolled.totp_secret!), secret, 'stored sealed (R29)');
    assert.ok(enrolled.totp_enabled_at && enrolled.totp_last_step !== null);
    const overview = await agent.get(ok.headers.location);
    assert.match(overview.body, /Tu aplicación de autenticación ya está activada/);
    assert.match(overview.body, /value="totp"/);
    assert.ok((await ctx.outbox()).some((x) => x.recipient === m.email && x.template === 'totp-changed'));
    assert.deepEqual(
      (await auditOf(ctx, m.accountId, 'totp.enable')).map((a) => a.outcome),
      ['failure', 'success'],
    );
    assert.equal((await agent.get('/area/security/totp')).headers.location, '/area/security', 'nothing to enrol twice');

    // At sign-in the app is offered; the code used to enrol cannot be replayed; the next one works.
    const phone = new BrowserAgent(ctx.app);
    await phone.post('/sign-in', { username: m.username, password: TEST_PASSWORD });
    assert.match((await phone.get('/sign-in/verify')).body, /value="totp"/);
    await phone.post('/sign-in/verify/send', { channel: 'totp' });
    assert.equal(
      (await phone.post('/sign-in/verify/code', { code: right })).statusCode,
      400,
      'the enrolment code is spent',
    );
    ctx.clock.advance(30_000);
    const done = await phone.post('/sign-in/verify/code', { code: await generate({ secret, epoch: epoch() }) });
    assert.equal(done.headers.location, '/area');
  });

  test('enrolling the app asks for the password again; wrong passwords share the 5-an-hour limit (ASVS 7.5.1, R15)', async () => {
    const m = await member();
    const agent = await signedIn(ctx, m, browser());
    const page = await agent.get('/area/security/totp');
    assert.match(
      page.body,
      /name="current_password"[^>]*autocomplete="current-password"|autocomplete="current-password"[^>]*name="current_password"/,
    );
    const secret = /<code>([A-Z2-7 ]+)<\/code>/.exec(page.body)![1]!.replace(/ /g, '');
    const code = () => generate({ secret, epoch: epoch() });

    const noPassword = await agent.post('/area/security/totp', { code: await code() });
    assert.equal(noPassword.statusCode, 400);
    const wrong = await agent.post('/area/security/totp', { code: await code(), current_password: 'Wrong12345' });
    assert.equal(wrong.statusCode, 400, 'a right code with a wrong password enables nothing');
    assert.match(wrong.body, /La contraseña actual no es correcta/);
    assert.equal((await account(m.accountId)).totp_enabled_at, null);
    // The limit is the account's, shared with every "password asked again": a stolen session cannot keep guessing.
    for (let i = 0; i < 4; i++)
      await agent.post('/area/contact/email', { new_email: `x${i}@example.com`, email_password: 'Wrong12345' });
    const locked = await agent.post('/area/security/totp', { code: await code(), current_password: TEST_PASSWORD });
    assert.equal(locked.statusCode, 429, 'even the right password, past 5 wrong in the hour');
    assert.equal((await account(m.accountId)).totp_enabled_at, null);
    assert.deepEqual((await auditOf(ctx, m.accountId, 'totp.enable')).map((a) => a.outcome).sort(), [
      'failure',
      'failure',
      'refused',
    ]);
  });

  test('an enrolment expires after 10 minutes and 5 wrong codes start it over with a new secret (R7)', async () => {
    const m = await member();
    const agent = await signedIn(ctx, m, browser());
    const first = /<code>([A-Z2-7 ]+)<\/code>/.exec((await agent.get('/area/security/totp')).body)![1]!;
    ctx.clock.advanceMinutes(11);
    assert.equal((await agent.get('/area')).statusCode, 200);
    const late = await agent.post('/area/security/totp', { code: '123456' });
    assert.equal(late.headers.location, '/area/security/totp?restart=1');
    const restarted = await agent.get(late.headers.location);
    assert.match(restarted.body, /El tiempo para terminar la configuración se agotó/);
    const second = /<code>([A-Z2-7 ]+)<\/code>/.exec(restarted.body)![1]!;
    assert.notEqual(second, first);
    for (let i = 0; i < 5; i++)
      assert.equal(
        (await agent.post('/area/security/totp', { code: 'abc', current_password: TEST_PASSWORD })).statusCode,
        400,
      );
    const sixth = await agent.post('/area/security/totp', {
      code: await generate({ secret: second.replace(/ /g, ''), epoch: epoch() }),
      current_password: TEST_PASSWORD,
    });
    assert.equal(sixth.headers.location, '/area/security/totp?tries=1', 'even the right code is refused after 5 wrong');
    assert.equal((await account(m.accountId)).totp_enabled_at, null);
    assert.notEqual(
      /<code>([A-Z2-7 ]+)<\/code>/.exec((await agent.get('/area/security/totp?tries=1')).body)![1],
      second,
    );
  });

  test('removing the app needs the current password and clears it, and a preference for it (R7, R22)', async () => {
    const m = await member();
    const agent = await signedIn(ctx, m, browser());
    const secret = /<code>([A-Z2-7 ]+)<\/code>/
      .exec((await agent.get('/area/security/totp')).body)![1]!
      .replace(/ /g, '');
    await agent.post('/area/security/totp', {
      code: await generate({ secret, epoch: epoch() }),
      current_password: TEST_PASSWORD,
    });
    assert.equal((await agent.post('/area/security/channel', { channel: 'totp' })).statusCode, 303);
    const page = await agent.get('/area/security');
    assert.match(page.body, /Activada desde el/);
    assert.match(page.body, /<legend>Quitar la aplicación de autenticación<\/legend>/);

    const wrong = await agent.post('/area/security/totp/remove', { current_password: 'Wrong12345' });
    assert.equal(wrong.statusCode, 400);
    assert.match(wrong.body, /La contraseña actual no es correcta/);
    assert.match(wrong.body, /aria-invalid="true"/);
    assert.equal(ctx.secretBox.open((await account(m.accountId)).totp_secret!), secret);

    const removed = await agent.post('/area/security/totp/remove', { current_password: TEST_PASSWORD });
    assert.equal(removed.headers.location, '/area/security?done=totp-removed');
    const a = await account(m.accountId);
    assert.deepEqual(
      [a.totp_secret, a.totp_enabled_at, a.totp_last_step, a.preferred_channel],
      [null, null, null, null],
    );
    assert.doesNotMatch((await agent.get(removed.headers.location)).body, /value="totp"/);
    assert.deepEqual(
      (await auditOf(ctx, m.accountId, 'totp.remove')).map((x) => x.outcome),
      ['failure', 'success'],
    );
    assert.equal(
      (await ctx.outbox()).filter((x) => x.recipient === m.email && x.template === 'totp-changed').length,
      2,
    );
    const audit = await auditOf(ctx, m.accountId);
    assert.ok(
      audit.every((x) => !x.details?.includes(TEST_PASSWORD) && !x.details?.includes(secret)),
      'R22: never a password or secret',
    );
  });
});
