import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, beforeEach, test } from 'node:test';
import { FEED_HEADER, nif, toCsvLine } from '../../src/feed/demo-feed.js';
import { importFeed } from '../../src/feed/feed.import.js';
import type { CaptchaChallenge } from '../../src/infra/captcha/captcha.js';
import { lastCode, memberFeedRow, memberWithAccount, signedIn, TEST_PASSWORD } from '../helpers/fixture.js';
import { BrowserAgent } from '../helpers/browser-agent.js';
import { solveCaptcha } from '../helpers/captcha.js';
import { describeEachDatabase } from '../helpers/databases.js';
import { setup, type TestContext } from '../helpers/setup.js';

// Abuse suite, single use under concurrency (R5, R7, R10, R11, R15; ASVS 6.5.1, 2.3.4): every code, link, step and
// captcha solution is spent by one atomic update, so N requests carrying the same one at the same moment make
// exactly one success, on SQLite and on PostgreSQL (with its pool of connections really running them in parallel).

const N = 10;

describeEachDatabase('abuse: single use under concurrency', (kind) => {
  let ctx: TestContext;
  let n = 0;
  const member = () => memberWithAccount(ctx, { n: ++n });
  const lastMessage = async (to: string, template: string) =>
    (await ctx.outbox()).filter((m) => m.recipient === to && m.template === template).at(-1)?.body_text ?? '';
  const parallel = <T>(make: (i: number) => Promise<T>) => Promise.all(Array.from({ length: N }, (_, i) => make(i)));

  before(async () => {
    ctx = await setup(kind);
  });
  after(() => ctx.close());
  beforeEach(async () => {
    await ctx.db.kysely.deleteFrom('rate_limits').execute();
  });

  async function atCodeStep(username: string): Promise<BrowserAgent> {
    const agent = new BrowserAgent(ctx.app);
    assert.equal((await agent.post('/sign-in', { username, password: TEST_PASSWORD })).statusCode, 303);
    await agent.get('/sign-in/verify');
    assert.equal((await agent.post('/sign-in/verify/send', { channel: 'email' })).statusCode, 303);
    return agent;
  }

  test(`the same sign-in code submitted ${N} times at once: one session (R7)`, async () => {
    const m = await member();
    const agent = await atCodeStep(m.username);
    const code = await lastCode(ctx, m.email);
    const results = await parallel(() => agent.post('/sign-in/verify/code', { code }));
    assert.equal(results.filter((r) => r.headers.location === '/area').length, 1);
    assert.ok(results.every((r) => r.statusCode < 500));
    const sessions = await ctx.db.kysely
      .selectFrom('sessions')
      .select('id')
      .where('account_id', '=', m.accountId)
      .execute();
    assert.equal(sessions.length, 1);
  });

  test(`the same emailed sign-in link opened ${N} times at once: one session (R7)`, async () => {
    const m = await member();
    const agent = await atCodeStep(m.username);
    const link = /http:\/\/localhost:3000(\/sign-in\/link\/[A-Za-z0-9_-]+)/.exec(
      await lastMessage(m.email, 'signin-code'),
    )![1]!;
    const results = await parallel(() => agent.get(link));
    assert.equal(results.filter((r) => r.headers.location === '/area').length, 1);
    assert.ok(results.every((r) => r.statusCode < 500));
    const sessions = await ctx.db.kysely
      .selectFrom('sessions')
      .select('id')
      .where('account_id', '=', m.accountId)
      .execute();
    assert.equal(sessions.length, 1);
  });

  test(`the same recovery link submitted ${N} times at once: one new password (R11)`, async () => {
    const m = await member();
    const agent = new BrowserAgent(ctx.app);
    const altcha = await solveCaptcha((await agent.get('/captcha/challenge')).json() as CaptchaChallenge);
    await agent.post('/recovery', { username: m.username, altcha });
    await agent.post('/recovery/send', {});
    const link = /http:\/\/localhost:3000(\/recovery\/reset\/[A-Za-z0-9_-]+)/.exec(
      await lastMessage(m.email, 'recovery-link'),
    )![1]!;
    assert.equal((await agent.get(link)).headers.location, '/recovery/reset');
    await agent.get('/recovery/reset');
    const results = await parallel((i) =>
      agent.post('/recovery/reset', { password: `Paralelo${i}Clave7`, password_confirmation: `Paralelo${i}Clave7` }),
    );
    assert.equal(results.filter((r) => r.headers.location === '/recovery/done').length, 1);
    assert.ok(
      results.every((r) => r.statusCode === 303 || r.statusCode === 410),
      results.map((r) => r.statusCode).join(),
    );
    const history = await ctx.db.kysely
      .selectFrom('password_history')
      .select('id')
      .where('account_id', '=', m.accountId)
      .execute();
    assert.equal(history.length, 2, 'exactly one new password in the history');
    assert.equal(
      (await ctx.outbox()).filter((x) => x.template === 'password-changed' && x.recipient === m.email).length,
      1,
      'one notice',
    );
  });

  test(`the same contact-change code submitted ${N} times at once: one change, one notice (R15)`, async () => {
    const m = await member();
    const agent = await signedIn(ctx, m);
    await agent.get('/area/contact');
    assert.equal(
      (await agent.post('/area/contact/email', { new_email: `nuevo${n}@example.com`, email_password: TEST_PASSWORD }))
        .headers.location,
      '/area/contact/confirm',
    );
    const code = await lastCode(ctx, `nuevo${n}@example.com`, 'contact-code');
    await agent.get('/area/contact/confirm');
    const queued = (await ctx.outbox()).length;
    const results = await parallel(() => agent.post('/area/contact/confirm', { code }));
    assert.ok(
      results.every((r) => r.statusCode < 500),
      results.map((r) => r.statusCode).join(),
    );
    assert.equal(results.filter((r) => String(r.headers.location ?? '').startsWith('/area/contact?done=')).length, 1);
    const account = await ctx.db.kysely
      .selectFrom('accounts')
      .select('email')
      .where('id', '=', m.accountId)
      .executeTakeFirstOrThrow();
    assert.equal(account.email, `nuevo${n}@example.com`);
    const notices = (await ctx.outbox()).slice(queued).filter((x) => x.recipient === m.email);
    assert.equal(notices.length, 1, 'the old address is told once');
  });

  test(`registration step 3 submitted ${N} times at once from one browser: one account, one confirmation (R5, R6)`, async () => {
    n++;
    await importFeed(
      { db: ctx.db, clock: ctx.clock, courier: ctx.courier, timeZone: 'Europe/Madrid' },
      Readable.from([
        FEED_HEADER +
          toCsvLine(
            memberFeedRow({ policy_number: `RACE${n}`, member_number: `RACEM${n}`, email: `race${n}@example.com` }),
          ),
      ]),
    );
    const agent = new BrowserAgent(ctx.app);
    assert.equal(
      (
        await agent.post('/register', {
          member_number: `RACEM${n}`,
          birth_date: '01/01/1981',
          policy_number: `RACE${n}`,
        })
      ).statusCode,
      303,
    );
    const document = nif(40_000_000 + n);
    const details = {
      address_line: 'Calle Mayor 1',
      postal_code: '28013',
      city: 'Madrid',
      province: 'Madrid',
      email: `race${n}@example.com`,
      mobile: '',
      document_type: 'NIF',
      document_number: document,
    };
    assert.equal((await agent.post('/register/details', details)).headers.location, '/register/password');
    await agent.get('/register/password');
    const results = await parallel(() =>
      agent.post('/register/password', { password: 'Carrera2030Sol', password_confirmation: 'Carrera2030Sol' }),
    );
    assert.equal(
      results.filter((r) => r.headers.location === '/register/done').length,
      1,
      results.map((r) => `${r.statusCode} ${String(r.headers.location)}`).join(),
    );
    assert.ok(results.every((r) => r.statusCode < 500));
    const accounts = await ctx.db.kysely.selectFrom('accounts').select('id').where('username', '=', document).execute();
    assert.equal(accounts.length, 1);
    assert.equal(
      (await ctx.outbox()).filter(
        (x) => x.recipient === `race${n}@example.com` && x.template === 'registration-complete',
      ).length,
      1,
    );
  });

  test(`one captcha solution posted by ${N} browsers at once: accepted once (R10)`, async () => {
    const m = await member();
    const solver = new BrowserAgent(ctx.app);
    const altcha = await solveCaptcha((await solver.get('/captcha/challenge')).json() as CaptchaChallenge);
    const results = await parallel(() => new BrowserAgent(ctx.app).post('/recovery', { username: m.username, altcha }));
    assert.deepEqual(results.map((r) => r.statusCode).sort(), [303, ...Array<number>(N - 1).fill(400)]);
  });
});
