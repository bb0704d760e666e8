import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { Readable } from 'node:stream';
import * as oidc from 'openid-client';
import type { Browser, Page } from 'playwright-core';
import { todayIn } from '../../src/domain/calendar.js';
import { FEED_HEADER, nif, toCsvLine } from '../../src/feed/demo-feed.js';
import { importFeed } from '../../src/feed/feed.import.js';
import { createOidcClient } from '../../src/identity/oidc-clients.js';
import { generateSigningKeys } from '../../src/infra/oidc/signing-keys.js';
import { translator, type Lang } from '../../src/infra/i18n/i18n.js';
import {
  checkPage,
  chromiumSkip,
  launchBrowser,
  startServer,
  watchPage,
  type RunningServer,
} from '../helpers/browser.js';
import { describeEachDatabase } from '../helpers/databases.js';
import {
  accountFor,
  lastCode,
  memberFeedRow,
  memberWithAccount,
  TEST_PASSWORD,
  type TestMember,
} from '../helpers/fixture.js';

// R35 with a real relying party: openid-client (panva's certified client) drives the authorization code flow with
// PKCE through the portal's own pages in Chromium (sign-in's two steps, R7; the consent page in the member's
// language, R20), then checks what a relying party checks: the ID token (signature, iss, aud, nonce, acr/amr),
// userinfo, pairwise subjects across two apps, refresh rotation and reuse, revocation, introspection, and the
// errors: no PKCE, a wrong redirect URI, a wrong secret, a replayed code, forty redemptions of one code at once.

const skip = chromiumSkip();
const SHOTS = '/tmp/shots-r4-oidc';

