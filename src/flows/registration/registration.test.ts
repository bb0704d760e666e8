import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, beforeEach, test } from 'node:test';
import { todayIn } from '../../domain/calendar.js';
import { demoFeedCsv, FEED_HEADER, nie, nif, toCsvLine, yearsBefore } from '../../feed/demo-feed.js';
import type { RawFeedRow } from '../../feed/feed-row.js';
import { importFeed } from '../../feed/feed.import.js';
import type { CaptchaChallenge } from '../../infra/captcha/captcha.js';
import { verifyPassword } from '../../infra/crypto/password-hash.js';
import { accountFor, memberFeedRow } from '../../../test/helpers/fixture.js';
import { BrowserAgent } from '../../../test/helpers/browser-agent.js';
import { solveCaptcha } from '../../../test/helpers/captcha.js';
import { describeEachDatabase } from '../../../test/helpers/databases.js';
import { setup, type TestContext } from '../../../test/helpers/setup.js';

// Registration in three steps: R1–R6 (and R10 captcha, R17 contacts, R20 languages, R22 audit).

const GOOD_PASSWORD = 'Verano2031x';

const row = (partial: Partial<RawFeedRow>): RawFeedRow =>
  memberFeedRow({
    first_name: 'Eva',
    last_name: 'Gil',
    date_of_birth: '',
    address_line: 'Calle Mayor 1',
    postal_code: '28013',
    city: 'Madrid',
    email: 'eva@example.com',
    ...partial,
  });

