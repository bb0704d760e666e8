import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, beforeEach, test } from 'node:test';
import Fastify from 'fastify';
import { loggerOptions } from '../../src/infra/web/logging.js';
import { memberWithAccount, signedIn, TEST_PASSWORD } from '../helpers/fixture.js';
import { BrowserAgent } from '../helpers/browser-agent.js';
import { describeEachDatabase } from '../helpers/databases.js';
import { setup, testConfig, type TestContext } from '../helpers/setup.js';

// Small checks the ASVS map (docs/security/asvs.md) points at, for requirements no flow test covered on its own:
// masked password fields (6.2.6), the password compared exactly as typed (6.2.8), no forced rotation (6.2.10),
// sign-out on every private page (7.4.4), audit metadata in UTC (16.2.1, 16.2.2), no log injection (16.4.1).

describeEachDatabase('ASVS checks', (kind) => {
  let ctx: TestContext;
  let n = 0;
  const member = () => memberWithAccount(ctx, { n: ++n });

  before(async () => {
    ctx = await setup(kind, { env: { TRUST_PROXY: 'true' } });
  });
  after(() => ctx.close());
  beforeEach(async () => {
    await ctx.db.kysely.deleteFrom('rate_limits').execute();
  });

  test('every password field of every page is masked, and every private page offers sign-out (ASVS 6.2.6, 7.4.4)', async () => {
    const m = await member();
    const agent = await signedIn(ctx, m);
    let fields = 0;
    for (const route of ctx.app.registeredRoutes.filter(
      (r) => r.method === 'GET' && !r.url.includes(':') && !r.url.includes('*'),
    )) {
      const isPrivate = route.url.startsWith('/area');
      const res = isPrivate ? await agent.get(route.url) : await ctx.app.inject(route.url);
      if (!String(res.headers['content-type']).startsWith('text/html')) continue;
      for (const input of res.body.match(/<input[^>]*>/g) ?? []) {
        if (!/name="[^"]*password[^"]*"/.test(input)) continue;
        fields++;
        assert.match(input, /type="password"/, `${route.url}: ${input}`);
        assert.match(input, /autocomplete="(current|new)-password"/, `${route.url}: password managers fill it`);
        assert.doesNotMatch(input, /onpaste|readonly/, 'paste is allowed');
      }
      if (isPrivate && res.statusCode === 200) assert.match(res.body, /action="\/sign-out"/, `${route.url}: sign-out`);
    }
    assert.ok(fields >= 5, `checked ${fields} password fields`);
  });

  test('the password is compared exactly as typed: no trimming, no case folding, no truncation (ASVS 6.2.8)', async () => {
    const m = await member();
    for (const variant of [
      TEST_PASSWORD.toLowerCase(),
      TEST_PASSWORD.toUpperCase(),
      `${TEST_PASSWORD} `,
      ` ${TEST_PASSWORD}`,
      TEST_PASSWORD.slice(0, -1),
      `${TEST_PASSWORD}0`,
    ]) {
      await ctx.db.kysely.deleteFrom('rate_limits').execute(); // more than 5 tries: keep the captcha out of the way
      assert.equal(
        (await new BrowserAgent(ctx.app).post('/sign-in', { username: m.username, password: variant })).statusCode,
        401,
        JSON.stringify(variant),
      );
    }
    await ctx.db.kysely.deleteFrom('rate_limits').execute();
    assert.equal(
      (await new BrowserAgent(ctx.app).post('/sign-in', { username: m.username, password: TEST_PASSWORD })).headers
        .location,
      '/sign-in/verify',
    );
  });

  test('a password never expires: three years later it still signs in, with no change asked for (ASVS 6.2.10)', async () => {
    const m = await member();
    ctx.clock.advanceMinutes(3 * 366 * 24 * 60);
    const agent = await signedIn(ctx, m);
    assert.equal((await agent.get('/area')).statusCode, 200);
  });

  test('each audit record has UTC time, address, user agent, request id and outcome, stored verbatim (R22; ASVS 16.2.1, 16.2.2, 16.4.1)', async () => {
    const m = await member();
    const forged = 'Mozilla/5.0\r\n{"event":"signin.success","outcome":"success"}';
    await new BrowserAgent(ctx.app, { 'x-forwarded-for': '192.0.2.44', 'user-agent': forged }).post('/sign-in', {
      username: m.username,
      password: 'Wrong1234',
    });
    const row = await ctx.db.kysely
      .selectFrom('audit_events')
      .selectAll()
      .where('account_id', '=', m.accountId)
      .where('event', '=', 'signin.password')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    assert.match(row.occurred_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, 'UTC');
    assert.equal(row.ip, '192.0.2.44');
    assert.equal(row.user_agent, forged, 'kept as data in its own column: it cannot forge another record');
    assert.match(String(row.request_id), /^[0-9a-f-]{36}$/);
    assert.equal(row.outcome, 'failure');
    assert.equal(row.actor, m.username);
    assert.doesNotMatch(JSON.stringify(row), /Wrong1234/, 'never the password');
  });
});

test('the application log is one JSON object per line whatever a request carries (ASVS 16.2.4, 16.4.1)', async () => {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const app = Fastify({ logger: { ...(loggerOptions(testConfig({ LOG_LEVEL: 'info' })) as object), stream } });
  app.get('/*', async () => 'ok');
  await app.inject({
    url: '/x%0A%7B%22level%22%3A60%7D/y',
    headers: { 'user-agent': 'a\nb', 'x-note': '\r\n{"forged":true}' },
  });
  await app.close();
  assert.ok(lines.length >= 2, 'request and response logged');
  for (const line of lines) {
    const entry = JSON.parse(line) as Record<string, unknown>;
    assert.notEqual(entry.forged, true);
    assert.notEqual(entry.level, 60);
  }
});
