import assert from 'node:assert/strict';
import { createHash, createHmac, createPublicKey, randomBytes, verify } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { ManualClock } from '../../clock.js';
import { todayIn } from '../../domain/calendar.js';
import { FEED_HEADER, nif, toCsvLine } from '../../feed/demo-feed.js';
import { importFeed } from '../../feed/feed.import.js';
import { translator } from '../../infra/i18n/i18n.js';
import { createOidcClient, revokeOidcClient } from '../../identity/oidc-clients.js';
import { BrowserAgent } from '../../../test/helpers/browser-agent.js';
import { describeEachDatabase } from '../../../test/helpers/databases.js';
import {
  accountFor,
  lastCode,
  memberFeedRow,
  memberIdOf,
  memberWithAccount,
  signedIn,
  TEST_PASSWORD,
  type TestMember,
} from '../../../test/helpers/fixture.js';
import { setup, testConfig, type TestContext } from '../../../test/helpers/setup.js';
import { signedInStaff } from '../../../test/helpers/staff.js';
import { loggerOptions } from '../../infra/web/logging.js';

// R35 with R8: when the provider asks the member to sign in again. prompt=login and max_age need a sign-in made
// during the request (auth_time says when), and the provider's session never outlives the portal's: a portal
// session that idled out or ended sends the member through sign-in again. Also the code's and the refresh token's
// lifetimes, on the portal's clock. Inject only: the browser journey is test/browser/oidc.browser.test.ts.

const REDIRECT = 'https://app.example/cb';

export interface OidcHarness {
  ctx: TestContext;
  clientId: string;
  secret?: string;
}

/** The outcome of an authorization request: the app got a code, or the member was sent to sign in (or consent). */
export type AuthOutcome =
  | { kind: 'code'; code: string; verifier: string }
  | { kind: 'sign-in'; next: string; why: string | null; verifier: string }
  | { kind: 'consent'; uid: string; verifier: string }
  | { kind: 'act-for'; uid: string; verifier: string }
  | { kind: 'error'; error: string; verifier: string };

/** Follows an authorization request as a browser would, through the provider and the portal's interaction pages. */
export async function authorize(
  agent: BrowserAgent,
  clientId: string,
  params: Record<string, string> = {},
  scope = 'openid',
): Promise<AuthOutcome> {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const url =
    '/oidc/auth?' +
    new URLSearchParams({
      client_id: clientId,
      response_type: 'code',
      scope,
      redirect_uri: REDIRECT,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: 'st',
      nonce: 'no',
      ...params,
    }).toString();
  return { ...(await walk(agent, await agent.get(url))), verifier } as AuthOutcome;
}

type Walked =
  | { kind: 'code'; code: string }
  | { kind: 'sign-in'; next: string; why: string | null }
  | { kind: 'consent'; uid: string }
  | { kind: 'act-for'; uid: string }
  | { kind: 'error'; error: string };

/** Follows redirects and Refresh pages from an answer until the app's callback, the sign-in, or a page to fill. */
export async function walk(agent: BrowserAgent, res: Awaited<ReturnType<BrowserAgent['get']>>): Promise<Walked> {
  for (let hop = 0; hop < 10; hop++) {
    const refresh = /^0;url=(.+)$/.exec(String(res.headers.refresh ?? ''))?.[1];
    const location = res.headers.location ? String(res.headers.location) : refresh;
    if (!location) {
      const uid = /\/oidc\/interaction\/([^/]+)\/confirm/.exec(res.body)?.[1];
      if (uid) return { kind: 'consent', uid };
      const chooser = /\/oidc\/interaction\/([^/]+)\/login/.exec(res.body)?.[1];
      if (chooser) return { kind: 'act-for', uid: chooser };
      throw new Error(`stuck: ${res.statusCode} ${res.body.slice(0, 300)}`);
    }
    const to = new URL(location, 'http://localhost');
    if (location.startsWith(REDIRECT)) {
      const code = to.searchParams.get('code');
      if (code) return { kind: 'code', code };
      return { kind: 'error', error: to.searchParams.get('error') ?? '?' };
    }
    if (to.pathname === '/sign-in')
      return {
        kind: 'sign-in',
        next: to.searchParams.get('next') ?? '',
        why: to.searchParams.get('expired') ? 'expired' : to.searchParams.get('reauth') ? 'reauth' : null,
      };
    res = await agent.get(to.pathname + to.search);
  }
  throw new Error('too many redirects');
}

