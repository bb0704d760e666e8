import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import type { CaptchaChallenge } from '../../infra/captcha/captcha.js';
import { BrowserAgent } from '../../../test/helpers/browser-agent.js';
import {
  lastCode,
  memberWithAccount,
  signedIn,
  TEST_PASSWORD,
  type TestMember,
} from '../../../test/helpers/fixture.js';
import { solveCaptcha } from '../../../test/helpers/captcha.js';
import { describeEachDatabase } from '../../../test/helpers/databases.js';
import { setup, type TestContext } from '../../../test/helpers/setup.js';
import { deviceCookieName } from '../../identity/devices.js';

// Issue 25, R9 ("nothing lets an attacker lock a member out permanently"), with OWASP's device cookies: a browser that
// has signed in to the account keeps its own allowance, so a stranger's wrong passwords pause strangers and never the
// member's own browsers; the pause email goes once a day at most, not after every 15-minute pause. Bursts of 40, the
// pause boundary crossed with the test's clock, both databases.

describeEachDatabase('sign-in throttle with device cookies (R9, issue 25)', (kind) => {
  let ctx: TestContext;
  let n = 0;
  before(async () => {
    ctx = await setup(kind, { env: { TRUST_PROXY: 'true' } });
  });
  after(() => ctx.close());
  beforeEach(async () => {
    await ctx.db.kysely.deleteFrom('rate_limits').execute();
  });

  const member = () => memberWithAccount(ctx, { n: 300 + ++n, language: 'es' });
  const solve = async (agent: BrowserAgent) =>
    solveCaptcha((await agent.get('/captcha/challenge')).json() as CaptchaChallenge);
  const lockEmails = async (m: TestMember) =>
    (await ctx.outbox()).filter((x) => x.template === 'account-locked' && x.recipient === m.email).length;
  const notice = (res: LightMyRequestResponse) => /data-notice="([a-z_]+)"/.exec(res.body)?.[1];

  /** A password try from `agent`, with a solved captcha (past the 5th failure in a row a captcha is asked for). */
  async function tryPassword(agent: BrowserAgent, m: TestMember, password: string) {
    return agent.post('/sign-in', { username: m.username, password, altcha: await solve(agent) });
  }

  /** 5 wrong passwords, then a burst of 40 at once (captchas solved first): the pause at the 10th failure. */
  async function burstOfWrongPasswords(agent: BrowserAgent, m: TestMember) {
    for (let i = 0; i < 5; i++)
      assert.equal((await agent.post('/sign-in', { username: m.username, password: 'Wrong1234' })).statusCode, 401);
    const captchas = await Promise.all(Array.from({ length: 40 }, () => solve(agent)));
    return Promise.all(
      captchas.map((altcha) => agent.post('/sign-in', { username: m.username, password: 'Wrong1234', altcha })),
    );
  }

  /** The second step by the emailed code, in the browser that passed the password. */
  async function finishWithCode(agent: BrowserAgent, m: TestMember) {
    // Issue 32: a member who signed in before (email preferred) had the code sent by the password step.
    const page = await agent.get('/sign-in/verify');
    if (!page.body.includes('autocomplete="one-time-code"'))
      assert.equal((await agent.post('/sign-in/verify/send', { channel: 'email' })).statusCode, 303);
    return agent.post('/sign-in/verify/code', { code: await lastCode(ctx, m.email) });
  }

  test('a stranger’s burst pauses strangers; the member’s own browser signs in, across pauses; one email a day', async () => {
    const m = await member();
    const own = await signedIn(ctx, m); // the member's browser, now a known device of the account
    await own.post('/sign-out', {});
    const stranger = new BrowserAgent(ctx.app, { 'x-forwarded-for': '203.0.113.7' });

    const burst = await burstOfWrongPasswords(stranger, m);
    assert.equal(burst.filter((r) => r.statusCode === 401).length, 5, 'the burst checks no more than the pause allows');
    assert.ok(burst.every((r) => r.statusCode === 401 || notice(r) === 'locked'));
    assert.equal((await tryPassword(stranger, m, TEST_PASSWORD)).statusCode, 429, 'strangers are paused');
    assert.equal(await lockEmails(m), 1);

    // The member's own browser is not: the right password and the code open the area.
    assert.equal((await tryPassword(own, m, TEST_PASSWORD)).statusCode, 303);
    assert.equal((await finishWithCode(own, m)).headers.location, '/area');
    await own.post('/sign-out', {});

    // After the pause, the stranger's next wrong password pauses again: no new email, the member still gets in.
    for (let round = 0; round < 4; round++) {
      ctx.clock.advanceMinutes(15);
      assert.equal((await tryPassword(stranger, m, 'Wrong1234')).statusCode, 401);
      assert.equal((await tryPassword(stranger, m, TEST_PASSWORD)).statusCode, 429, `paused again (${round})`);
      assert.equal((await tryPassword(own, m, TEST_PASSWORD)).statusCode, 303, `the member gets in (${round})`);
    }
    assert.equal(await lockEmails(m), 1, 'five pauses in two hours: one email');

    // A day after the email (the streak's day is over too), the next pause tells the member again.
    ctx.clock.advance(24 * 3_600_000);
    for (let i = 0; i < 10; i++) assert.equal((await tryPassword(stranger, m, 'Wrong1234')).statusCode, 401);
    assert.equal((await tryPassword(stranger, m, TEST_PASSWORD)).statusCode, 429);
    assert.equal(await lockEmails(m), 2);
  });

  test('the member’s own browser has its own allowance: its burst pauses it alone, and its success gives strangers nothing', async () => {
    const m = await member();
    const own = await signedIn(ctx, m);
    await own.post('/sign-out', {});
    const burst = await burstOfWrongPasswords(own, m);
    assert.equal(burst.filter((r) => r.statusCode === 401).length, 5);
    assert.equal((await tryPassword(own, m, TEST_PASSWORD)).statusCode, 429, 'that browser is paused');
    assert.equal(await lockEmails(m), 1);
    // Another browser is not paused by it.
    const other = new BrowserAgent(ctx.app, { 'x-forwarded-for': '198.51.100.9' });
    assert.equal((await other.post('/sign-in', { username: m.username, password: TEST_PASSWORD })).statusCode, 303);

    // A stranger's streak survives the member's own sign-ins: 9 wrong, the member signs in, the 10th still pauses.
    ctx.clock.advanceMinutes(15);
    const stranger = new BrowserAgent(ctx.app, { 'x-forwarded-for': '203.0.113.8' });
    for (let i = 0; i < 9; i++) await tryPassword(stranger, m, 'Wrong1234');
    assert.equal((await tryPassword(own, m, TEST_PASSWORD)).statusCode, 303);
    assert.equal((await finishWithCode(own, m)).headers.location, '/area');
    assert.equal((await tryPassword(stranger, m, 'Wrong1234')).statusCode, 401);
    assert.equal((await tryPassword(stranger, m, TEST_PASSWORD)).statusCode, 429);
  });

  test('a forged device cookie, or one of another account, is a stranger’s; the emailed link obeys the same pause', async () => {
    const m = await member();
    const someoneElse = await member();
    const theirs = await signedIn(ctx, someoneElse);
    const cookie = deviceCookieName(ctx.config.secureCookies);
    const borrowed = new BrowserAgent(ctx.app);
    borrowed.cookies[cookie] = theirs.cookies[cookie]!;
    const forged = new BrowserAgent(ctx.app);
    forged.cookies[cookie] = 'A'.repeat(43);

    await burstOfWrongPasswords(new BrowserAgent(ctx.app, { 'x-forwarded-for': '203.0.113.9' }), m);
    for (const agent of [borrowed, forged]) assert.equal((await tryPassword(agent, m, TEST_PASSWORD)).statusCode, 429);

    // A sign-in that passed its password before the pause cannot finish through the emailed link during it.
    ctx.clock.advanceMinutes(15);
    const before = new BrowserAgent(ctx.app);
    assert.equal((await tryPassword(before, m, TEST_PASSWORD)).statusCode, 303);
    await before.get('/sign-in/verify');
    await before.post('/sign-in/verify/send', { channel: 'email' });
    await tryPassword(new BrowserAgent(ctx.app, { 'x-forwarded-for': '203.0.113.10' }), m, 'Wrong1234');
    const body = (await ctx.outbox()).filter((x) => x.recipient === m.email && x.template === 'signin-code').at(-1)!;
    const link = /\/sign-in\/link\/\S+/.exec(body.body_text ?? '')![0];
    assert.equal(notice(await before.get(link)), 'locked');
  });
});
