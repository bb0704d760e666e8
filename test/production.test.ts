import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.js';
import { describeEachDatabase } from './helpers/databases.js';
import { setup, type TestContext } from './helpers/setup.js';

// Issue 10: NODE_ENV=production refuses insecure settings; behind a TLS-terminating proxy (TRUST_PROXY) cookies are
// Secure and the client address (R9 limits, R22 audit) comes from X-Forwarded-For only when the peer is the proxy.

const PRODUCTION = {
  NODE_ENV: 'production',
  PUBLIC_URL: 'https://area.aseguradora.example',
  SMTP_URL: 'smtp://127.0.0.1:2525',
  SECRET_KEY: 'production-secret-0123456789abcdefghijkl',
  ENCRYPTION_KEY: '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
  TRUST_PROXY: '10.0.0.1',
};

test('production refuses every insecure setting, each named', () => {
  const refused = (env: Record<string, string>, field: RegExp) =>
    assert.throws(
      () => loadConfig({ ...PRODUCTION, ...env }),
      (err: unknown) => err instanceof ConfigError && field.test(err.message),
      String(field),
    );
  refused({ PUBLIC_URL: 'http://area.aseguradora.example' }, /PUBLIC_URL: production needs an https/);
  refused({ SMTP_URL: '' }, /SMTP_URL/);
  refused({ SECRET_KEY: '' }, /SECRET_KEY/);
  refused({ DEV_MAILBOX: 'on' }, /DEV_MAILBOX/);
  refused({ DEMO_DATA: 'on' }, /DEMO_DATA/);
  refused({ OUTBOX_LEASE_SECONDS: '5' }, /OUTBOX_LEASE_SECONDS/);
  refused({ SMS_WEBHOOK_URL: 'http://sms.example.com/send' }, /SMS_WEBHOOK_URL/);
  refused({ METRICS_TOKEN: PRODUCTION.SECRET_KEY }, /METRICS_TOKEN/);
  refused({ METRICS_TOKEN: 'short' }, /METRICS_TOKEN/);
  refused({ TRUST_PROXY: 'true' }, /TRUST_PROXY: production needs the proxy addresses/);
  assert.equal(loadConfig({ ...PRODUCTION, TRUST_PROXY: 'loopback' }).trustProxy, 'loopback');
  const ok = loadConfig({ ...PRODUCTION, SMS_WEBHOOK_URL: 'http://127.0.0.1:9000/sms' });
  assert.equal(ok.secureCookies, true);
  assert.equal(ok.devMailbox, false);
  assert.equal(ok.metricsToken, undefined, 'no metrics endpoint unless a token is set');
});

describeEachDatabase('production behind a proxy', (kind) => {
  let ctx: TestContext;
  before(async () => {
    ctx = await setup(kind, { env: PRODUCTION });
  });
  after(() => ctx.close());

  test('cookies are Secure with the __Host- prefix; HSTS; no development mailbox and no /metrics', async () => {
    const res = await ctx.app.inject({
      url: '/sign-in?lang=en',
      remoteAddress: '10.0.0.1',
      headers: { 'x-forwarded-proto': 'https', 'x-forwarded-for': '198.51.100.7' },
    });
    assert.equal(res.statusCode, 200);
    const cookies = [res.headers['set-cookie']].flat().filter((c): c is string => typeof c === 'string');
    assert.ok(cookies.length >= 2, 'the CSRF and language cookies');
    for (const c of cookies) {
      assert.match(c, /; Secure/i, c.split('=')[0]);
      assert.match(c, /; HttpOnly/i);
    }
    assert.ok(cookies.some((c) => c.startsWith('__Host-csrf=')));
    assert.match(String(res.headers['strict-transport-security']), /max-age=31536000/);
    assert.match(String(res.headers['content-security-policy']), /upgrade-insecure-requests/);
    assert.equal((await ctx.app.inject({ url: '/dev/mailbox', remoteAddress: '10.0.0.1' })).statusCode, 404);
    assert.equal((await ctx.app.inject({ url: '/metrics', remoteAddress: '10.0.0.1' })).statusCode, 404);
  });

  test('the client address comes from X-Forwarded-For only when the proxy sent it', async () => {
    const signIn = async (remoteAddress: string, forwardedFor: string) => {
      const page = await ctx.app.inject({ url: '/sign-in', remoteAddress });
      const token = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
      const cookies = Object.fromEntries(page.cookies.map((c) => [c.name, c.value]));
      const res = await ctx.app.inject({
        method: 'POST',
        url: '/sign-in',
        remoteAddress,
        cookies,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-forwarded-for': forwardedFor,
          'x-forwarded-proto': 'https',
        },
        payload: new URLSearchParams({ _csrf: token, username: '12345678Z', password: 'wrong' }).toString(),
      });
      assert.equal(res.statusCode, 401);
      const row = await ctx.db.kysely
        .selectFrom('audit_events')
        .select('ip')
        .where('request_id', '=', String(res.headers['x-request-id']))
        .executeTakeFirstOrThrow();
      return row.ip;
    };
    assert.equal(await signIn('10.0.0.1', '198.51.100.7'), '198.51.100.7', 'from the proxy: the forwarded client');
    assert.equal(await signIn('203.0.113.5', '198.51.100.8'), '203.0.113.5', 'a direct peer cannot choose its address');
    assert.equal(await signIn('10.0.0.1', '198.51.100.9, 10.0.0.1'), '198.51.100.9', 'the proxy itself is skipped');
  });
});
