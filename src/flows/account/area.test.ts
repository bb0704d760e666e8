import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { todayIn } from '../../domain/calendar.js';
import { demoFeedCsv, demoFeedRows, FEED_HEADER, nif, toCsvLine, yearsBefore } from '../../feed/demo-feed.js';
import { importFeed } from '../../feed/feed.import.js';
import { memberIdOf, accountFor, memberFeedRow, signedIn } from '../../../test/helpers/fixture.js';
import { BrowserAgent } from '../../../test/helpers/browser-agent.js';
import { describeEachDatabase } from '../../../test/helpers/databases.js';
import { setup, type TestContext } from '../../../test/helpers/setup.js';

// The private area: home and card (R13), the member selector (R14), the username page (R16), audit (R22).

describeEachDatabase('private area and member selector', (kind) => {
  let ctx: TestContext;
  let today: string;
  const feed = () => ({ db: ctx.db, clock: ctx.clock, courier: ctx.courier, timeZone: 'Europe/Madrid' });

  before(async () => {
    ctx = await setup(kind);
    today = todayIn('Europe/Madrid', ctx.clock.now());
    await importFeed(feed(), Readable.from([demoFeedCsv(today)]));
    await accountFor(ctx, { username: nif(10000001), memberNumbers: ['AS1001'], email: 'lucia@example.com' });
    await accountFor(ctx, { username: nif(10000002), memberNumbers: ['AS2001'], email: 'carmen@example.com' });
  });
  after(() => ctx.close());

  /** A guardian link written straight into the database, past the feed's own checks (R14 must still hold). */
  async function forgeGuardianLink(minor: string, guardian: string): Promise<void> {
    await ctx.db.kysely
      .insertInto('guardian_links')
      .values({
        minor_member_id: await memberIdOf(ctx, minor),
        guardian_member_id: await memberIdOf(ctx, guardian),
        created_at: ctx.clock.now().toISOString(),
      })
      .execute();
  }

  test('home: the last three requests of the people shown, newest first, and no one else’s (R31, issue 32)', async () => {
    const lucia = await signedIn(ctx, { username: nif(10000001), email: 'lucia@example.com' });
    const own = await memberIdOf(ctx, 'AS1001');
    const other = await memberIdOf(ctx, 'AS2001');
    const account = async (memberId: number) =>
      (
        await ctx.db.kysely
          .selectFrom('members')
          .select('account_id')
          .where('id', '=', memberId)
          .executeTakeFirstOrThrow()
      ).account_id!;
    const now = ctx.clock.now().toISOString();
    const row = (n: number, memberId: number, accountId: number) => ({
      type: 'reimbursement' as const,
      reference: `RE-2026-99${String(n).padStart(4, '0')}`,
      account_id: accountId,
      member_id: memberId,
      patient_member_id: memberId,
      status: 'received' as const,
      version: 1,
      form_token: `home-tile-${n}`,
      submitted_at: now,
      updated_at: now,
    });
    const luciaAccount = await account(own);
    const carmenAccount = await account(other);
    await ctx.db.kysely
      .insertInto('requests')
      .values([
        row(1, own, luciaAccount),
        row(2, own, luciaAccount),
        row(3, other, carmenAccount),
        row(4, own, luciaAccount),
        row(5, own, luciaAccount),
        row(6, other, carmenAccount),
      ])
      .execute();
    const refs = (body: string) => [...body.matchAll(/class="request-reference">([^<]+)</g)].map((m) => m[1]);
    assert.deepEqual(refs((await lucia.get('/area')).body), ['RE-2026-990005', 'RE-2026-990004', 'RE-2026-990002']);
    // Again (the statement compiled once is run with the same values) and for the other member (other values).
    assert.deepEqual(refs((await lucia.get('/area')).body), ['RE-2026-990005', 'RE-2026-990004', 'RE-2026-990002']);
    const carmen = await signedIn(ctx, { username: nif(10000002), email: 'carmen@example.com' });
    assert.deepEqual(refs((await carmen.get('/area')).body), ['RE-2026-990006', 'RE-2026-990003']);
    await ctx.db.kysely.deleteFrom('requests').where('form_token', 'like', 'home-tile-%').execute();
  });

  test('home: greeting, the card, policies and the people the member may see (R13)', async () => {
    const carmen = await signedIn(ctx, { username: nif(10000002), email: 'carmen@example.com' });
    const home = await carmen.get('/area');
    assert.equal(home.statusCode, 200);
    assert.equal(home.headers['cache-control'], 'no-store');
    assert.match(home.body, /Hola, Carmen/);
    assert.match(home.body, /class="member-card"/);
    assert.match(home.body, /AS2001/);
    assert.match(home.body, /POL100300/);
    assert.match(home.body, /Salud Esencial/);
    assert.doesNotMatch(home.body, /class="member-selector"/, 'no minors, no selector');
    assert.match(home.body, /action="\/sign-out"/, 'sign-out on every private page');
    const card = await carmen.get('/area/card');
    assert.match(card.body, /Tarjeta de asegurado/);
    // R32, R34: the certificate and the directory are one tap from the home.
    for (const path of ['/area/certificate', '/area/directory']) {
      assert.match(home.body, new RegExp(`href="${path}"`));
      assert.equal((await carmen.get(path)).statusCode, 200, path);
    }
    const username = await carmen.get('/area/username');
    assert.match(username.body, /Servicio de Atención al Cliente/);
    assert.doesNotMatch(username.body, new RegExp(nif(10000002)), 'the document is shown masked');
  });

  test('one person on two policies sees both cards, and is one person in the lists (issue 25 item 9: PRODUCT §2, R5, R13, R14)', async () => {
    // Nuria, one account, two member records: holder of POL-NA (with her son Leo, a minor) and of POL-NB, a new
    // employer's policy that started later (so it comes first: active policies, the most recent first).
    const nuria = { first_name: 'Nuria', last_name: 'Vidal', date_of_birth: '1979-05-05', email: 'nuria@example.com' };
    await importFeed(
      feed(),
      Readable.from([
        FEED_HEADER +
          [
            memberFeedRow({ ...nuria, policy_number: 'POL-NA', product: 'Salud Plus', member_number: 'NV-1' }),
            memberFeedRow({
              policy_number: 'POL-NA',
              product: 'Salud Plus',
              member_number: 'NV-3',
              role: 'dependent',
              first_name: 'Leo',
              last_name: 'Vidal',
              date_of_birth: yearsBefore(today, 9),
              guardian_member_numbers: 'NV-1',
            }),
            memberFeedRow({
              ...nuria,
              policy_number: 'POL-NB',
              product: 'Dental Familia',
              policy_start: '2026-02-01',
              member_number: 'NV-2',
            }),
          ]
            .map(toCsvLine)
            .join(''),
      ]),
    );
    await accountFor(ctx, { username: nif(10000055), memberNumbers: ['NV1', 'NV2'], email: 'nuria@example.com' });
    const agent = await signedIn(ctx, { username: nif(10000055), email: 'nuria@example.com' });
    const cardNumbers = (body: string) => [...body.matchAll(/<dd class="card-number">([^<]+)<\/dd>/g)].map((m) => m[1]);
    const people = (body: string) => /<ul class="people">([\s\S]*?)<\/ul>\s*<h2/.exec(body)?.[1] ?? '';

    const home = (await agent.get('/area')).body;
    assert.match(home, /<h2>Tus tarjetas de asegurado<\/h2>/);
    assert.deepEqual(cardNumbers(home), ['NV2', 'NV1'], 'a card for each of her records, newest policy first');
    for (const [policy, product] of [
      ['POLNB', 'Dental Familia'],
      ['POLNA', 'Salud Plus'],
    ])
      assert.match(home, new RegExp(`<dd>${policy}</dd>[\\s\\S]*?<dd>${product}</dd>`), `the card of ${policy}`);
    assert.ok(home.includes('href="/area/card?member=NV1">Ver la tarjeta de la póliza POLNA para imprimirla</a>'));
    assert.ok(home.includes('href="/area/card?member=NV2">Ver la tarjeta de la póliza POLNB para imprimirla</a>'));
    // "You" once: in the selector (her son is the other option) and in the insured people, her records grouped.
    assert.deepEqual(
      [...home.matchAll(/<option value="([^"]+)"/g)].map((m) => m[1]),
      ['NV2', 'NV3'],
    );
    assert.equal(home.match(/\(tú\)/g)?.length, 1, 'the selector names her once');
    const list = people(home);
    assert.equal(list.match(/· tú/g)?.length, 1, `the people list names her once: ${list}`);
    assert.equal(list.match(/Nuria Vidal/g)?.length, 1);
    assert.match(list, /Nº de asegurado NV2 en la póliza POLNB \(Dental Familia\)/);
    assert.match(list, /Nº de asegurado NV1 en la póliza POLNA \(Salud Plus\)/);
    assert.match(list, /Leo Vidal · NV3 · menor a tu cargo/);
    for (const member of ['NV1', 'NV2']) {
      const card = await agent.get(`/area/card?member=${member}`);
      assert.equal(card.statusCode, 200, member);
      assert.deepEqual(cardNumbers(card.body), [member]);
    }

    // Her son's area shows his card only (R14, unchanged); back to herself through either record, both cards.
    assert.equal((await agent.post('/area/switch', { member: 'NV3' })).statusCode, 303);
    const minor = (await agent.get('/area')).body;
    assert.deepEqual(cardNumbers(minor), ['NV3']);
    assert.match(minor, /<h2>Tarjeta de asegurado<\/h2>/);
    assert.equal((await agent.post('/area/switch', { member: 'NV1' })).statusCode, 303);
    const back = (await agent.get('/area')).body;
    assert.deepEqual(cardNumbers(back), ['NV2', 'NV1']);
    assert.match(back, /<option value="NV2" selected/, 'the selector shows her as the one viewed');
  });

  test('a guardian switches to each minor and sees the minor’s card; every switch is audited (R14)', async () => {
    const lucia = await signedIn(ctx, { username: nif(10000001), email: 'lucia@example.com' });
    const home = await lucia.get('/area');
    assert.match(home.body, /class="member-selector"/);
    assert.ok(home.body.includes('href="/help/minors"'), 'R26: the selector links the help on minors');
    assert.match(home.body, /value="AS1003"/);
    assert.match(home.body, /value="AS1004"/);
    assert.doesNotMatch(home.body, /value="AS1002"/, 'another adult is not in the selector');
    const switched = await lucia.post('/area/switch', { member: 'AS1003' });
    assert.equal(switched.headers.location, '/area');
    const minor = await lucia.get('/area');
    assert.match(minor.body, /Estás viendo el área de Martina/);
    assert.match(minor.body, /<dd class="card-number">AS1003<\/dd>/);
    const audit = await ctx.db.kysely
      .selectFrom('audit_events')
      .select(['event', 'outcome', 'subject'])
      .where('event', '=', 'member.switch')
      .execute();
    assert.ok(audit.some((a) => a.subject === 'AS1003' && a.outcome === 'success'));
    await lucia.post('/area/switch', { member: 'AS1001' });
    assert.match((await lucia.get('/area')).body, /<dd class="card-number">AS1001<\/dd>/);
  });

  test('anything naming a member the viewer may not see is refused with 403 and audited (R14)', async () => {
    const lucia = await signedIn(ctx, { username: nif(10000001), email: 'lucia@example.com' });
    for (const member of ['AS1002', 'AS2001', 'AS3001', 'NOPE', 'x'.repeat(5000)]) {
      const res = await lucia.post('/area/switch', { member });
      assert.equal(res.statusCode, 403, member.slice(0, 10));
      assert.match(res.body, /No puedes ver estos datos/);
    }
    assert.equal((await lucia.get('/area/card?member=AS2001')).statusCode, 403, 'a card URL for someone else');
    const refused = await ctx.db.kysely
      .selectFrom('audit_events')
      .select('subject')
      .where('event', '=', 'member.access')
      .where('outcome', '=', 'refused')
      .execute();
    assert.ok(refused.some((r) => r.subject === 'AS2001'));
  });

  test('a repeated ?member= or a JSON object for member is refused with 403, not a 500 (found by fuzzing, issue 9)', async () => {
    const lucia = await signedIn(ctx, { username: nif(10000001), email: 'lucia@example.com' });
    const card = await lucia.get('/area/card?member=AS1001&member=AS1001');
    assert.equal(card.statusCode, 403);
    assert.match(card.body, /No puedes ver estos datos/);
    await lucia.get('/area');
    const token = /name="_csrf" value="([^"]+)"/.exec((await lucia.get('/area/contact')).body)?.[1];
    for (const member of [{ toString: 1 }, ['AS1001', 'AS1001'], 1001]) {
      const res = await ctx.app.inject({
        method: 'POST',
        url: '/area/switch',
        cookies: lucia.cookies,
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ _csrf: token, member }),
      });
      assert.equal(res.statusCode, 403, JSON.stringify(member));
    }
  });

  test('a minor on another policy, or whose guardian link a new import removed, is refused (R14)', async () => {
    // A minor elsewhere naming Lucía as guardian is refused at import (another policy); the minor comes in unlinked.
    const elsewhere = await importFeed(
      feed(),
      Readable.from([
        FEED_HEADER +
          toCsvLine({
            ...demoFeedRows(today)[2]!,
            policy_number: 'POL-999',
            member_number: 'AS-9001',
            guardian_member_numbers: 'AS-1001',
          }),
      ]),
    );
    assert.equal(elsewhere.problems[0]?.code, 'guardian_unknown');
    await importFeed(
      feed(),
      Readable.from([
        FEED_HEADER +
          toCsvLine({
            ...demoFeedRows(today)[2]!,
            policy_number: 'POL-999',
            member_number: 'AS-9001',
            guardian_member_numbers: '',
          }),
      ]),
    );
    const lucia = await signedIn(ctx, { username: nif(10000001), email: 'lucia@example.com' });
    assert.equal((await lucia.post('/area/switch', { member: 'AS9001' })).statusCode, 403);
    // A link forged straight into the database across policies is still refused: the check reads the data.
    await forgeGuardianLink('AS9001', 'AS1001');
    assert.equal((await lucia.post('/area/switch', { member: 'AS9001' })).statusCode, 403);

    // The feed drops Lucía as Hugo's guardian: the switch (and an acting session) stop at once.
    assert.equal((await lucia.post('/area/switch', { member: 'AS1004' })).statusCode, 303);
    const hugo = demoFeedRows(today).find((r) => r.member_number === 'AS-1004')!;
    await importFeed(feed(), Readable.from([FEED_HEADER + toCsvLine({ ...hugo, guardian_member_numbers: 'AS-1002' })]));
    const home = await lucia.get('/area');
    assert.doesNotMatch(home.body, /value="AS1004"/);
    assert.doesNotMatch(home.body, /card-number">AS1004/, 'the acting view falls back to the member');
    assert.equal((await lucia.post('/area/switch', { member: 'AS1004' })).statusCode, 403);
    await importFeed(feed(), Readable.from([FEED_HEADER + toCsvLine(hugo)]));
  });

  test("a guardian link from a minor counts for nothing: only an adult record opens a minor's area (R14)", async () => {
    // Two siblings under 18 on one policy, the elder with an account (a record corrected after registration) and a
    // link to the younger forged straight into the database: R14 wants the guardian to be an adult.
    const minor = demoFeedRows(today)[2]!;
    await importFeed(
      feed(),
      Readable.from([
        FEED_HEADER +
          toCsvLine({ ...minor, policy_number: 'POL-SIB', member_number: 'AS-7701', guardian_member_numbers: '' }) +
          toCsvLine({ ...minor, policy_number: 'POL-SIB', member_number: 'AS-7702', guardian_member_numbers: '' }),
      ]),
    );
    await accountFor(ctx, { username: nif(10000077), memberNumbers: ['AS7701'], email: 'elder@example.com' });
    await forgeGuardianLink('AS7702', 'AS7701');
    const elder = await signedIn(ctx, { username: nif(10000077), email: 'elder@example.com' });
    const home = await elder.get('/area');
    assert.equal(home.statusCode, 200);
    assert.doesNotMatch(home.body, /class="member-selector"/);
    assert.equal((await elder.post('/area/switch', { member: 'AS7702' })).statusCode, 403);
  });

  test('a minor drops out of the selector on their 18th birthday (Europe/Madrid) and can then register (R14, R2)', async () => {
    const birthday = yearsBefore(today, 18, -1); // turns 18 tomorrow
    await importFeed(
      feed(),
      Readable.from([
        FEED_HEADER +
          toCsvLine({
            ...demoFeedRows(today)[2]!,
            member_number: 'AS-1005',
            first_name: 'Sara',
            date_of_birth: birthday,
            guardian_member_numbers: 'AS-1001',
          }),
      ]),
    );
    // 22:50 UTC is 23:50 in Madrid: still the day before her birthday.
    ctx.clock.set(`${today}T22:50:00Z`);
    const lucia = await signedIn(ctx, { username: nif(10000001), email: 'lucia@example.com' });
    assert.match((await lucia.get('/area')).body, /value="AS1005"/);
    assert.equal((await lucia.post('/area/switch', { member: 'AS1005' })).statusCode, 303);
    ctx.clock.advanceMinutes(10); // midnight in Madrid: she is 18
    const home = await lucia.get('/area');
    assert.equal(home.statusCode, 200);
    assert.doesNotMatch(home.body, /value="AS1005"/);
    assert.doesNotMatch(home.body, /card-number">AS1005/);
    assert.equal((await lucia.get('/area/card?member=AS1005')).statusCode, 403);
    const [y, m, d] = birthday.split('-');
    const sara = await new BrowserAgent(ctx.app).post('/register', {
      member_number: 'AS1005',
      birth_date: `${d}/${m}/${y}`,
      policy_number: 'POL100200',
    });
    assert.equal(sara.statusCode, 303, 'now an adult, she can register');
  });

  test('private pages need a session', async () => {
    for (const url of ['/area', '/area/card', '/area/username']) {
      const res = await ctx.app.inject(url);
      assert.equal(res.statusCode, 303, url);
      assert.match(String(res.headers.location), /^\/sign-in/);
    }
    assert.equal(
      (
        await ctx.app.inject({
          method: 'POST',
          url: '/area/switch',
          payload: 'member=AS1003',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        })
      ).statusCode,
      403,
      'CSRF first',
    );
  });
});
