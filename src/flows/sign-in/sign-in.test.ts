import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, beforeEach, test } from 'node:test';
import { FEED_HEADER, nif, toCsvLine } from '../../feed/demo-feed.js';
import { importFeed } from '../../feed/feed.import.js';
import type { CaptchaChallenge } from '../../infra/captcha/captcha.js';
import { generate, generateSecret } from 'otplib';
import { BrowserAgent } from '../../../test/helpers/browser-agent.js';
import {
  auditOf,
  lastCode,
  lastLink,
  memberFeedRow,
  memberWithAccount,
  TEST_PASSWORD,
} from '../../../test/helpers/fixture.js';
import { solveCaptcha } from '../../../test/helpers/captcha.js';
import { describeEachDatabase } from '../../../test/helpers/databases.js';
import { setup, type TestContext } from '../../../test/helpers/setup.js';
import { SENDS_PER_ACCOUNT_PER_HOUR } from './sign-in.routes.js';
import { oidcAdapterFactory } from '../../infra/oidc/oidc-adapter.js';
import { createSessions } from '../../infra/session/session.js';

// Sign-in with two-step verification (R7), sessions (R8), throttling (R9), audit (R22).

describeEachDatabase('sign-in', (kind) => {
  let ctx: TestContext;

  /** A registered member with email and mobile. */
  const member = (options: { mobile?: string | null } = {}) =>
    memberWithAccount(ctx, {
      language: 'es',
      record: { first_name: 'Nora', last_name: 'Vidal', date_of_birth: '1980-01-01', product: 'Salud Plus' },
      mobile: options.mobile === undefined ? '+34600111222' : options.mobile,
    });
  const signInLink = (to: string) => lastLink(ctx, to, 'signin-code', '/sign-in/link/');

  /** Both steps up to the code; `captcha` when earlier failures in a row ask for one (R9). */
  async function signIn(agent: BrowserAgent, username: string, channel: 'email' | 'sms' = 'email', captcha = false) {
    const altcha: Record<string, string> = captcha
      ? { altcha: await solveCaptcha((await agent.get('/captcha/challenge')).json() as CaptchaChallenge) }
      : {};
    const res = await agent.post('/sign-in', { username, password: TEST_PASSWORD, ...altcha });
    assert.equal(res.statusCode, 303, res.body.match(/data-notice="[^"]*"/)?.[0]);
    // Issue 32: a member with a preferred channel has its code sent by the password step; another is a switch.
    if (res.headers.location === '/sign-in/verify?sent=1' && (await preferred(username)) === channel) return res;
    await agent.get('/sign-in/verify');
    const sent = await agent.post('/sign-in/verify/send', { channel });
    assert.equal(sent.statusCode, 303);
    return sent;
  }
  const preferred = async (username: string) =>
    (
      await ctx.db.kysely
        .selectFrom('accounts')
        .select('preferred_channel')
        .where('username', '=', username)
        .executeTakeFirstOrThrow()
    ).preferred_channel;

  before(async () => {
    ctx = await setup(kind, { env: { TRUST_PROXY: 'true' } });
  });
  after(() => ctx.close());
  beforeEach(async () => {
    await ctx.db.kysely.deleteFrom('rate_limits').execute();
  });

  test('password, then an emailed code: a session, the channel verified, the area shown (R7, R8)', async () => {
    const m = await member();
    const agent = new BrowserAgent(ctx.app);
    const page = await agent.get('/sign-in');
    assert.match(page.body, /autocomplete="username"/);
    assert.match(page.body, /autocomplete="current-password"/);
    assert.match(page.body, /href="\/recovery"/, 'R11: the recovery link under the form');
    assert.match(page.body, /international@/, 'R17');

    // The document typed loosely is normalised as in R3.
    const pw = await agent.post('/sign-in', {
      username: m.username.toLowerCase().replace(/(\d{4})/, '$1-'),
      password: TEST_PASSWORD,
    });
    assert.equal(pw.statusCode, 303);
    const choose = await agent.get('/sign-in/verify');
    assert.match(choose.body, /m•••@example\.com/, 'R7: masked');
    assert.match(choose.body, /•••• ••• 222/);
    assert.doesNotMatch(choose.body, /m\d+@example\.com|600111222/);
    await agent.post('/sign-in/verify/send', { channel: 'email' });
    const codePage = await agent.get('/sign-in/verify?sent=1');
    assert.match(codePage.body, /autocomplete="one-time-code"/);
    assert.match(codePage.body, /inputMode="numeric"|inputmode="numeric"/);

    const before = await agent.get('/area');
    assert.equal(before.statusCode, 303, 'no session yet after the password alone');

    const done = await agent.post('/sign-in/verify/code', { code: ` ${await lastCode(ctx, m.email)} ` });
    assert.equal(done.statusCode, 303);
    assert.equal(done.headers.location, '/area');
    const cookie = Object.keys(agent.cookies).find((c) => c.endsWith('session'));
    assert.ok(cookie && agent.cookies[cookie]!.length >= 43, 'R8: a 256-bit opaque token');
    const area = await agent.get('/area');
    assert.equal(area.statusCode, 200);
    assert.match(area.body, /Hola, Nora/);
    assert.match(area.body, /Salud Plus/);
    assert.equal(area.headers['cache-control'], 'no-store');
    const account = await ctx.db.kysely
      .selectFrom('accounts')
      .selectAll()
      .where('id', '=', m.accountId)
      .executeTakeFirstOrThrow();
    assert.ok(account.email_verified_at, 'R7: first use marks the channel verified');
    assert.equal(account.mobile_verified_at, null);
    const session = await ctx.db.kysely
      .selectFrom('sessions')
      .selectAll()
      .where('account_id', '=', m.accountId)
      .executeTakeFirstOrThrow();
    assert.notEqual(session.token_hash, agent.cookies[cookie!], 'stored hashed');
    const audit = await auditOf(ctx, m.accountId);
    assert.ok(
      audit.some((a) => a.event === 'signin.success' && a.details?.includes('"factor":"email"')),
      'R22: the factor is recorded',
    );
    assert.ok(audit.some((a) => a.event === 'signin.code_sent'));
  });

  test('a channel is proven at its first use; later sign-ins keep that time and the preferred channel (R7)', async () => {
    const m = await member();
    const account = () =>
      ctx.db.kysely
        .selectFrom('accounts')
        .select(['email_verified_at', 'mobile_verified_at', 'preferred_channel'])
        .where('id', '=', m.accountId)
        .executeTakeFirstOrThrow();
    const signInWith = async (channel: 'email' | 'sms') => {
      const agent = new BrowserAgent(ctx.app);
      await signIn(agent, m.username, channel);
      const code = await lastCode(ctx, channel === 'email' ? m.email : '+34600111222');
      assert.equal((await agent.post('/sign-in/verify/code', { code })).headers.location, '/area');
    };
    await signInWith('sms');
    const first = await account();
    assert.ok(first.mobile_verified_at);
    assert.equal(first.email_verified_at, null, 'the email is not proven by an SMS code');
    assert.equal(first.preferred_channel, 'sms', 'the first channel used becomes the preferred one');
    ctx.clock.advanceMinutes(60);
    await signInWith('sms');
    await signInWith('email');
    const later = await account();
    assert.equal(later.mobile_verified_at, first.mobile_verified_at, 'the first use’s time is kept');
    assert.ok(later.email_verified_at && later.email_verified_at > first.mobile_verified_at!);
    assert.equal(later.preferred_channel, 'sms', 'a member’s preferred channel is not replaced');
  });

  test('by SMS, and the code is single use (R7)', async () => {
    const m = await member();
    const agent = new BrowserAgent(ctx.app);
    await signIn(agent, m.username, 'sms');
    const sms = (await ctx.outbox()).filter((x) => x.channel === 'sms').at(-1)!;
    assert.equal(sms.recipient, '+34600111222');
    const code = /(\d{6})/.exec(sms.body_text)![1]!;
    assert.equal((await agent.post('/sign-in/verify/code', { code })).headers.location, '/area');
    // The same code again, from a fresh sign-in in another browser, is worthless.
    const other = new BrowserAgent(ctx.app);
    await signIn(other, m.username, 'sms');
    const reuse = await other.post('/sign-in/verify/code', { code });
    assert.equal(reuse.statusCode, 400);
  });

  test('wrong username and wrong password: the same message and status (R7)', async () => {
    const m = await member();
    const wrongPassword = await new BrowserAgent(ctx.app).post('/sign-in', {
      username: m.username,
      password: 'Nope12345',
    });
    const unknown = await new BrowserAgent(ctx.app).post('/sign-in', {
      username: nif(99999999),
      password: 'Nope12345',
    });
    assert.equal(wrongPassword.statusCode, 401);
    assert.equal(unknown.statusCode, 401);
    const strip = (b: string) => b.replace(/value="[^"]*"/g, '');
    assert.equal(strip(wrongPassword.body), strip(unknown.body));
    assert.match(wrongPassword.body, /El documento o la contraseña no son correctos/);
    // R22: a password typed into the username field never reaches the audit log.
    await new BrowserAgent(ctx.app).post('/sign-in', { username: 'MiClaveSecreta77', password: 'x' });
    const audit = JSON.stringify(await ctx.db.kysely.selectFrom('audit_events').selectAll().execute());
    assert.doesNotMatch(audit, /MICLAVESECRETA77|MiClaveSecreta77/i);
  });

  test('a code can be wrong 5 times, then the sign-in starts over; an old or expired code fails (R7)', async () => {
    const m = await member();
    const agent = new BrowserAgent(ctx.app);
    await signIn(agent, m.username);
    const good = await lastCode(ctx, m.email);
    const bad = good === '000000' ? '111111' : '000000';
    for (let i = 1; i <= 4; i++) {
      const res = await agent.post('/sign-in/verify/code', { code: bad });
      assert.equal(res.statusCode, 400);
      assert.match(res.body, new RegExp(`Te quedan ${5 - i} intentos`));
    }
    const fifth = await agent.post('/sign-in/verify/code', { code: bad });
    assert.equal(fifth.headers.location, '/sign-in?restart=1');
    const late = await agent.post('/sign-in/verify/code', { code: good });
    assert.equal(late.headers.location, '/sign-in', 'the sign-in is gone: even the right code is refused');

    // R9: the five wrong codes count in the account's failures in a row: the next sign-in needs the captcha.
    const again = new BrowserAgent(ctx.app);
    assert.equal((await again.post('/sign-in', { username: m.username, password: TEST_PASSWORD })).statusCode, 400);
    await signIn(again, m.username, 'email', true);
    const code = await lastCode(ctx, m.email);
    ctx.clock.advanceMinutes(11);
    const expired = await again.post('/sign-in/verify/code', { code });
    assert.equal(expired.statusCode, 400);
    assert.match(expired.body, /ha caducado/);
  });

  test('parallel guesses share one count, and two submits of the right code make one session (R7)', async () => {
    const m = await member();
    const agent = new BrowserAgent(ctx.app);
    await signIn(agent, m.username);
    const good = await lastCode(ctx, m.email);
    const guesses = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        agent.post('/sign-in/verify/code', { code: String(100000 + i) === good ? '999999' : String(100000 + i) }),
      ),
    );
    assert.ok(guesses.every((g) => g.statusCode === 400 || g.statusCode === 303));
    const tokens = await ctx.db.kysely
      .selectFrom('one_time_tokens')
      .select(['attempts', 'voided_at'])
      .where('account_id', '=', m.accountId)
      .where('purpose', '=', 'signin-code')
      .execute();
    assert.ok(
      tokens.every((t) => t.attempts <= 8 && (t.attempts < 5 || t.voided_at !== null)),
      'after 5 wrong the code is void',
    );
    const right = await agent.post('/sign-in/verify/code', { code: good });
    assert.notEqual(right.headers.location, '/area', 'the code died with the 5th wrong guess');

    const racer = new BrowserAgent(ctx.app);
    await signIn(racer, m.username, 'email', true);
    const code = await lastCode(ctx, m.email);
    const both = await Promise.all([
      racer.post('/sign-in/verify/code', { code }),
      racer.post('/sign-in/verify/code', { code }),
    ]);
    assert.equal(
      both.filter((r) => r.headers.location === '/area').length,
      1,
      JSON.stringify(both.map((r) => [r.statusCode, r.headers.location, r.statusCode >= 500 ? r.body : ''])),
    );
    const sessions = await ctx.db.kysely
      .selectFrom('sessions')
      .select('id')
      .where('account_id', '=', m.accountId)
      .execute();
    assert.equal(sessions.length, 1);
  });

  test('40 concurrent answers to one code: each try counted once, at most five compared, one session (R7, R9, issue 32)', async () => {
    // The code's read and its try's count are one statement (issue 32): under a burst every try still gets its own
    // count, so no two wrong answers are told the same number of tries left, and the right one wins once at most.
    const m = await member();
    const agent = new BrowserAgent(ctx.app);
    await signIn(agent, m.username);
    const good = await lastCode(ctx, m.email);
    const wrong = good === '000000' ? '111111' : '000000';
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => agent.post('/sign-in/verify/code', { code: i === 20 ? good : wrong })),
    );
    assert.ok(
      answers.every((a) => a.statusCode < 500),
      JSON.stringify(answers.filter((a) => a.statusCode >= 500).map((a) => a.body.slice(0, 200))),
    );
    const left = answers.map((a) => /Te quedan (\d) intentos/.exec(a.body)?.[1]).filter((x) => x !== undefined);
    assert.equal(new Set(left).size, left.length, `each count of tries left is told once: ${left.join(',')}`);
    // R9 lets at most ten failures in a row reach the code (the tenth pauses sign-in and ends this sign-in, its code
    // with it), R7 at most five wrong ones: four are told how many tries are left, each a different number.
    const signedIn = answers.filter((a) => a.headers.location === '/area').length;
    assert.ok(left.every((n) => Number(n) >= 1 && Number(n) <= 4));
    assert.ok(signedIn <= 1);
    const sessions = await ctx.db.kysely
      .selectFrom('sessions')
      .select('id')
      .where('account_id', '=', m.accountId)
      .execute();
    assert.equal(sessions.length, signedIn);

    // 40 concurrent submits of the right code alone: one session.
    await ctx.db.kysely.deleteFrom('rate_limits').execute();
    const racer = new BrowserAgent(ctx.app);
    await signIn(racer, m.username);
    const code = await lastCode(ctx, m.email);
    const all = await Promise.all(Array.from({ length: 40 }, () => racer.post('/sign-in/verify/code', { code })));
    assert.ok(all.every((a) => a.statusCode < 500));
    const outcomes = all.map(
      (a) => `${a.statusCode} ${a.headers.location ?? /data-notice="([^"]*)"/.exec(a.body)?.[1] ?? ''}`,
    );
    assert.equal(all.filter((a) => a.headers.location === '/area').length, 1, outcomes.join(', '));
    assert.equal(
      (await ctx.db.kysely.selectFrom('sessions').select('id').where('account_id', '=', m.accountId).execute()).length,
      signedIn + 1,
    );
  });

  test('resend after 30 s, at most 3 sends, switching channel allowed; a new code voids the old (R7)', async () => {
    const m = await member();
    const agent = new BrowserAgent(ctx.app);
    const queuedBefore = (await ctx.outbox()).length;
    await signIn(agent, m.username);
    const first = await lastCode(ctx, m.email);
    const tooSoon = await agent.post('/sign-in/verify/send', { channel: 'email' });
    assert.equal(tooSoon.statusCode, 429);
    assert.match(tooSoon.body, /Espera 30 segundos/);
    ctx.clock.advance(30_000);
    assert.equal((await agent.post('/sign-in/verify/send', { channel: 'sms' })).statusCode, 303, 'switch to SMS');
    ctx.clock.advance(30_000);
    assert.equal((await agent.post('/sign-in/verify/send', { channel: 'email' })).statusCode, 303);
    ctx.clock.advance(30_000);
    const fourth = await agent.post('/sign-in/verify/send', { channel: 'email' });
    assert.equal(fourth.statusCode, 429);
    assert.match(fourth.body, /3 códigos/);
    const second = await lastCode(ctx, m.email);
    if (second !== first) {
      const old = await agent.post('/sign-in/verify/code', { code: first });
      assert.equal(old.statusCode, 400, 'the older code was voided');
    }
    assert.equal((await agent.post('/sign-in/verify/code', { code: second })).headers.location, '/area');
    const sends = (await ctx.outbox()).slice(queuedBefore).filter((x) => x.template === 'signin-code');
    assert.equal(sends.length, 3);
  });

  test('the emailed link works once, only in the browser that started the sign-in (R7)', async () => {
    const m = await member();
    const agent = new BrowserAgent(ctx.app);
    await signIn(agent, m.username);
    const link = await signInLink(m.email);
    const elsewhere = await new BrowserAgent(ctx.app).get(link);
    assert.equal(elsewhere.statusCode, 403);
    assert.match(elsewhere.body, /mismo navegador/);
    const here = await agent.get(link);
    assert.equal(here.statusCode, 303);
    assert.equal(here.headers.location, '/area');
    assert.equal((await agent.get('/area')).statusCode, 200);
    const twice = await agent.get(link);
    assert.equal(twice.statusCode, 410);
    assert.equal((await new BrowserAgent(ctx.app).get('/sign-in/link/' + 'A'.repeat(43))).statusCode, 410);
  });

  test('throttling: captcha from the 6th try, lock at the 11th with one email, over after 15 minutes (R9, R10)', async () => {
    const m = await member();
    const agent = new BrowserAgent(ctx.app);
    for (let i = 1; i <= 5; i++) {
      const res = await agent.post('/sign-in', { username: m.username, password: 'Wrong1234' });
      assert.equal(res.statusCode, 401, `try ${i}`);
    }
    assert.match(agent.last.body, /altcha-widget/, 'the 5th failure brings the captcha');
    const noCaptcha = await agent.post('/sign-in', { username: m.username, password: TEST_PASSWORD });
    assert.equal(noCaptcha.statusCode, 400, 'the 6th try needs the captcha, even with the right password');
    const solve = async () => solveCaptcha((await agent.get('/captcha/challenge')).json() as CaptchaChallenge);
    for (let i = 6; i <= 10; i++) {
      const res = await agent.post('/sign-in', { username: m.username, password: 'Wrong1234', altcha: await solve() });
      assert.equal(res.statusCode, 401, `try ${i}`);
    }
    const locked = await agent.post('/sign-in', {
      username: m.username,
      password: TEST_PASSWORD,
      altcha: await solve(),
    });
    assert.equal(locked.statusCode, 429, 'the 11th is refused: locked');
    assert.match(locked.body, /pausado/);
    await agent.post('/sign-in', { username: m.username, password: TEST_PASSWORD, altcha: await solve() });
    const emails = (await ctx.outbox()).filter((x) => x.template === 'account-locked' && x.recipient === m.email);
    assert.equal(emails.length, 1, 'the member hears of it once');
    // An unknown username meets the same captcha and pause: nothing to enumerate.
    const ghost = new BrowserAgent(ctx.app);
    for (let i = 1; i <= 5; i++) await ghost.post('/sign-in', { username: nif(88888888), password: 'Wrong1234' });
    assert.match(ghost.last.body, /altcha-widget/);

    ctx.clock.advanceMinutes(15);
    const back = await agent.post('/sign-in', { username: m.username, password: TEST_PASSWORD, altcha: await solve() });
    assert.equal(back.statusCode, 303, 'the lock is over');
    await agent.get('/sign-in/verify');
    await agent.post('/sign-in/verify/send', { channel: 'email' });
    await agent.post('/sign-in/verify/code', { code: await lastCode(ctx, m.email) });
    const cleared = await new BrowserAgent(ctx.app).post('/sign-in', { username: m.username, password: 'Wrong1234' });
    assert.doesNotMatch(cleared.body, /altcha-widget/, 'a successful sign-in resets the count');
  });

  test("signing out ends the member's OpenID Provider sessions; signing out everywhere ends the apps' grants (R35)", async () => {
    const m = await member();
    const other = await member();
    const oidc = oidcAdapterFactory({
      db: ctx.db.kysely,
      clock: ctx.clock,
      box: ctx.secretBox,
      findClient: async () => undefined,
    });
    const put = (model: string, id: string, accountId: number) =>
      oidc(model).upsert(id, { jti: id, uid: `uid-${id}`, accountId: String(accountId), grantId: `g-${id}` }, 3600);
    await put('Session', 'session-m', m.accountId);
    await put('Grant', 'grant-m', m.accountId);
    await put('RefreshToken', 'refresh-m', m.accountId);
    await put('Session', 'session-other', other.accountId);
    const agent = new BrowserAgent(ctx.app);
    await signIn(agent, m.username);
    await agent.post('/sign-in/verify/code', { code: await lastCode(ctx, m.email) });
    await agent.post('/sign-out', {});
    assert.equal(await oidc('Session').find('session-m'), undefined, 'the shared browser is not signed in to the apps');
    assert.ok(await oidc('Grant').find('grant-m'), 'the apps the member connected stay connected');
    assert.ok(await oidc('Session').find('session-other'), 'another member is not signed out');
    // A password reset, "this wasn't me" or customer service end every session: the apps' grants and tokens too.
    await createSessions({ clock: ctx.clock, config: ctx.config }).endAll(ctx.db.kysely, m.accountId);
    assert.equal(await oidc('Grant').find('grant-m'), undefined);
    assert.equal(await oidc('RefreshToken').find('refresh-m'), undefined);
    assert.ok(await oidc('Session').find('session-other'));
  });

  test('sessions: sign-out ends it on the server; idle and absolute timeouts; a forged cookie is nothing (R8)', async () => {
    const m = await member();
    const agent = new BrowserAgent(ctx.app);
    await signIn(agent, m.username);
    await agent.post('/sign-in/verify/code', { code: await lastCode(ctx, m.email) });
    const name = Object.keys(agent.cookies).find((c) => c.endsWith('session'))!;
    const stolen = agent.cookies[name]!;
    const out = await agent.post('/sign-out', {});
    assert.equal(out.headers.location, '/sign-in?signedOut=1');
    const replay = await ctx.app.inject({ url: '/area', cookies: { [name]: stolen } });
    assert.equal(replay.statusCode, 303, 'the old cookie no longer opens the area');

    const idle = new BrowserAgent(ctx.app);
    await signIn(idle, m.username);
    await idle.post('/sign-in/verify/code', { code: await lastCode(ctx, m.email) });
    ctx.clock.advanceMinutes(14);
    assert.equal((await idle.get('/area')).statusCode, 200);
    ctx.clock.advanceMinutes(14);
    assert.equal((await idle.get('/area')).statusCode, 200, 'use keeps it alive');
    ctx.clock.advanceMinutes(16);
    const timedOut = await idle.get('/area');
    assert.equal(timedOut.statusCode, 303);
    assert.equal(timedOut.headers.location, '/sign-in?expired=1&next=%2Farea');
    assert.match((await idle.get(timedOut.headers.location as string)).body, /sesión ha caducado/);

    const long = new BrowserAgent(ctx.app);
    await signIn(long, m.username);
    await long.post('/sign-in/verify/code', { code: await lastCode(ctx, m.email) });
    for (let i = 0; i < 35; i++) {
      ctx.clock.advanceMinutes(14);
      await long.get('/area');
    }
    const absolute = await long.get('/area');
    assert.equal(absolute.statusCode, 303, 'R8: 8 hours at most, however active');

    const forged = await ctx.app.inject({ url: '/area', cookies: { [name]: 'A'.repeat(43) } });
    assert.equal(forged.statusCode, 303);
  });

  test('the return address after sign-in is same-site only (no open redirect)', async () => {
    const m = await member();
    for (const [next, expected] of [
      ['/area?tab=card', '/area?tab=card'],
      ['https://evil.example/', '/area'],
      ['//evil.example/x', '/area'],
      ['/\\evil.example', '/area'],
    ] as const) {
      const agent = new BrowserAgent(ctx.app);
      await agent.post('/sign-in', { username: m.username, password: TEST_PASSWORD, next });
      await agent.get('/sign-in/verify');
      await agent.post('/sign-in/verify/send', { channel: 'email' });
      const done = await agent.post('/sign-in/verify/code', { code: await lastCode(ctx, m.email) });
      assert.equal(done.headers.location, expected, next);
      await ctx.db.kysely.deleteFrom('rate_limits').execute();
    }
  });

  test('a returning member sent here by registration gets the new record joined after both steps (R3)', async () => {
    const m = await member();
    await importFeed(
      { db: ctx.db, clock: ctx.clock, courier: ctx.courier, timeZone: 'Europe/Madrid' },
      Readable.from([
        FEED_HEADER +
          toCsvLine(
            memberFeedRow({
              policy_number: 'NEWPOL',
              member_number: 'RETURNS1',
              product: 'Salud Nueva',
              email: 'x@example.com',
              first_name: 'Nora',
              last_name: 'Vidal',
              date_of_birth: '1980-01-01',
            }),
          ),
      ]),
    );
    const agent = new BrowserAgent(ctx.app);
    await agent.post('/register', { member_number: 'RETURNS1', birth_date: '01/01/1980', policy_number: 'NEWPOL' });
    const step2 = await agent.post('/register/details', {
      address_line: 'Calle Sol 1',
      postal_code: '28001',
      city: 'Madrid',
      province: '',
      email: 'x@example.com',
      mobile: '',
      document_type: 'NIF',
      document_number: m.username,
    });
    assert.equal(step2.statusCode, 303);
    assert.match((await agent.get('/register/details')).body, /Ya tenías una cuenta/);
    await signIn(agent, m.username);
    await agent.post('/sign-in/verify/code', { code: await lastCode(ctx, m.email) });
    const area = await agent.get('/area');
    assert.match(area.body, /Salud Nueva/, 'the new policy shows at once');
    const joined = await ctx.db.kysely
      .selectFrom('members')
      .select('account_id')
      .where('member_number', '=', 'RETURNS1')
      .executeTakeFirstOrThrow();
    assert.equal(joined.account_id, m.accountId);
  });

  test('an account without a mobile is offered email only; oversized input is a 4xx (R7)', async () => {
    const m = await member({ mobile: null });
    const agent = new BrowserAgent(ctx.app);
    await agent.post('/sign-in', { username: m.username, password: TEST_PASSWORD });
    const choose = await agent.get('/sign-in/verify');
    assert.doesNotMatch(choose.body, /value="sms"/);
    const sms = await agent.post('/sign-in/verify/send', { channel: 'sms' });
    assert.equal(sms.statusCode, 400);
    const huge = await new BrowserAgent(ctx.app).post('/sign-in', {
      username: 'x'.repeat(10_000),
      password: 'y'.repeat(10_000),
    });
    assert.equal(huge.statusCode, 401);
    const code = await agent.post('/sign-in/verify/code', { code: '1'.repeat(10_000) });
    assert.ok(code.statusCode >= 300 && code.statusCode < 500);
  });

  test('issue 25: past the account’s hourly codes, a new sign-in says so, with the wait, and offers the app (R9)', async () => {
    const m = await member();
    const secret = generateSecret();
    await ctx.db.kysely
      .updateTable('accounts')
      .set({ totp_secret: ctx.secretBox.seal(secret), totp_enabled_at: ctx.clock.now().toISOString() })
      .where('id', '=', m.accountId)
      .execute();
    const hour = 3_600_000; // forward to 20 minutes past the next hour: 40 minutes before the hour's window ends
    ctx.clock.set(new Date((Math.floor(ctx.clock.now().getTime() / hour) + 1) * hour + 20 * 60_000));
    const sentBefore = (await ctx.outbox()).length;
    // Ten sign-ins, each from its own address, each sending one code: the account's ten for the hour.
    for (let i = 0; i < SENDS_PER_ACCOUNT_PER_HOUR; i++) {
      const agent = new BrowserAgent(ctx.app, { 'x-forwarded-for': `192.0.2.${i + 1}` });
      await agent.post('/sign-in', { username: m.username, password: TEST_PASSWORD });
      await agent.get('/sign-in/verify');
      assert.equal(
        (await agent.post('/sign-in/verify/send', { channel: 'email' })).headers.location,
        '/sign-in/verify?sent=1',
      );
    }
    assert.equal((await ctx.outbox()).length, sentBefore + SENDS_PER_ACCOUNT_PER_HOUR);
    const agent = new BrowserAgent(ctx.app, { 'x-forwarded-for': '192.0.2.99' });
    await agent.post('/sign-in', { username: m.username, password: TEST_PASSWORD });
    await agent.get('/sign-in/verify');
    const refused = await agent.post('/sign-in/verify/send', { channel: 'email' });
    assert.equal(refused.statusCode, 429);
    assert.equal((await ctx.outbox()).length, sentBefore + SENDS_PER_ACCOUNT_PER_HOUR, 'nothing more is sent');
    assert.doesNotMatch(refused.body, /3 códigos en este acceso/, 'not the per-sign-in message: none was sent here');
    assert.match(refused.body, /todos los códigos que enviamos en una hora/);
    assert.match(refused.body, /dentro de 40 min/);
    assert.match(refused.body, /aplicación de autenticación/);
    assert.match(refused.body, /value="totp"/, 'the app is offered');
    assert.match(refused.body, /confirma que eres tú de una de estas formas/, 'nothing is promised to be sent');
    assert.doesNotMatch(refused.body, /value="email"/, 'a channel that would send is not');
    const code = await generate({ secret, epoch: Math.floor(ctx.clock.now().getTime() / 1000) });
    assert.equal((await agent.post('/sign-in/verify/send', { channel: 'totp' })).statusCode, 303);
    assert.equal((await agent.post('/sign-in/verify/code', { code })).headers.location, '/area');
  });

  test('issue 32: a preferred channel gets its code at the password step, once; the code page offers the other (R7)', async () => {
    const m = await memberWithAccount(ctx, { language: 'es', mobile: '+34600111222', preferredChannel: 'sms' });
    const agent = new BrowserAgent(ctx.app);
    const codes = async () => (await ctx.outbox()).filter((x) => x.template === 'signin-code');
    const before = (await codes()).length;
    const pw = await agent.post('/sign-in', { username: m.username, password: TEST_PASSWORD });
    assert.equal(pw.statusCode, 303);
    assert.equal(pw.headers.location, '/sign-in/verify?sent=1', 'straight to the code page');
    const sent = (await codes()).slice(before);
    assert.deepEqual(
      sent.map((x) => [x.channel, x.recipient]),
      [['sms', '+34600111222']],
      'one code, to the preferred channel',
    );
    const page = await agent.get('/sign-in/verify?sent=1');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /autocomplete="one-time-code"/);
    assert.match(page.body, /Te hemos enviado un código por SMS/);
    assert.match(page.body, /name="channel" value="email"/, 'the other channel is offered');
    assert.match(page.body, /Recibirlo por email \(m•••@example\.com\)/);
    assert.doesNotMatch(page.body, /type="radio"/, 'no channel page');
    // The page again (a reload) sends nothing more.
    await agent.get('/sign-in/verify');
    assert.equal((await codes()).length, before + 1);
    const audit = await auditOf(ctx, m.accountId, 'signin.code_sent');
    assert.equal(audit.length, 1);
    assert.match(audit[0]!.details ?? '', /"channel":"sms"/);
    const code = await lastCode(ctx, '+34600111222');
    assert.equal((await agent.post('/sign-in/verify/code', { code })).headers.location, '/area');
  });

  test('issue 32: switching from the code the password step sent sends the other, within the same limits (R7, R9)', async () => {
    const m = await memberWithAccount(ctx, { language: 'es', mobile: '+34600111222', preferredChannel: 'email' });
    const agent = new BrowserAgent(ctx.app);
    const codes = async () => (await ctx.outbox()).filter((x) => x.template === 'signin-code');
    const before = (await codes()).length;
    await agent.post('/sign-in', { username: m.username, password: TEST_PASSWORD });
    const emailed = await lastCode(ctx, m.email);
    // At once: the 30 seconds are between two sends to one channel.
    const sms = await agent.post('/sign-in/verify/send', { channel: 'sms' });
    assert.equal(sms.headers.location, '/sign-in/verify?sent=1');
    assert.equal((await codes()).length, before + 2);
    assert.equal((await codes()).at(-1)!.channel, 'sms');
    assert.equal(
      (await agent.post('/sign-in/verify/code', { code: emailed })).statusCode,
      400,
      'the email code voided',
    );
    // The same channel again within 30 seconds waits, as before.
    const tooSoon = await agent.post('/sign-in/verify/send', { channel: 'sms' });
    assert.equal(tooSoon.statusCode, 429);
    assert.match(tooSoon.body, /Espera 30 segundos/);
    // The password step's send is one of the sign-in's three.
    assert.equal((await agent.post('/sign-in/verify/send', { channel: 'email' })).statusCode, 303);
    const fourth = await agent.post('/sign-in/verify/send', { channel: 'sms' });
    assert.equal(fourth.statusCode, 429);
    assert.match(fourth.body, /3 códigos/);
    assert.equal((await codes()).length, before + 3);
    // And one of the account's hourly ten: a new sign-in past them sends nothing at the password step, and says so.
    await ctx.db.kysely.deleteFrom('rate_limits').execute();
    for (let i = 0; i < SENDS_PER_ACCOUNT_PER_HOUR; i++) {
      const other = new BrowserAgent(ctx.app, { 'x-forwarded-for': `192.0.2.${i + 1}` });
      assert.equal(
        (await other.post('/sign-in', { username: m.username, password: TEST_PASSWORD })).headers.location,
        '/sign-in/verify?sent=1',
      );
    }
    const sentSoFar = (await codes()).length;
    const late = new BrowserAgent(ctx.app, { 'x-forwarded-for': '192.0.2.99' });
    const refused = await late.post('/sign-in', { username: m.username, password: TEST_PASSWORD });
    assert.equal(refused.statusCode, 429);
    assert.match(refused.body, /todos los códigos que enviamos en una hora/);
    assert.equal((await codes()).length, sentSoFar, 'nothing more is sent');
    const audit = await auditOf(ctx, m.accountId, 'signin.code_sent');
    assert.match(audit.at(-1)!.details ?? '', /"reason":"account_limit"/);
    assert.equal(audit.at(-1)!.outcome, 'refused');
  });

  test('issue 32: a member without a preferred channel still chooses it, and nothing is sent before (R7)', async () => {
    const m = await member();
    const agent = new BrowserAgent(ctx.app);
    const codes = async () => (await ctx.outbox()).filter((x) => x.template === 'signin-code').length;
    const before = await codes();
    const pw = await agent.post('/sign-in', { username: m.username, password: TEST_PASSWORD });
    assert.equal(pw.headers.location, '/sign-in/verify');
    assert.equal(await codes(), before, 'no code yet');
    const choose = await agent.get('/sign-in/verify');
    assert.match(choose.body, /type="radio"[^>]*value="email"|value="email"[^>]*type="radio"/);
    assert.match(choose.body, /value="sms"/);
    // A preferred channel the account no longer has (no mobile) is no preference either.
    const noMobile = await memberWithAccount(ctx, { language: 'es', mobile: null, preferredChannel: 'sms' });
    const other = new BrowserAgent(ctx.app);
    const res = await other.post('/sign-in', { username: noMobile.username, password: TEST_PASSWORD });
    assert.equal(res.headers.location, '/sign-in/verify');
    assert.equal(await codes(), before);
  });

  test('an enrolled authenticator app is a third factor: its code works once, and 5 wrong codes restart (R7)', async () => {
    const m = await member();
    const secret = generateSecret();
    await ctx.db.kysely
      .updateTable('accounts')
      .set({ totp_secret: ctx.secretBox.seal(secret), totp_enabled_at: ctx.clock.now().toISOString() })
      .where('id', '=', m.accountId)
      .execute();
    const epoch = () => Math.floor(ctx.clock.now().getTime() / 1000);
    const agent = new BrowserAgent(ctx.app);
    await agent.post('/sign-in', { username: m.username, password: TEST_PASSWORD });
    const choose = await agent.get('/sign-in/verify');
    assert.match(choose.body, /value="totp"/);
    const queued = (await ctx.outbox()).length;
    assert.equal((await agent.post('/sign-in/verify/send', { channel: 'totp' })).statusCode, 303);
    assert.equal((await ctx.outbox()).length, queued, 'nothing is sent for an app');
    const code = await generate({ secret, epoch: epoch() });
    assert.equal((await agent.post('/sign-in/verify/code', { code })).headers.location, '/area');

    // The same app code again, in a new sign-in within the same 30 seconds, is refused.
    const again = new BrowserAgent(ctx.app);
    await again.post('/sign-in', { username: m.username, password: TEST_PASSWORD });
    await again.get('/sign-in/verify');
    await again.post('/sign-in/verify/send', { channel: 'totp' });
    assert.equal((await again.post('/sign-in/verify/code', { code })).statusCode, 400);
    for (let i = 0; i < 3; i++)
      assert.equal(
        (await again.post('/sign-in/verify/code', { code: '000000' === code ? '111111' : '000000' })).statusCode,
        400,
      );
    const fifth = await again.post('/sign-in/verify/code', { code: '000000' === code ? '111111' : '000000' });
    assert.equal(fifth.headers.location, '/sign-in?restart=1');
    ctx.clock.advance(60_000);
  });
});
