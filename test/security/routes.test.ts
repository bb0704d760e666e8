import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import type { RegisteredRoute } from '../../src/app.js';
import { lastCode, memberWithAccount, signedIn, TEST_PASSWORD } from '../helpers/fixture.js';
import { BrowserAgent } from '../helpers/browser-agent.js';
import { describeEachDatabase } from '../helpers/databases.js';
import { formSecrets, setup, type TestContext } from '../helpers/setup.js';
import { Readable } from 'node:stream';
import { findMemberOwner, putDocument } from '../../src/infra/documents/documents.repository.js';
import { receiveFile } from '../../src/infra/files/upload.js';
import { makePdf } from '../helpers/pdf.js';

// Abuse suite over every registered route (R8, R14, R22; ASVS 3.3, 7.2, 7.4, 8.2, 14.2, V3 headers): the route list
// comes from Fastify itself (app.registeredRoutes, filled by an onRoute hook), so a route added later is checked
// without anyone remembering to add it here.

/** Routes anyone may call. Everything else must be private, under /area, behind requireMember. */
const PUBLIC = new Set([
  'GET /',
  'GET /healthz',
  'GET /readyz',
  'GET /assets/*',
  'GET /assets/vendor/altcha/*',
  'GET /assets/brand.css',
  'GET /favicon.svg',
  'GET /favicon.ico',
  'GET /captcha/challenge',
  'GET /help',
  'GET /directory',
  'GET /help/:topic',
  'GET /legal/:page',
  'GET /.well-known/security.txt',
  'GET /register',
  'POST /register',
  'GET /register/details',
  'POST /register/details',
  'POST /register/back',
  'GET /register/password',
  'POST /register/password',
  'GET /register/done',
  'GET /sign-in',
  'POST /sign-in',
  'GET /sign-in/verify',
  'POST /sign-in/verify/send',
  'POST /sign-in/verify/code',
  'GET /sign-in/link/:token',
  'POST /sign-out',
  'GET /recovery',
  'POST /recovery',
  'GET /recovery/send',
  'POST /recovery/send',
  'GET /recovery/sent',
  'GET /recovery/reset/:token',
  'GET /recovery/reset',
  'POST /recovery/reset',
  'GET /recovery/done',
  // R28: the new-device email's "this wasn't me" link (confirm on GET, act on POST with CSRF) and its result page.
  'GET /sign-in/not-me/:token',
  'POST /sign-in/not-me/:token',
  'GET /sign-in/not-me/done',
  // R32: a certificate's verification address, for anyone who holds the certificate (no cookies, rate-limited).
  'GET /verify/:token',
  // R33: a card's check address, for a clinic that scans its QR code (no cookies, the same limit as R32's page).
  'GET /verify/card/:token',
  // R37: the brand's mark, the header's logo when the brand file names none.
  'GET /assets/logo.svg',
  // R27: passkey sign-in (a challenge in a stored flow, then the answer; both POST with CSRF) and the WebAuthn library.
  'GET /assets/webauthn.js',
  'POST /sign-in/passkey/options',
  'POST /sign-in/passkey',
  'POST /sign-in/verify/passkey/options',
  'POST /sign-in/verify/passkey',
  // R35: the OpenID Provider's interaction pages; each checks the provider's interaction cookie and the portal session
  // itself (no session: off to the sign-in page), and the POSTs carry CSRF like every form.
  'GET /oidc/interaction/:uid',
  'POST /oidc/interaction/:uid/confirm',
  'POST /oidc/interaction/:uid/abort',
  // R35 with R14: the guardian's choice of whom an app is for (checks the portal session itself).
  'POST /oidc/interaction/:uid/login',
  // Development only: not registered in production (web.test.ts checks the 404 there).
  'GET /dev/mailbox',
  'GET /dev/mailbox/:id.html',
]);

/**
 * Routes that opt out of the form CSRF check (config.csrf === false): only the integration API (R24), which no cookie
 * authenticates (an API key in the Authorization header does; a browser cannot be made to send one).
 */
const CSRF_EXEMPT_REASON = 'integration API: authenticated by an API key header, never by a cookie (R24)';

