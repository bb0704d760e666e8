import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ConfigError } from '../../config.js';
import type { CaptchaChallenge } from '../captcha/captcha.js';
import { createDispatcher } from '../outbox/dispatcher.js';
import { createUploadPacer, PACER_DEFAULTS } from '../files/upload-pacer.js';
import { observeUploads } from './metrics.js';
import { solveCaptcha } from '../../../test/helpers/captcha.js';
import { BrowserAgent } from '../../../test/helpers/browser-agent.js';
import { describeEachDatabase } from '../../../test/helpers/databases.js';
import { memberWithAccount } from '../../../test/helpers/fixture.js';
import { setup, testConfig, type TestContext } from '../../../test/helpers/setup.js';

// Issue 10: Prometheus metrics at /metrics behind a bearer token; the counters move with what members do, and no
// label carries a member number, username, email or token (R22).

const TOKEN = 'metrics-token-0123456789abcdefghij';
const PASSWORD = 'Primavera2030';

/** The value of one series in a Prometheus text scrape (0 when absent). */
function value(scrape: string, name: string, labels: Record<string, string> = {}): number {
  const total = scrape
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .filter((line) => Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
    .map((line) => Number(line.slice(line.lastIndexOf(' ') + 1)));
  return total.reduce((a, b) => a + b, 0);
}

describeEachDatabase('metrics', (kind) => {
  let ctx: TestContext;
  before(async () => {
    ctx = await setup(kind, { env: { METRICS_TOKEN: TOKEN } });
  });
  after(() => ctx.close());

  const scrape = async (): Promise<string> => {
    const res = await ctx.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain/);
    return res.body;
  };

  test('a lockout and a failed delivery show in their counters', async () => {
    const before = await scrape();
    // R9: ten failures in a row (a captcha from the sixth) lock the username.
    const agent = new BrowserAgent(ctx.app);
    for (let i = 0; i < 10; i++) {
      const altcha =
        i >= 5 ? await solveCaptcha((await agent.get('/captcha/challenge')).json() as CaptchaChallenge) : undefined;
      const res = await agent.post('/sign-in', {
        username: '99999999R',
        password: `wrong-${i}`,
        ...(altcha ? { altcha } : {}),
      });
      assert.equal(res.statusCode, 401);
    }
    assert.equal((await agent.post('/sign-in', { username: '99999999R', password: 'x' })).statusCode, 429);
    // A mail server that refuses: a failed attempt, to be retried.
    await ctx.db.kysely.deleteFrom('outbox').execute();
    await ctx.courier.sms(ctx.db.kysely, '+34600000000', 'es', 'notice', 'hola');
    const refusing = { name: 'refusing', send: () => Promise.reject(new Error('gateway down')) };
    await createDispatcher({
      db: ctx.db,
      clock: ctx.clock,
      box: ctx.config.secretBox,
      metrics: ctx.metrics,
      transports: { email: refusing, sms: refusing },
    }).drain();
    const afterwards = await scrape();
    assert.equal(value(afterwards, 'member_area_lockouts_total') - value(before, 'member_area_lockouts_total'), 1);
    assert.equal(
      value(afterwards, 'member_area_sign_ins_total', { step: 'password', outcome: 'locked' }) -
        value(before, 'member_area_sign_ins_total', { step: 'password', outcome: 'locked' }),
      1,
    );
    const failures = (s: string) =>
      value(s, 'member_area_outbox_send_failures_total', { channel: 'sms', final: 'false' });
    assert.equal(failures(afterwards) - failures(before), 1);
    assert.equal(value(afterwards, 'member_area_outbox_messages', { status: 'pending' }), 1, 'waiting for its retry');
    await ctx.db.kysely.deleteFrom('outbox').execute();
  });

  test('the upload rate: the node’s pace for uploaded files, halved while its pages waited (R31, PRODUCT §5)', async () => {
    let now = 0;
    const pacer = createUploadPacer({
      signals: { loopDelayMs: () => 300, waitingForDatabase: () => 0 },
      now: () => now,
      wait: async () => {},
    });
    observeUploads(ctx.metrics, pacer);
    assert.equal(value(await scrape(), 'member_area_upload_rate_bytes'), PACER_DEFAULTS.startRate);
    pacer.take(64 * 1024);
    now += PACER_DEFAULTS.tickMs;
    pacer.take(64 * 1024);
    assert.equal(value(await scrape(), 'member_area_upload_rate_bytes'), PACER_DEFAULTS.startRate / 2);
  });

  test('/metrics refuses a missing or wrong token', async () => {
    for (const authorization of [
      undefined,
      `Bearer ${TOKEN}x`,
      `Basic ${TOKEN}`,
      'Bearer ',
      `Bearer ${'a'.repeat(5000)}`,
    ]) {
      const res = await ctx.app.inject({
        url: '/metrics',
        headers: authorization === undefined ? {} : { authorization },
      });
      assert.equal(res.statusCode, 401, String(authorization).slice(0, 30));
      assert.doesNotMatch(res.body, /member_area_/);
    }
  });

  test('a sign-in, a failed sign-in and a code send move the counters; no label names a member or a token', async () => {
    const member = await memberWithAccount(ctx, { n: 1, password: PASSWORD });
    const before = await scrape();

    const intruder = new BrowserAgent(ctx.app);
    assert.equal(
      (await intruder.post('/sign-in', { username: member.username, password: 'wrong-password-1' })).statusCode,
      401,
    );

    const agent = new BrowserAgent(ctx.app);
    assert.equal((await agent.post('/sign-in', { username: member.username, password: PASSWORD })).statusCode, 303);
    await agent.get('/sign-in/verify');
    assert.equal((await agent.post('/sign-in/verify/send', { channel: 'email' })).statusCode, 303);
    const mail = (await ctx.outbox()).filter((m) => m.template === 'signin-code').at(-1)!;
    const code = /\b(\d{6})\b/.exec(mail.body_text)![1]!;
    const pending = await scrape();
    assert.equal((await agent.post('/sign-in/verify/code', { code })).headers.location, '/area');
    assert.equal((await agent.get('/area')).statusCode, 200);
    await ctx.dispatcher.drain();
    const afterwards = await scrape();

    const moved = (name: string, labels: Record<string, string>) =>
      value(afterwards, name, labels) - value(before, name, labels);
    assert.equal(moved('member_area_sign_ins_total', { step: 'password', outcome: 'failed' }), 1);
    assert.equal(moved('member_area_sign_ins_total', { step: 'password', outcome: 'ok' }), 1);
    assert.equal(
      moved('member_area_sign_ins_total', { step: 'second_factor', outcome: 'success', factor: 'email' }),
      1,
    );
    assert.equal(moved('member_area_codes_sent_total', { channel: 'email', purpose: 'signin' }), 1);
    assert.ok(moved('member_area_outbox_sent_total', { channel: 'email' }) >= 1);
    assert.ok(
      value(pending, 'member_area_outbox_messages', { status: 'pending' }) >= 1,
      'the queued code shows in the outbox depth',
    );
    assert.equal(value(afterwards, 'member_area_outbox_messages', { status: 'pending' }), 0);
    assert.equal(
      moved('member_area_http_requests_total', { method: 'POST', route: '/sign-in', status_class: '4xx' }),
      1,
    );
    assert.equal(moved('member_area_http_requests_total', { method: 'GET', route: '/area', status_class: '2xx' }), 1);
    assert.ok(
      moved('member_area_http_request_duration_seconds_count', { method: 'POST', route: '/sign-in/verify/code' }) >= 1,
    );
    if (kind === 'postgres') assert.ok(value(afterwards, 'member_area_db_pool_connections', { state: 'total' }) >= 1);

    // A link token in a URL is a route pattern in the labels; nothing personal or secret reaches them.
    await ctx.app.inject({ url: '/sign-in/link/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789' });
    await ctx.app.inject({ url: `/no/such/${member.memberNumber}` });
    const labels = (await scrape())
      .split('\n')
      .filter((l) => l.includes('{'))
      .map((l) => l.slice(l.indexOf('{'), l.lastIndexOf('}') + 1))
      .join('\n');
    assert.match(labels, /route="\/sign-in\/link\/:token"/);
    assert.match(labels, /route="unmatched"/);
    for (const secret of [member.username, member.memberNumber, member.email, code, 'AbCdEfGhIjKlMnOp', TOKEN])
      assert.ok(!labels.includes(secret), `no label contains ${secret}`);
  });
});

test('without METRICS_TOKEN there is no /metrics; a short token stops the start', async () => {
  const ctx = await setup('sqlite');
  try {
    assert.equal(
      (await ctx.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } })).statusCode,
      404,
    );
  } finally {
    await ctx.close();
  }
  assert.throws(
    () => testConfig({ METRICS_TOKEN: 'short' }),
    (err: unknown) => err instanceof ConfigError && /METRICS_TOKEN/.test(err.message),
  );
  assert.throws(
    () => testConfig({ METRICS_TOKEN: TOKEN, SECRET_KEY: TOKEN }),
    /METRICS_TOKEN: must not be the same as SECRET_KEY/,
  );
});
