import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { memberIdOf, auditOf, memberWithAccount, signedIn, TEST_PASSWORD } from '../../../test/helpers/fixture.js';
import { BrowserAgent } from '../../../test/helpers/browser-agent.js';
import { describeEachDatabase } from '../../../test/helpers/databases.js';
import { setup, type TestContext } from '../../../test/helpers/setup.js';
import { SoftAuthenticator } from '../../../test/helpers/soft-authenticator.js';
import { deviceCookieName } from '../../identity/devices.js';
import { MAX_PASSKEYS } from '../../identity/passkeys.js';
import { MEMBER_SIGN_IN, throttleState } from '../../identity/sign-in-throttle.js';
import { PASSKEY_CHALLENGES_PER_ADDRESS_PER_HOUR } from './passkey-sign-in.routes.js';
import { giveReason, signedInStaff } from '../../../test/helpers/staff.js';
import { solveCaptcha } from '../../../test/helpers/captcha.js';
import { lastLink } from '../../../test/helpers/fixture.js';
import type { CaptchaChallenge } from '../../infra/captcha/captcha.js';

// R27 over HTTP, with a software authenticator standing in for the browser's (the real one is exercised in
// test/browser/passkeys.browser.test.ts): what an attacker can send that a browser never would. Challenges are single
// use and bound to the browser; answers are checked against origin, challenge, signature and counter; every failure
// of a known passkey counts in the account's R9 streak, also under a burst of 40; unknown passkeys count against the
// address. Both databases.