/** HTML routes allowed an 'unsafe-inline' anywhere in their CSP, with the reason. */
const INLINE_STYLE_EXEMPT = new Map([
  [
    'GET /dev/mailbox/:id.html',
    'development mailbox preview of an email, whose HTML needs inline styles; no script at all (default-src none), absent in production',
  ],
]);

const key = (r: RegisteredRoute) => `${r.method} ${r.url}`;
const isPrivate = (r: RegisteredRoute) => r.url === '/area' || r.url.startsWith('/area/');
/**
 * Back-office routes: the staff guard's own suite (staff-admin.test.ts) walks every one of them, with and without
 * roles.
 */
const isBackOffice = (r: RegisteredRoute) => r.url === '/backoffice' || r.url.startsWith('/backoffice/');
const isApi = (r: RegisteredRoute) => r.url.startsWith('/api/v1/');
/** A concrete URL for a route pattern. */
const concrete = (url: string) =>
  url
    .replace(':token', 'A'.repeat(43))
    .replace(':topic', 'no-email')
    .replace(':id.html', '1.html')
    .replace(':id', '1')
    .replace('*', 'app.css');

const form = { 'content-type': 'application/x-www-form-urlencoded' };

describeEachDatabase('abuse: every route', (kind) => {
  let ctx: TestContext;
  let routes: RegisteredRoute[];
  let n = 0;
  const member = () => memberWithAccount(ctx, { n: ++n });
  const sessionCookie = (agent: BrowserAgent) =>
    Object.entries(agent.cookies).find(([name]) => name.endsWith('session'))!;

  before(async () => {
    ctx = await setup(kind);
    routes = ctx.app.registeredRoutes.filter((r) => r.method !== 'HEAD');
  });
  after(() => ctx.close());
  beforeEach(async () => {
    await ctx.db.kysely.deleteFrom('rate_limits').execute();
  });

  test('every route is either listed as public, private under /area, back office or integration API; the private ones exist', () => {
    const unknown = routes
      .filter((r) => !isPrivate(r) && !isBackOffice(r) && !isApi(r) && !PUBLIC.has(key(r)))
      .map(key);
    assert.deepEqual(unknown, [], 'a new public route must be added to PUBLIC here, on purpose');
    const privateRoutes = routes.filter(isPrivate).map(key);
    for (const expected of [
      'GET /area',
      'POST /area/switch',
      'GET /area/card',
      'POST /area/contact/email',
      'POST /area/security/password',
      'POST /area/security/sessions/:id/end',
    ]) {
      assert.ok(privateRoutes.includes(expected), expected);
    }
  });

  test('CSRF: every state-changing route refuses a request without a valid token, even from a signed-in browser (R8)', async () => {
    const exempt = routes.filter((r) => !r.csrf);
    assert.deepEqual(
      exempt.filter((r) => !isApi(r)).map(key),
      [],
      `only the API skips the CSRF check: ${CSRF_EXEMPT_REASON}`,
    );
    assert.ok(
      exempt.length > 0 && exempt.every((r) => r.method !== 'GET'),
      'the API routes that change data are the exempt ones',
    );
    const m = await member();
    const victim = await signedIn(ctx, m);
    const other = new BrowserAgent(ctx.app);
    const { token: foreignToken } = formSecrets(await other.get('/sign-in'));
    const changing = routes.filter((r) => !['GET', 'HEAD', 'OPTIONS'].includes(r.method) && r.csrf && !isApi(r));
    assert.ok(changing.length >= 20, `found ${changing.length} state-changing routes`);
    for (const route of changing) {
      const url = concrete(route.url);
      for (const payload of [
        'member=AS1001&code=123456&password=x',
        `_csrf=${encodeURIComponent(foreignToken)}&member=AS1001`,
      ]) {
        const res = await ctx.app.inject({
          method: route.method as 'POST',
          url,
          cookies: victim.cookies,
          headers: form,
          payload,
        });
        assert.equal(
          res.statusCode,
          403,
          `${key(route)} with ${payload.startsWith('_csrf') ? "another browser's token" : 'no token'}`,
        );
        assert.match(res.body, /El formulario ha caducado/);
      }
    }
    assert.equal(
      (await victim.get('/area')).statusCode,
      200,
      'none of the refused posts (sign-out, end sessions…) took effect',
    );
  });

  test('authorisation: every private route without a session, or with an ended one, goes to sign-in and changes nothing (R8)', async () => {
    const m = await member();
    const ended = await signedIn(ctx, m);
    const [name, stale] = sessionCookie(ended);
    await ended.post('/sign-out', {});
    const anonymous = new BrowserAgent(ctx.app);
    const { cookies, token } = formSecrets(await anonymous.get('/sign-in'));
    const privateRoutes = routes.filter(isPrivate);
    for (const route of privateRoutes) {
      for (const [label, extra] of [
        ['no session', {}],
        ['an ended session', { [name]: stale }],
      ] as const) {
        const res = await ctx.app.inject({
          method: route.method as 'GET' | 'POST',
          url: concrete(route.url),
          cookies: { ...cookies, ...extra },
          ...(route.method === 'GET'
            ? {}
            : {
                headers: form,
                payload: `_csrf=${encodeURIComponent(token)}&member=AS1001&new_email=x%40example.com&email_password=${TEST_PASSWORD}&current_password=${TEST_PASSWORD}&password=Nueva2030Clave&password_confirmation=Nueva2030Clave&channel=email&code=123456`,
              }),
        });
        assert.equal(res.statusCode, 303, `${key(route)} with ${label}`);
        assert.match(String(res.headers.location), /^\/sign-in\?/, key(route));
        assert.equal(res.headers['cache-control'], 'no-store', key(route));
      }
    }
    const account = await ctx.db.kysely
      .selectFrom('accounts')
      .select(['email', 'password_hash'])
      .where('id', '=', m.accountId)
      .executeTakeFirstOrThrow();
    assert.equal(account.email, m.email, 'nothing changed');
    assert.equal((await ctx.outbox()).filter((x) => x.template === 'password-changed').length, 0);
  });

  test('headers: every page has the CSP without unsafe-inline, no framing, no referrer, nosniff; HTML and private pages are never stored', async () => {
    const m = await member();
    const agent = await signedIn(ctx, m);
    // R32: document 1 is this member's, so /area/documents/1 is a real download, checked like a page.
    const pdf = await receiveFile(
      { file: Readable.from([await makePdf('Recibo')]), filename: 'r.pdf', mimetype: 'application/pdf' },
      ctx.secretBox,
      'file',
    );
    assert.ok(pdf.ok);
    const owner = (await findMemberOwner(ctx.db.kysely, m.memberNumber))!;
    const fields = { titleEs: 'Recibo', titleEn: 'Receipt', kind: 'receipt', date: '2026-01-01' } as const;
    await ctx.db.kysely
      .transaction()
      .execute((trx) => putDocument(trx, owner, 'R-1', fields, pdf.value, ctx.clock.now().toISOString()));
    for (const route of routes.filter((r) => r.method === 'GET')) {
      const res: LightMyRequestResponse = isPrivate(route)
        ? await agent.get(concrete(route.url))
        : await ctx.app.inject(concrete(route.url));
      const label = `${key(route)} → ${res.statusCode}`;
      assert.ok(res.statusCode < 500, label);
      const csp = String(res.headers['content-security-policy'] ?? '');
      assert.match(csp, /frame-ancestors 'none'/, label);
      if (!INLINE_STYLE_EXEMPT.has(key(route))) assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, label);
      assert.doesNotMatch(csp.split(';').find((d) => d.trim().startsWith('script-src')) ?? '', /unsafe/, label);
      assert.equal(res.headers['referrer-policy'], 'no-referrer', label);
      assert.equal(res.headers['x-content-type-options'], 'nosniff', label);
      if (String(res.headers['content-type']).startsWith('text/html') || isPrivate(route))
        assert.equal(res.headers['cache-control'], 'no-store', label);
      // R31: a request's page and files exist once the member sent one (the 404 for anyone else is requests.test.ts's).
      if (
        isPrivate(route) &&
        !route.url.includes('confirm') &&
        !route.url.includes('totp') &&
        !route.url.includes(':reference')
      )
        assert.equal(res.statusCode, 200, `${label}: the page itself was checked`);
    }
  });

  test('session fixation: a planted cookie is never adopted, and each sign-in gets a new token (R8)', async () => {
    const m = await member();
    const attacker = await signedIn(ctx, m);
    const [name, attackerToken] = sessionCookie(attacker);
    const victim = await member();
    const browser = new BrowserAgent(ctx.app);
    browser.cookies[name] = attackerToken; // planted by the attacker (a shared computer, a sibling domain, …)
    const victimBrowser = await signedIn(ctx, victim, { browser: browser });
    const [, victimToken] = sessionCookie(victimBrowser);
    assert.notEqual(victimToken, attackerToken, 'a new token at sign-in');
    assert.equal(
      (await ctx.app.inject({ url: '/area', cookies: { [name]: attackerToken } })).statusCode,
      303,
      'the planted session was ended, not upgraded',
    );
    const again = await signedIn(ctx, victim, { browser: victimBrowser });
    assert.notEqual(sessionCookie(again)[1], victimToken, 're-authentication gets another new token');
    assert.equal(
      (await ctx.app.inject({ url: '/area', cookies: { [name]: victimToken } })).statusCode,
      303,
      'and ends the previous one',
    );

    const invented = new BrowserAgent(ctx.app);
    invented.cookies[name] = 'Invented-by-the-attacker-0123456789abcdefghijk';
    const after = await signedIn(ctx, victim, { browser: invented });
    assert.notEqual(sessionCookie(after)[1], 'Invented-by-the-attacker-0123456789abcdefghijk');
  });

  test('a disabled account’s sessions stop at once (ASVS 7.4.2)', async () => {
    const m = await member();
    const agent = await signedIn(ctx, m);
    await ctx.db.kysely.updateTable('accounts').set({ status: 'disabled' }).where('id', '=', m.accountId).execute();
    const res = await agent.get('/area');
    assert.equal(res.statusCode, 303);
    const open = await ctx.db.kysely
      .selectFrom('sessions')
      .select('id')
      .where('account_id', '=', m.accountId)
      .where('ended_at', 'is', null)
      .execute();
    assert.equal(open.length, 0, 'ended on the server');
  });
});

