import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { createOidcClient } from '../../identity/oidc-clients.js';
import { generateSigningKeys } from '../../infra/oidc/signing-keys.js';
import { cli } from '../../../test/helpers/cli.js';
import { describeEachDatabase } from '../../../test/helpers/databases.js';
import { setup, type TestContext } from '../../../test/helpers/setup.js';

// R35 without a browser: discovery, the keys published (both, never their private halves), production's Secure
// cookies, what production without keys serves, the clients' CLI, and the pages a bad request gets.

const PRODUCTION = {
  NODE_ENV: 'production',
  PUBLIC_URL: 'https://area.aseguradora.example',
  SMTP_URL: 'smtp://127.0.0.1:2525',
  SECRET_KEY: 'production-secret-0123456789abcdefghijkl',
  ENCRYPTION_KEY: '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
  TRUST_PROXY: '10.0.0.1',
};

describeEachDatabase('OpenID Provider, production (R35)', (kind) => {
  let ctx: TestContext;
  const first = generateSigningKeys().keys[0]!;
  const second = generateSigningKeys().keys[0]!;
  before(async () => {
    ctx = await setup(kind, {
      env: {
        ...PRODUCTION,
        OIDC_JWKS: JSON.stringify({ keys: [first, second] }),
        OIDC_PAIRWISE_SALT: 'pairwise-salt-0123456789abcdefghijkl',
      },
    });
  });
  after(() => ctx.close());

  test('discovery names the issuer and the code flow only; the JWKS publishes both keys, public halves only', async () => {
    // A client's Host and X-Forwarded-Host do not choose the addresses published (no discovery poisoning).
    const res = await ctx.app.inject({
      url: '/.well-known/openid-configuration',
      headers: { host: 'evil.example', 'x-forwarded-host': 'evil.example' },
    });
    assert.equal(res.statusCode, 200);
    const meta = res.json() as Record<string, unknown>;
    assert.equal(meta.issuer, PRODUCTION.PUBLIC_URL);
    assert.equal(meta.authorization_endpoint, `${PRODUCTION.PUBLIC_URL}/oidc/auth`);
    assert.deepEqual(meta.response_types_supported, ['code']);
    assert.deepEqual(meta.code_challenge_methods_supported, ['S256']);
    assert.deepEqual(meta.subject_types_supported, ['pairwise']);
    assert.deepEqual(meta.grant_types_supported, ['authorization_code', 'refresh_token']);
    assert.equal(meta.authorization_response_iss_parameter_supported, true);
    assert.ok(meta.pushed_authorization_request_endpoint);
    const jwks = (await ctx.app.inject({ url: '/oidc/jwks' })).json() as { keys: Record<string, unknown>[] };
    assert.deepEqual(
      jwks.keys.map((k) => k.kid),
      [first.kid, second.kid],
    );
    for (const k of jwks.keys) assert.equal(k.d, undefined, 'no private part published');
  });

  test('the provider cookies are Secure (and the session one __Host-) behind the TLS proxy', async () => {
    const made = await createOidcClient(ctx.db.kysely, ctx.clock, {
      name: 'App',
      redirectUris: ['https://app.example/cb'],
      scopes: ['openid'],
      firstParty: false,
      public: true,
      createdBy: 'test',
    });
    assert.ok(made.ok);
    const res = await ctx.app.inject({
      url:
        '/oidc/auth?' +
        new URLSearchParams({
          client_id: made.value.clientId,
          response_type: 'code',
          scope: 'openid',
          redirect_uri: 'https://app.example/cb',
          code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
          code_challenge_method: 'S256',
          // A client's own X-Forwarded-Proto is never believed: the scheme comes from PUBLIC_URL.
        }),
      headers: { 'x-forwarded-proto': 'http' },
      remoteAddress: '10.0.0.1',
    });
    assert.equal(res.statusCode, 303);
    assert.match(String(res.headers.location), /\/oidc\/interaction\//);
    const cookies = [res.headers['set-cookie']].flat().filter((c): c is string => Boolean(c));
    assert.ok(cookies.length >= 2, 'the interaction cookies');
    for (const c of cookies) {
      assert.match(c, /; secure/i, c);
      assert.match(c, /; httponly/i, c);
      assert.match(c, /; samesite=lax/i, c);
    }
  });

  test('an unknown client gets the portal’s page in the member’s language, not a redirect', async () => {
    const res = await ctx.app.inject({
      url: '/oidc/auth?client_id=nobody&response_type=code&scope=openid&redirect_uri=https://evil.example/cb',
      headers: { 'accept-language': 'en' },
    });
    assert.equal(res.statusCode, 400);
    assert.equal(res.headers.location, undefined);
    assert.match(res.body, /The app could not connect/);
    assert.match(res.body, /invalid_client/);
    assert.match(String(res.headers['content-security-policy']), /form-action 'self'/);
  });
});

describeEachDatabase('OpenID Provider, production without keys (R35)', (kind) => {
  test('no OIDC_JWKS: no discovery, no endpoints', async () => {
    const ctx = await setup(kind, { env: PRODUCTION });
    try {
      assert.equal((await ctx.app.inject({ url: '/.well-known/openid-configuration' })).statusCode, 404);
      assert.equal((await ctx.app.inject({ url: '/oidc/jwks' })).statusCode, 404);
    } finally {
      await ctx.close();
    }
  });
});

test('member-area oidc-client create, list, revoke: the secret once, audited, bad input refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'oidc-cli-'));
  const env = { DATABASE_URL: `sqlite:${join(dir, 'portal.db')}`, NODE_ENV: 'test' };
  assert.equal((await cli(['migrate'], env)).code, 0);
  const bad = await cli(
    ['oidc-client', 'create', '--name', 'X', '--redirect-uri', 'http://evil.example/cb', '--scopes', 'profile'],
    env,
  );
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /redirect_uri: Each redirect address must be https/);
  assert.match(bad.stderr, /scopes: /);
  // A back-channel logout address must be https (http only on loopback); a logo https only.
  const badLogout = await cli(
    [
      'oidc-client',
      'create',
      '--name',
      'X',
      '--redirect-uri',
      'https://x.example/cb',
      '--scopes',
      'openid',
      '--backchannel-logout-uri',
      'http://evil.example/logout',
      '--logo-uri',
      'http://x.example/logo.png',
    ],
    env,
  );
  assert.equal(badLogout.code, 1);
  assert.match(badLogout.stderr, /backchannel_logout_uri: The logout address must be https/);
  assert.match(badLogout.stderr, /logo_uri: The logo must be an https/);
  // Valid one by one, refused together by oidc-provider: refused at registration, with the provider's reason.
  const mixed = await cli(
    [
      'oidc-client',
      'create',
      '--name',
      'X',
      '--redirect-uri',
      'https://x.example/cb',
      '--redirect-uri',
      'es.x.app:/cb',
      '--scopes',
      'openid',
    ],
    env,
  );
  assert.equal(mixed.code, 1);
  assert.match(
    mixed.stderr,
    /redirect_uri: The identity provider does not accept these addresses together.*Detail: \S/,
  );
  const made = await cli(
    [
      'oidc-client',
      'create',
      '--name',
      'Farmacia',
      '--redirect-uri',
      'https://farmacia.example/cb',
      '--scopes',
      'openid,email',
      '--backchannel-logout-uri',
      'https://farmacia.example/logout',
    ],
    env,
  );
  assert.equal(made.code, 0, made.stderr);
  const clientId = /client_id: (\S+)/.exec(made.stdout)![1]!;
  const secret = /client_secret: (\S+)/.exec(made.stdout)![1]!;
  const listed = await cli(['oidc-client', 'list'], env);
  assert.match(listed.stdout, new RegExp(`${clientId}\\tFarmacia\\tconfidential\\tthird-party\\topenid,email`));
  assert.ok(!listed.stdout.includes(secret), 'never the secret again');
  assert.equal((await cli(['oidc-client', 'revoke', clientId], env)).code, 0);
  assert.equal((await cli(['oidc-client', 'revoke', clientId], env)).code, 1);
  assert.equal((await cli(['oidc-client', 'revoke', 'nobody'], env)).code, 1);
  assert.equal((await cli(['oidc-client', 'frobnicate'], env)).code, 2);
  const audit = new Database(join(dir, 'portal.db'), { readonly: true });
  const events = audit.prepare('select event, actor, details from audit_events order by id').all() as {
    event: string;
    actor: string;
    details: string;
  }[];
  audit.close();
  assert.deepEqual(
    events.map((e) => [e.event, e.actor]),
    [
      ['oidc_client.created', 'cli'],
      ['oidc_client.revoked', 'cli'],
    ],
  );
  assert.ok(!JSON.stringify(events).includes(secret), 'the audit never holds the secret');
  const key = await cli(['oidc-client', 'new-key'], env);
  assert.equal((JSON.parse(key.stdout) as { alg: string }).alg, 'ES256');
});
