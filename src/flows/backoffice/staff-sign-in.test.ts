import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { generate } from 'otplib';
import { memberWithAccount, signedIn } from '../../../test/helpers/fixture.js';
import { BrowserAgent } from '../../../test/helpers/browser-agent.js';
import { describeEachDatabase } from '../../../test/helpers/databases.js';
import { setup, type TestContext } from '../../../test/helpers/setup.js';
import { createStaff, signInStaff, totpCode, type TestStaff } from '../../../test/helpers/staff.js';
import { hashToken } from '../../infra/crypto/tokens.js';

// R23 staff sign-in: password then an authenticator code, always; enrolment before any session; the same answer for
// an unknown user and a wrong password; locks; disabled users; single-use codes; short sessions ended on the
// server; a staff session and a member session never open each other's side (R8, R22).

const STEP_MS = 30_000;

describeEachDatabase('back-office sign-in (R23)', (kind) => {
  let ctx: TestContext;
  before(async () => {
    ctx = await setup(kind);
  });
  after(() => ctx.close());

  const events = (event: string) =>
    ctx.db.kysely.selectFrom('audit_events').selectAll().where('event', '=', event).orderBy('id').execute();
  const sessionRows = (staffId: number) =>
    ctx.db.kysely.selectFrom('staff_sessions').selectAll().where('staff_user_id', '=', staffId).orderBy('id').execute();

  /** Moves the clock to the start of the next 30-second step, so the next code is fresh. */
  const nextStep = () => ctx.clock.advance(STEP_MS);

  test('a user created without an app enrols one (QR + secret, confirmed by a code) before any session exists', async () => {
    const staff = await createStaff(ctx, 'agent', { enrolled: false });
    const agent = new BrowserAgent(ctx.app);
    await agent.get('/backoffice/sign-in');
    assert.equal(
      (await agent.post('/backoffice/sign-in', { username: staff.username.toUpperCase(), password: staff.password }))
        .headers.location,
      '/backoffice/sign-in/verify',
    );
    const page = await agent.get('/backoffice/sign-in/verify');
    assert.equal(page.statusCode, 200);
    const qr = /<img src="data:image\/svg\+xml;base64,([^"]+)"/.exec(page.body);
    assert.ok(qr, 'the QR code is an inline SVG image the CSP allows');
    assert.match(Buffer.from(qr[1]!, 'base64').toString('utf8'), /<svg/);
    const secret = /data-secret="([A-Z2-7]+)"/.exec(page.body)?.[1];
    assert.ok(secret, 'the secret is shown as text too');
    assert.equal((await sessionRows(staff.id)).length, 0, 'no session before enrolment');
    assert.equal((await agent.get('/backoffice')).statusCode, 303, 'nothing opens before enrolment');

    const wrong = await agent.post('/backoffice/sign-in/verify', {
      code: '000000' === (await generate({ secret, epoch: ctx.clock.now().getTime() / 1000 })) ? '111111' : '000000',
    });
    assert.equal(wrong.statusCode, 400);
    assert.match(wrong.body, /data-notice="wrong"/);
    assert.match(wrong.body, /data-secret=/, 'the enrolment page is shown again');

    const code = await generate({ secret, epoch: Math.floor(ctx.clock.now().getTime() / 1000) });
    const done = await agent.post('/backoffice/sign-in/verify', { code });
    assert.equal(done.headers.location, '/backoffice');
    const cookie = ([] as string[])
      .concat(done.headers['set-cookie'] ?? [])
      .find((c) => c.startsWith('staff_session='));
    assert.ok(cookie);
    assert.match(cookie, /; Path=\/(;|$)/);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    const home = await agent.get('/backoffice');
    assert.equal(home.statusCode, 200);
    assert.match(home.body, /<meta name="robots" content="noindex, nofollow"/);
    assert.equal(home.headers['x-robots-tag'], 'noindex, nofollow');
    assert.equal(home.headers['cache-control'], 'no-store');
    // Only the token's hash is stored.
    const rows = await sessionRows(staff.id);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.token_hash, hashToken(agent.cookies.staff_session!));
    const stored = await ctx.db.kysely
      .selectFrom('staff_users')
      .selectAll()
      .where('id', '=', staff.id)
      .executeTakeFirstOrThrow();
    assert.equal(ctx.secretBox.open(stored.totp_secret!), secret, 'stored sealed (R29)');
    assert.ok(stored.totp_enabled_at);
    assert.equal((await events('staff.totp_enrolled')).length, 1);

    // The enrolment code itself cannot be used again to sign in (single use).
    const again = new BrowserAgent(ctx.app);
    await again.post('/backoffice/sign-in', { username: staff.username, password: staff.password });
    assert.equal((await again.post('/backoffice/sign-in/verify', { code })).statusCode, 400);
    nextStep();
  });

  test('an unknown username and a wrong password get the same answer; both are audited without the password', async () => {
    const staff = await createStaff(ctx, 'agent');
    const unknown = await new BrowserAgent(ctx.app).post('/backoffice/sign-in', {
      username: 'nobody.here',
      password: 'Whatever-123',
    });
    const wrong = await new BrowserAgent(ctx.app).post('/backoffice/sign-in', {
      username: staff.username,
      password: 'Whatever-123',
    });
    assert.equal(unknown.statusCode, 401);
    assert.equal(wrong.statusCode, 401);
    const strip = (body: string, name: string) =>
      body.replace(/name="_csrf" value="[^"]+"/, '').replaceAll(name, 'NAME');
    assert.equal(strip(unknown.body, 'nobody.here'), strip(wrong.body, staff.username));
    const failures = (await events('staff.signin')).filter((e) => e.outcome === 'failure');
    assert.ok(failures.some((e) => e.actor === null && e.details?.includes('unknown_username')));
    assert.ok(failures.some((e) => e.actor === `staff:${staff.username}` && e.details?.includes('wrong_password')));
    const all = await ctx.db.kysely.selectFrom('audit_events').select('details').execute();
    assert.ok(!all.some((e) => e.details?.includes('Whatever-123')), 'never a password in the log (R22)');
    // Oversized input is a plain refusal, never a 500.
    assert.equal(
      (
        await new BrowserAgent(ctx.app).post('/backoffice/sign-in', {
          username: 'x'.repeat(5000),
          password: 'y'.repeat(50_000),
        })
      ).statusCode,
      401,
    );
  });

  test('a wrong code is refused with the tries left; a replayed code is refused; five wrong codes end the sign-in', async () => {
    const staff = await createStaff(ctx, 'agent');
    const agent = new BrowserAgent(ctx.app);
    await agent.post('/backoffice/sign-in', { username: staff.username, password: staff.password });
    const code = await totpCode(ctx, staff.secret!);
    const bad = code === '123456' ? '654321' : '123456';
    const wrong = await agent.post('/backoffice/sign-in/verify', { code: bad });
    assert.equal(wrong.statusCode, 400);
    assert.match(wrong.body, /4/);
    assert.equal((await agent.post('/backoffice/sign-in/verify', { code: 'abc' })).statusCode, 400);
    assert.equal((await agent.post('/backoffice/sign-in/verify', { code })).headers.location, '/backoffice');

    // The same code in another browser, in the same 30 seconds: refused (single use).
    const thief = new BrowserAgent(ctx.app);
    await thief.post('/backoffice/sign-in', { username: staff.username, password: staff.password });
    const replay = await thief.post('/backoffice/sign-in/verify', { code });
    assert.equal(replay.statusCode, 400);
    assert.equal((await thief.get('/backoffice')).statusCode, 303);
    const codeFailures = (await events('staff.signin')).filter(
      (e) => e.actor === `staff:${staff.username}` && e.outcome === 'failure',
    );
    assert.ok(codeFailures.some((e) => e.details?.includes('"factor":"totp"')));
    nextStep();
  });

  test('five failures lock the username for 15 minutes, known or unknown alike; the lock is temporary', async () => {
    const staff = await createStaff(ctx, 'agent');
    for (const username of [staff.username, 'ghost.user']) {
      const agent = new BrowserAgent(ctx.app);
      for (let i = 0; i < 5; i++)
        assert.equal((await agent.post('/backoffice/sign-in', { username, password: `wrong-${i}` })).statusCode, 401);
      const locked = await agent.post('/backoffice/sign-in', {
        username,
        password: username === staff.username ? staff.password : 'x',
      });
      assert.equal(locked.statusCode, 429, `${username} is locked`);
      assert.match(locked.body, /data-notice="locked"/);
    }
    const row = await ctx.db.kysely
      .selectFrom('staff_users')
      .select(['locked_until', 'failed_logins'])
      .where('id', '=', staff.id)
      .executeTakeFirstOrThrow();
    assert.ok(row.locked_until);
    assert.equal((await events('staff.locked')).filter((e) => e.actor === `staff:${staff.username}`).length, 1);
    ctx.clock.advanceMinutes(16);
    const agent = await signInStaff(ctx, staff);
    assert.equal((await agent.get('/backoffice')).statusCode, 200);
    const cleared = await ctx.db.kysely
      .selectFrom('staff_users')
      .select(['locked_until', 'failed_logins'])
      .where('id', '=', staff.id)
      .executeTakeFirstOrThrow();
    assert.deepEqual(cleared, { locked_until: null, failed_logins: 0 });
    nextStep();
  });

  test('wrong authenticator codes count toward the lock too', async () => {
    const staff = await createStaff(ctx, 'agent');
    const code = await totpCode(ctx, staff.secret!);
    const bad = code === '111111' ? '222222' : '111111';
    let last;
    for (let i = 0; i < 5; i++) {
      const agent = new BrowserAgent(ctx.app);
      await agent.post('/backoffice/sign-in', { username: staff.username, password: staff.password });
      last = await agent.post('/backoffice/sign-in/verify', { code: bad });
    }
    assert.equal(
      last!.headers.location,
      '/backoffice/sign-in?restart=1',
      'the fifth failure locks and ends the sign-in',
    );
    assert.equal(
      (
        await new BrowserAgent(ctx.app).post('/backoffice/sign-in', {
          username: staff.username,
          password: staff.password,
        })
      ).statusCode,
      429,
    );
    ctx.clock.advanceMinutes(16);
  });

  test('a disabled user is refused at sign-in, and their open session stops working at once', async () => {
    const staff = await createStaff(ctx, 'agent');
    const agent = await signInStaff(ctx, staff);
    await ctx.db.kysely.updateTable('staff_users').set({ status: 'disabled' }).where('id', '=', staff.id).execute();
    assert.equal((await agent.get('/backoffice')).statusCode, 303);
    const refused = await new BrowserAgent(ctx.app).post('/backoffice/sign-in', {
      username: staff.username,
      password: staff.password,
    });
    assert.equal(refused.statusCode, 403);
    assert.match(refused.body, /data-notice="disabled"/);
    assert.ok((await events('staff.signin')).some((e) => e.outcome === 'refused' && e.details?.includes('disabled')));
    nextStep();
  });

  test('idle (15 min) and absolute (8 h) expiry, by the injected clock', async () => {
    const idle = await signInStaff(ctx, await createStaff(ctx, 'agent'));
    ctx.clock.advanceMinutes(14);
    assert.equal((await idle.get('/backoffice')).statusCode, 200, 'used within 15 minutes');
    ctx.clock.advanceMinutes(14);
    assert.equal((await idle.get('/backoffice')).statusCode, 200, 'each use moves the idle deadline');
    ctx.clock.advanceMinutes(16);
    const expired = await idle.get('/backoffice/staff');
    assert.equal(expired.headers.location, '/backoffice/sign-in?expired=1&next=%2Fbackoffice%2Fstaff');

    nextStep();
    const busy = await signInStaff(ctx, await createStaff(ctx, 'agent'));
    for (let minutes = 0; minutes < 8 * 60 - 10; minutes += 10) {
      ctx.clock.advanceMinutes(10);
      assert.equal((await busy.get('/backoffice')).statusCode, 200);
    }
    ctx.clock.advanceMinutes(10);
    assert.equal((await busy.get('/backoffice')).statusCode, 303, 'eight hours after sign-in, however busy');
    nextStep();
  });

  test('the timeouts come from the configuration', async () => {
    const short = await setup(kind, { env: { STAFF_SESSION_IDLE_MINUTES: '5' } });
    try {
      const agent = await signInStaff(short, await createStaff(short, 'agent'));
      short.clock.advanceMinutes(6);
      assert.equal((await agent.get('/backoffice')).statusCode, 303);
    } finally {
      await short.close();
    }
  });

  test('outside localhost every back-office cookie is __Host- (Secure, Path=/, no Domain), named apart from the member cookies, and neither opens the other side', async () => {
    const secure = await setup(kind, { env: { PUBLIC_URL: 'https://portal.example' } });
    try {
      const setCookies = (res: { headers: Record<string, unknown> }) =>
        ([] as string[]).concat((res.headers['set-cookie'] as string | string[] | undefined) ?? []);
      const hostOnly = (cookie: string | undefined, name: string) => {
        assert.ok(cookie, `${name} is set`);
        for (const part of [/; Path=\/(;|$)/, /; HttpOnly/, /; Secure/]) assert.match(cookie, part, name);
        assert.doesNotMatch(cookie, /Domain=/i, name);
      };
      const staff = await createStaff(secure, 'agent');
      const agent = new BrowserAgent(secure.app);
      await agent.get('/backoffice/sign-in');
      const first = await agent.post('/backoffice/sign-in', { username: staff.username, password: staff.password });
      hostOnly(
        setCookies(first).find((c) => c.startsWith('__Host-staff_signin=')),
        'the sign-in flow',
      );
      const done = await agent.post('/backoffice/sign-in/verify', { code: await totpCode(secure, staff.secret!) });
      const cookie = setCookies(done).find((c) => c.startsWith('__Host-staff_session='));
      hostOnly(cookie, 'the staff session');
      assert.match(cookie!, /SameSite=Strict/);
      assert.ok(
        setCookies(done).every((c) => /^__Host-/.test(c)),
        'no cookie of the back office goes without the prefix',
      );
      assert.equal((await agent.get('/backoffice')).statusCode, 200);
      // The staff session cookie now reaches member pages too (Path=/): they read only their own name.
      const staffToken = agent.cookies['__Host-staff_session']!;
      const staffCookies: Record<string, string>[] = [
        { '__Host-staff_session': staffToken },
        { '__Host-session': staffToken },
      ];
      for (const cookies of staffCookies) {
        const area = await secure.app.inject({ url: '/area', cookies, headers: { 'x-forwarded-proto': 'https' } });
        assert.equal(area.statusCode, 303, JSON.stringify(Object.keys(cookies)));
        assert.match(String(area.headers.location), /^\/sign-in/);
      }
      const member = await memberWithAccount(secure, { n: 902 });
      const memberAgent = await signedIn(secure, member);
      const memberToken = memberAgent.cookies['__Host-session'];
      assert.ok(memberToken, 'the member session is __Host-session');
      const memberCookies: Record<string, string>[] = [
        { '__Host-session': memberToken },
        { '__Host-staff_session': memberToken },
      ];
      for (const cookies of memberCookies) {
        const bo = await secure.app.inject({ url: '/backoffice', cookies });
        assert.equal(bo.statusCode, 303, JSON.stringify(Object.keys(cookies)));
        assert.match(String(bo.headers.location), /^\/backoffice\/sign-in/);
      }
    } finally {
      await secure.close();
    }
  });

  test('sign-out ends the session on the server; signing in again rotates the token', async () => {
    const staff = await createStaff(ctx, 'admin');
    const agent = await signInStaff(ctx, staff);
    const first = agent.cookies.staff_session!;
    nextStep();
    // Signing in again in the same browser: a new token, and the old session ends (no fixation).
    await agent.post('/backoffice/sign-in', { username: staff.username, password: staff.password });
    await agent.post('/backoffice/sign-in/verify', { code: await totpCode(ctx, staff.secret!) });
    const second = agent.cookies.staff_session!;
    assert.notEqual(second, first);
    const old = new BrowserAgent(ctx.app);
    old.cookies.staff_session = first;
    assert.equal((await old.get('/backoffice')).statusCode, 303);

    await agent.get('/backoffice');
    const out = await agent.post('/backoffice/sign-out', {});
    assert.equal(out.headers.location, '/backoffice/sign-in?signedOut=1');
    const replay = new BrowserAgent(ctx.app);
    replay.cookies.staff_session = second;
    assert.equal((await replay.get('/backoffice')).statusCode, 303, 'the copied cookie no longer works');
    const rows = await sessionRows(staff.id);
    assert.ok(rows.every((r) => r.ended_at !== null));
    assert.equal((await events('staff.signout')).length, 1);
    nextStep();
  });

  test('a staff session never opens the member area, and a member session never opens the back office', async () => {
    const staff = await createStaff(ctx, 'admin');
    const agent = await signInStaff(ctx, staff);
    const staffToken = agent.cookies.staff_session!;
    for (const path of ['/area', '/area/contact', '/area/security']) {
      const res = await ctx.app.inject({
        method: 'GET',
        url: path,
        cookies: { staff_session: staffToken, session: staffToken },
      });
      assert.equal(res.statusCode, 303, path);
      assert.match(String(res.headers.location), /^\/sign-in/);
    }
    const member = await memberWithAccount(ctx, { n: 901 });
    const memberAgent = await signedIn(ctx, member);
    assert.equal((await memberAgent.get('/area')).statusCode, 200);
    const memberToken = memberAgent.cookies.session!;
    const swapped: Record<string, string>[] = [{ session: memberToken }, { staff_session: memberToken }];
    for (const cookies of swapped) {
      const res = await ctx.app.inject({ method: 'GET', url: '/backoffice', cookies });
      assert.equal(res.statusCode, 303);
      assert.match(String(res.headers.location), /^\/backoffice\/sign-in/);
      const post = await ctx.app.inject({ method: 'POST', url: '/backoffice/staff/new', cookies });
      assert.ok(post.statusCode === 401 || post.statusCode === 403, `POST refused: ${post.statusCode}`);
    }
    nextStep();
  });

  test('CSRF: sign-in, sign-out and admin forms are refused without the token', async () => {
    const staff: TestStaff = await createStaff(ctx, 'admin');
    const noToken = await ctx.app.inject({
      method: 'POST',
      url: '/backoffice/sign-in',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `username=${staff.username}&password=${staff.password}`,
    });
    assert.equal(noToken.statusCode, 403);
    const agent = await signInStaff(ctx, staff);
    for (const url of ['/backoffice/sign-out', '/backoffice/staff/new']) {
      const res = await ctx.app.inject({
        method: 'POST',
        url,
        cookies: agent.cookies,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'username=x&email=x@y.es&role=admin&confirmed=1',
      });
      assert.equal(res.statusCode, 403, url);
    }
    assert.equal((await agent.get('/backoffice')).statusCode, 200, 'still signed in: the forged sign-out did nothing');
    nextStep();
  });
});
