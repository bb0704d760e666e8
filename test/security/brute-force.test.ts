import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { nif } from '../../src/feed/demo-feed.js';
import type { CaptchaChallenge } from '../../src/infra/captcha/captcha.js';
import { addressKey, bucket, hit } from '../../src/infra/rate-limit/rate-limit.js';
import { auditOf, memberWithAccount, signedIn, TEST_PASSWORD, type TestMember } from '../helpers/fixture.js';
import { BrowserAgent } from '../helpers/browser-agent.js';
import { solveCaptcha } from '../helpers/captcha.js';
import { describeEachDatabase } from '../helpers/databases.js';
import { setup, type TestContext } from '../helpers/setup.js';

// Abuse suite, brute force (R9, R10, R11; ASVS 6.3.1, 2.4.1): scripted password guessing against one account and
// spread over many, from one client address and from many (TRUST_PROXY with X-Forwarded-For, as behind the
// insurer's load balancer). The R9 figures must hold exactly, whatever address each guess comes from.

describeEachDatabase('abuse: brute force', (kind) => {
  let ctx: TestContext;
  let n = 0;
  let address = 0;
  /** A client address never used before in this suite. */
  const freshAddress = () => `203.0.113.${++address % 250}`.replace(/\.0$/, '.251');
  const member = () => memberWithAccount(ctx, { n: ++n });
  const from = (ip: string) => new BrowserAgent(ctx.app, { 'x-forwarded-for': ip });
  const captcha = async (agent: BrowserAgent) =>
    solveCaptcha((await agent.get('/captcha/challenge')).json() as CaptchaChallenge);
  const guess = (ip: string, username: string, password = 'Wrong1234', altcha?: string) =>
    from(ip).post('/sign-in', { username, password, ...(altcha ? { altcha } : {}) });

  before(async () => {
    ctx = await setup(kind, { env: { TRUST_PROXY: 'true' } });
  });
  after(() => ctx.close());
  beforeEach(async () => {
    await ctx.db.kysely.deleteFrom('rate_limits').execute();
  });

  test('one account, every guess from a new address: captcha from the 6th, refused from the 11th for exactly 15 minutes, one email (R9)', async () => {
    const m = await member();
    for (let i = 1; i <= 5; i++) assert.equal((await guess(freshAddress(), m.username)).statusCode, 401, `guess ${i}`);
    const noCaptcha = await guess(freshAddress(), m.username, TEST_PASSWORD);
    assert.equal(
      noCaptcha.statusCode,
      400,
      'the 6th needs the captcha, even with the right password and a new address',
    );
    for (let i = 6; i <= 10; i++) {
      const agent = from(freshAddress());
      assert.equal(
        (await agent.post('/sign-in', { username: m.username, password: 'Wrong1234', altcha: await captcha(agent) }))
          .statusCode,
        401,
        `guess ${i}`,
      );
    }
    const rightAfterLock = async () => {
      const agent = from(freshAddress());
      return agent.post('/sign-in', { username: m.username, password: TEST_PASSWORD, altcha: await captcha(agent) });
    };
    assert.equal((await rightAfterLock()).statusCode, 429, 'the 11th is refused, right password and captcha or not');
    ctx.clock.advance(15 * 60_000 - 1_000);
    assert.equal((await rightAfterLock()).statusCode, 429, 'still paused at 14:59');
    ctx.clock.advance(1_000);
    assert.equal((await rightAfterLock()).statusCode, 303, 'over at 15:00: the lock is never permanent');
    const emails = (await ctx.outbox()).filter((x) => x.template === 'account-locked' && x.recipient === m.email);
    assert.equal(emails.length, 1);
    const locked = await auditOf(ctx, m.accountId, 'signin.locked');
    assert.equal(locked.length, 1, 'R22: the lock is audited');
  });

  test('after a lock, the next wrong guess locks again at once; an idle attacker leaves the member free 15 minutes later (R9)', async () => {
    const m = await member();
    for (let i = 0; i < 10; i++) await hit(ctx.db.kysely, ctx.clock, bucket('signin-fail', m.username), 24 * 3_600_000);
    ctx.clock.advance(15 * 60_000);
    const attacker = from(freshAddress());
    assert.equal(
      (
        await attacker.post('/sign-in', {
          username: m.username,
          password: 'Wrong1234',
          altcha: await captcha(attacker),
        })
      ).statusCode,
      401,
    );
    const owner = from(freshAddress());
    assert.equal(
      (await owner.post('/sign-in', { username: m.username, password: TEST_PASSWORD, altcha: await captcha(owner) }))
        .statusCode,
      429,
      'relocked by the 11th failure in a row',
    );
    ctx.clock.advance(15 * 60_000);
    assert.equal(
      (await owner.post('/sign-in', { username: m.username, password: TEST_PASSWORD, altcha: await captcha(owner) }))
        .statusCode,
      303,
    );
  });

  test('never more than 100 failures per account in an hour: the 101st try is refused, right password or not (R9)', async () => {
    const m = await member();
    // The lock keeps a scripted attacker near 13 failures an hour; recoveries lift the lock but not this ceiling.
    const hour = bucket('signin-hour', m.username);
    const now = ctx.clock.now().getTime();
    ctx.clock.set(new Date(Math.ceil(now / 3_600_000) * 3_600_000 + 60_000).toISOString()); // one minute into an hour
    for (let i = 0; i < 99; i++) await hit(ctx.db.kysely, ctx.clock, hour, 3_600_000);
    assert.equal((await guess(freshAddress(), m.username)).statusCode, 401, 'the 100th failure is still checked');
    assert.equal((await guess(freshAddress(), m.username, TEST_PASSWORD)).statusCode, 429, 'the 101st is refused');
    ctx.clock.advance(3_600_000);
    assert.equal(
      (await guess(freshAddress(), m.username, TEST_PASSWORD)).statusCode,
      303,
      'the next hour starts afresh',
    );
  });

  test('password spraying from one address (a whole IPv6 /64): 50 failures over 50 usernames, then that address is refused (R9)', async () => {
    const victim = await member();
    // 40 earlier failures of this /64 over 40 usernames (counted as the flow counts them), then 10 scripted guesses
    // from 10 more addresses of the same block, each at another username.
    for (let i = 0; i < 40; i++)
      await hit(ctx.db.kysely, ctx.clock, bucket('signin-ip', addressKey('2001:db8:5:7::1')), 3_600_000);
    for (let i = 41; i <= 50; i++) {
      const res = await guess(`2001:db8:5:7::${i.toString(16)}`, nif(55_000_000 + i));
      assert.equal(res.statusCode, 401, `guess ${i}`);
    }
    const sameBlock = await guess('2001:db8:5:7:ffff::1', victim.username, TEST_PASSWORD);
    assert.equal(sameBlock.statusCode, 429, 'any address of the same /64 is the same client');
    assert.match(sameBlock.body, /data-notice="address_limited"|demasiados|too many/i);
    assert.equal(
      (await guess('2001:db8:5:8::1', victim.username, TEST_PASSWORD)).statusCode,
      303,
      'another /64, and the member, are unaffected',
    );
    const refused = await ctx.db.kysely
      .selectFrom('audit_events')
      .select('details')
      .where('event', '=', 'signin.password')
      .where('outcome', '=', 'refused')
      .execute();
    assert.ok(
      refused.some((r) => r.details?.includes('address_limit')),
      'R22: the refusal is audited',
    );
  });

  test('spread over many accounts from many addresses: each account still asks for the captcha after its own 5 failures (R9)', async () => {
    const accounts: TestMember[] = [await member(), await member(), await member()];
    for (let round = 1; round <= 5; round++) {
      for (const a of accounts) assert.equal((await guess(freshAddress(), a.username)).statusCode, 401);
    }
    for (const a of accounts) {
      const sixth = await guess(freshAddress(), a.username, TEST_PASSWORD);
      assert.equal(sixth.statusCode, 400, 'the captcha is due, from whatever address');
      assert.match(sixth.body, /altcha-widget/);
    }
  });

  test('recovery emails: at most 3 an hour per account, whatever the address; the 4th gets the same answer (R9, R11)', async () => {
    const m = await member();
    const queued = (await ctx.outbox()).length;
    for (let i = 1; i <= 4; i++) {
      const agent = from(freshAddress());
      assert.equal(
        (await agent.post('/recovery', { username: m.username, altcha: await captcha(agent) })).statusCode,
        303,
      );
      assert.equal((await agent.post('/recovery/send', {})).headers.location, '/recovery/sent', `request ${i}`);
    }
    const links = (await ctx.outbox()).slice(queued).filter((x) => x.template === 'recovery-link');
    assert.equal(links.length, 3);
  });

  test('a stolen session is no password oracle: 5 wrong current passwords an hour over password and contact changes, then 429 (R9, R12, R15)', async () => {
    const m = await member();
    const thief = await signedIn(ctx, m);
    const change = (current: string) =>
      thief.post('/area/security/password', {
        current_password: current,
        password: 'Robado2030Clave',
        password_confirmation: 'Robado2030Clave',
      });
    for (let i = 1; i <= 3; i++) assert.equal((await change(`Guess${i}abc9`)).statusCode, 400, `guess ${i}`);
    for (let i = 4; i <= 5; i++)
      assert.equal(
        (await thief.post('/area/contact/email', { new_email: 'thief@example.com', email_password: `Guess${i}abc9` }))
          .statusCode,
        400,
        `guess ${i}`,
      );
    const sixth = await change(TEST_PASSWORD);
    assert.equal(sixth.statusCode, 429, 'the right password no longer helps within the hour');
    assert.match(sixth.body, /demasiadas veces|too many times/);
    const account = await ctx.db.kysely
      .selectFrom('accounts')
      .select(['email'])
      .where('id', '=', m.accountId)
      .executeTakeFirstOrThrow();
    assert.equal(account.email, m.email);
    ctx.clock.advance(3_600_000);
    assert.equal((await change(TEST_PASSWORD)).statusCode, 303, 'an hour later the member can change it');
  });
});