/** A relying party's callback: answers 200 to anything, so the browser rests there and the test reads the URL. */
async function startCallback(): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('rp'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/cb`, server };
}

describeEachDatabase('OpenID Provider with a real relying party (R35)', (kind) => {
  let server: RunningServer;
  let browser: Browser;
  let rp: { url: string; server: Server };
  let partner: { clientId: string; secret: string };
  let own: { clientId: string; secret: string };
  let member: TestMember;
  const csp: string[] = [];
  const signing = generateSigningKeys().keys[0]!;

  before(async () => {
    if (skip) return;
    // Two keys, as during a rotation: the first signs, the second is only published.
    server = await startServer(
      { env: { OIDC_JWKS: JSON.stringify({ keys: [signing, generateSigningKeys().keys[0]] }) } },
      { localhost: true, kind },
    );
    browser = await launchBrowser();
    rp = await startCallback();
    const { ctx } = server;
    const make = async (name: string, firstParty: boolean) => {
      const made = await createOidcClient(ctx.db.kysely, ctx.clock, {
        name,
        redirectUris: [rp.url],
        scopes: ['openid', 'profile', 'email', 'phone', 'membership', 'offline_access'],
        firstParty,
        public: false,
        createdBy: 'test',
      });
      assert.ok(made.ok);
      return { clientId: made.value.clientId, secret: made.value.secret! };
    };
    partner = await make('Farmacia Ejemplo', false);
    own = await make('App Salud Ejemplo', true);
    member = await memberWithAccount(ctx, {
      language: 'es',
      record: { first_name: 'Lucía', last_name: 'Serrano', product: 'Salud Plus', policy_end: '2027-12-31' },
    });
  });

  after(async () => {
    if (skip) return;
    await browser?.close();
    rp?.server.close();
    await server?.close();
  });

  const rpConfig = (c: { clientId: string; secret: string }, secret = c.secret) =>
    oidc.discovery(new URL(server.baseUrl), c.clientId, undefined, oidc.ClientSecretBasic(secret), {
      execute: [oidc.allowInsecureRequests],
    });

  /** An authorization request as a relying party makes it: PKCE S256, state and nonce. */
  async function authorization(config: oidc.Configuration, scope: string) {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: rp.url,
      scope,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      // OpenID Connect Core §11: offline_access is granted only with prompt=consent.
      ...(scope.includes('offline_access') ? { prompt: 'consent' } : {}),
    });
    return { url, checks: { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce } };
  }

  async function newPage(lang: Lang, width: number): Promise<Page> {
    const context = await browser.newContext({
      locale: lang === 'es' ? 'es-ES' : 'en-GB',
      viewport: { width, height: 900 },
    });
    const page = await context.newPage();
    watchPage(page, csp);
    return page;
  }

  /** The portal's two-step sign-in (R7) where the provider sent the browser. */
  async function signIn(page: Page, who: Pick<TestMember, 'username' | 'password' | 'email'> = member): Promise<void> {
    assert.equal(new URL(page.url()).pathname, '/sign-in');
    await page.fill('#username', who.username);
    await page.fill('#password', who.password);
    await Promise.all([page.waitForNavigation(), page.click('main form[action="/sign-in"] button[type=submit]')]);
    if (await page.locator('#channel-email').count()) {
      await page.check('#channel-email');
      await Promise.all([
        page.waitForNavigation(),
        page.click('main form[action="/sign-in/verify/send"] button[type=submit]'),
      ]);
    }
    const code = await lastCode(server.ctx, who.email);
    await page.fill('input[autocomplete="one-time-code"]', code);
    await Promise.all([
      page.waitForURL((u) => !u.pathname.startsWith('/sign-in')),
      page.click('main form[action="/sign-in/verify/code"] button[type=submit]'),
    ]);
  }

  test('code + PKCE through sign-in and consent; ID token, userinfo, refresh, revocation', { skip }, async () => {
    const config = await rpConfig(partner);
    const { url, checks } = await authorization(config, 'openid profile email membership offline_access');
    const page = await newPage('es', 360);
    await page.goto(url.href);
    await signIn(page);
    // The consent page, in Spanish at 360 px: the app by name, what it will receive (R35, R20, R21).
    await page.waitForURL((u) => u.pathname.startsWith('/oidc/interaction/'));
    const t = translator('es');
    assert.equal((await page.textContent('h1'))?.trim(), t('oidc.consent.title', { app: 'Farmacia Ejemplo' }));
    assert.deepEqual(await page.locator('[data-scope]').evaluateAll((els) => els.map((e) => e.dataset.scope)), [
      'openid',
      'profile',
      'email',
      'membership',
      'offline_access',
    ]);
    // How long the permission lasts, and where it is taken back (ASVS V10.7.2).
    assert.equal((await page.textContent('[data-lifetime]'))?.trim(), t('oidc.consent.lifetime'));
    await checkPage(page, 'the consent page at 360 px');
    await page.screenshot({ path: `${SHOTS}/consent-es-360-${kind}.png`, fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.screenshot({ path: `${SHOTS}/consent-es-1280-${kind}.png`, fullPage: true });
    // The member's other language, from the page's own switch (R20).
    await Promise.all([page.waitForNavigation(), page.click('a[hreflang="en"], a[href$="?lang=en"]')]);
    assert.equal(
      (await page.textContent('h1'))?.trim(),
      translator('en')('oidc.consent.title', { app: 'Farmacia Ejemplo' }),
    );
    await checkPage(page, 'the consent page in English at 1280 px');
    await page.screenshot({ path: `${SHOTS}/consent-en-1280-${kind}.png`, fullPage: true });
    await page.setViewportSize({ width: 360, height: 900 });
    await page.screenshot({ path: `${SHOTS}/consent-en-360-${kind}.png`, fullPage: true });
    await Promise.all([
      page.waitForURL((u) => u.href.startsWith(rp.url)),
      page.click('form[action$="/confirm"] button[type=submit]'),
    ]);
    const callback = new URL(page.url());
    // RFC 9207: the response names its issuer.
    assert.equal(callback.searchParams.get('iss'), server.baseUrl);

    const tokens = await oidc.authorizationCodeGrant(config, callback, checks, undefined);
    const claims = tokens.claims()!;
    assert.equal(claims.iss, server.baseUrl);
    assert.equal(claims.aud, partner.clientId);
    assert.equal(claims.acr, 'urn:member-area:acr:2fa');
    assert.deepEqual(claims.amr, ['pwd', 'otp', 'mfa']);
    assert.notEqual(claims.sub, String(member.accountId), 'the subject is pairwise, not the account id');
    assert.ok(tokens.expires_in! <= 300, 'access tokens live five minutes at most');
    const header = JSON.parse(Buffer.from(tokens.id_token!.split('.')[0]!, 'base64url').toString()) as {
      kid: string;
      alg: string;
    };
    assert.deepEqual([header.kid, header.alg], [signing.kid, 'ES256'], 'the first key of OIDC_JWKS signs');

    const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
    assert.equal(info.given_name, 'Lucía');
    assert.equal(info.email, member.email);
    assert.equal(info.member_number, member.memberNumber);
    assert.deepEqual(info.policies, [
      {
        number: member.memberNumber.replace('HM', 'HP'),
        product: 'Salud Plus',
        status: 'active',
        valid_until: '2027-12-31',
      },
    ]);
    assert.equal(info.phone_number, undefined, 'phone was not asked for');

    // A copy of the database holds no usable token: neither the token nor its hash's preimage is stored in clear.
    const rows = await server.ctx.db.kysely.selectFrom('oidc_payloads').selectAll().execute();
    const dump = JSON.stringify(rows);
    for (const secret of [tokens.access_token, tokens.refresh_token!, callback.searchParams.get('code')!])
      assert.ok(!dump.includes(secret), 'no token in the database');

    // A second app of the insurer's own: no consent page (first-party), and another subject for the same member.
    const ownConfig = await rpConfig(own);
    const second = await authorization(ownConfig, 'openid profile');
    await Promise.all([page.waitForURL((u) => u.href.startsWith(rp.url)), page.goto(second.url.href)]);
    const ownTokens = await oidc.authorizationCodeGrant(ownConfig, new URL(page.url()), second.checks);
    assert.notEqual(ownTokens.claims()!.sub, claims.sub, 'pairwise: each app sees its own subject');

    // Refresh tokens rotate; the used one, presented again, revokes the whole grant (RFC 9700 §4.14.2).
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    assert.notEqual(refreshed.refresh_token, tokens.refresh_token);
    await assert.rejects(oidc.refreshTokenGrant(config, tokens.refresh_token!), { error: 'invalid_grant' });
    await assert.rejects(oidc.refreshTokenGrant(config, refreshed.refresh_token!), { error: 'invalid_grant' });
    assert.equal((await oidc.tokenIntrospection(config, refreshed.access_token)).active, false);

    // Revocation and introspection with the other app's tokens; a wrong secret is refused.
    assert.equal((await oidc.tokenIntrospection(ownConfig, ownTokens.access_token)).active, true);
    assert.equal(
      (await oidc.tokenIntrospection(config, ownTokens.access_token)).active,
      false,
      'another app learns nothing of a token that is not its own',
    );
    await oidc.tokenRevocation(ownConfig, ownTokens.access_token);
    assert.equal((await oidc.tokenIntrospection(ownConfig, ownTokens.access_token)).active, false);
    await assert.rejects(
      oidc.tokenIntrospection(await rpConfig(own, 'not-the-secret'), ownTokens.access_token),
      (err: { status?: number; cause?: { parameters?: { error?: string } }[] }) =>
        err.status === 401 && err.cause?.[0]?.parameters?.error === 'invalid_client',
    );

    // RP-initiated logout: the member confirms in the portal's page, and the portal session ends with it.
    await page.goto(oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token! }).href);
    assert.equal((await page.textContent('h1'))?.trim(), translator('en')('oidc.logout.title'));
    await checkPage(page, 'the logout confirmation');
    await Promise.all([page.waitForNavigation(), page.click('button[name=logout][value=yes]')]);
    assert.equal((await page.textContent('h1'))?.trim(), translator('en')('oidc.logout.done.title'));
    await page.goto(`${server.baseUrl}/area`);
    assert.equal(new URL(page.url()).pathname, '/sign-in', 'the portal session ended too');
    assert.deepEqual(csp, [], 'no CSP violation on the way');
    await page.context().close();
  });

  test('a replayed code is refused and revokes what it gave; forty at once give one token', { skip }, async () => {
    const config = await rpConfig(own);
    const page = await newPage('en', 1280);
    const codeFor = async () => {
      const auth = await authorization(config, 'openid');
      await page.goto(auth.url.href);
      if (new URL(page.url()).pathname === '/sign-in') await signIn(page);
      await page.waitForURL((u) => u.href.startsWith(rp.url));
      return { callback: new URL(page.url()), checks: auth.checks };
    };
    const first = await codeFor();
    const tokens = await oidc.authorizationCodeGrant(config, first.callback, first.checks);
    await assert.rejects(oidc.authorizationCodeGrant(config, first.callback, first.checks), { error: 'invalid_grant' });
    assert.equal((await oidc.tokenIntrospection(config, tokens.access_token)).active, false);

    const second = await codeFor();
    const results = await Promise.allSettled(
      Array.from({ length: 40 }, () => oidc.authorizationCodeGrant(config, second.callback, second.checks)),
    );
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1, 'one redemption wins');
    await page.context().close();
  });

  test(
    'connected apps: the member sees the app and what it receives, and disconnecting ends its tokens',
    { skip },
    async () => {
      const config = await rpConfig(partner);
      const auth = await authorization(config, 'openid email offline_access');
      const page = await newPage('es', 360);
      await page.goto(auth.url.href);
      await signIn(page);
      await page.waitForURL((u) => u.pathname.startsWith('/oidc/interaction/'));
      await Promise.all([
        page.waitForURL((u) => u.href.startsWith(rp.url)),
        page.click('form[action$="/confirm"] button[type=submit]'),
      ]);
      const tokens = await oidc.authorizationCodeGrant(config, new URL(page.url()), auth.checks);

      const t = translator('es');
      await page.goto(`${server.baseUrl}/area/security`);
      await Promise.all([page.waitForNavigation(), page.click('a[href="/area/security/apps"]')]);
      assert.equal((await page.textContent('h1'))?.trim(), t('oidc.apps.title'));
      const card = page.locator(`section[data-client="${partner.clientId}"]`);
      assert.equal((await card.locator('h2').textContent())?.trim(), 'Farmacia Ejemplo');
      assert.deepEqual(await card.locator('[data-scope]').evaluateAll((els) => els.map((e) => e.dataset.scope)), [
        'openid',
        'email',
        'offline_access',
      ]);
      await checkPage(page, 'connected apps at 360 px');
      await page.screenshot({ path: `${SHOTS}/connected-apps-es-360-${kind}.png`, fullPage: true });
      await page.setViewportSize({ width: 1280, height: 900 });
      await page.screenshot({ path: `${SHOTS}/connected-apps-es-1280-${kind}.png`, fullPage: true });

      // Another app's id in the form (not this member's connection): a 404, nothing ended.
      await page.evaluate(
        `document.querySelector('section[data-client] form').action = '/area/security/apps/nobody/disconnect'`,
      );
      const [notFound] = await Promise.all([page.waitForNavigation(), page.click('section[data-client] form button')]);
      assert.equal(notFound?.status(), 404);
      assert.equal((await oidc.tokenIntrospection(config, tokens.refresh_token!)).active, true);

      await page.goto(`${server.baseUrl}/area/security/apps`);
      await Promise.all([
        page.waitForNavigation(),
        page.click(`section[data-client="${partner.clientId}"] form button[type=submit]`),
      ]);
      assert.equal(
        (await page.textContent('.alert.success'))?.trim(),
        t('oidc.apps.disconnected', { app: 'Farmacia Ejemplo' }),
      );
      assert.equal(await page.locator(`section[data-client="${partner.clientId}"]`).count(), 0);
      await assert.rejects(oidc.refreshTokenGrant(config, tokens.refresh_token!), { error: 'invalid_grant' });
      assert.equal((await oidc.tokenIntrospection(config, tokens.access_token)).active, false);
      await page.context().close();
    },
  );

  test('no PKCE, a wrong redirect URI, a plain code challenge, a scope not registered: refused', { skip }, async () => {
    const config = await rpConfig(partner);
    const base = { client_id: partner.clientId, response_type: 'code', scope: 'openid', state: 's1' };
    const auth = (params: Record<string, string>) =>
      fetch(`${server.baseUrl}/oidc/auth?${new URLSearchParams(params)}`, { redirect: 'manual' });
    // No PKCE: back to the app with invalid_request (the redirect URI is the registered one).
    const noPkce = await auth({ ...base, redirect_uri: rp.url });
    assert.equal(noPkce.status, 303);
    const back = new URL(noPkce.headers.get('location')!);
    assert.equal(back.origin + back.pathname, rp.url);
    assert.equal(back.searchParams.get('error'), 'invalid_request');
    // plain is not S256.
    const plain = await auth({
      ...base,
      redirect_uri: rp.url,
      code_challenge: 'a'.repeat(43),
      code_challenge_method: 'plain',
    });
    assert.equal(new URL(plain.headers.get('location')!).searchParams.get('error'), 'invalid_request');
    // A redirect URI not registered exactly (even one more path segment): never redirected to, a page instead.
    for (const wrong of [`${rp.url}/x`, 'https://evil.example/cb', rp.url.toUpperCase()]) {
      const res = await auth({
        ...base,
        redirect_uri: wrong,
        code_challenge: 'a'.repeat(43),
        code_challenge_method: 'S256',
      });
      assert.equal(res.status, 400, wrong);
      assert.equal(res.headers.get('location'), null);
      assert.match(await res.text(), /invalid_redirect_uri/);
    }
    // A scope the client was not registered for is refused, not quietly granted.
    const narrow = await createOidcClient(server.ctx.db.kysely, server.ctx.clock, {
      name: 'Solo identidad',
      redirectUris: [rp.url],
      scopes: ['openid'],
      firstParty: false,
      public: true,
      createdBy: 'test',
    });
    assert.ok(narrow.ok);
    const wider = await auth({
      ...base,
      client_id: narrow.value.clientId,
      scope: 'openid email',
      redirect_uri: rp.url,
      code_challenge: 'a'.repeat(43),
      code_challenge_method: 'S256',
    });
    assert.equal(new URL(wider.headers.get('location')!).searchParams.get('error'), 'invalid_scope');
    // The implicit flow and the password grant do not exist.
    const implicit = await auth({ ...base, redirect_uri: rp.url, response_type: 'id_token', nonce: 'n' });
    assert.ok([303, 400].includes(implicit.status));
    const password = await fetch(`${server.baseUrl}/oidc/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${partner.clientId}:${partner.secret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'password', username: member.username, password: member.password }),
    });
    assert.equal(password.status, 400);
    assert.equal(((await password.json()) as { error: string }).error, 'unsupported_grant_type');
    assert.ok(config.serverMetadata().authorization_response_iss_parameter_supported);
  });
  test(
    'a guardian signs an app in for a minor (R14): the choice, the consent saying so, sub and act',
    { skip },
    async () => {
      const { ctx } = server;
      const today = todayIn(ctx.config.timeZone, ctx.clock.now());
      await importFeed(
        { db: ctx.db, clock: ctx.clock, courier: ctx.courier, timeZone: ctx.config.timeZone },
        Readable.from([
          FEED_HEADER +
            [
              memberFeedRow({
                policy_number: 'POL-G9',
                member_number: 'G9-1',
                first_name: 'Marta',
                last_name: 'Gil',
                date_of_birth: '1980-03-03',
                email: 'marta.gil@example.com',
              }),
              memberFeedRow({
                policy_number: 'POL-G9',
                member_number: 'G9-2',
                role: 'dependent',
                first_name: 'Leo',
                last_name: 'Gil',
                date_of_birth: `${Number(today.slice(0, 4)) - 9}-05-05`,
                guardian_member_numbers: 'G9-1',
              }),
            ]
              .map(toCsvLine)
              .join(''),
        ]),
      );
      const guardian = {
        username: nif(10009931),
        email: 'marta.gil@example.com',
        password: TEST_PASSWORD,
      };
      await accountFor(ctx, { ...guardian, memberNumbers: ['G91'], language: 'es' });
      const config = await rpConfig(partner);
      const { url, checks } = await authorization(config, 'openid profile membership');
      const page = await newPage('es', 360);
      await page.goto(url.href);
      await signIn(page, guardian);
      // Whom the app is for: herself, or Leo (R14's selector).
      await page.waitForSelector('form[action$="/login"]');
      const t = translator('es');
      assert.equal((await page.textContent('h1'))?.trim(), t('oidc.actFor.title', { app: 'Farmacia Ejemplo' }));
      await checkPage(page, 'the guardian’s choice at 360 px');
      await page.check('input[name=for]:not([value=self])');
      await Promise.all([
        page.waitForSelector('[data-acting-for]'),
        page.click('form[action$="/login"] button[type=submit]'),
      ]);
      assert.equal(
        (await page.textContent('[data-acting-for]'))?.trim(),
        t('oidc.consent.actingFor', { app: 'Farmacia Ejemplo', minor: 'Leo Gil', name: 'Marta Gil' }),
      );
      await checkPage(page, 'the consent for a minor');
      await Promise.all([
        page.waitForURL((u) => u.href.startsWith(rp.url)),
        page.click('form[action$="/confirm"] button[type=submit]'),
      ]);
      const tokens = await oidc.authorizationCodeGrant(config, new URL(page.url()), checks);
      const claims = tokens.claims()! as oidc.IDToken & { act?: { sub: string } };
      assert.ok(claims.act?.sub, 'act names the guardian');
      assert.notEqual(claims.act.sub, claims.sub, 'the subject is the minor, the actor the guardian');
      const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
      assert.equal(info.given_name, 'Leo');
      assert.deepEqual(csp, [], 'no CSP violation on the way');
      await page.context().close();
    },
  );
});