test('production: every cookie is __Host-, Secure, HttpOnly, SameSite=Lax, host-only; HSTS on every route (R8)', async () => {
  const ctx = await setup('sqlite', {
    env: {
      NODE_ENV: 'production',
      PUBLIC_URL: 'https://area.example.es',
      SMTP_URL: 'smtp://127.0.0.1:2525',
      SECRET_KEY: 's'.repeat(40),
      ENCRYPTION_KEY: 'e'.repeat(64),
    },
  });
  try {
    const m = await memberWithAccount(ctx, { n: 1 });
    const seen: LightMyRequestResponse['cookies'] = [];
    const agent = new BrowserAgent(ctx.app);
    const keep = (res: LightMyRequestResponse) => seen.push(...res.cookies);
    keep(await agent.get('/?lang=en'));
    keep(await agent.get('/sign-in'));
    keep(await agent.post('/sign-in', { username: m.username, password: TEST_PASSWORD }));
    keep(await agent.get('/sign-in/verify'));
    keep(await agent.post('/sign-in/verify/send', { channel: 'email' }));
    keep(await agent.post('/sign-in/verify/code', { code: await lastCode(ctx, m.email) }));
    keep(await agent.post('/register', { member_number: 'X', birth_date: '01/01/1990', policy_number: 'Y' }));
    keep(await agent.post('/sign-out', {}));
    const names = new Set(seen.map((c) => c.name));
    for (const expected of ['__Host-lang', '__Host-csrf', '__Host-signin', '__Host-session'])
      assert.ok(names.has(expected), `${expected} among ${[...names].join(', ')}`);
    for (const c of seen) {
      assert.match(c.name, /^__Host-/, c.name);
      assert.equal(c.secure, true, `${c.name} Secure`);
      assert.equal(c.httpOnly, true, `${c.name} HttpOnly`);
      assert.equal(c.sameSite, 'Lax', `${c.name} SameSite`);
      assert.equal(c.path, '/', `${c.name} Path`);
      assert.equal(c.domain, undefined, `${c.name} host-only`);
    }
    for (const route of ctx.app.registeredRoutes.filter((r) => r.method === 'GET')) {
      const res = await ctx.app.inject(concrete(route.url));
      assert.match(String(res.headers['strict-transport-security']), /max-age=31536000; includeSubDomains/, route.url);
    }
  } finally {
    await ctx.close();
  }
});