describeEachDatabase('passkeys over HTTP (R27, R9)', (kind) => {
  let ctx: TestContext;
  let n = 0;
  before(async () => {
    // Behind a trusted proxy, so the tests can speak from many client addresses.
    ctx = await setup(kind, { env: { TRUST_PROXY: 'true' } });
  });
  after(async () => ctx?.close());

  const origin = () => ctx.config.publicUrl;
  const optionsIn = (html: string) =>
    JSON.parse(
      /<script type="application\/json" id="passkey-options">(.*?)<\/script>/s.exec(html)?.[1] ?? 'null',
    ) as PublicKeyCredentialCreationOptionsJSON;

  /** A member signed in with password and code, who adds a passkey held by a software authenticator. */
  async function memberWithPasskey(options: { name?: string } = {}) {
    n++;
    const m = await memberWithAccount(ctx, { n: 100 + n, language: 'es' });
    const agent = await signedIn(ctx, m);
    const authenticator = new SoftAuthenticator(origin());
    await addPasskey(agent, authenticator, options.name ?? 'Móvil');
    return { ...m, agent, authenticator };
  }

  async function addPasskey(agent: BrowserAgent, authenticator: SoftAuthenticator, name: string) {
    const page = await agent.post('/area/security/passkeys', { passkey_name: name, passkey_password: TEST_PASSWORD });
    assert.equal(page.statusCode, 200, page.body.slice(0, 300));
    const response = authenticator.create(optionsIn(page.body));
    const done = await agent.post('/area/security/passkeys/verify', { response: JSON.stringify(response) });
    assert.equal(done.headers.location, '/area/security?done=passkey-added#passkeys');
    return response;
  }

  /** A fresh browser that asked for a sign-in challenge. */
  async function ceremony(headers: Record<string, string> = {}) {
    const agent = new BrowserAgent(ctx.app, headers);
    await agent.get('/sign-in');
    const res = await agent.post('/sign-in/passkey/options', {});
    assert.equal(res.statusCode, 200);
    return { agent, options: JSON.parse(res.body) as PublicKeyCredentialRequestOptionsJSON };
  }

  const notice = (body: string) => /data-notice="([a-z_]+)"/.exec(body)?.[1];
  const streak = async (username: string) =>
    (await throttleState(ctx.db.kysely, ctx.clock, MEMBER_SIGN_IN, username)).streak;

  test('adding: the password is asked again; the creation page is single use; an answer for another challenge is refused', async () => {
    n++;
    const m = await memberWithAccount(ctx, { n: 100 + n, language: 'es' });
    const agent = await signedIn(ctx, m);
    const wrong = await agent.post('/area/security/passkeys', {
      passkey_name: 'Móvil',
      passkey_password: 'Wrong2030Pass',
    });
    assert.equal(wrong.statusCode, 400);
    assert.match(wrong.body, /La contraseña actual no es correcta/);

    const authenticator = new SoftAuthenticator(origin());
    const page = await agent.post('/area/security/passkeys', {
      passkey_name: '  Móvil\u0000 de   casa ',
      passkey_password: TEST_PASSWORD,
    });
    const options = optionsIn(page.body);
    assert.equal(options.authenticatorSelection?.residentKey, 'required');
    assert.equal(options.authenticatorSelection?.userVerification, 'required');
    assert.ok(
      !options.user.name.includes('Móvil') && !/\d{8}/.test(options.user.id),
      'the user handle is no personal data',
    );
    // An answer signed for another challenge does not verify.
    const forged = authenticator.create({
      ...options,
      challenge: Buffer.from('another challenge').toString('base64url'),
    });
    assert.equal(
      (await agent.post('/area/security/passkeys/verify', { response: JSON.stringify(forged) })).statusCode,
      400,
    );
    // The page was used up by that answer: a good answer to it now starts over.
    const late = authenticator.create(options);
    assert.equal(
      (await agent.post('/area/security/passkeys/verify', { response: JSON.stringify(late) })).headers.location,
      '/area/security?done=passkey-restart#passkeys',
    );
    assert.equal(
      (await ctx.db.kysely.selectFrom('passkeys').select('id').where('account_id', '=', m.accountId).execute()).length,
      0,
    );

    await addPasskey(agent, authenticator, '  Móvil\u0000 de   casa ');
    const row = await ctx.db.kysely
      .selectFrom('passkeys')
      .selectAll()
      .where('account_id', '=', m.accountId)
      .executeTakeFirstOrThrow();
    assert.equal(row.name, 'Móvil de casa', 'the name is one clean line');
    assert.equal(row.counter, 0);
    const security = await agent.get('/area/security');
    assert.match(security.body, /Móvil de casa/);
    const audit = await ctx.db.kysely
      .selectFrom('audit_events')
      .select(['event', 'outcome'])
      .where('account_id', '=', m.accountId)
      .where('event', 'like', 'passkey.%')
      .orderBy('id')
      .execute();
    assert.deepEqual(
      audit.map((a) => `${a.event}:${a.outcome}`),
      [
        'passkey.add:failure',
        'passkey.add_start:success',
        'passkey.add:failure',
        'passkey.add_start:success',
        'passkey.add:success',
      ],
    );
  });

  test('a passkey alone signs in; its ceremony is single use, also for 40 concurrent posts of the same answer', async () => {
    const m = await memberWithPasskey();
    const { agent, options } = await ceremony();
    const answer = JSON.stringify(m.authenticator.get(options));
    const results = await Promise.all(
      Array.from({ length: 40 }, () => agent.post('/sign-in/passkey', { response: answer })),
    );
    const signedIn = results.filter((r) => r.headers.location === '/area');
    assert.equal(signedIn.length, 1, 'one request signs in');
    assert.ok(results.every((r) => r.headers.location === '/area' || notice(r.body) === 'passkey_expired'));
    const sessions = await ctx.db.kysely
      .selectFrom('sessions')
      .select(['second_factor'])
      .where('account_id', '=', m.accountId)
      .where('ended_at', 'is', null)
      .execute();
    assert.ok(sessions.some((s) => s.second_factor === 'passkey'));
    assert.equal(await streak(m.username), 0);

    // The same answer in a new ceremony: the challenge does not match.
    const again = await ceremony();
    const replay = await again.agent.post('/sign-in/passkey', { response: answer });
    assert.equal(replay.statusCode, 400);
    assert.equal(notice(replay.body), 'passkey_failed');
    assert.equal(await streak(m.username), 1, 'a failed answer from a known passkey counts against its account');
  });

  test('answers for another site, an old counter, or no answer at all are refused and counted', async () => {
    const m = await memberWithPasskey();
    const phishing = await ceremony();
    const fromElsewhere = await phishing.agent.post('/sign-in/passkey', {
      response: JSON.stringify(
        m.authenticator.get(phishing.options, undefined, { origin: 'https://salud-ejemplo.example.net' }),
      ),
    });
    assert.equal(notice(fromElsewhere.body), 'passkey_failed');
    const ok = await ceremony();
    assert.equal(
      (await ok.agent.post('/sign-in/passkey', { response: JSON.stringify(m.authenticator.get(ok.options)) })).headers
        .location,
      '/area',
    );
    const clone = await ceremony();
    const cloned = await clone.agent.post('/sign-in/passkey', {
      response: JSON.stringify(m.authenticator.get(clone.options, undefined, { counter: 1 })),
    });
    assert.equal(notice(cloned.body), 'passkey_failed');
    assert.equal(await streak(m.username), 1, 'the good sign-in in between cleared the streak; the clone counts');
    const reasons = await auditOf(ctx, m.accountId, 'signin.passkey');
    assert.deepEqual(
      reasons.map((r) => JSON.parse(r.details ?? '{}').reason),
      ['invalid', 'counter'],
    );
    for (const bad of ['', '{', '{"id":"x"}', 'x'.repeat(20_000)]) {
      const c = await ceremony();
      const res = await c.agent.post('/sign-in/passkey', { response: bad });
      assert.equal(res.statusCode, 400, bad.slice(0, 10));
      assert.equal(notice(res.body), 'passkey_failed');
    }
  });

  test('a burst of 40 forged answers for one account checks no more than the pause allows, pauses once, one email (R9)', async () => {
    const m = await memberWithPasskey();
    const ceremonies = await Promise.all(
      Array.from({ length: 40 }, (_, i) => ceremony({ 'x-forwarded-for': `203.0.113.${i + 1}` })),
    );
    const results = await Promise.all(
      ceremonies.map((c) =>
        c.agent.post('/sign-in/passkey', {
          response: JSON.stringify(m.authenticator.get(c.options, undefined, { origin: 'https://evil.example' })),
        }),
      ),
    );
    const checked = results.filter((r) => notice(r.body) === 'passkey_failed');
    const locked = results.filter((r) => notice(r.body) === 'locked');
    assert.ok(checked.length <= MEMBER_SIGN_IN.lockAfter - 1, `${checked.length} answers checked`);
    assert.equal(checked.length + locked.length, 40);
    const emails = (await ctx.outbox()).filter((x) => x.recipient === m.email && x.template === 'account-locked');
    assert.equal(emails.length, 1, 'one pause, one email');
    // During the pause a right answer is refused too.
    const right = await ceremony();
    const res = await right.agent.post('/sign-in/passkey', {
      response: JSON.stringify(m.authenticator.get(right.options)),
    });
    assert.equal(res.statusCode, 429);
    assert.equal(notice(res.body), 'locked');
    const paused = await ctx.db.kysely
      .selectFrom('accounts')
      .select(['locked_until', 'failed_logins'])
      .where('id', '=', m.accountId)
      .executeTakeFirstOrThrow();
    assert.ok(paused.locked_until, 'the account shows the pause (the back office reads it)');
    // After the pause the passkey alone signs in, and the account no longer shows a pause or failures.
    ctx.clock.advance(MEMBER_SIGN_IN.lockMs + 1000);
    const after = await ceremony();
    const signedIn = await after.agent.post('/sign-in/passkey', {
      response: JSON.stringify(m.authenticator.get(after.options)),
    });
    assert.equal(signedIn.statusCode, 303);
    assert.deepEqual(
      await ctx.db.kysely
        .selectFrom('accounts')
        .select(['locked_until', 'failed_logins'])
        .where('id', '=', m.accountId)
        .executeTakeFirstOrThrow(),
      { locked_until: null, failed_logins: 0 },
    );
  });

  test('R28 under a burst: 40 sign-ins at once on one new device send one email, and again after 180 days unseen', async () => {
    const m = await memberWithPasskey();
    const device = deviceCookieName(ctx.config.secureCookies);
    const token = 'burst-device-token-0123456789';
    const newDeviceEmails = async () =>
      (await ctx.outbox()).filter((x) => x.recipient === m.email && x.template === 'new-device').length;
    const burst = async () => {
      await ctx.db.kysely.deleteFrom('rate_limits').execute();
      const ceremonies = await Promise.all(
        Array.from({ length: 40 }, (_, i) => ceremony({ 'x-forwarded-for': `192.0.2.${i + 1}` })),
      );
      const answers = ceremonies.map((c) => {
        c.agent.cookies[device] = token;
        // Counter 0, as authenticators that keep no counter send: answers checked at once are not refused as clones.
        return { agent: c.agent, response: JSON.stringify(m.authenticator.get(c.options, undefined, { counter: 0 })) };
      });
      const results = await Promise.all(answers.map((a) => a.agent.post('/sign-in/passkey', { response: a.response })));
      return results.filter((r) => r.statusCode === 303 && r.headers.location === '/area').length;
    };
    const before = await newDeviceEmails();
    const first = await burst();
    assert.ok(first >= 2, `${first} sign-ins went through at once`);
    assert.equal(await newDeviceEmails(), before + 1, `${first} sign-ins on one new device: one email`);
    ctx.clock.advance(181 * 24 * 3_600_000);
    const again = await burst();
    assert.ok(again >= 2, `${again} sign-ins went through at once`);
    assert.equal(await newDeviceEmails(), before + 2, `${again} sign-ins after 181 days unseen: one more email`);
  });

  test('unknown passkeys count against the client address; a disabled account’s passkey opens nothing', async () => {
    const stranger = new SoftAuthenticator(origin());
    stranger.create({
      rp: { id: 'localhost', name: 'x' },
      user: { id: 'eA', name: 'x', displayName: 'x' },
      challenge: 'AA',
      pubKeyCredParams: [],
    });
    const ip = { 'x-forwarded-for': '198.51.100.77' };
    for (let i = 0; i < MEMBER_SIGN_IN.maxPerAddressPerHour; i++) {
      const c = await ceremony(ip);
      assert.equal(
        notice((await c.agent.post('/sign-in/passkey', { response: JSON.stringify(stranger.get(c.options)) })).body),
        'passkey_unknown',
      );
    }
    const c = await ceremony(ip);
    const limited = await c.agent.post('/sign-in/passkey', { response: JSON.stringify(stranger.get(c.options)) });
    assert.equal(limited.statusCode, 429);
    assert.equal(notice(limited.body), 'address_limited');

    const m = await memberWithPasskey();
    await ctx.db.kysely.updateTable('accounts').set({ status: 'disabled' }).where('id', '=', m.accountId).execute();
    const d = await ceremony();
    const disabled = await d.agent.post('/sign-in/passkey', {
      response: JSON.stringify(m.authenticator.get(d.options)),
    });
    assert.equal(disabled.statusCode, 403);
    assert.equal(notice(disabled.body), 'disabled');
  });

  test('60 unknown passkeys at once from one address: at most 50 count, the rest are refused (R9, a burst)', async () => {
    await ctx.db.kysely.deleteFrom('rate_limits').execute();
    const stranger = new SoftAuthenticator(origin());
    stranger.create({
      rp: { id: 'localhost', name: 'x' },
      user: { id: 'eA', name: 'x', displayName: 'x' },
      challenge: 'AA',
      pubKeyCredParams: [],
    });
    const ip = { 'x-forwarded-for': '198.51.100.88' };
    const ceremonies = await Promise.all(Array.from({ length: 60 }, () => ceremony(ip)));
    const results = await Promise.all(
      ceremonies.map((c) => c.agent.post('/sign-in/passkey', { response: JSON.stringify(stranger.get(c.options)) })),
    );
    const counted = results.filter((r) => notice(r.body) === 'passkey_unknown').length;
    const limited = results.filter((r) => r.statusCode === 429 && notice(r.body) === 'address_limited').length;
    assert.equal(counted, MEMBER_SIGN_IN.maxPerAddressPerHour);
    assert.equal(counted + limited, 60);
  });

  test('second step: only the account’s own passkeys, one answer per challenge; another member’s passkey counts as a failure', async () => {
    const m = await memberWithPasskey();
    const other = await memberWithPasskey();
    const agent = new BrowserAgent(ctx.app);
    assert.equal((await agent.post('/sign-in', { username: m.username, password: TEST_PASSWORD })).statusCode, 303);
    const choose = await agent.get('/sign-in/verify');
    assert.match(choose.body, /value="passkey"/);
    assert.equal(
      (await agent.post('/sign-in/verify/send', { channel: 'passkey' })).headers.location,
      '/sign-in/verify',
    );
    const optionsRes = await agent.post('/sign-in/verify/passkey/options', {});
    const options = JSON.parse(optionsRes.body) as PublicKeyCredentialRequestOptionsJSON;
    assert.deepEqual(
      options.allowCredentials?.map((c) => c.id),
      [m.authenticator.credentials[0]!.id],
    );
    const foreign = await agent.post('/sign-in/verify/passkey', {
      response: JSON.stringify(other.authenticator.get(options, other.authenticator.credentials[0])),
    });
    assert.equal(foreign.statusCode, 400);
    assert.equal(await streak(m.username), 1);
    // The challenge was used by that answer: the right passkey now needs a new one.
    const stale = await agent.post('/sign-in/verify/passkey', {
      response: JSON.stringify(m.authenticator.get(options)),
    });
    assert.equal(stale.statusCode, 400);
    const fresh = JSON.parse(
      (await agent.post('/sign-in/verify/passkey/options', {})).body,
    ) as PublicKeyCredentialRequestOptionsJSON;
    assert.equal(
      (await agent.post('/sign-in/verify/passkey', { response: JSON.stringify(m.authenticator.get(fresh)) })).headers
        .location,
      '/area',
    );
    assert.equal(await streak(m.username), 0);
    // Without a sign-in in this browser there is no challenge to ask for.
    assert.equal((await new BrowserAgent(ctx.app).post('/sign-in/verify/passkey/options', {})).statusCode, 409);
  });

  test('rename and remove only one’s own passkeys; removal asks for the password and emails the member; at most 10', async () => {
    const m = await memberWithPasskey();
    const other = await memberWithPasskey();
    const mine = await ctx.db.kysely
      .selectFrom('passkeys')
      .select('id')
      .where('account_id', '=', m.accountId)
      .executeTakeFirstOrThrow();
    const theirs = await ctx.db.kysely
      .selectFrom('passkeys')
      .select('id')
      .where('account_id', '=', other.accountId)
      .executeTakeFirstOrThrow();
    assert.equal((await m.agent.post(`/area/security/passkeys/${theirs.id}/rename`, { name: 'Mía' })).statusCode, 404);
    assert.equal((await m.agent.post(`/area/security/passkeys/${mine.id}/rename`, { name: '   ' })).statusCode, 400);
    assert.equal(
      (await m.agent.post(`/area/security/passkeys/${mine.id}/rename`, { name: 'Tableta' })).headers.location,
      '/area/security?done=passkey-renamed#passkeys',
    );
    assert.equal(
      (await m.agent.post(`/area/security/passkeys/${theirs.id}/remove`, { current_password: TEST_PASSWORD }))
        .statusCode,
      404,
    );
    assert.equal(
      (await m.agent.post(`/area/security/passkeys/${mine.id}/remove`, { current_password: 'Wrong2030Pass' }))
        .statusCode,
      400,
    );
    assert.equal(
      (await m.agent.post(`/area/security/passkeys/${mine.id}/remove`, { current_password: TEST_PASSWORD })).headers
        .location,
      '/area/security?done=passkey-removed#passkeys',
    );
    const mails = (await ctx.outbox()).filter((x) => x.recipient === m.email && x.template === 'passkey-changed');
    assert.equal(mails.length, 2);
    assert.match(mails.at(-1)!.body_text ?? '', /Tableta/);
    assert.ok(
      await ctx.db.kysely.selectFrom('passkeys').select('id').where('id', '=', theirs.id).executeTakeFirst(),
      'the other member keeps theirs',
    );

    for (let i = 0; i < MAX_PASSKEYS; i++) {
      await ctx.db.kysely.deleteFrom('rate_limits').execute();
      await addPasskey(m.agent, new SoftAuthenticator(origin()), `Llave ${i}`);
    }
    const full = await m.agent.post('/area/security/passkeys', {
      passkey_name: 'Una más',
      passkey_password: TEST_PASSWORD,
    });
    assert.equal(full.statusCode, 409);
  });

  test('challenges per address are bounded (each is a stored row)', async () => {
    const ip = { 'x-forwarded-for': '192.0.2.200' };
    const agent = new BrowserAgent(ctx.app, ip);
    await agent.get('/sign-in');
    const statuses: number[] = [];
    for (let i = 0; i <= PASSKEY_CHALLENGES_PER_ADDRESS_PER_HOUR; i++)
      statuses.push((await agent.post('/sign-in/passkey/options', {})).statusCode);
    assert.equal(statuses.filter((s) => s === 200).length, PASSKEY_CHALLENGES_PER_ADDRESS_PER_HOUR);
    assert.equal(statuses.at(-1), 429);
    // The browser's earlier ceremonies were replaced, not piled up.
    const rows = await ctx.db.kysely.selectFrom('flows').select('id').where('kind', '=', 'passkey-sign-in').execute();
    assert.ok(rows.length < 50, `${rows.length} stored ceremonies`);
  });

  test('an account without passkeys is offered none as a second step, and cannot choose one', async () => {
    n++;
    const m = await memberWithAccount(ctx, { n: 100 + n });
    const agent = new BrowserAgent(ctx.app);
    await agent.post('/sign-in', { username: m.username, password: TEST_PASSWORD });
    const page = await agent.get('/sign-in/verify');
    assert.doesNotMatch(page.body, /value="passkey"/);
    assert.equal((await agent.post('/sign-in/verify/send', { channel: 'passkey' })).statusCode, 400);
  });

  test('an agent sees a member’s passkeys (names and dates) and removes one with a reason; the member is emailed (R23)', async () => {
    const m = await memberWithPasskey({ name: 'Teléfono perdido' });
    const memberId = await memberIdOf(ctx, m.memberNumber);
    const passkey = await ctx.db.kysely
      .selectFrom('passkeys')
      .select('id')
      .where('account_id', '=', m.accountId)
      .executeTakeFirstOrThrow();
    const { agent } = await signedInStaff(ctx, 'agent');
    await giveReason(agent, memberId);
    const page = await agent.get(`/backoffice/members/${memberId}`);
    assert.match(page.body, /Teléfono perdido/);
    assert.doesNotMatch(page.body, new RegExp(m.authenticator.credentials[0]!.id), 'no credential id shown');
    const path = `/backoffice/members/${memberId}/passkeys/${passkey.id}/remove`;
    assert.equal((await agent.get(path)).statusCode, 200);
    const noReason = await agent.post(path, { confirm: 'yes', reason: '' });
    assert.equal(noReason.statusCode, 400);
    assert.equal(
      (await agent.post(`/backoffice/members/${memberId}/passkeys/999999/remove`, { confirm: 'yes', reason: 'x' }))
        .statusCode,
      404,
    );
    const done = await agent.post(path, { confirm: 'yes', reason: 'El asegurado llamó: ha perdido el móvil.' });
    assert.equal(done.headers.location, `/backoffice/members/${memberId}?done=passkey-removed#passkeys`);
    assert.equal(
      (await ctx.db.kysely.selectFrom('passkeys').select('id').where('account_id', '=', m.accountId).execute()).length,
      0,
    );
    const mail = (await ctx.outbox()).filter((x) => x.recipient === m.email && x.template === 'passkey-changed').at(-1);
    assert.match(mail?.body_text ?? '', /atención al cliente ha quitado la llave de acceso «Teléfono perdido»/);
    const audit = await auditOf(ctx, m.accountId, 'backoffice.passkey.remove');
    assert.deepEqual(
      audit.map((a) => a.outcome),
      ['refused', 'success'],
    );
    assert.match(audit[1]!.details ?? '', /ha perdido el móvil/);
    // The removed passkey opens nothing any more.
    const c = await ceremony();
    assert.equal(
      notice(
        (await c.agent.post('/sign-in/passkey', { response: JSON.stringify(m.authenticator.get(c.options)) })).body,
      ),
      'passkey_unknown',
    );
  });

  test('“this wasn’t me” (R28) also removes the account’s passkeys: one may be the intruder’s', async () => {
    const m = await memberWithPasskey();
    await m.agent.get('/area/security');
    assert.equal((await m.agent.post('/area/security/not-me', {})).statusCode, 303);
    assert.equal(
      (await ctx.db.kysely.selectFrom('passkeys').select('id').where('account_id', '=', m.accountId).execute()).length,
      0,
    );
    const c = await ceremony();
    assert.equal(
      notice(
        (await c.agent.post('/sign-in/passkey', { response: JSON.stringify(m.authenticator.get(c.options)) })).body,
      ),
      'passkey_unknown',
    );
  });

  /** Whether a passkey held by `authenticator` still signs in alone, in a fresh browser. */
  async function passkeySignsIn(authenticator: SoftAuthenticator): Promise<boolean> {
    const c = await ceremony();
    const res = await c.agent.post('/sign-in/passkey', { response: JSON.stringify(authenticator.get(c.options)) });
    if (res.headers.location === '/area') return true;
    assert.equal(notice(res.body), 'passkey_unknown');
    return false;
  }

  test('issue 25: the “passkey added” email’s one click (R28) removes the intruder’s passkey', async () => {
    const m = await memberWithPasskey({ name: 'Intruso' });
    const link = await lastLink(ctx, m.email, 'passkey-changed', '/sign-in/not-me/');
    const member = new BrowserAgent(ctx.app);
    assert.equal((await member.get(link)).statusCode, 200, 'a page asks to confirm before anything happens');
    assert.equal(await passkeySignsIn(m.authenticator), true, 'opening the link alone removes nothing');
    assert.equal((await member.post(link, {})).headers.location, '/sign-in/not-me/done');
    assert.equal(await passkeySignsIn(m.authenticator), false);
    assert.equal((await member.post(link, {})).statusCode, 410, 'the link is single use');
  });

  test('issue 25: a reset through recovery lists the passkeys, the recent one ticked, and removes it with the new password', async () => {
    n++;
    const m = await memberWithAccount(ctx, { n: 100 + n, language: 'es' });
    const own = new SoftAuthenticator(origin());
    await addPasskey(await signedIn(ctx, m), own, 'Mi portátil');
    ctx.clock.advance(10 * 24 * 3_600_000);
    // Someone with the password and one emailed code adds a passkey of their own.
    const intruder = new SoftAuthenticator(origin());
    await addPasskey(await signedIn(ctx, m), intruder, 'Intruso');
    const other = await memberWithPasskey();

    // The member follows the email's advice: "Forgot your password?".
    const member = new BrowserAgent(ctx.app);
    const challenge = (await member.get('/captcha/challenge')).json() as CaptchaChallenge;
    await member.post('/recovery', { username: m.username, altcha: await solveCaptcha(challenge) });
    await member.post('/recovery/send', {});
    await member.get(await lastLink(ctx, m.email, 'recovery-link', '/recovery/reset/'));
    const page = await member.get('/recovery/reset');
    const boxes = [...page.body.matchAll(/<input type="checkbox"[^>]*name="remove_passkey"[^>]*>/g)].map((b) => b[0]);
    assert.equal(boxes.length, 2, 'both passkeys are listed');
    const ticked = boxes.filter((b) => /\schecked/.test(b)).map((b) => /value="(\d+)"/.exec(b)![1]!);
    assert.equal(ticked.length, 1, 'only the one added in the last 7 days comes ticked');
    assert.match(page.body, /Intruso/);
    assert.match(page.body, /Mi portátil/);

    // A refused password keeps the member's choice; then the reset, with another member's passkey id slipped in.
    const refused = await member.post('/recovery/reset', {
      password: 'corta',
      password_confirmation: 'corta',
      remove_passkey: [],
    });
    assert.equal(refused.statusCode, 400);
    assert.doesNotMatch(refused.body, /name="remove_passkey"[^>]*checked/, 'the member unticked every box');
    const otherId = (
      await ctx.db.kysely.selectFrom('passkeys').select('id').where('account_id', '=', other.accountId).execute()
    )[0]!.id;
    const done = await member.post('/recovery/reset', {
      password: 'OtraClave2031',
      password_confirmation: 'OtraClave2031',
      remove_passkey: [...ticked, String(otherId)],
    });
    assert.equal(done.headers.location, '/recovery/done');
    assert.equal(await passkeySignsIn(intruder), false, 'the intruder’s passkey no longer signs in');
    assert.equal(await passkeySignsIn(own), true, 'the member’s own passkey still does');
    assert.equal(await passkeySignsIn(other.authenticator), true, 'another account’s passkey is untouched');
    const reset = await auditOf(ctx, m.accountId, 'recovery.reset');
    assert.equal(JSON.parse(reset.at(-1)!.details ?? '{}').passkeys_removed, 1);
  });
});