/** The portal's two steps on this browser, carrying `next` as the sign-in page does; where it lands. */
export async function signInAgain(ctx: TestContext, agent: BrowserAgent, who: TestMember, next: string) {
  await ctx.db.kysely.deleteFrom('rate_limits').execute();
  await agent.get(`/sign-in?next=${encodeURIComponent(next)}`);
  const first = await agent.post('/sign-in', { username: who.username, password: who.password, next });
  assert.equal(first.statusCode, 303);
  // Issue 32: a member who signed in before (a preferred channel) gets the code at the password step.
  if (first.headers.location === '/sign-in/verify?sent=1') await agent.get('/sign-in/verify?sent=1');
  else {
    await agent.get('/sign-in/verify');
    assert.equal((await agent.post('/sign-in/verify/send', { channel: 'email' })).statusCode, 303);
  }
  const done = await agent.post('/sign-in/verify/code', { code: await lastCode(ctx, who.email) });
  assert.equal(done.headers.location, next);
}

/** The token endpoint, as a client calls it (HTTP Basic for a confidential client, client_id for a public one). */
export async function tokenRequest(
  ctx: TestContext,
  client: { clientId: string; secret?: string },
  form: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await ctx.app.inject({
    method: 'POST',
    url: '/oidc/token',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(client.secret
        ? { authorization: `Basic ${Buffer.from(`${client.clientId}:${client.secret}`).toString('base64')}` }
        : {}),
    },
    payload: new URLSearchParams({ ...(client.secret ? {} : { client_id: client.clientId }), ...form }).toString(),
  });
  return { status: res.statusCode, body: res.json() as Record<string, unknown> };
}

export async function redeem(ctx: TestContext, client: { clientId: string; secret?: string }, outcome: AuthOutcome) {
  assert.equal(outcome.kind, 'code', JSON.stringify(outcome));
  return tokenRequest(ctx, client, {
    grant_type: 'authorization_code',
    code: (outcome as { code: string }).code,
    redirect_uri: REDIRECT,
    code_verifier: outcome.verifier,
  });
}

