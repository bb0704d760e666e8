import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import type { Account } from '../../infra/db/tables.js';
import { BrowserAgent } from '../../../test/helpers/browser-agent.js';
import { auditOf, lastCode, memberWithAccount, signedIn, TEST_PASSWORD } from '../../../test/helpers/fixture.js';
import { describeEachDatabase } from '../../../test/helpers/databases.js';
import { setup, type TestContext } from '../../../test/helpers/setup.js';

// Contact data (R15): the address saved at once; a new email or mobile only after the password again and a code
// sent to the new value; the old email told; every change on the session's account only; audit (R22); R20, R21.

describeEachDatabase('contact data', (kind) => {
  let ctx: TestContext;

  /** A registered member with a confirmed address in Madrid (R15's page starts from it). */
  const member = (options: { mobile?: string | null; preferred?: 'email' | 'sms' } = {}) =>
    memberWithAccount(ctx, {
      language: 'es',
      record: { first_name: 'Irene', last_name: 'Soler', date_of_birth: '1979-05-05' },
      address: { address_line: 'Calle Mayor 1', postal_code: '28013', city: 'Madrid', province: 'Madrid' },
      mobile: options.mobile ?? null,
      preferredChannel: options.preferred ?? null,
    });

  const account = (id: number): Promise<Account> =>
    ctx.db.kysely.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const messages = async (template: string, to?: string) =>
    (await ctx.outbox()).filter((m) => m.template === template && (to === undefined || m.recipient === to));

  const wrongCode = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

  async function requestEmail(agent: BrowserAgent, newEmail: string) {
    const res = await agent.post('/area/contact/email', { new_email: newEmail, email_password: TEST_PASSWORD });
    assert.equal(res.statusCode, 303, res.body.match(/field-error[^<]*<[^<]*/g)?.join(' '));
    assert.equal(res.headers.location, '/area/contact/confirm');
  }

  before(async () => {
    ctx = await setup(kind);
  });
  after(() => ctx.close());
  beforeEach(async () => {
    await ctx.db.kysely.deleteFrom('rate_limits').execute();
  });

  test('the pages need a session (R8)', async () => {
    for (const url of ['/area/contact', '/area/contact/confirm']) {
      const res = await ctx.app.inject({ url });
      assert.equal(res.statusCode, 303, url);
      assert.match(String(res.headers.location), /^\/sign-in/);
    }
    // A browser with a CSRF token but no session is sent to sign in too, and nothing is written.
    const stranger = new BrowserAgent(ctx.app);
    for (const url of [
      '/area/contact/address',
      '/area/contact/email',
      '/area/contact/mobile',
      '/area/contact/mobile/remove',
      '/area/contact/confirm',
    ]) {
      const res = await stranger.post(url, {
        address_line: 'x',
        postal_code: '28001',
        city: 'x',
        new_email: 'x@example.com',
        email_password: TEST_PASSWORD,
        code: '123456',
      });
      assert.equal(res.statusCode, 303, url);
      assert.match(String(res.headers.location), /^\/sign-in/);
    }
  });

  test('the page shows the data and accessible forms, in Spanish and English (R15, R20, R21)', async () => {
    const m = await member({ mobile: '+34612345678' });
    const agent = await signedIn(ctx, m);
    const es = await agent.get('/area/contact');
    assert.equal(es.statusCode, 200);
    assert.equal(es.headers['cache-control'], 'no-store');
    assert.match(es.body, /Datos de contacto/);
    assert.match(es.body, /Calle Mayor 1/);
    assert.match(es.body, /28013 Madrid/);
    assert.match(es.body, new RegExp(m.email));
    assert.match(es.body, /\+34 612 34 56 78/);
    for (const name of [
      'address_line',
      'postal_code',
      'city',
      'province',
      'new_email',
      'email_password',
      'new_mobile',
      'mobile_password',
      'remove_password',
    ]) {
      assert.match(es.body, new RegExp(`<label for="${name}"`), `${name} has a label`);
    }
    assert.match(es.body, /autocomplete="current-password"/);
    const en = await agent.get('/area/contact?lang=en');
    assert.match(en.body, /Contact details/);
    assert.match(en.body, /Change your email/);
    assert.doesNotMatch(en.body, /Cambiar el email/);
  });

  test('the postal address is saved at once and audited; a bad Spanish postal code is refused (R3, R15, R22)', async () => {
    const m = await member();
    const agent = await signedIn(ctx, m);
    await agent.get('/area/contact');
    const saved = await agent.post('/area/contact/address', {
      address_line: '  Avenida   del Puerto 12, 3º B ',
      postal_code: '46 021',
      city: 'Valencia',
      province: '',
    });
    assert.equal(saved.statusCode, 303);
    assert.equal(saved.headers.location, '/area/contact?done=address');
    const a = await account(m.accountId);
    assert.deepEqual(
      [a.address_line, a.postal_code, a.city, a.province],
      ['Avenida del Puerto 12, 3º B', '46021', 'Valencia', null],
    );
    assert.match((await agent.get('/area/contact?done=address')).body, /Hemos guardado tu dirección/);

    for (const postal of ['53001', '00123', '2801', 'ABCDE']) {
      const bad = await agent.post('/area/contact/address', {
        address_line: 'Calle Luna 2',
        postal_code: postal,
        city: 'Sevilla',
      });
      assert.equal(bad.statusCode, 400, postal);
      assert.match(bad.body, /id="postal_code-error"/);
      assert.match(bad.body, /aria-invalid="true"/);
      assert.match(bad.body, /value="Calle Luna 2"/, 'what was typed stays');
    }
    const missing = await agent.post('/area/contact/address', { address_line: '', postal_code: '41001', city: '' });
    assert.equal(missing.statusCode, 400);
    assert.match(missing.body, /id="address_line-error"/);
    assert.match(missing.body, /id="city-error"/);
    assert.equal((await account(m.accountId)).city, 'Valencia', 'nothing changed');
    const events = await auditOf(ctx, m.accountId);
    assert.deepEqual(
      events.filter((e) => e.event === 'contact.address').map((e) => e.outcome),
      ['success', 'failure', 'failure', 'failure', 'failure', 'failure'],
    );
  });

  test('outside Spain the postal code follows that country (R15)', async () => {
    const m = await member();
    await ctx.db.kysely.updateTable('accounts').set({ country: 'GB' }).where('id', '=', m.accountId).execute();
    const agent = await signedIn(ctx, m);
    await agent.get('/area/contact');
    const saved = await agent.post('/area/contact/address', {
      address_line: '10 Downing Street',
      postal_code: 'sw1a 2aa',
      city: 'London',
    });
    assert.equal(saved.statusCode, 303);
    assert.equal((await account(m.accountId)).postal_code, 'SW1A 2AA');
    assert.equal(
      (
        await agent.post('/area/contact/address', {
          address_line: '10 Downing Street',
          postal_code: 'SW1A<2AA>',
          city: 'London',
        })
      ).statusCode,
      400,
    );
  });

  test('a member moves abroad and back: the country is chosen, stored and shown, and the postal code follows it (issue 25 item 10, R3, R15)', async () => {
    const m = await member();
    const agent = await signedIn(ctx, m);
    const page = (await agent.get('/area/contact')).body;
    // The same country field as registration's step 2: every country, Spain first and chosen for her Madrid address.
    assert.match(page, /<label for="country">País<\/label>/);
    assert.match(page, /<select id="country" name="country" autocomplete="country" required/);
    assert.match(page, /<option value="ES" selected(="")?>España<\/option>/);
    assert.match(page, /<option value="PT">Portugal<\/option>/);

    const moved = await agent.post('/area/contact/address', {
      address_line: 'Rua Augusta 100',
      postal_code: '1100 053',
      city: 'Lisboa',
      province: '',
      country: 'PT',
    });
    assert.equal(moved.statusCode, 303, moved.body.match(/field-error[^<]*<[^<]*/g)?.join(' '));
    const a = await account(m.accountId);
    assert.deepEqual(
      [a.address_line, a.postal_code, a.city, a.province, a.country],
      ['Rua Augusta 100', '1100-053', 'Lisboa', null, 'PT'],
    );
    const shown = (await agent.get('/area/contact?done=address')).body;
    const current = /<section class="section" aria-labelledby="current-title">[\s\S]*?<\/section>/.exec(shown)?.[0];
    assert.match(
      current ?? '',
      /Rua Augusta 100<br\/?>1100-053 Lisboa<br\/?>Portugal/,
      'her address, with its country',
    );
    assert.match(shown, /<option value="PT" selected(="")?>Portugal<\/option>/);
    const en = (await agent.get('/area/contact?lang=en')).body;
    assert.match(en, /1100-053 Lisboa<br\/?>Portugal/);
    assert.match(en, /<label for="country">Country<\/label>/);
    await agent.get('/area/contact?lang=es'); // the language is remembered (R20): back to Spanish

    // Back to Spain with the Portuguese code: Spain's rule (5 digits, 01-52) refuses it, in words.
    for (const postal of ['1100-053', '53001', '']) {
      const bad = await agent.post('/area/contact/address', {
        address_line: 'Calle Mayor 1',
        postal_code: postal,
        city: 'Madrid',
        country: 'ES',
      });
      assert.equal(bad.statusCode, 400, postal);
      assert.match(
        bad.body,
        postal
          ? /<p class="field-error" id="postal_code-error">Un código postal español tiene 5 cifras y empieza entre 01 y 52\.<\/p>/
          : /<p class="field-error" id="postal_code-error">[^<]+<\/p>/,
        postal,
      );
      assert.match(bad.body, /<option value="ES" selected(="")?>España<\/option>/, 'the country chosen stays');
    }
    // A country outside the list (a forged form) is refused, not stored.
    const forged = await agent.post('/area/contact/address', {
      address_line: 'Calle Mayor 1',
      postal_code: '28013',
      city: 'Madrid',
      country: 'XX',
    });
    assert.equal(forged.statusCode, 400);
    assert.match(forged.body, /id="country-error"/);
    // Another country's shape is checked too (R3's table): a Portuguese code has 4 + 3 digits.
    const wrongShape = await agent.post('/area/contact/address', {
      address_line: 'Rua Augusta 100',
      postal_code: '28013',
      city: 'Lisboa',
      country: 'PT',
    });
    assert.equal(wrongShape.statusCode, 400);
    assert.match(
      wrongShape.body,
      /id="postal_code-error">Revisa el código postal: no tiene la forma de los de ese país \(PT\)/,
    );
    assert.equal((await account(m.accountId)).country, 'PT', 'nothing refused was stored');

    const home = await agent.post('/area/contact/address', {
      address_line: 'Calle Mayor 1',
      postal_code: '28013',
      city: 'Madrid',
      country: 'ES',
    });
    assert.equal(home.statusCode, 303);
    const back = await account(m.accountId);
    assert.deepEqual([back.postal_code, back.country], ['28013', 'ES']);
  });

  test('email change: a wrong password is refused with no code sent (R15, R22)', async () => {
    const m = await member();
    const agent = await signedIn(ctx, m);
    await agent.get('/area/contact');
    const res = await agent.post('/area/contact/email', {
      new_email: 'nuevo@example.com',
      email_password: 'Otoño2030x',
    });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /id="email_password-error"/);
    assert.match(res.body, /value="nuevo@example.com"/);
    assert.equal(
      (await messages('contact-code')).filter((x) => x.recipient === 'nuevo@example.com').length,
      0,
      'no code sent',
    );
    assert.equal((await agent.get('/area/contact/confirm')).statusCode, 303, 'no pending change');
    assert.equal((await account(m.accountId)).email, m.email);
    const events = await auditOf(ctx, m.accountId);
    assert.ok(
      events.some(
        (e) =>
          e.event === 'contact.change_requested' &&
          e.outcome === 'failure' &&
          e.details?.includes('"reason":"password"'),
      ),
    );
    assert.ok(!events.some((e) => e.details?.includes('Otoño2030x')), 'R22: never the password');
  });

  test('email change: the right code changes and verifies it, the old email is told, the flow ends (R15, R22, R25)', async () => {
    const m = await member();
    const agent = await signedIn(ctx, m);
    await agent.get('/area/contact');
    await requestEmail(agent, 'Irene.Nueva@Example.COM');
    const newEmail = 'Irene.Nueva@example.com';
    const page = await agent.get('/area/contact/confirm');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /autocomplete="one-time-code"/);
    assert.match(page.body, /inputMode="numeric"|inputmode="numeric"/);
    assert.match(page.body, new RegExp(newEmail.replace('.', '\\.')));
    assert.match(
      (await agent.get('/area/contact')).body,
      /href="\/area\/contact\/confirm"/,
      'the pending change is shown',
    );
    const code = await lastCode(ctx, newEmail, 'contact-code');
    assert.equal((await messages('contact-code', m.email)).length, 0, 'the code goes to the new address only');
    const token = await ctx.db.kysely
      .selectFrom('one_time_tokens')
      .selectAll()
      .where('account_id', '=', m.accountId)
      .where('purpose', '=', 'contact-code')
      .executeTakeFirstOrThrow();
    assert.notEqual(token.token_hash, code, 'stored as a keyed hash');
    assert.equal(token.expires_at, new Date(ctx.clock.now().getTime() + 10 * 60_000).toISOString(), 'valid 10 minutes');
    assert.equal((await account(m.accountId)).email, m.email, 'nothing changes before the code');

    const done = await agent.post('/area/contact/confirm', { code: ` ${code} ` });
    assert.equal(done.statusCode, 303);
    assert.equal(done.headers.location, '/area/contact?done=email');
    const a = await account(m.accountId);
    assert.equal(a.email, newEmail);
    assert.equal(a.email_verified_at, ctx.clock.now().toISOString());
    const notice = await messages('email-changed', m.email);
    assert.equal(notice.length, 1, 'the old email is told');
    assert.match(notice[0]!.body_text, new RegExp(newEmail.replace('.', '\\.')));
    assert.match(notice[0]!.body_text, /atencion\.cliente@/);
    assert.equal(
      await ctx.db.kysely
        .selectFrom('flows')
        .select('id')
        .where('kind', '=', 'contact-change')
        .where('account_id', '=', m.accountId)
        .executeTakeFirst(),
      undefined,
      'the flow ended',
    );
    assert.equal((await agent.get('/area/contact/confirm')).statusCode, 303);
    assert.equal(
      (await agent.post('/area/contact/confirm', { code })).statusCode,
      303,
      'the code is single use; no flow is left',
    );
    assert.match((await agent.get('/area/contact?done=email')).body, /Tu email se ha cambiado/);
    const events = await auditOf(ctx, m.accountId);
    assert.ok(events.some((e) => e.event === 'contact.change_requested' && e.outcome === 'success'));
    assert.ok(
      events.some(
        (e) => e.event === 'contact.changed' && e.outcome === 'success' && e.details?.includes('"what":"email"'),
      ),
    );
    assert.ok(!events.some((e) => e.details?.includes(code)), 'R22: never the code');
    // The new email is the one sign-in uses from now on.
    const again = new BrowserAgent(ctx.app);
    await again.post('/sign-in', { username: m.username, password: TEST_PASSWORD });
    await again.get('/sign-in/verify');
    await again.post('/sign-in/verify/send', { channel: 'email' });
    assert.equal((await messages('signin-code')).at(-1)!.recipient, newEmail);
  });

  test('email change: a wrong code is refused and nothing changes; an expired code offers to start again (R15)', async () => {
    const m = await member();
    const agent = await signedIn(ctx, m);
    await agent.get('/area/contact');
    await requestEmail(agent, 'otro@example.com');
    const code = await lastCode(ctx, 'otro@example.com', 'contact-code');
    const wrong = await agent.post('/area/contact/confirm', { code: wrongCode(code) });
    assert.equal(wrong.statusCode, 400);
    assert.match(wrong.body, /id="code-error"/);
    assert.match(wrong.body, /Te quedan 4 intentos/);
    assert.equal((await account(m.accountId)).email, m.email);

    ctx.clock.advanceMinutes(11);
    const expired = await agent.post('/area/contact/confirm', { code });
    assert.equal(expired.statusCode, 400);
    assert.match(expired.body, /El código ha caducado/);
    assert.match(expired.body, /action="\/area\/contact\/email"/, 'the form to start again is right there');
    assert.match(expired.body, /value="otro@example.com"/);
    const a = await account(m.accountId);
    assert.equal(a.email, m.email);
    assert.equal((await messages('email-changed')).filter((x) => x.recipient === m.email).length, 0);
    assert.equal((await agent.get('/area/contact/confirm')).statusCode, 303, 'the change is over');
    const events = await auditOf(ctx, m.accountId);
    assert.ok(events.some((e) => e.event === 'contact.code' && e.details?.includes('"reason":"wrong"')));
    assert.ok(events.some((e) => e.event === 'contact.code' && e.details?.includes('"reason":"codeExpired"')));

    // Starting again works, and the whole flow runs out after 15 minutes too.
    await requestEmail(agent, 'otro@example.com');
    ctx.clock.advanceMinutes(14);
    await agent.get('/area'); // keeps the session alive (idle 15 minutes)
    ctx.clock.advanceMinutes(2);
    assert.equal((await agent.get('/area/contact/confirm')).headers.location, '/area/contact?restart=expired');
    const late = await agent.post('/area/contact/confirm', {
      code: await lastCode(ctx, 'otro@example.com', 'contact-code'),
    });
    assert.equal(late.statusCode, 400);
    assert.match(late.body, /El cambio ha caducado/);
    assert.equal((await account(m.accountId)).email, m.email);
  });

  test('a new request voids the previous code, even one asked for in another browser (R15)', async () => {
    const m = await member();
    const laptop = await signedIn(ctx, m);
    const phone = await signedIn(ctx, m);
    await laptop.get('/area/contact');
    await phone.get('/area/contact');
    await requestEmail(laptop, 'primero@example.com');
    const first = await lastCode(ctx, 'primero@example.com', 'contact-code');
    await requestEmail(phone, 'segundo@example.com');
    const second = await lastCode(ctx, 'segundo@example.com', 'contact-code');
    const live = () =>
      ctx.db.kysely
        .selectFrom('one_time_tokens')
        .selectAll()
        .where('account_id', '=', m.accountId)
        .where('purpose', '=', 'contact-code')
        .where('voided_at', 'is', null)
        .where('used_at', 'is', null)
        .execute();
    assert.deepEqual(
      (await live()).map((t) => t.destination),
      ['segundo@example.com'],
      'only the newest code is live',
    );

    const old = await laptop.post('/area/contact/confirm', { code: first });
    assert.equal(old.statusCode, 400);
    assert.match(old.body, /Este código ya no vale/);
    assert.equal((await account(m.accountId)).email, m.email);
    assert.equal((await live()).length, 1, 'the laptop giving up does not void the phone’s code');
    assert.equal(
      (await phone.post('/area/contact/confirm', { code: second })).headers.location,
      '/area/contact?done=email',
    );
    assert.equal((await account(m.accountId)).email, 'segundo@example.com');
  });

  test('five wrong codes void the change, and the right code no longer works (R15)', async () => {
    const m = await member();
    const agent = await signedIn(ctx, m);
    await agent.get('/area/contact');
    await requestEmail(agent, 'adivina@example.com');
    const code = await lastCode(ctx, 'adivina@example.com', 'contact-code');
    for (let i = 1; i <= 4; i++) {
      const res = await agent.post('/area/contact/confirm', { code: wrongCode(code) });
      assert.equal(res.statusCode, 400);
      assert.match(res.body, new RegExp(`Te quedan ${5 - i} intentos`));
    }
    const fifth = await agent.post('/area/contact/confirm', { code: wrongCode(code) });
    assert.equal(fifth.statusCode, 400);
    assert.match(fifth.body, /lo hemos anulado/);
    const live = await ctx.db.kysely
      .selectFrom('one_time_tokens')
      .select('id')
      .where('account_id', '=', m.accountId)
      .where('purpose', '=', 'contact-code')
      .where('voided_at', 'is', null)
      .where('used_at', 'is', null)
      .execute();
    assert.equal(live.length, 0, 'no live code is left');
    const right = await agent.post('/area/contact/confirm', { code });
    assert.equal(right.statusCode, 303);
    assert.equal(right.headers.location, '/area/contact');
    assert.equal((await account(m.accountId)).email, m.email);
  });

  test('wrong guesses in parallel share no count: at most 5 are checked (R15)', async () => {
    const m = await member();
    const agent = await signedIn(ctx, m);
    await agent.get('/area/contact');
    await requestEmail(agent, 'paralelo@example.com');
    const code = await lastCode(ctx, 'paralelo@example.com', 'contact-code');
    const guesses = Array.from({ length: 12 }, (_, i) => String((Number(code) + 1 + i) % 1_000_000).padStart(6, '0'));
    await Promise.all(guesses.map((g) => agent.post('/area/contact/confirm', { code: g })));
    assert.equal((await agent.post('/area/contact/confirm', { code })).statusCode, 303);
    assert.equal((await account(m.accountId)).email, m.email);
  });

  test('mobile change: a foreign mobile is accepted and confirmed by SMS; a Spanish fixed line is refused (R3, R15)', async () => {
    const m = await member({ mobile: '+34612345678' });
    const agent = await signedIn(ctx, m);
    await agent.get('/area/contact');
    const fixed = await agent.post('/area/contact/mobile', {
      new_mobile: '912 345 678',
      mobile_password: TEST_PASSWORD,
    });
    assert.equal(fixed.statusCode, 400);
    assert.match(fixed.body, /id="new_mobile-error"/);
    assert.match(fixed.body, /Escribe un número de móvil/);
    const same = await agent.post('/area/contact/mobile', {
      new_mobile: '612 34 56 78',
      mobile_password: TEST_PASSWORD,
    });
    assert.equal(same.statusCode, 400);
    assert.match(same.body, /Ese ya es tu móvil/);
    assert.equal((await messages('contact-code')).filter((x) => x.channel === 'sms').length, 0);

    // +44 7700 900xxx is Ofcom's range for fiction, which libphonenumber rightly calls invalid; this one is allocated.
    const res = await agent.post('/area/contact/mobile', {
      new_mobile: '+44 7400 123456',
      mobile_password: TEST_PASSWORD,
    });
    assert.equal(res.statusCode, 303);
    assert.match((await agent.get('/area/contact/confirm')).body, /\+44 7400 123456/);
    const sms = (await messages('contact-code', '+447400123456')).at(-1)!;
    assert.equal(sms.channel, 'sms');
    const code = /(\d{6})/.exec(sms.body_text)![1]!;
    assert.equal((await account(m.accountId)).mobile, '+34612345678', 'nothing changes before the code');
    assert.equal((await agent.post('/area/contact/confirm', { code })).headers.location, '/area/contact?done=mobile');
    const a = await account(m.accountId);
    assert.equal(a.mobile, '+447400123456');
    assert.equal(a.mobile_verified_at, ctx.clock.now().toISOString());
    const notice = await messages('mobile-changed', m.email);
    assert.equal(notice.length, 1, 'the account email is told');
    assert.match(notice[0]!.body_text, /•••• ••• 456/);
    assert.doesNotMatch(notice[0]!.body_text, /7400123456/);
  });

  test('removing the mobile needs the password; an SMS preference falls back to email (R7, R15)', async () => {
    const m = await member({ mobile: '+34612345678', preferred: 'sms' });
    const agent = await signedIn(ctx, m);
    const page = await agent.get('/area/contact');
    assert.match(page.body, /action="\/area\/contact\/mobile\/remove"/);
    const wrong = await agent.post('/area/contact/mobile/remove', { remove_password: 'Nope12345' });
    assert.equal(wrong.statusCode, 400);
    assert.equal((await account(m.accountId)).mobile, '+34612345678');
    const removed = await agent.post('/area/contact/mobile/remove', { remove_password: TEST_PASSWORD });
    assert.equal(removed.headers.location, '/area/contact?done=removed');
    const a = await account(m.accountId);
    assert.equal(a.mobile, null);
    assert.equal(a.mobile_verified_at, null);
    assert.equal(a.preferred_channel, 'email');
    assert.equal((await messages('mobile-removed', m.email)).length, 1);
    assert.doesNotMatch((await agent.get('/area/contact')).body, /action="\/area\/contact\/mobile\/remove"/);
  });

  test('after 5 wrong passwords in an hour, further tries are refused with 429 (R9, R15)', async () => {
    const m = await member();
    const agent = await signedIn(ctx, m);
    await agent.get('/area/contact');
    for (let i = 0; i < 5; i++)
      assert.equal(
        (await agent.post('/area/contact/email', { new_email: 'x@example.com', email_password: `Wrong${i}Pass1` }))
          .statusCode,
        400,
      );
    const refused = await agent.post('/area/contact/email', {
      new_email: 'x@example.com',
      email_password: TEST_PASSWORD,
    });
    assert.equal(refused.statusCode, 429);
    assert.match(refused.body, /espera una hora/);
    assert.equal(
      (await agent.post('/area/contact/mobile', { new_mobile: '+44 7400 123456', mobile_password: TEST_PASSWORD }))
        .statusCode,
      429,
    );
    assert.equal((await messages('contact-code')).filter((x) => x.recipient === 'x@example.com').length, 0);
    assert.ok(
      (await auditOf(ctx, m.accountId)).some((e) => e.event === 'contact.change_requested' && e.outcome === 'refused'),
    );
    ctx.clock.advanceMinutes(61);
    const fresh = await signedIn(ctx, m);
    await fresh.get('/area/contact');
    await requestEmail(fresh, 'x@example.com');
  });

  test('10,000-character inputs get a 400, never a 500', async () => {
    const m = await member({ mobile: '+34612345678' });
    const agent = await signedIn(ctx, m);
    await agent.get('/area/contact');
    const huge = 'A1'.repeat(5_000);
    const forms: [string, Record<string, string>][] = [
      ['/area/contact/address', { address_line: huge, postal_code: huge, city: huge, province: huge }],
      ['/area/contact/email', { new_email: `${huge}@example.com`, email_password: huge }],
      ['/area/contact/email', { new_email: huge, email_password: TEST_PASSWORD }],
      ['/area/contact/mobile', { new_mobile: huge, mobile_password: huge }],
      ['/area/contact/mobile/remove', { remove_password: huge }],
    ];
    for (const [url, fields] of forms) {
      const res = await agent.post(url, fields);
      assert.equal(res.statusCode, 400, url);
      assert.doesNotMatch(res.body, new RegExp(huge), 'not echoed whole');
    }
    await ctx.db.kysely.deleteFrom('rate_limits').execute();
    await requestEmail(agent, 'largo@example.com');
    assert.equal((await agent.post('/area/contact/confirm', { code: '9'.repeat(10_000) })).statusCode, 400);
    const a = await account(m.accountId);
    assert.equal(a.email, m.email);
    assert.equal(a.city, 'Madrid');
  });

  test("an account or member id in the form changes nothing of that account: only the session's (R15)", async () => {
    const victim = await member({ mobile: '+34611111111' });
    const attacker = await member();
    const agent = await signedIn(ctx, attacker);
    await agent.get('/area/contact');
    const ids = {
      account_id: String(victim.accountId),
      accountId: String(victim.accountId),
      id: String(victim.accountId),
      member_id: String(victim.memberId),
      username: victim.username,
    };
    const before = await account(victim.accountId);

    assert.equal(
      (
        await agent.post('/area/contact/address', {
          ...ids,
          address_line: 'Calle Falsa 123',
          postal_code: '08001',
          city: 'Barcelona',
        })
      ).statusCode,
      303,
    );
    await agent.post('/area/contact/email', { ...ids, new_email: 'ladron@example.com', email_password: TEST_PASSWORD });
    assert.equal(
      (
        await agent.post('/area/contact/confirm', {
          ...ids,
          code: await lastCode(ctx, 'ladron@example.com', 'contact-code'),
        })
      ).statusCode,
      303,
    );
    await agent.post('/area/contact/mobile/remove', { ...ids, remove_password: TEST_PASSWORD });

    assert.deepEqual(await account(victim.accountId), before, 'the other account is untouched');
    const mine = await account(attacker.accountId);
    assert.equal(mine.city, 'Barcelona');
    assert.equal(mine.email, 'ladron@example.com');
    assert.equal((await messages('email-changed', victim.email)).length, 0);
    assert.equal((await auditOf(ctx, victim.accountId)).filter((e) => e.event.startsWith('contact.')).length, 0);

    // Nor can the victim's pending change be finished from the attacker's session with the victim's flow cookie.
    const victimAgent = await signedIn(ctx, victim);
    await victimAgent.get('/area/contact');
    await requestEmail(victimAgent, 'victima.nueva@example.com');
    const flowCookie = Object.entries(victimAgent.cookies).find(([name]) => name.endsWith('contact'))!;
    agent.cookies[flowCookie[0]] = flowCookie[1];
    const res = await agent.post('/area/contact/confirm', {
      code: await lastCode(ctx, 'victima.nueva@example.com', 'contact-code'),
    });
    assert.equal(res.statusCode, 303);
    assert.equal((await account(victim.accountId)).email, victim.email);
    assert.equal((await account(attacker.accountId)).email, 'ladron@example.com');
  });
});
