import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { NOSCRIPT_MIN_WAIT_MS } from '../../src/infra/captcha/captcha.js';
import { translator } from '../../src/infra/i18n/i18n.js';
import { startServer, type RunningServer } from '../helpers/browser.js';
import { Lynx, lynxUnavailable } from '../helpers/lynx.js';
import { Readable } from 'node:stream';
import { FEED_HEADER, nif, toCsvLine } from '../../src/feed/demo-feed.js';
import { importFeed } from '../../src/feed/feed.import.js';
import { memberFeedRow, memberWithAccount, passkeyFor } from '../helpers/fixture.js';

// R21 (issue 16 item 2): the seed promises old browsers; a text-mode browser is the strictest of them: no script,
// no CSS, keyboard only. Lynx registers, recovers a password (through the captcha's no-script path) and signs in
// with an emailed code, as a member at a terminal would.

const unavailable = lynxUnavailable();
if (unavailable && process.env.CI)
  test('lynx and tmux are installed for the text-browser test', () => assert.fail(unavailable));

describe('a text-mode browser: lynx (R21)', { skip: unavailable && !process.env.CI ? unavailable : false }, () => {
  let server: RunningServer;
  const open: Lynx[] = [];
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    for (const l of open) l.close();
    await server?.close();
  });
  const t = translator('es');
  /** The page's h1 is on screen (lynx centres it on a line of its own). */
  const showing = (lynx: Lynx, text: string) =>
    assert.ok(
      lynx
        .screen()
        .split('\n')
        .some((line) => line.trim() === text),
      `expected "${text}" on:\n${lynx.screen()}`,
    );
  const lastMail = async (to: string, template: string) =>
    (await server.ctx.outbox()).filter((m) => m.recipient === to && m.template === template).at(-1)?.body_text ?? '';

  test('registration in three steps: the data on record kept, the document typed, a password chosen', async () => {
    await importFeed(
      { db: server.ctx.db, clock: server.ctx.clock, courier: server.ctx.courier, timeZone: 'Europe/Madrid' },
      Readable.from([
        FEED_HEADER +
          toCsvLine(
            memberFeedRow({
              policy_number: 'LX-1',
              member_number: 'LX1',
              date_of_birth: '1970-03-04',
              email: 'lynx@example.com',
              address_line: 'Calle Mayor 1',
              postal_code: '28013',
              city: 'Madrid',
              document_type: 'NIF',
              document_number: nif(31_313_131),
            }),
          ),
      ]),
    );
    const lynx = await Lynx.open(`${server.baseUrl}/register?lang=es`);
    open.push(lynx);
    showing(lynx, t('register.title'));
    await lynx.fillAndSubmit(['LX1', '04/03/1970', 'LX-1']);
    showing(lynx, t('register.detailsTitle'));
    // Address, postal code, city, province, email and mobile come from the insurer's record (kept as they are);
    // the document type too (a list); the document number is typed.
    await lynx.fillAndSubmit(['', '', '', '', '', '', nif(31_313_131)]);
    showing(lynx, t('register.passwordTitle'));
    await lynx.fillAndSubmit(['', 'Textual2031Clave', 'Textual2031Clave']); // the username is read-only
    showing(lynx, t('register.done.title'));
    const account = await server.ctx.db.kysely
      .selectFrom('accounts')
      .select(['email', 'postal_code', 'country'])
      .where('username', '=', nif(31_313_131))
      .executeTakeFirstOrThrow();
    assert.deepEqual(account, { email: 'lynx@example.com', postal_code: '28013', country: 'ES' });
  });

  test('the second step offers no passkey without scripts; a label and its hint stand on lines of their own', async () => {
    // Issue 25 item 13: a member with a passkey signs in from lynx; the passkey needs the passkey script, so neither
    // the choice of channel nor the code page may offer it (R27), and the codes still work.
    const m = await memberWithAccount(server.ctx, { n: 3, password: 'Primavera2030', language: 'es' });
    await passkeyFor(server.ctx, m.accountId);
    const lynx = await Lynx.open(`${server.baseUrl}/sign-in?lang=es`);
    open.push(lynx);
    showing(lynx, t('signin.title'));
    // The field's label, then its hint on the next line: not "Documento de identidadTu NIF…" (R21).
    const lines = lynx.screen().split('\n');
    const label = lines.findIndex((line) => line.trim() === t('signin.username'));
    assert.ok(label >= 0, `the label on a line of its own:\n${lynx.screen()}`);
    assert.ok(lines[label + 1]?.trim().startsWith(t('signin.usernameHint').slice(0, 20)), 'the hint below it');

    await lynx.fillAndSubmit([m.username, 'Primavera2030']);
    showing(lynx, t('verify.title'));
    assert.ok(lynx.screen().includes(t('verify.chooseLegend')), lynx.screen());
    assert.ok(!lynx.screen().includes(t('verify.byPasskey')), `no passkey among the channels:\n${lynx.screen()}`);
    await lynx.fillAndSubmit([]); // the first channel offered: email
    assert.ok(lynx.screen().includes(t('verify.code')), lynx.screen());
    assert.ok(!lynx.screen().includes(t('verify.switchPasskey')), `no switch to a passkey:\n${lynx.screen()}`);
    const code = /\b(\d{6})\b/.exec(await lastMail(m.email, 'signin-code'))?.[1];
    assert.ok(code, 'the code was emailed');
    await lynx.fillAndSubmit([code]);
    showing(lynx, t('area.greeting', { name: 'Olga' }));
  });

  test('issue 32: a preferred channel gets its code with the password; the code page switches to the other', async () => {
    const m = await memberWithAccount(server.ctx, {
      n: 4,
      password: 'Primavera2030',
      language: 'es',
      mobile: '+34600333444',
      preferredChannel: 'email',
    });
    const lynx = await Lynx.open(`${server.baseUrl}/sign-in?lang=es`);
    open.push(lynx);
    await lynx.fillAndSubmit([m.username, 'Primavera2030']);
    showing(lynx, t('verify.title'));
    assert.ok(!lynx.screen().includes(t('verify.chooseLegend')), `no channel page:\n${lynx.screen()}`);
    assert.ok(lynx.screen().includes(t('verify.code')), lynx.screen());
    assert.ok(/\b\d{6}\b/.test(await lastMail(m.email, 'signin-code')), 'the code was emailed');
    // The buttons: confirm, send again, then "by SMS instead".
    await lynx.pressButton(3);
    const sms = (await server.ctx.outbox()).filter((x) => x.recipient === '+34600333444').at(-1);
    const code = /\b(\d{6})\b/.exec(sms?.body_text ?? '')?.[1];
    assert.ok(code, `the code was sent by SMS:\n${lynx.screen()}`);
    await lynx.fillAndSubmit([code]);
    showing(lynx, t('area.greeting', { name: 'Olga' }));
  });

  for (const [n, lang] of [
    [1, 'es'],
    [2, 'en'],
  ] as const) {
    test(`recovery through the no-script captcha, then a sign-in with the emailed code (${lang})`, async () => {
      const t = translator(lang);
      const m = await memberWithAccount(server.ctx, { n, password: 'Primavera2030', language: lang });
      const lynx = await Lynx.open(`${server.baseUrl}/recovery?lang=${lang}`);
      open.push(lynx);
      showing(lynx, t('recovery.title'));
      assert.ok(
        lynx.screen().includes(t('captcha.noscript', { seconds: 5 }).slice(0, 25)),
        'the waiting check is shown',
      );
      server.ctx.clock.advance(NOSCRIPT_MIN_WAIT_MS); // reading the page
      await lynx.fillAndSubmit([m.username]);
      showing(lynx, t('recovery.title'));
      assert.ok(lynx.screen().includes(t('recovery.sendIntro').slice(0, 40)), 'screen 2: press send');
      await lynx.fillAndSubmit([]);
      showing(lynx, t('recovery.sentTitle'));
      const link = /http:\/\/localhost:3000(\/recovery\/reset\/[A-Za-z0-9_-]+)/.exec(
        await lastMail(m.email, 'recovery-link'),
      )?.[1];
      assert.ok(link, 'the recovery email was sent');
      await lynx.goto(`${server.baseUrl}${link}`);
      showing(lynx, t('recovery.resetTitle'));
      await lynx.fillAndSubmit(['', 'Invierno2033Nuevo', 'Invierno2033Nuevo']); // the username is read-only
      showing(lynx, t('recovery.doneTitle'));

      await lynx.goto(`${server.baseUrl}/sign-in?lang=${lang}`);
      await lynx.fillAndSubmit([m.username, 'Invierno2033Nuevo']);
      showing(lynx, t('verify.title'));
      await lynx.fillAndSubmit([]); // the first channel offered: email
      const code = /\b(\d{6})\b/.exec(await lastMail(m.email, 'signin-code'))?.[1];
      assert.ok(code, lynx.screen());
      await lynx.fillAndSubmit([code]);
      showing(lynx, t('area.greeting', { name: 'Olga' }));
      assert.ok(
        await server.ctx.db.kysely
          .selectFrom('sessions')
          .select('id')
          .where('account_id', '=', m.accountId)
          .where('ended_at', 'is', null)
          .executeTakeFirst(),
        'a session exists',
      );
    });
  }
});