describeEachDatabase('registration', (kind) => {
  let ctx: TestContext;
  let today: string;
  let lucia: { member_number: string; birth_date: string; policy_number: string };

  const details = (overrides: Record<string, string> = {}) => ({
    address_line: 'Calle de Alcalá 120, 3º B',
    postal_code: '28009',
    city: 'Madrid',
    province: 'Madrid',
    email: 'lucia.garcia@example.com',
    mobile: '612 345 678',
    document_type: 'NIF',
    document_number: '50123456-x'.replace('x', nif(50123456).slice(-1).toLowerCase()),
    ...overrides,
  });

  before(async () => {
    // Trust X-Forwarded-For here so a test can speak from several client addresses.
    ctx = await setup(kind, { env: { TRUST_PROXY: 'true' } });
    today = todayIn('Europe/Madrid', ctx.clock.now());
    await importFeed(
      { db: ctx.db, clock: ctx.clock, courier: ctx.courier, timeZone: 'Europe/Madrid' },
      Readable.from([demoFeedCsv(today)]),
    );
    await importFeed(
      { db: ctx.db, clock: ctx.clock, courier: ctx.courier, timeZone: 'Europe/Madrid' },
      Readable.from([
        FEED_HEADER +
          [
            row({
              policy_number: 'T-100',
              member_number: 'T-1',
              date_of_birth: '1980-01-01',
              email: 'one@example.com',
            }),
            row({
              policy_number: 'T-100',
              member_number: 'T-2',
              date_of_birth: '1982-02-02',
              email: 'two@example.com',
            }),
            row({
              policy_number: 'T-100',
              member_number: 'T-3',
              date_of_birth: '1983-03-03',
              email: 'three@example.com',
            }),
            row({
              policy_number: 'T-100',
              member_number: 'T-4',
              date_of_birth: '1984-04-04',
              email: 'four@example.com',
            }),
            row({
              policy_number: 'T-100',
              member_number: 'T-5',
              date_of_birth: '1985-05-05',
              email: 'five@example.com',
            }),
            row({
              policy_number: 'T-200',
              member_number: 'T-18',
              date_of_birth: yearsBefore(today, 18),
              email: 'eighteen@example.com',
            }),
          ]
            .map(toCsvLine)
            .join(''),
      ]),
    );
    const m = await ctx.db.kysely
      .selectFrom('members')
      .select(['date_of_birth'])
      .where('member_number', '=', 'AS1001')
      .executeTakeFirstOrThrow();
    const [y, mo, d] = m.date_of_birth.split('-');
    // R1: forgiving input — lower case, hyphens, dots and the dd/mm/yyyy date.
    lucia = { member_number: 'as-10.01', birth_date: `${d}/${mo}/${y}`, policy_number: 'pol 100200' };
  });
  after(() => ctx.close());
  beforeEach(async () => {
    await ctx.db.kysely.deleteFrom('rate_limits').execute();
  });

  test('the happy path: three steps, an account linked to the record, a confirmation email, not signed in (R1, R3–R5)', async () => {
    const agent = new BrowserAgent(ctx.app);
    const start = await agent.get('/register');
    assert.equal(start.statusCode, 200);
    assert.match(start.body, /Regístrate en tu área privada/);
    assert.doesNotMatch(start.body, /altcha-widget/, 'no captcha before any failure');

    await agent.post('/register', lucia);
    const step2 = await agent.get('/register/details');
    assert.match(step2.body, /value="lucia.garcia@example.com"/, 'R3: prefilled from the record');
    assert.match(step2.body, /value="\+34612345678"/);
    await agent.post('/register/details', details());
    const step3 = await agent.get('/register/password');
    assert.match(step3.body, /autocomplete="new-password"/);
    assert.match(
      step3.body,
      new RegExp(`name="username"[^>]*value="${nif(50123456)}"|value="${nif(50123456)}"[^>]*name="username"`),
      'the username is there for password managers',
    );
    assert.match(step3.body, /data-rule="not_common"/);

    const weak = await agent.post('/register/password', { password: 'corto', password_confirmation: 'corto' });
    assert.equal(weak.statusCode, 400);
    assert.match(weak.body, /data-rule="length" class="unmet"/, 'R4: the checklist after submit, without scripts');
    assert.match(weak.body, /data-rule="digit" class="unmet"/);
    assert.match(weak.body, /data-rule="lower" class="met"/);

    const mismatch = await agent.post('/register/password', {
      password: GOOD_PASSWORD,
      password_confirmation: GOOD_PASSWORD + 'x',
    });
    assert.equal(mismatch.statusCode, 400);
    assert.match(mismatch.body, /Las dos contraseñas no coinciden/);

    const done = await agent.post('/register/password', {
      password: GOOD_PASSWORD,
      password_confirmation: GOOD_PASSWORD,
    });
    assert.equal(done.statusCode, 303);
    assert.equal(done.headers.location, '/register/done');
    const success = await agent.get('/register/done');
    assert.match(success.body, /Registro completado/);
    assert.match(success.body, /href="\/sign-in"/);
    assert.equal(agent.cookies.session, undefined, 'R5: not signed in');

    const account = await ctx.db.kysely
      .selectFrom('accounts')
      .selectAll()
      .where('username', '=', nif(50123456))
      .executeTakeFirstOrThrow();
    assert.equal(account.email, 'lucia.garcia@example.com');
    assert.equal(account.mobile, '+34612345678');
    assert.equal(account.email_verified_at, null, 'the first sign-in proves the channel');
    assert.ok(await verifyPassword(account.password_hash, GOOD_PASSWORD));
    assert.doesNotMatch(account.password_hash, new RegExp(GOOD_PASSWORD));
    const member = await ctx.db.kysely
      .selectFrom('members')
      .select('account_id')
      .where('member_number', '=', 'AS1001')
      .executeTakeFirstOrThrow();
    assert.equal(member.account_id, account.id);
    const history = await ctx.db.kysely
      .selectFrom('password_history')
      .selectAll()
      .where('account_id', '=', account.id)
      .execute();
    assert.equal(history.length, 1);
    const mail = (await ctx.outbox()).filter(
      (m) => m.template === 'registration-complete' && m.recipient === 'lucia.garcia@example.com',
    );
    assert.equal(mail.length, 1);
    assert.match(mail[0]!.body_text, new RegExp(nif(50123456)));
    assert.equal(
      (await ctx.outbox()).filter((m) => m.template === 'registration-notice').length,
      0,
      'same email: no notice',
    );

    const audit = await ctx.db.kysely
      .selectFrom('audit_events')
      .select(['event', 'outcome'])
      .where('member_id', 'is not', null)
      .execute();
    for (const event of ['registration.identify', 'registration.details', 'registration.completed']) {
      assert.ok(
        audit.some((a) => a.event === event && a.outcome === 'success'),
        `R22: ${event} audited`,
      );
    }
    const auditText = JSON.stringify(await ctx.db.kysely.selectFrom('audit_events').selectAll().execute());
    assert.doesNotMatch(auditText, new RegExp(GOOD_PASSWORD), 'R22: never a password');

    // R2: now the same member is told to sign in, with a link to recovery.
    const again = await new BrowserAgent(ctx.app).post('/register', lucia);
    assert.match(again.body, /data-reason="registered"/);
    assert.match(again.body, /href="\/recovery"/);
    // A replay of step 3 from the first browser creates nothing.
    const replay = await agent.post('/register/password', {
      password: GOOD_PASSWORD,
      password_confirmation: GOOD_PASSWORD,
    });
    assert.equal(replay.statusCode, 303);
    assert.equal(replay.headers.location, '/register');
    assert.equal(
      (await ctx.db.kysely.selectFrom('accounts').select('id').where('username', '=', nif(50123456)).execute()).length,
      1,
    );
  });

  test('a wrong field, whichever, gets one generic message and the same status (R1)', async () => {
    const t1 = { member_number: 'T-1', birth_date: '01/01/1980', policy_number: 'T-100' };
    const bodies: string[] = [];
    for (const wrong of [
      { ...t1, member_number: 'T-9' },
      { ...t1, birth_date: '02/01/1980' },
      { ...t1, policy_number: 'T-999' },
      { ...t1, member_number: 'T-2' },
    ]) {
      const res = await new BrowserAgent(ctx.app).post('/register', wrong);
      assert.equal(res.statusCode, 400);
      bodies.push(res.body.replace(/value="[^"]*"/g, ''));
      assert.match(res.body, /Los datos no coinciden con ningún asegurado/);
      await ctx.db.kysely.deleteFrom('rate_limits').execute();
    }
    assert.equal(new Set(bodies).size, 1, 'the page does not say which field was wrong');
  });

  test('impossible, future and malformed dates are refused with a clear message; both formats are accepted (R1)', async () => {
    for (const date of ['31/02/1990', '1990-02-31', '2099-01-01x', 'ayer']) {
      const res = await new BrowserAgent(ctx.app).post('/register', {
        member_number: 'T-1',
        birth_date: date,
        policy_number: 'T-100',
      });
      assert.equal(res.statusCode, 400, date);
      assert.match(res.body, /Escribe una fecha válida/, date);
    }
    const future = await new BrowserAgent(ctx.app).post('/register', {
      member_number: 'T-1',
      birth_date: '01/01/2090',
      policy_number: 'T-100',
    });
    assert.equal(future.statusCode, 400);
    for (const date of ['01/01/1980', '1980-01-01', '1-1-1980']) {
      const ok = await new BrowserAgent(ctx.app).post('/register', {
        member_number: 't1',
        birth_date: date,
        policy_number: 't.100',
      });
      assert.equal(ok.statusCode, 303, date);
    }
  });

  test('each eligibility outcome has its own page (R2, R17)', async () => {
    const rows = await ctx.db.kysely
      .selectFrom('members')
      .innerJoin('policies', 'policies.id', 'members.policy_id')
      .select(['member_number', 'date_of_birth', 'policy_number'])
      .execute();
    const who = (n: string) => {
      const r = rows.find((x) => x.member_number === n)!;
      return { member_number: r.member_number, birth_date: r.date_of_birth, policy_number: r.policy_number };
    };
    const cases: [string, string, RegExp][] = [
      ['AS1003', 'minor', /tutor legal/],
      ['IN5001', 'international', /international@salud-ejemplo\.example/],
      ['EX6001', 'expatriate', /international@salud-ejemplo\.example/],
      ['AS7001', 'cancelled', /dada de baja/],
    ];
    for (const [number, reason, text] of cases) {
      const res = await new BrowserAgent(ctx.app).post('/register', who(number));
      assert.equal(res.statusCode, 200, number);
      assert.match(res.body, new RegExp(`data-reason="${reason}"`), number);
      assert.match(res.body, text, number);
      assert.equal(
        res.body.includes('href="/help/international"'),
        reason === 'international' || reason === 'expatriate',
        `${number}: R26, the help on members abroad`,
      );
    }
    const en = await new BrowserAgent(ctx.app, { 'accept-language': 'en' }).post('/register', who('AS1004'));
    assert.match(en.body, /legal guardian/, 'R20: in English too');
    // A minor who turns 18 today can register (Europe/Madrid civil date).
    const adult = await new BrowserAgent(ctx.app).post('/register', who('T18'));
    assert.equal(adult.statusCode, 303);
  });

  test('after 3 failures a captcha is required, solved once; a stranger’s failures never refuse the member (R6, R10)', async () => {
    const agent = new BrowserAgent(ctx.app);
    const wrong = { member_number: 'T-3', birth_date: '01/01/1901', policy_number: 'T-100' };
    for (let i = 0; i < 3; i++) await agent.post('/register', wrong);
    assert.match(agent.last.body, /altcha-widget/, 'the third failure shows the captcha');
    const right = { member_number: 'T-3', birth_date: '03/03/1983', policy_number: 'T-100' };
    const noCaptcha = await agent.post('/register', right);
    assert.equal(noCaptcha.statusCode, 400, 'even the right data needs the captcha now');
    assert.match(noCaptcha.body, /Completa la verificación de seguridad/);

    const challenge = (await agent.get('/captcha/challenge')).json() as CaptchaChallenge;
    const altcha = await solveCaptcha(challenge);
    const solved = await agent.post('/register', { ...right, altcha });
    assert.equal(solved.statusCode, 303);
    const replayed = await new BrowserAgent(ctx.app).post('/register', { ...right, altcha });
    assert.equal(replayed.statusCode, 400, 'a captcha solution is single use');

    // Issue 25: a stranger fails 12 times for T-4 from one address; from there the 11th is refused, while the
    // member, from their own address, is asked for the captcha and gets through with it.
    const stranger = new BrowserAgent(ctx.app, { 'x-forwarded-for': '10.0.0.1' });
    const wrong4 = { member_number: 'T-4', birth_date: '01/01/1901', policy_number: 'T-100' };
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const altcha = await solveCaptcha((await stranger.get('/captcha/challenge')).json() as CaptchaChallenge);
      statuses.push((await stranger.post('/register', { ...wrong4, altcha })).statusCode);
    }
    assert.deepEqual(statuses, [...Array<number>(10).fill(400), 429, 429]);
    assert.match(stranger.last.body, /demasiados intentos/i);
    const member = new BrowserAgent(ctx.app, { 'x-forwarded-for': '10.0.0.2' });
    const right4 = { member_number: 'T-4', birth_date: '04/04/1984', policy_number: 'T-100' };
    const asked = await member.post('/register', right4);
    assert.equal(asked.statusCode, 400, 'the member is asked for the captcha, not refused');
    assert.match(asked.body, /altcha-widget/);
    const through = await member.post('/register', {
      ...right4,
      altcha: await solveCaptcha((await member.get('/captcha/challenge')).json() as CaptchaChallenge),
    });
    assert.equal(through.statusCode, 303);
    assert.equal(through.headers.location, '/register/details');
  });

  test('step 2: documents are checked, the record’s document must match, a taken one is refused (R3)', async () => {
    const agent = new BrowserAgent(ctx.app);
    await agent.post('/register', { member_number: 'T-2', birth_date: '02/02/1982', policy_number: 'T-100' });
    const cases: [Record<string, string>, RegExp][] = [
      [{ document_type: 'NIF', document_number: '12345678A' }, /La letra no corresponde a ese NIF/],
      [{ document_type: 'NIE', document_number: 'X1234567A' }, /La letra no corresponde a ese NIE/],
      [{ document_type: 'PASSPORT', document_number: 'AB12' }, /entre 6 y 20 letras/],
      [{ document_type: 'PASSPORT', document_number: 'AB12$%34' }, /entre 6 y 20 letras/],
      [{ document_type: 'DNI', document_number: '12345678Z' }, /Elige el tipo de documento/],
      [{ email: 'no-arroba' }, /dirección de email no es válida/],
      [{ email: '' }, /obligatorio/],
      [{ postal_code: '53001' }, /código postal español/],
      [{ mobile: '912345678' }, /número de móvil/],
      [{ address_line: 'x'.repeat(10_000), city: 'y'.repeat(10_000) }, /demasiado largo/],
    ];
    for (const [fields, message] of cases) {
      const res = await agent.post('/register/details', details({ email: 'two@example.com', ...fields }));
      assert.equal(res.statusCode, 400, JSON.stringify(fields).slice(0, 80));
      assert.match(res.body, message, JSON.stringify(fields).slice(0, 80));
      assert.match(res.body, /aria-invalid="true"/);
    }
    for (const [prefix, digits] of [
      ['X', 1234567],
      ['Y', 1234567],
      ['Z', 1234567],
    ] as const) {
      const res = await agent.post(
        '/register/details',
        details({ email: 'two@example.com', document_type: 'NIE', document_number: nie(prefix, digits).toLowerCase() }),
      );
      assert.equal(res.statusCode, 303, prefix);
    }
    // The record carrying a document: only that one is accepted.
    const carmen = new BrowserAgent(ctx.app);
    const c = await ctx.db.kysely
      .selectFrom('members')
      .select(['date_of_birth', 'document_number'])
      .where('member_number', '=', 'AS2001')
      .executeTakeFirstOrThrow();
    await carmen.post('/register', {
      member_number: 'AS2001',
      birth_date: c.date_of_birth,
      policy_number: 'POL100300',
    });
    const other = await carmen.post(
      '/register/details',
      details({ email: 'carmen@example.com', document_number: nif(11111111) }),
    );
    assert.equal(other.statusCode, 400);
    assert.match(other.body, /No coincide con el documento que consta en tu póliza/);
    const same = await carmen.post(
      '/register/details',
      details({ email: 'carmen@example.com', document_number: c.document_number! }),
    );
    assert.equal(same.statusCode, 303);
  });

  test('a returning member is sent to sign in; someone else’s username is refused with the support contact (R3)', async () => {
    // Pablo's old record (cancelled policy) has an account; his new record carries the same document.
    const pabloDoc = nif(30567812);
    await accountFor(ctx, { username: pabloDoc, memberNumbers: ['AS4001'], email: 'pablo.sanchez@example.com' });
    const pablo = await ctx.db.kysely
      .selectFrom('members')
      .select(['date_of_birth'])
      .where('member_number', '=', 'AS4002')
      .executeTakeFirstOrThrow();
    const start = await new BrowserAgent(ctx.app).post('/register', {
      member_number: 'AS4002',
      birth_date: pablo.date_of_birth,
      policy_number: 'POL100500',
    });
    assert.match(start.body, /data-reason="registered"/, 'R2: the record’s document is already a username');

    // T-4 types Pablo's document: a different birth date, so it is someone else's.
    const t4 = new BrowserAgent(ctx.app);
    await t4.post('/register', { member_number: 'T-4', birth_date: '04/04/1984', policy_number: 'T-100' });
    const taken = await t4.post('/register/details', details({ email: 'four@example.com', document_number: pabloDoc }));
    assert.equal(taken.statusCode, 400);
    assert.match(taken.body, /ya está registrado a nombre de otra persona/);
    assert.match(taken.body, /atencion\.cliente@salud-ejemplo\.example/);

    // A record with no document, same birth date as an account's records: a returning member.
    await importFeed(
      { db: ctx.db, clock: ctx.clock, courier: ctx.courier, timeZone: 'Europe/Madrid' },
      Readable.from([
        FEED_HEADER +
          toCsvLine(
            row({
              policy_number: 'T-300',
              member_number: 'T-PABLO',
              date_of_birth: pablo.date_of_birth,
              email: 'pablo.sanchez@example.com',
            }),
          ),
      ]),
    );
    const again = new BrowserAgent(ctx.app);
    await again.post('/register', {
      member_number: 'T-PABLO',
      birth_date: pablo.date_of_birth,
      policy_number: 'T-300',
    });
    const returning = await again.post(
      '/register/details',
      details({ email: 'pablo.sanchez@example.com', document_number: pabloDoc }),
    );
    assert.equal(returning.statusCode, 303);
    const page = await again.get('/register/details');
    assert.match(page.body, /Ya tenías una cuenta/);
    const skip = await again.post('/register/password', {
      password: GOOD_PASSWORD,
      password_confirmation: GOOD_PASSWORD,
    });
    assert.equal(skip.statusCode, 303);
    assert.notEqual(skip.headers.location, '/register/done', 'a returning member cannot create a second account');
  });

  test('steps cannot be skipped, and an expired flow restarts with a message (R6)', async () => {
    const stranger = new BrowserAgent(ctx.app);
    for (const [url, fields] of [
      ['/register/password', { password: GOOD_PASSWORD, password_confirmation: GOOD_PASSWORD }],
      ['/register/details', details()],
    ] as const) {
      const res = await stranger.post(url, fields);
      assert.equal(res.statusCode, 303, url);
      assert.equal(res.headers.location, '/register', url);
    }
    const agent = new BrowserAgent(ctx.app);
    await agent.post('/register', { member_number: 'T-5', birth_date: '05/05/1985', policy_number: 'T-100' });
    const early = await agent.post('/register/password', {
      password: GOOD_PASSWORD,
      password_confirmation: GOOD_PASSWORD,
    });
    assert.equal(early.headers.location, '/register/details', 'step 3 before step 2 goes back to step 2');
    await agent.post(
      '/register/details',
      details({ email: 'five@example.com', document_type: 'PASSPORT', document_number: 'PA1234567' }),
    );
    ctx.clock.advanceMinutes(31);
    const late = await agent.post('/register/password', {
      password: GOOD_PASSWORD,
      password_confirmation: GOOD_PASSWORD,
    });
    assert.equal(late.headers.location, '/register?expired=1');
    const restart = await agent.get('/register?expired=1');
    assert.match(restart.body, /el registro se reinicia tras 30 minutos/);
    assert.equal(
      (await ctx.db.kysely.selectFrom('accounts').select('id').where('username', '=', 'PA1234567').execute()).length,
      0,
    );
  });

  test('passwords breaking each rule are refused, whatever is typed (R4)', async () => {
    const agent = new BrowserAgent(ctx.app);
    await agent.post('/register', { member_number: 'T-5', birth_date: '05/05/1985', policy_number: 'T-100' });
    await agent.post(
      '/register/details',
      details({ email: 'five@example.com', document_type: 'PASSPORT', document_number: 'PB7654321' }),
    );
    for (const password of [
      'Abc1234',
      'A'.repeat(60) + 'bc12345',
      'Montaña2024',
      'Canción2024',
      'Abc 12345',
      'Abc-12345',
      'abcdefg12',
      'ABCDEFG12',
      'Abcdefghi',
      'Password1',
      'xT5abcPB7654321',
      'Zz05051985',
      'Zz19850505',
    ]) {
      const res = await agent.post('/register/password', { password, password_confirmation: password });
      assert.equal(res.statusCode, 400, password);
      assert.match(res.body, /class="unmet"/, password);
    }
    const huge = await agent.post('/register/password', { password: 'Ab1'.repeat(3400), password_confirmation: 'x' });
    assert.equal(huge.statusCode, 400);
    const ok = await agent.post('/register/password', {
      password: GOOD_PASSWORD,
      password_confirmation: GOOD_PASSWORD,
    });
    assert.equal(ok.statusCode, 303);
  });

  test("addresses abroad: a local policy member living in France or Portugal registers with that country's postal code (issue 16)", async () => {
    // A cross-border worker of a Spanish employer: the insurer's record already says France.
    await importFeed(
      { db: ctx.db, clock: ctx.clock, courier: ctx.courier, timeZone: 'Europe/Madrid' },
      Readable.from([
        FEED_HEADER +
          toCsvLine(
            row({
              policy_number: 'T-FR',
              member_number: 'T-FR1',
              date_of_birth: '1979-07-07',
              email: 'frontalier@example.com',
              country: 'FR',
              address_line: '3 rue du Pont',
              postal_code: '64100',
              city: 'Bayonne',
            }),
          ),
      ]),
    );
    const agent = new BrowserAgent(ctx.app);
    await agent.post('/register', { member_number: 'T-FR1', birth_date: '07/07/1979', policy_number: 'T-FR' });
    const page = await agent.get('/register/details');
    assert.match(page.body, /<select[^>]*name="country"/);
    assert.match(
      page.body,
      /<option value="FR" selected="">Francia<\/option>|<option value="FR" selected>Francia<\/option>/,
      'prefilled from the record, named in Spanish',
    );
    const base = {
      address_line: '3 rue du Pont',
      city: 'Bayonne',
      province: '',
      email: 'frontalier@example.com',
      mobile: '',
      document_type: 'NIE',
      document_number: nie('X', 1234567),
    };
    const spanishRule = await agent.post('/register/details', { ...base, country: 'ES', postal_code: '64100' });
    assert.equal(spanishRule.statusCode, 400, 'in Spain, 64 is no province');
    const wrongShape = await agent.post('/register/details', { ...base, country: 'FR', postal_code: '6410' });
    assert.equal(wrongShape.statusCode, 400);
    assert.match(wrongShape.body, /\(FR\)/);
    const badCountry = await agent.post('/register/details', { ...base, country: 'XX', postal_code: '64100' });
    assert.equal(badCountry.statusCode, 400);
    const ok = await agent.post('/register/details', { ...base, country: 'FR', postal_code: '64100' });
    assert.equal(ok.headers.location, '/register/password');
    assert.equal(
      (await agent.post('/register/password', { password: GOOD_PASSWORD, password_confirmation: GOOD_PASSWORD }))
        .headers.location,
      '/register/done',
    );
    const account = await ctx.db.kysely
      .selectFrom('accounts')
      .select(['country', 'postal_code'])
      .where('username', '=', nie('X', 1234567))
      .executeTakeFirstOrThrow();
    assert.deepEqual(account, { country: 'FR', postal_code: '64100' });

    // Someone moving to Portugal says so at registration, with a Portuguese code typed loosely.
    await importFeed(
      { db: ctx.db, clock: ctx.clock, courier: ctx.courier, timeZone: 'Europe/Madrid' },
      Readable.from([
        FEED_HEADER +
          toCsvLine(
            row({
              policy_number: 'T-PT',
              member_number: 'T-PT1',
              date_of_birth: '1981-08-08',
              email: 'porto@example.com',
            }),
          ),
      ]),
    );
    const pt = new BrowserAgent(ctx.app);
    await pt.post('/register', { member_number: 'T-PT1', birth_date: '08/08/1981', policy_number: 'T-PT' });
    await pt.get('/register/details');
    const moved = await pt.post('/register/details', {
      ...base,
      email: 'porto@example.com',
      document_type: 'PASSPORT',
      document_number: 'PT1234567',
      country: 'pt',
      postal_code: '4000 123',
      city: 'Porto',
    });
    assert.equal(moved.headers.location, '/register/password');
  });

  test('a changed email: the confirmation goes to the new one and a notice to the record’s (R5)', async () => {
    await importFeed(
      { db: ctx.db, clock: ctx.clock, courier: ctx.courier, timeZone: 'Europe/Madrid' },
      Readable.from([
        FEED_HEADER +
          toCsvLine(
            row({
              policy_number: 'T-400',
              member_number: 'T-EMAIL',
              date_of_birth: '1975-07-07',
              email: 'old@example.com',
              language: 'en',
            }),
          ),
      ]),
    );
    const agent = new BrowserAgent(ctx.app);
    await agent.post('/register', { member_number: 'T-EMAIL', birth_date: '1975-07-07', policy_number: 'T-400' });
    await agent.post(
      '/register/details',
      details({ email: 'new@example.com', document_type: 'PASSPORT', document_number: 'PC1112223' }),
    );
    await agent.post('/register/password', { password: GOOD_PASSWORD, password_confirmation: GOOD_PASSWORD });
    const outbox = await ctx.outbox();
    assert.equal(
      outbox.filter((m) => m.recipient === 'new@example.com' && m.template === 'registration-complete').length,
      1,
    );
    const notice = outbox.filter((m) => m.recipient === 'old@example.com' && m.template === 'registration-notice');
    assert.equal(notice.length, 1);
    assert.equal(notice[0]!.language, 'en', 'in the record’s language');
    assert.match(notice[0]!.body_text, /new@example\.com/);
  });

  test('two browsers registering the same member at once make exactly one account (R5)', async () => {
    await importFeed(
      { db: ctx.db, clock: ctx.clock, courier: ctx.courier, timeZone: 'Europe/Madrid' },
      Readable.from([
        FEED_HEADER +
          toCsvLine(
            row({
              policy_number: 'T-500',
              member_number: 'T-RACE',
              date_of_birth: '1979-09-09',
              email: 'race@example.com',
            }),
          ),
      ]),
    );
    const a = new BrowserAgent(ctx.app);
    const b = new BrowserAgent(ctx.app);
    for (const [agent, doc] of [
      [a, 'PD1000001'],
      [b, 'PD1000002'],
    ] as const) {
      await agent.post('/register', { member_number: 'T-RACE', birth_date: '1979-09-09', policy_number: 'T-500' });
      await agent.post(
        '/register/details',
        details({ email: 'race@example.com', document_type: 'PASSPORT', document_number: doc }),
      );
    }
    const results = await Promise.all(
      [a, b].map((agent) =>
        agent.post('/register/password', { password: GOOD_PASSWORD, password_confirmation: GOOD_PASSWORD }),
      ),
    );
    const statuses = results.map((r) => r.statusCode).sort();
    assert.deepEqual(statuses, [303, 409]);
    const accounts = await ctx.db.kysely
      .selectFrom('accounts')
      .select('id')
      .where('username', 'in', ['PD1000001', 'PD1000002'])
      .execute();
    assert.equal(accounts.length, 1, 'exactly one account, no half-made second one');
  });

  test('oversized and odd input never gets a 500 (R1, R3)', async () => {
    const agent = new BrowserAgent(ctx.app);
    const big = 'x'.repeat(10_000);
    const res = await agent.post('/register', { member_number: big, birth_date: big, policy_number: big });
    assert.equal(res.statusCode, 400);
    const odd = await agent.post('/register', {
      member_number: '<script>alert(1)</script>',
      birth_date: '01/01/1980',
      policy_number: "' OR 1=1 --",
    });
    assert.equal(odd.statusCode, 400);
    assert.doesNotMatch(odd.body, /<script>alert/);
  });
});
