import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { nif } from '../../src/feed/demo-feed.js';
import type { CaptchaChallenge } from '../../src/infra/captcha/captcha.js';
import { dummyVerify, passwordHashWork } from '../../src/infra/crypto/password-hash.js';
import { bucket, hit } from '../../src/infra/rate-limit/rate-limit.js';
import { memberWithAccount, type TestMember } from '../helpers/fixture.js';
import { BrowserAgent } from '../helpers/browser-agent.js';
import { solveCaptcha } from '../helpers/captcha.js';
import { describeEachDatabase } from '../helpers/databases.js';
import { QueryLog } from '../helpers/query-log.js';
import { setup, type TestContext } from '../helpers/setup.js';

// Abuse suite, enumeration (R1, R7, R11; ASVS 6.3.8): an existing and a missing account get the same status, the same
// page once the CSRF token and the echoed input are removed, and the same work: the same statements in the same
// order and the same number of argon2id verifications. No clock is read here; the wall-time difference is measured
// apart by `npm run bench:enumeration` (bench/enumeration.ts) and stated in docs/security.md.

/** The page without what legitimately differs: the CSRF token and the values the person typed. */
const comparable = (body: string) => body.replace(/value="[^"]*"/g, 'value=""');

describeEachDatabase('abuse: enumeration', (kind) => {
  let ctx: TestContext;
  let member: TestMember;
  const log = new QueryLog();
  const missing = nif(99_999_901);

  before(async () => {
    ctx = await setup(kind, { env: { TRUST_PROXY: 'true' }, kyselyPlugins: [log] });
    member = await memberWithAccount(ctx, { n: 1 });
    await dummyVerify('warm the decoy hash up, as the server does at start');
  });
  after(() => ctx.close());
  beforeEach(async () => {
    await ctx.db.kysely.deleteFrom('rate_limits').execute();
  });

  /** One request from a browser that has already loaded `page`; what an observer of the server could compare. */
  async function observe(
    page: string,
    send: (agent: BrowserAgent) => Promise<{ statusCode: number; body: string; headers: Record<string, unknown> }>,
  ) {
    const agent = new BrowserAgent(ctx.app, { 'x-forwarded-for': '198.51.100.7' });
    await agent.get(page);
    log.take();
    const verifications = passwordHashWork.verifications;
    const hashes = passwordHashWork.hashes;
    const res = await send(agent);
    return {
      status: res.statusCode,
      location: res.headers.location,
      body: comparable(res.body),
      queries: log.take(),
      argon2: {
        verifications: passwordHashWork.verifications - verifications,
        hashes: passwordHashWork.hashes - hashes,
      },
    };
  }

  test('sign-in: a wrong password and an unknown document, failures 1 to 5, look and cost the same (R7, R9)', async () => {
    for (let i = 1; i <= 5; i++) {
      const known = await observe('/sign-in', (a) =>
        a.post('/sign-in', { username: member.username, password: 'Wrong1234' }),
      );
      const unknown = await observe('/sign-in', (a) =>
        a.post('/sign-in', { username: missing, password: 'Wrong1234' }),
      );
      assert.equal(known.status, 401, `failure ${i}`);
      assert.deepEqual(unknown, known, `failure ${i}: status, page, statements and argon2id work`);
      assert.deepEqual(known.argon2, { verifications: 1, hashes: 0 }, 'one real verification each');
    }
  });

  test('sign-in: the 10th failure (the lock) looks and costs the same; only the account is emailed (R7, R9)', async () => {
    // Nine failures already counted for each username (the counter is keyed by what was typed, R9).
    for (const username of [member.username, missing])
      for (let i = 0; i < 9; i++) await hit(ctx.db.kysely, ctx.clock, bucket('signin-fail', username), 24 * 3_600_000);
    const queued = (await ctx.outbox()).length;
    const tenth = async (username: string) =>
      observe('/sign-in', async (a) =>
        a.post('/sign-in', {
          username,
          password: 'Wrong1234',
          altcha: await solveCaptcha((await a.get('/captcha/challenge')).json() as CaptchaChallenge),
        }),
      );
    const known = await tenth(member.username);
    const unknown = await tenth(missing);
    assert.equal(known.status, 401);
    assert.deepEqual(unknown, known);
    assert.ok(known.queries.includes('insert outbox'), 'the lock notice is queued for the account');
    const sent = (await ctx.outbox()).slice(queued);
    assert.deepEqual(
      sent.map((m) => [m.recipient, m.template]),
      [[member.email, 'account-locked']],
      'the decoy notice was rolled back',
    );
    for (const username of [member.username, missing]) {
      const locked = await new BrowserAgent(ctx.app).post('/sign-in', { username, password: 'Wrong1234' });
      assert.equal(locked.statusCode, 429, 'both are paused alike');
    }
  });

  test('recovery: an account and an unknown document get the same answers and the same statements; only one email (R11)', async () => {
    const run = async (username: string) => {
      const agent = new BrowserAgent(ctx.app, { 'x-forwarded-for': '198.51.100.8' });
      const altcha = await solveCaptcha((await agent.get('/captcha/challenge')).json() as CaptchaChallenge);
      await agent.get('/recovery');
      log.take();
      const start = await agent.post('/recovery', { username, altcha });
      const startQueries = log.take();
      await agent.get('/recovery/send');
      log.take();
      const send = await agent.post('/recovery/send', {});
      const sendQueries = log.take();
      const sent = await agent.get(String(send.headers.location));
      return {
        start: [start.statusCode, start.headers.location, startQueries],
        send: [send.statusCode, send.headers.location, sendQueries],
        page: comparable(sent.body),
      };
    };
    const queued = (await ctx.outbox()).length;
    const known = await run(member.username);
    const unknown = await run(missing);
    assert.deepEqual(unknown, known);
    assert.equal(known.send[1], '/recovery/sent');
    assert.ok((known.send[2] as string[]).includes('insert one_time_tokens'), 'the link is stored for the account…');
    const sent = (await ctx.outbox()).slice(queued);
    assert.deepEqual(
      sent.map((m) => m.recipient),
      [member.email],
      '…and the unknown document’s decoy was rolled back',
    );
    const decoys = await ctx.db.kysely
      .selectFrom('one_time_tokens')
      .select('id')
      .where('purpose', '=', 'recovery')
      .where('account_id', 'is', null)
      .execute();
    assert.equal(decoys.length, 0);
  });

  test('registration step 1: a wrong birth date for a real member number and an unknown member number look and cost the same (R1)', async () => {
    const identify = (memberNumber: string) =>
      observe('/register', (a) =>
        a.post('/register', { member_number: memberNumber, birth_date: '02/02/1990', policy_number: `HP1` }),
      );
    const known = await identify(member.memberNumber);
    const unknown = await identify('HM99999');
    assert.equal(known.status, 400);
    assert.match(known.body, /data-notice="mismatch"|no coinciden|do not match/);
    assert.deepEqual(unknown, known);
  });
});