export function idTokenClaims(idToken: unknown): Record<string, unknown> {
  return JSON.parse(Buffer.from(String(idToken).split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
}

describeEachDatabase('OpenID Provider: signing in again (R35, R8)', (kind) => {
  let ctx: TestContext;
  let clientId: string;
  let member: TestMember;
  const nowSeconds = () => Math.floor(Date.now() / 1000);

  before(async () => {
    // The portal's clock starts at the real time: the provider stamps its own records with it.
    ctx = await setup(kind, { clock: new ManualClock(new Date()) });
    const made = await createOidcClient(ctx.db.kysely, ctx.clock, {
      name: 'App Salud',
      redirectUris: [REDIRECT],
      scopes: ['openid', 'profile', 'offline_access'],
      firstParty: true,
      public: true,
      createdBy: 'test',
    });
    assert.ok(made.ok);
    clientId = made.value.clientId;
    member = await memberWithAccount(ctx);
  });
  after(() => ctx.close());

  test('a live portal session gets a code at once; once it idles out, the app’s request asks to sign in', async () => {
    const agent = await signedIn(ctx, member);
    const first = await authorize(agent, clientId);
    assert.equal(first.kind, 'code');
    // The provider now has a session of its own for this browser; the portal's idles out (R8: 15 minutes).
    ctx.clock.advanceMinutes(16);
    const again = await authorize(agent, clientId);
    assert.equal(again.kind, 'sign-in', 'the provider session does not outlive the portal’s');
    assert.equal((again as { why: string | null }).why, 'expired', 'the sign-in page says the session expired');
    assert.match((again as { next: string }).next, /^\/oidc\/interaction\//);
    await signInAgain(ctx, agent, member, (again as { next: string }).next);
    const resumed = await authorize(agent, clientId);
    assert.equal(resumed.kind, 'code');
  });

  test('a portal session ended by sign-out (cookie kept) asks to sign in again', async () => {
    const agent = await signedIn(ctx, member);
    assert.equal((await authorize(agent, clientId)).kind, 'code');
    // The portal session row ends while the browser keeps every cookie (a copy of them, as a thief would).
    const copy = new BrowserAgent(ctx.app);
    Object.assign(copy.cookies, agent.cookies);
    await ctx.db.kysely.updateTable('sessions').set({ ended_at: ctx.clock.now().toISOString() }).execute();
    assert.equal((await authorize(copy, clientId)).kind, 'sign-in');
  });

  test('prompt=login asks even with a live session, and auth_time is the new sign-in', async () => {
    const agent = await signedIn(ctx, member);
    ctx.clock.advanceMinutes(5);
    const plain = await redeem(ctx, { clientId }, await authorize(agent, clientId));
    const before = idTokenClaims(plain.body.id_token).auth_time as number;
    assert.ok(before <= nowSeconds() - 290, `auth_time is the sign-in five minutes ago: ${before}`);

    const forced = await authorize(agent, clientId, { prompt: 'login' });
    assert.equal(forced.kind, 'sign-in', 'prompt=login asks again');
    assert.equal((forced as { why: string | null }).why, 'reauth');
    const page = await agent.get(`/sign-in?next=${encodeURIComponent((forced as { next: string }).next)}&reauth=1`);
    assert.match(page.body, /data-notice="reauthenticate"/, 'the sign-in page says why it asks again');
    // Coming back without signing in again changes nothing: still the sign-in.
    const uid = (forced as { next: string }).next;
    const notYet = await agent.get(uid);
    assert.equal(notYet.statusCode, 303);
    assert.match(String(notYet.headers.location), /^\/sign-in\?next=/);
    ctx.clock.advanceMinutes(1);
    await signInAgain(ctx, agent, member, uid);
    const res = await agent.get(uid);
    const resumed = await followToCode(agent, res);
    const fresh = await redeem(ctx, { clientId }, { ...resumed, verifier: forced.verifier });
    assert.equal(fresh.status, 200, JSON.stringify(fresh.body));
    const authTime = idTokenClaims(fresh.body.id_token).auth_time as number;
    assert.ok(authTime >= nowSeconds() - 5, `auth_time is the new sign-in: ${authTime} vs ${nowSeconds()}`);
  });

  test('max_age: 0 asks again; a sign-in younger than max_age does not, an older one does', async () => {
    const agent = await signedIn(ctx, member);
    ctx.clock.advanceMinutes(10);
    assert.equal((await authorize(agent, clientId, { max_age: '3600' })).kind, 'code');
    assert.equal((await authorize(agent, clientId, { max_age: '300' })).kind, 'sign-in');
    const zero = await authorize(agent, clientId, { max_age: '0' });
    assert.equal(zero.kind, 'sign-in');
    await signInAgain(ctx, agent, member, (zero as { next: string }).next);
    const resumed = await followToCode(agent, await agent.get((zero as { next: string }).next));
    const tokens = await redeem(ctx, { clientId }, { ...resumed, verifier: zero.verifier });
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    assert.ok((idTokenClaims(tokens.body.id_token).auth_time as number) >= nowSeconds() - 5);
  });

  test('an authorization code is refused after its 60 seconds', async () => {
    const agent = await signedIn(ctx, member);
    const fresh = await authorize(agent, clientId);
    ctx.clock.advance(59_000);
    assert.equal((await redeem(ctx, { clientId }, fresh)).status, 200, 'within its minute');
    const stale = await authorize(agent, clientId);
    ctx.clock.advance(61_000);
    const late = await redeem(ctx, { clientId }, stale);
    assert.equal(late.status, 400);
    assert.equal(late.body.error, 'invalid_grant');
  });

  test('a refresh token works within its 30 days (each rotation renews them) and is refused after', async () => {
    const agent = await signedIn(ctx, member);
    const consent = await authorize(agent, clientId, { prompt: 'consent' }, 'openid offline_access');
    assert.equal(consent.kind, 'consent');
    const confirmed = await agent.post(`/oidc/interaction/${(consent as { uid: string }).uid}/confirm`, {});
    const outcome = await followToCode(agent, confirmed);
    const tokens = await redeem(ctx, { clientId }, { ...outcome, verifier: consent.verifier });
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    ctx.clock.advance(29 * 24 * 3600_000);
    const rotated = await tokenRequest(
      ctx,
      { clientId },
      {
        grant_type: 'refresh_token',
        refresh_token: String(tokens.body.refresh_token),
      },
    );
    assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
    ctx.clock.advance(29 * 24 * 3600_000);
    const renewed = await tokenRequest(
      ctx,
      { clientId },
      {
        grant_type: 'refresh_token',
        refresh_token: String(rotated.body.refresh_token),
      },
    );
    assert.equal(renewed.status, 200, 'the rotation renewed the 30 days');
    ctx.clock.advance(30 * 24 * 3600_000 + 1000);
    const expired = await tokenRequest(
      ctx,
      { clientId },
      {
        grant_type: 'refresh_token',
        refresh_token: String(renewed.body.refresh_token),
      },
    );
    assert.equal(expired.status, 400);
    assert.equal(expired.body.error, 'invalid_grant');
  });

  test('rotation does not outlive the grant: refreshes every 29 days stop once its year is over', async () => {
    const agent = await signedIn(ctx, member);
    const consent = await authorize(agent, clientId, { prompt: 'consent' }, 'openid offline_access');
    const confirmed = await agent.post(`/oidc/interaction/${(consent as { uid: string }).uid}/confirm`, {});
    const tokens = await redeem(
      ctx,
      { clientId },
      { ...(await followToCode(agent, confirmed)), verifier: consent.verifier },
    );
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    let refresh = String(tokens.body.refresh_token);
    let days = 0;
    for (;;) {
      ctx.clock.advance(29 * 86_400_000);
      days += 29;
      const next = await tokenRequest(ctx, { clientId }, { grant_type: 'refresh_token', refresh_token: refresh });
      if (next.status !== 200) {
        assert.equal(next.body.error, 'invalid_grant');
        break;
      }
      refresh = String(next.body.refresh_token);
      assert.ok(days < 400, 'a refresh token chain must end with its grant');
    }
    assert.ok(days > 365 - 29 && days <= 365 + 29, `the chain ended after ${days} days, with the grant's year`);
  });

  test('a client revoked on another node: this node, which keeps it in memory for its tokens, refuses them at once', async () => {
    const partner = await createOidcClient(ctx.db.kysely, ctx.clock, {
      name: 'Óptica',
      redirectUris: [REDIRECT],
      scopes: ['openid', 'profile', 'offline_access'],
      firstParty: true,
      public: true,
      createdBy: 'test',
    });
    assert.ok(partner.ok);
    const app = { clientId: partner.value.clientId };
    const agent = await signedIn(ctx, member);
    const consent = await authorize(agent, app.clientId, { prompt: 'consent' }, 'openid profile offline_access');
    const confirmed = await agent.post(`/oidc/interaction/${(consent as { uid: string }).uid}/confirm`, {});
    const tokens = await redeem(ctx, app, { ...(await followToCode(agent, confirmed)), verifier: consent.verifier });
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    const refreshed = await tokenRequest(ctx, app, {
      grant_type: 'refresh_token',
      refresh_token: String(tokens.body.refresh_token),
    });
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
    const record = await ctx.db.kysely
      .selectFrom('members')
      .select('last_name')
      .where('id', '=', member.memberId)
      .executeTakeFirstOrThrow();
    // Userinfo reads the member's records because `profile` asks for them (a refresh's ID token needs the account).
    const profile = await ctx.app.inject({
      url: '/oidc/me',
      headers: { authorization: `Bearer ${String(refreshed.body.access_token)}` },
    });
    assert.equal(profile.statusCode, 200);
    assert.equal((profile.json() as { family_name?: string }).family_name, record.last_name);
    // Another node (the CLI or the back office) revokes it: nothing is said to this node.
    assert.deepEqual(await revokeOidcClient(ctx.db.kysely, ctx.clock, app.clientId, 'staff:1'), { ok: true });
    const again = await tokenRequest(ctx, app, {
      grant_type: 'refresh_token',
      refresh_token: String(refreshed.body.refresh_token),
    });
    assert.equal(again.status, 400);
    assert.equal(again.body.error, 'invalid_grant');
    const userinfo = await ctx.app.inject({
      url: '/oidc/me',
      headers: { authorization: `Bearer ${String(refreshed.body.access_token)}` },
    });
    assert.equal(userinfo.statusCode, 401);
    // Nor can it start a sign-in: the authorization endpoint reads the client afresh.
    const page = await agent.get(
      `/oidc/auth?${new URLSearchParams({ client_id: app.clientId, response_type: 'code', scope: 'openid', redirect_uri: REDIRECT, code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' }).toString()}`,
    );
    assert.equal(page.statusCode, 400);
    assert.match(page.body, /invalid_client/);
  });
});

/** From an interaction page's answer (a redirect or a Refresh page) on to the app's callback. */
export async function followToCode(
  agent: BrowserAgent,
  res: Awaited<ReturnType<BrowserAgent['get']>>,
): Promise<{ kind: 'code'; code: string }> {
  const walked = await walk(agent, res);
  assert.equal(walked.kind, 'code', JSON.stringify(walked));
  return walked as { kind: 'code'; code: string };
}

describeEachDatabase('OpenID Provider: a guardian acting for a minor (R35, R14)', (kind) => {
  let ctx: TestContext;
  let partner: { clientId: string };
  let guardian: TestMember;
  let minorId: number;
  let birthday: string;
  const SALT = 'test-pairwise-salt-0123456789abcdefghij';
  const pairwise = (clientId: string, subject: string) =>
    createHmac('sha256', SALT).update(`${clientId}\n${subject}`).digest('base64url');

  before(async () => {
    ctx = await setup(kind, { clock: new ManualClock(new Date()), env: { OIDC_PAIRWISE_SALT: SALT } });
    const made = await createOidcClient(ctx.db.kysely, ctx.clock, {
      name: 'Farmacia Ejemplo',
      redirectUris: [REDIRECT],
      scopes: ['openid', 'profile', 'membership', 'offline_access'],
      firstParty: false,
      public: true,
      createdBy: 'test',
    });
    assert.ok(made.ok);
    partner = { clientId: made.value.clientId };
    // Leo turns 18 in five days (in the insurer's time zone).
    const today = todayIn(ctx.config.timeZone, ctx.clock.now());
    const inFive = new Date(Date.parse(`${today}T12:00:00Z`) + 5 * 86_400_000).toISOString().slice(0, 10);
    birthday = `${Number(inFive.slice(0, 4)) - 18}${inFive.slice(4)}`;
    await importFeed(
      { db: ctx.db, clock: ctx.clock, courier: ctx.courier, timeZone: ctx.config.timeZone },
      Readable.from([
        FEED_HEADER +
          [
            memberFeedRow({
              policy_number: 'POL-G1',
              member_number: 'G-1',
              first_name: 'Marta',
              last_name: 'Gil',
              date_of_birth: '1980-03-03',
              email: 'marta@example.com',
            }),
            memberFeedRow({
              policy_number: 'POL-G1',
              member_number: 'G-2',
              role: 'dependent',
              first_name: 'Leo',
              last_name: 'Gil',
              date_of_birth: birthday,
              guardian_member_numbers: 'G-1',
            }),
          ]
            .map(toCsvLine)
            .join(''),
      ]),
    );
    const username = nif(10009901);
    const accountId = await accountFor(ctx, {
      username,
      email: 'marta@example.com',
      password: TEST_PASSWORD,
      memberNumbers: ['G1'],
    });
    guardian = {
      username,
      accountId,
      memberId: await memberIdOf(ctx, 'G1'),
      email: 'marta@example.com',
      memberNumber: 'G1',
      password: TEST_PASSWORD,
    };
    minorId = await memberIdOf(ctx, 'G2');
  });
  after(() => ctx.close());

  test('the guardian picks the minor: sub is the minor’s, act names the guardian; the 18th birthday ends it', async () => {
    const agent = await signedIn(ctx, guardian);
    const auth = await authorize(
      agent,
      partner.clientId,
      { prompt: 'consent' },
      'openid profile membership offline_access',
    );
    assert.equal(auth.kind, 'act-for', 'a guardian is asked whom the app is for');
    const uid = (auth as { uid: string }).uid;
    const chooser = agent.last.body;
    assert.match(chooser, /value="self"/);
    assert.match(chooser, new RegExp(`value="${minorId}"`));
    assert.match(chooser, /Leo Gil/);

    // Someone else's member record is not a choice.
    const forged = await agent.post(`/oidc/interaction/${uid}/login`, { for: String(guardian.memberId + 999) });
    assert.equal(forged.statusCode, 400);

    const chosen = await agent.post(`/oidc/interaction/${uid}/login`, { for: String(minorId) });
    const consent = await walk(agent, chosen);
    assert.equal(consent.kind, 'consent');
    const consentUid = (consent as { uid: string }).uid;
    // The consent page says whom the app acts for, in both languages.
    for (const lang of ['es', 'en'] as const) {
      const page = await agent.get(`/oidc/interaction/${consentUid}?lang=${lang}`);
      const expected = translator(lang)('oidc.consent.actingFor', {
        app: 'Farmacia Ejemplo',
        minor: 'Leo Gil',
        name: 'Marta Gil',
      });
      assert.ok(page.body.includes(escapeHtml(expected)), `${lang}: ${page.body.slice(0, 200)}`);
    }
    const code = await followToCode(agent, await agent.post(`/oidc/interaction/${consentUid}/confirm`, {}));
    const tokens = await redeem(ctx, partner, { ...code, verifier: auth.verifier });
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    const claims = idTokenClaims(tokens.body.id_token);
    assert.equal(claims.sub, pairwise(partner.clientId, `member:${minorId}`), 'the minor’s pairwise subject');
    assert.deepEqual(claims.act, { sub: pairwise(partner.clientId, String(guardian.accountId)) });
    const info = await ctx.app.inject({
      url: '/oidc/me',
      headers: { authorization: `Bearer ${String(tokens.body.access_token)}` },
    });
    assert.equal(info.statusCode, 200);
    const me = info.json() as Record<string, unknown>;
    assert.equal(me.given_name, 'Leo');
    assert.equal(me.member_number, 'G2');
    assert.equal(me.email, undefined, 'never the guardian’s contact');

    // Two minutes before the birthday begins (in the insurer's time zone) the app still refreshes; from midnight
    // the grant is over, and the access token that refresh gave, though its five minutes have not run out, too.
    const birthdayStarts = midnightIn(ctx.config.timeZone, inFiveDays(ctx));
    ctx.clock.set(new Date(birthdayStarts - 2 * 60_000));
    const refreshed = await tokenRequest(ctx, partner, {
      grant_type: 'refresh_token',
      refresh_token: String(tokens.body.refresh_token),
    });
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
    assert.equal(idTokenClaims(refreshed.body.id_token).sub, claims.sub);
    const introspect = () =>
      ctx.app.inject({
        method: 'POST',
        url: '/oidc/token/introspection',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({
          token: String(refreshed.body.access_token),
          client_id: partner.clientId,
        }).toString(),
      });
    const before18 = await introspect();
    assert.equal(before18.statusCode, 200);
    assert.equal((before18.json() as { active: boolean }).active, true, before18.body);
    ctx.clock.advance(3 * 60_000);
    const introspected = await introspect();
    assert.deepEqual(introspected.json(), { active: false }, 'introspection says the token is over');
    const after18 = await tokenRequest(ctx, partner, {
      grant_type: 'refresh_token',
      refresh_token: String(refreshed.body.refresh_token),
    });
    assert.equal(after18.status, 400);
    assert.equal(after18.body.error, 'invalid_grant');
    const late = await ctx.app.inject({
      url: '/oidc/me',
      headers: { authorization: `Bearer ${String(refreshed.body.access_token)}` },
    });
    assert.equal(late.statusCode, 401, 'userinfo refuses too');
  });

  test('connected apps list the app for the guardian and for the minor apart; each is disconnected alone', async () => {
    ctx.clock.set(new Date());
    await ctx.db.kysely.deleteFrom('oidc_payloads').execute();
    /** Lets the partner app in for `who` ('self' or the minor's record id), each from a browser of its own. */
    const connect = async (who: string) => {
      const agent = await signedIn(ctx, guardian);
      const auth = await authorize(agent, partner.clientId, { prompt: 'consent' }, 'openid profile offline_access');
      assert.equal(auth.kind, 'act-for');
      const chosen = await agent.post(`/oidc/interaction/${(auth as { uid: string }).uid}/login`, { for: who });
      const consent = (await walk(agent, chosen)) as { uid: string };
      const code = await followToCode(agent, await agent.post(`/oidc/interaction/${consent.uid}/confirm`, {}));
      const tokens = await redeem(ctx, partner, { ...code, verifier: auth.verifier });
      assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
      return tokens.body;
    };
    const own = await connect('self');
    const leo = await connect(String(minorId));
    const agent = await signedIn(ctx, guardian);
    const page = await agent.get('/area/security/apps?lang=en');
    assert.equal((page.body.match(/<section class="card" data-client=/g) ?? []).length, 2, 'one entry each');
    assert.match(page.body, new RegExp(`data-for="${minorId}"`));
    assert.ok(page.body.includes(escapeHtml(translator('en')('oidc.apps.actingFor', { minor: 'Leo Gil' }))));
    assert.ok(page.body.includes(escapeHtml(translator('en')('oidc.scopeFor.profile', { minor: 'Leo Gil' }))));

    // Another family's minor, or a number that is not a minor of this guardian: nothing to end.
    const stranger = await agent.post(`/area/security/apps/${partner.clientId}/disconnect`, {
      for: String(minorId + 999),
    });
    assert.equal(stranger.statusCode, 404);
    const ended = await agent.post(`/area/security/apps/${partner.clientId}/disconnect`, { for: String(minorId) });
    assert.equal(ended.statusCode, 303);
    const after = await agent.get(String(ended.headers.location) + '&lang=en');
    assert.ok(
      after.body.includes(
        escapeHtml(translator('en')('oidc.apps.disconnectedFor', { app: 'Farmacia Ejemplo', minor: 'Leo Gil' })),
      ),
    );
    assert.equal((after.body.match(/<section class="card" data-client=/g) ?? []).length, 1);
    assert.doesNotMatch(after.body, /data-for=/);
    const refresh = (body: Record<string, unknown>) =>
      tokenRequest(ctx, partner, { grant_type: 'refresh_token', refresh_token: String(body.refresh_token) });
    const leoAgain = await refresh(leo);
    assert.equal(leoAgain.status, 400, 'the minor’s grant is over');
    const ownAgain = await refresh(own);
    assert.equal(ownAgain.status, 200, 'the guardian’s own is kept');
    // The last entry for the app: everything it holds for the account goes.
    assert.equal((await agent.post(`/area/security/apps/${partner.clientId}/disconnect`, {})).statusCode, 303);
    assert.equal((await refresh(ownAgain.body)).status, 400);
  });
});

/** The day, in the insurer's time zone, five days after today: the test minor's 18th birthday. */
function inFiveDays(ctx: TestContext): string {
  const today = todayIn(ctx.config.timeZone, ctx.clock.now());
  return new Date(Date.parse(`${today}T12:00:00Z`) + 5 * 86_400_000).toISOString().slice(0, 10);
}

/** When `day` begins in `timeZone` (ms since the epoch), to the minute. */
function midnightIn(timeZone: string, day: string): number {
  let at = Date.parse(`${day}T00:00:00Z`) - 15 * 3_600_000;
  while (todayIn(timeZone, new Date(at)) !== day) at += 60_000;
  return at;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A relying party's back-channel logout endpoint: keeps each logout_token POSTed to it. */
async function startLogoutReceiver() {
  const received: string[] = [];
  const waiters: ((token: string) => void)[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const token = new URLSearchParams(body).get('logout_token') ?? '';
      res.writeHead(200).end();
      const waiter = waiters.shift();
      if (waiter) waiter(token);
      else received.push(token);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/logout`,
    server,
    /** The next logout token, or a failure after two seconds. */
    next(): Promise<string> {
      const early = received.shift();
      if (early !== undefined) return Promise.resolve(early);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no logout token arrived')), 2000);
        waiters.push((token) => {
          clearTimeout(timer);
          resolve(token);
        });
      });
    },
    pending: () => received.length,
  };
}

/** Verifies a JWS against the provider's published keys (ES256 or RS256), as a relying party does; its payload. */
async function verifyWithJwks(
  ctx: TestContext,
  jwt: string,
): Promise<{ header: Record<string, unknown>; payload: Record<string, unknown> }> {
  const [h, p, s] = jwt.split('.') as [string, string, string];
  const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as { kid: string; alg: string };
  const jwks = (await ctx.app.inject({ url: '/oidc/jwks' })).json() as {
    keys: (Record<string, string> & { kid: string })[];
  };
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  assert.ok(jwk, 'signed with a published key');
  const key = createPublicKey({ key: jwk, format: 'jwk' });
  const valid = verify(
    'sha256',
    Buffer.from(`${h}.${p}`),
    header.alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key,
    Buffer.from(s, 'base64url'),
  );
  assert.ok(valid, 'the signature verifies against the JWKS');
  return { header, payload: JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown> };
}

describeEachDatabase('OpenID Provider: back-channel logout (R35)', (kind) => {
  let ctx: TestContext;
  let rp: Awaited<ReturnType<typeof startLogoutReceiver>>;
  let withLogout: { clientId: string };
  let without: { clientId: string };

  before(async () => {
    ctx = await setup(kind, { clock: new ManualClock(new Date()) });
    rp = await startLogoutReceiver();
    const make = async (name: string, backchannelLogoutUri?: string) => {
      const made = await createOidcClient(ctx.db.kysely, ctx.clock, {
        name,
        redirectUris: [REDIRECT],
        scopes: ['openid', 'offline_access'],
        firstParty: true,
        public: true,
        createdBy: 'test',
        ...(backchannelLogoutUri ? { backchannelLogoutUri } : {}),
      });
      assert.ok(made.ok);
      return { clientId: made.value.clientId };
    };
    withLogout = await make('App Salud', rp.url);
    without = await make('App sin cierre');
  });
  after(async () => {
    rp.server.close();
    await ctx.close();
  });

  async function connected(member: TestMember) {
    const agent = await signedIn(ctx, member);
    const tokens = await redeem(ctx, withLogout, await authorize(agent, withLogout.clientId));
    assert.equal(tokens.status, 200);
    assert.equal((await redeem(ctx, without, await authorize(agent, without.clientId))).status, 200);
    return { agent, sub: idTokenClaims(tokens.body.id_token).sub };
  }

  async function checkLogoutToken(token: string, sub: unknown) {
    const { header, payload } = await verifyWithJwks(ctx, token);
    assert.equal(header.typ, 'logout+jwt');
    assert.equal(payload.iss, ctx.config.publicUrl);
    assert.equal(payload.aud, withLogout.clientId);
    assert.equal(payload.sub, sub, 'the member’s pairwise subject for that app');
    assert.deepEqual(payload.events, { 'http://schemas.openid.net/event/backchannel-logout': {} });
    assert.equal(typeof payload.jti, 'string');
    assert.equal(payload.nonce, undefined, 'a logout token never carries a nonce');
    assert.ok((payload.exp as number) - (payload.iat as number) <= 120);
  }

  test('signing out of the portal POSTs a signed logout token to the app that asked for one', async () => {
    const { agent, sub } = await connected(await memberWithAccount(ctx));
    assert.equal((await agent.post('/sign-out', {})).statusCode, 303);
    await checkLogoutToken(await rp.next(), sub);
    assert.equal(rp.pending(), 0, 'one token: the app without an address gets none');
  });

  test('ending every other session tells the app; so does disconnecting it', async () => {
    const member = await memberWithAccount(ctx);
    const { sub } = await connected(member);
    const other = await signedIn(ctx, member);
    await other.get('/area/security');
    assert.equal((await other.post('/area/security/sessions/end-others', { confirmed: '1' })).statusCode, 303);
    await checkLogoutToken(await rp.next(), sub);

    const again = await connected(member);
    await again.agent.get('/area/security/apps');
    const done = await again.agent.post(`/area/security/apps/${withLogout.clientId}/disconnect`, {});
    assert.equal(done.statusCode, 303);
    await checkLogoutToken(await rp.next(), again.sub);
  });

  test('customer service ending the member’s sessions (R23) tells the app too', async () => {
    const member = await memberWithAccount(ctx);
    const { sub } = await connected(member);
    const { agent: staff } = await signedInStaff(ctx, 'agent');
    await staff.post(`/backoffice/members/${member.memberId}/access`, { access_reason: 'member_call' });
    const ended = await staff.post(`/backoffice/members/${member.memberId}/sessions`, { confirm: 'yes' });
    assert.equal(ended.statusCode, 303, ended.body.slice(0, 300));
    await checkLogoutToken(await rp.next(), sub);
  });

  test('closing the account (R36) tells the app too', async () => {
    const member = await memberWithAccount(ctx);
    const { agent, sub } = await connected(member);
    assert.equal((await agent.get('/area/data/close')).statusCode, 200);
    const step = await agent.post('/area/data/close', { password: member.password, channel: 'email' });
    assert.equal(step.headers.location, '/area/data/close/confirm');
    const done = await agent.post('/area/data/close/confirm', {
      code: await lastCode(ctx, member.email, 'close-code'),
    });
    assert.equal(done.headers.location, '/sign-in?closed=1');
    await checkLogoutToken(await rp.next(), sub);
  });
});

describeEachDatabase('OpenID Provider in the request log and the metrics', (kind) => {
  const TOKEN = 'metrics-token-0123456789abcdefghij';
  let ctx: TestContext;
  const lines: string[] = [];
  before(async () => {
    ctx = await setup(kind, {
      env: { METRICS_TOKEN: TOKEN },
      // The portal's own logger options (redaction, serializers), written here instead of to stdout.
      logger: {
        ...(loggerOptions(testConfig({ LOG_LEVEL: 'info' })) as object),
        stream: { write: (line: string) => lines.push(line) },
      },
    });
  });
  after(() => ctx.close());

  test('each provider endpoint is a route label; its requests are logged like the others', async () => {
    await ctx.app.inject({ url: '/oidc/jwks' });
    const bad = await ctx.app.inject({
      method: 'POST',
      url: '/oidc/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'grant_type=refresh_token&refresh_token=nope&client_id=nobody',
    });
    assert.equal(bad.statusCode, 401);
    await ctx.app.inject({ url: '/oidc/auth/AbCdEfGhIjKlMnOpQrStUv' });
    const scrape = (await ctx.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } })).body;
    const series = scrape.split('\n').filter((l) => l.startsWith('member_area_http_requests_total{'));
    const has = (route: string, status: string) =>
      series.some((l) => l.includes(`route="${route}"`) && l.includes(`status_class="${status}"`));
    assert.ok(has('/oidc/jwks', '2xx'), series.join('\n'));
    assert.ok(has('/oidc/token', '4xx'), series.join('\n'));
    assert.ok(has('/oidc/auth/:uid', '4xx') || has('/oidc/auth/:uid', '3xx'), series.join('\n'));
    assert.ok(!series.some((l) => l.includes('AbCdEf')), 'never a uid in a label');
    const logged = lines.filter((l) => l.includes('request completed')).join('');
    assert.match(logged, /"url":"\/oidc\/token"/);
    assert.match(logged, /"url":"\/oidc\/auth\/\[redacted\]"/);
  });
});
