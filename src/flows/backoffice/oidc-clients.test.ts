import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { hashToken } from '../../infra/crypto/tokens.js';
import { translator, type Lang } from '../../infra/i18n/i18n.js';
import { describeEachDatabase } from '../../../test/helpers/databases.js';
import { setup, type TestContext } from '../../../test/helpers/setup.js';
import { signedInStaff } from '../../../test/helpers/staff.js';

// R35, R23: administrators register, list and revoke the apps that sign members in (the CLI's store): confirmed
// first, the secret shown once and kept hashed, every step audited with the administrator as actor (R22); agents
// cannot; a form without its CSRF token is refused; a bad redirect address is refused with a clear message.

const escape = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const langOf = (html: string) => (/<html lang="(es|en)"/.exec(html)?.[1] ?? 'es') as Lang;

describeEachDatabase('back office: OpenID Connect clients (R35, R23)', (kind) => {
  let ctx: TestContext;
  before(async () => {
    ctx = await setup(kind);
  });
  after(() => ctx.close());

  const fields = {
    name: 'Farmacia Ejemplo',
    redirect_uris: 'https://farmacia.example/cb\r\nhttps://farmacia.example/cb2',
    scopes: ['openid', 'email', 'membership'],
    kind: 'confidential',
    logo_uri: 'https://farmacia.example/logo.svg',
    backchannel_logout_uri: 'https://farmacia.example/logout',
  };

  test('an administrator registers an app after confirming, sees its secret once, lists and revokes it', async () => {
    const { agent, staff } = await signedInStaff(ctx, 'admin');
    const form = await agent.get('/backoffice/oidc-clients/new');
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /name="redirect_uris"/);

    const review = await agent.post('/backoffice/oidc-clients/new', fields);
    assert.equal(review.statusCode, 200);
    assert.match(review.body, /name="confirmed" value="1"/);
    assert.equal((await ctx.db.kysely.selectFrom('oidc_clients').select('id').execute()).length, 0, 'not yet');

    // The confirmation page's own fields, as its Confirm button sends them.
    const hidden = Object.fromEntries(
      [...review.body.matchAll(/<input type="hidden" name="([a-z_]+)" value="([^"]*)"/g)].map((m) => [
        m[1]!,
        m[2]!.replace(/&#10;|&#xA;/gi, '\n').replace(/&amp;/g, '&'),
      ]),
    );
    delete hidden._csrf;
    const created = await agent.post('/backoffice/oidc-clients/new', { ...hidden, confirmed: '1' });
    assert.equal(created.statusCode, 201, created.body.slice(0, 400));
    const clientId = /data-client-id="([A-Za-z0-9_-]+)"/.exec(created.body)?.[1];
    const secret = /data-client-secret="([A-Za-z0-9_-]+)"/.exec(created.body)?.[1];
    assert.ok(clientId && secret, 'the id and the secret, this once');

    const row = await ctx.db.kysely.selectFrom('oidc_clients').selectAll().executeTakeFirstOrThrow();
    assert.equal(row.client_id, clientId);
    assert.equal(row.secret_hash, hashToken(secret), 'only the secret’s hash is kept');
    assert.deepEqual(JSON.parse(row.redirect_uris), ['https://farmacia.example/cb', 'https://farmacia.example/cb2']);
    assert.equal(row.scopes, 'openid email membership');
    assert.equal(row.first_party, 0);
    assert.equal(row.logo_uri, fields.logo_uri);
    assert.equal(row.backchannel_logout_uri, fields.backchannel_logout_uri);
    assert.equal(row.created_by, `staff:${staff.username}`);

    const list = await agent.get('/backoffice/oidc-clients');
    assert.equal(list.statusCode, 200);
    assert.match(list.body, /Farmacia Ejemplo/);
    assert.ok(list.body.includes(clientId));
    assert.ok(!list.body.includes(secret), 'never the secret again');

    // The provider knows the app at once (the same store as the CLI).
    const auth = await ctx.app.inject({
      url:
        '/oidc/auth?' +
        new URLSearchParams({
          client_id: clientId,
          response_type: 'code',
          scope: 'openid',
          redirect_uri: 'https://farmacia.example/cb',
          code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
          code_challenge_method: 'S256',
        }).toString(),
    });
    assert.equal(auth.statusCode, 303);
    assert.match(String(auth.headers.location), /\/oidc\/interaction\//);

    const confirmRevoke = await agent.get(`/backoffice/oidc-clients/${clientId}/revoke`);
    assert.equal(confirmRevoke.statusCode, 200);
    assert.ok(confirmRevoke.body.includes(`action="/backoffice/oidc-clients/${clientId}/revoke"`));
    assert.match(confirmRevoke.body, /href="\/backoffice\/oidc-clients"/);
    const revoked = await agent.post(`/backoffice/oidc-clients/${clientId}/revoke`, { confirmed: '1' });
    assert.equal(revoked.statusCode, 303);
    assert.equal(revoked.headers.location, '/backoffice/oidc-clients?done=revoked');
    const again = await agent.post(`/backoffice/oidc-clients/${clientId}/revoke`, { confirmed: '1' });
    assert.equal(again.statusCode, 409);
    assert.match(again.body, /href="\/backoffice\/oidc-clients"/, 'already revoked: back to the apps');
    const nobody = await agent.get('/backoffice/oidc-clients/nobody/revoke');
    assert.equal(nobody.statusCode, 404);
    assert.match(nobody.body, /href="\/backoffice\/oidc-clients"/);

    const audit = await ctx.db.kysely
      .selectFrom('audit_events')
      .select(['event', 'actor', 'details'])
      .where('event', 'like', 'oidc_client.%')
      .orderBy('id')
      .execute();
    assert.deepEqual(
      audit.map((a) => [a.event, a.actor]),
      [
        ['oidc_client.created', `staff:${staff.username}`],
        ['oidc_client.revoked', `staff:${staff.username}`],
      ],
    );
    assert.ok(!JSON.stringify(audit).includes(secret), 'never the secret in the audit log');
  });

  test('a bad redirect address, an http logo or logout address elsewhere than loopback: refused, said clearly', async () => {
    const { agent } = await signedInStaff(ctx, 'admin');
    await agent.get('/backoffice/oidc-clients/new');
    const bad = await agent.post('/backoffice/oidc-clients/new', {
      ...fields,
      redirect_uris: 'http://evil.example/cb',
      logo_uri: 'http://farmacia.example/logo.svg',
      backchannel_logout_uri: 'http://farmacia.example/logout',
      confirmed: '1',
    });
    assert.equal(bad.statusCode, 400);
    const t = translator(langOf(bad.body));
    for (const key of [
      'field.redirect_uri_invalid',
      'field.logo_uri_invalid',
      'field.backchannel_uri_invalid',
    ] as const)
      assert.ok(bad.body.includes(escape(t(key))), key);
    assert.match(bad.body, /href="#redirect_uri"/, 'the error summary links the field');
    // Addresses each valid alone that oidc-provider refuses together (a web app next to a native app's scheme):
    // refused here, not at the first sign-in.
    const mixed = await agent.post('/backoffice/oidc-clients/new', {
      ...fields,
      redirect_uris: 'https://farmacia.example/cb\r\nes.farmacia.app:/cb',
      confirmed: '1',
    });
    assert.equal(mixed.statusCode, 400);
    const detail = /Detal(?:le|l): ([^<]+)/.exec(mixed.body)?.[1];
    assert.ok(detail, 'the provider’s reason is shown');
    assert.ok(mixed.body.includes(escape(t('field.redirect_uri_combination', { detail: '' }).split(':')[0]!)));
    assert.equal((await ctx.db.kysely.selectFrom('oidc_clients').select('id').execute()).length, 1, 'nothing new');
  });

  test('an agent cannot list, register or revoke apps; a form without its CSRF token is refused', async () => {
    const { agent } = await signedInStaff(ctx, 'agent');
    assert.equal((await agent.get('/backoffice/oidc-clients')).statusCode, 403);
    assert.equal((await agent.get('/backoffice/oidc-clients/new')).statusCode, 403);
    assert.equal((await agent.post('/backoffice/oidc-clients/new', { ...fields, confirmed: '1' })).statusCode, 403);
    assert.equal((await agent.post('/backoffice/oidc-clients/x/revoke', { confirmed: '1' })).statusCode, 403);

    const { agent: admin } = await signedInStaff(ctx, 'admin');
    const before = (await ctx.db.kysely.selectFrom('oidc_clients').select('id').execute()).length;
    const forged = await ctx.app.inject({
      method: 'POST',
      url: '/backoffice/oidc-clients/new',
      cookies: admin.cookies,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        name: 'X',
        redirect_uris: 'https://x.example/cb',
        scopes: 'openid',
        confirmed: '1',
      }).toString(),
    });
    assert.equal(forged.statusCode, 403);
    assert.equal((await ctx.db.kysely.selectFrom('oidc_clients').select('id').execute()).length, before);
  });
});
