import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { nif } from '../../feed/demo-feed.js';
import type { CaptchaChallenge } from '../../infra/captcha/captcha.js';
import { verifyPassword } from '../../infra/crypto/password-hash.js';
import { translator } from '../../infra/i18n/i18n.js';
import { BrowserAgent } from '../../../test/helpers/browser-agent.js';
import { auditOf, lastLink, memberWithAccount, signedIn, TEST_PASSWORD } from '../../../test/helpers/fixture.js';
import { solveCaptcha } from '../../../test/helpers/captcha.js';
import { describeEachDatabase } from '../../../test/helpers/databases.js';
import { setup, type TestContext } from '../../../test/helpers/setup.js';

// Password recovery (R11) and change (R12), with the R4 rules and the 20-password history.

describeEachDatabase('password recovery and change', (kind) => {
  let ctx: TestContext;

  /** A registered member (Olga Ruiz, born 1981: R4's personal data) whose account speaks English. */
  const member = () => memberWithAccount(ctx, { language: 'en', record: { language: 'es' } });

  const captcha = async (agent: BrowserAgent) =>
    solveCaptcha((await agent.get('/captcha/challenge')).json() as CaptchaChallenge);

  async function requestLink(agent: BrowserAgent, username: string) {
    const start = await agent.post('/recovery', { username, altcha: await captcha(agent) });
    assert.equal(start.statusCode, 303, start.body.match(/field-error[^<]*/)?.[0]);
    assert.equal(start.headers.location, '/recovery/send');
    return agent.post('/recovery/send', {});
  }

  const recoveryLink = (email: string) => lastLink(ctx, email, 'recovery-link', '/recovery/reset/');

  before(async () => {
    ctx = await setup(kind);
  });
  after(() => ctx.close());
  beforeEach(async () => {
    await ctx.db.kysely.deleteFrom('rate_limits').execute();
  });

  test('the whole recovery: captcha, send, a 24-hour link that leaves the URL, a new password, every session ended (R11)', async () => {
    const m = await member();
    const phone = await signedIn(ctx, m);
    const laptop = await signedIn(ctx, m);
    const agent = new BrowserAgent(ctx.app);
    const form = await agent.get('/recovery');
    assert.match(form.body, /altcha-widget/);
    assert.equal(form.headers['referrer-policy'], 'no-referrer');
    const sent = await requestLink(agent, m.username.toLowerCase());
    assert.equal(sent.headers.location, '/recovery/sent');
    const mail = (await ctx.outbox()).filter((x) => x.template === 'recovery-link' && x.recipient === m.email);
    assert.equal(mail.length, 1);
    assert.equal(mail[0]!.language, 'en', 'in the member’s language');
    const link = await recoveryLink(m.email);

    const opened = await agent.get(link);
    assert.equal(opened.statusCode, 303);
    assert.equal(opened.headers.location, '/recovery/reset', 'the token leaves the URL before the form');
    const page = await agent.get('/recovery/reset');
    assert.equal(page.statusCode, 200);
    assert.ok(page.body.includes('href="/help/password-rules"'), 'R26: the form links the password rules');
    assert.equal(page.headers['referrer-policy'], 'no-referrer');
    assert.doesNotMatch(page.body, new RegExp(link.split('/').pop()!));

    const same = await agent.post('/recovery/reset', { password: TEST_PASSWORD, password_confirmation: TEST_PASSWORD });
    assert.equal(same.statusCode, 400, 'not the current password');
    assert.match(same.body, /últimas 20 contraseñas|last 20 passwords/);
    const done = await agent.post('/recovery/reset', {
      password: 'Otono2031Nuevo',
      password_confirmation: 'Otono2031Nuevo',
    });
    assert.equal(done.headers.location, '/recovery/done');
    const account = await ctx.db.kysely
      .selectFrom('accounts')
      .selectAll()
      .where('id', '=', m.accountId)
      .executeTakeFirstOrThrow();
    assert.ok(await verifyPassword(account.password_hash, 'Otono2031Nuevo'));
    for (const browser of [phone, laptop])
      assert.equal((await browser.get('/area')).statusCode, 303, 'R11: every session ends');
    assert.equal(
      Object.keys(agent.cookies).some((c) => c.endsWith('session')),
      false,
      'not signed in automatically',
    );
    assert.equal(
      (await ctx.outbox()).filter((x) => x.template === 'password-changed' && x.recipient === m.email).length,
      1,
    );
    assert.equal((await agent.get(link)).statusCode, 410, 'the link is single use');
  });

  test('an unknown document gets the same answer and no email (R11)', async () => {
    const m = await member();
    const before = (await ctx.outbox()).length;
    const a = await requestLink(new BrowserAgent(ctx.app), nif(11223344));
    const b = await requestLink(new BrowserAgent(ctx.app), m.username);
    assert.equal(a.statusCode, b.statusCode);
    assert.equal(a.headers.location, b.headers.location);
    const queued = (await ctx.outbox()).slice(before);
    assert.deepEqual(
      queued.map((q) => q.recipient),
      [m.email],
    );
  });

  test('the captcha is required: missing, wrong or replayed is refused (R10)', async () => {
    const m = await member();
    const agent = new BrowserAgent(ctx.app);
    assert.equal((await agent.post('/recovery', { username: m.username })).statusCode, 400);
    assert.equal(
      (await agent.post('/recovery', { username: m.username, altcha: 'bm90IGEgc29sdXRpb24=' })).statusCode,
      400,
    );
    const solved = await captcha(agent);
    assert.equal((await agent.post('/recovery', { username: m.username, altcha: solved })).statusCode, 303);
    const replay = await new BrowserAgent(ctx.app).post('/recovery', { username: m.username, altcha: solved });
    assert.equal(replay.statusCode, 400);
    assert.match(replay.body, /verificación de seguridad/);
    // Screen 2 cannot be reached without screen 1.
    assert.equal((await new BrowserAgent(ctx.app).post('/recovery/send', {})).headers.location, '/recovery');
  });

  test('a link after 24 hours, or after a newer request, is refused with the offer of a new one (R11)', async () => {
    const m = await member();
    const agent = new BrowserAgent(ctx.app);
    await requestLink(agent, m.username);
    const first = await recoveryLink(m.email);
    await requestLink(agent, m.username);
    const second = await recoveryLink(m.email);
    const old = await new BrowserAgent(ctx.app).get(first);
    assert.equal(old.statusCode, 410, 'voided by the newer request');
    assert.match(old.body, /href="\/recovery"/);
    ctx.clock.advanceMinutes(24 * 60 + 1);
    assert.equal((await new BrowserAgent(ctx.app).get(second)).statusCode, 410, 'expired after 24 hours');
  });

  test('two tabs submitting the same link at once: one wins (R11)', async () => {
    const m = await member();
    const agent = new BrowserAgent(ctx.app);
    await requestLink(agent, m.username);
    const link = await recoveryLink(m.email);
    await agent.get(link);
    await agent.get('/recovery/reset');
    const results = await Promise.all([
      agent.post('/recovery/reset', { password: 'Tab1Password9', password_confirmation: 'Tab1Password9' }),
      agent.post('/recovery/reset', { password: 'Tab2Password9', password_confirmation: 'Tab2Password9' }),
    ]);
    assert.deepEqual(results.map((r) => r.statusCode).sort(), [303, 410]);
    const history = await ctx.db.kysely
      .selectFrom('password_history')
      .select('id')
      .where('account_id', '=', m.accountId)
      .execute();
    assert.equal(history.length, 2, 'exactly one new password');
  });

  test('a locked account can recover, and the reset lifts the lock (R9, R11)', async () => {
    const m = await member();
    const attacker = new BrowserAgent(ctx.app);
    for (let i = 0; i < 10; i++) {
      const altcha = i >= 5 ? await captcha(attacker) : '';
      await attacker.post('/sign-in', { username: m.username, password: 'Wrong1234', ...(altcha ? { altcha } : {}) });
    }
    const locked = await attacker.post('/sign-in', {
      username: m.username,
      password: TEST_PASSWORD,
      altcha: await captcha(attacker),
    });
    assert.equal(locked.statusCode, 429);
    const agent = new BrowserAgent(ctx.app);
    await requestLink(agent, m.username);
    await agent.get(await recoveryLink(m.email));
    await agent.post('/recovery/reset', { password: 'Desbloqueo2031', password_confirmation: 'Desbloqueo2031' });
    const after = await new BrowserAgent(ctx.app).post('/sign-in', {
      username: m.username,
      password: 'Desbloqueo2031',
    });
    assert.equal(after.statusCode, 303, 'signs in with both steps as usual');
  });

  test('the history: each of the last 20 passwords is refused, the 21st-oldest accepted (R4, R12)', async () => {
    const m = await member();
    const agent = await signedIn(ctx, m);
    // 20 changes after the first password: TEST_PASSWORD is then the 21st-oldest.
    const passwords = Array.from({ length: 20 }, (_, i) => `Cambio${String(i).padStart(2, '0')}Clave`);
    let current = TEST_PASSWORD;
    for (const next of passwords) {
      const res = await agent.post('/area/security/password', {
        current_password: current,
        password: next,
        password_confirmation: next,
      });
      assert.equal(res.statusCode, 303, next);
      current = next;
    }
    for (const old of passwords) {
      const res = await agent.post('/area/security/password', {
        current_password: current,
        password: old,
        password_confirmation: old,
      });
      assert.equal(res.statusCode, 400, `${old} is one of the last 20`);
      assert.match(res.body, /last 20|últimas 20/);
    }
    const oldest = await agent.post('/area/security/password', {
      current_password: current,
      password: TEST_PASSWORD,
      password_confirmation: TEST_PASSWORD,
    });
    assert.equal(oldest.statusCode, 303, 'the 21st-oldest may come back');
  });

  test('reset: a password of the last 20 is refused, and the checklist marks that rule failed (R4, R11; issue 25)', async () => {
    const m = await member();
    const agent = new BrowserAgent(ctx.app);
    await requestLink(agent, m.username);
    await agent.get(await recoveryLink(m.email));
    /** The checklist's history line: its class, its mark, and what a screen reader hears of its state. */
    const historyRule = (body: string) => {
      const li = /<li data-rule="history"(?: class(?:="([^"]*)")?)?>([\s\S]*?)<\/li>/.exec(body);
      assert.ok(li, 'the checklist lists the history rule');
      return {
        class: li[1] ?? '',
        mark: /<span class="state" aria-hidden="true">([^<]*)<\/span>/.exec(li[2]!)?.[1],
        said: /<span class="visually-hidden state-text">([^<]*)<\/span>/.exec(li[2]!)?.[1] ?? '',
      };
    };
    assert.deepEqual(historyRule((await agent.get('/recovery/reset')).body), { class: '', mark: '•', said: '' });
    const refused = await agent.post('/recovery/reset', {
      password: TEST_PASSWORD,
      password_confirmation: TEST_PASSWORD,
    });
    assert.equal(refused.statusCode, 400);
    assert.match(refused.body, /id="password-error">[^<]*(last 20|últimas 20)/);
    const lang = /<html lang="(es|en)"/.exec(refused.body)?.[1] as 'es' | 'en';
    assert.deepEqual(historyRule(refused.body), {
      class: 'unmet',
      mark: '✗',
      said: ` (${translator(lang)('password.unmet')})`,
    });
    // Refused for another reason (the confirmation), the history was not what failed: not judged.
    const mismatch = await agent.post('/recovery/reset', {
      password: 'Otono2031Nuevo',
      password_confirmation: 'Otono2031Nuev0',
    });
    assert.equal(mismatch.statusCode, 400);
    assert.deepEqual(historyRule(mismatch.body), { class: '', mark: '•', said: '' });
  });

  test('change: a wrong current password is refused; other sessions end, this one stays with a new token (R12)', async () => {
    const m = await member();
    const other = await signedIn(ctx, m);
    const agent = await signedIn(ctx, m);
    const wrong = await agent.post('/area/security/password', {
      current_password: 'Nope12345',
      password: 'Verano2032Sol',
      password_confirmation: 'Verano2032Sol',
    });
    assert.equal(wrong.statusCode, 400);
    assert.match(wrong.body, /contraseña actual no es correcta|current password is not correct/);
    assert.ok(wrong.body.includes('href="/help/password-rules"'), 'R26: the form links the password rules');
    const name = Object.keys(agent.cookies).find((c) => c.endsWith('session'))!;
    const oldToken = agent.cookies[name];
    const ok = await agent.post('/area/security/password', {
      current_password: TEST_PASSWORD,
      password: 'Verano2032Sol',
      password_confirmation: 'Verano2032Sol',
    });
    assert.equal(ok.statusCode, 303);
    assert.notEqual(agent.cookies[name], oldToken, 'a new session token');
    assert.equal((await agent.get('/area')).statusCode, 200, 'this browser stays signed in');
    assert.equal((await other.get('/area')).statusCode, 303, 'the other browser is signed out');
    assert.equal(
      (await ctx.app.inject({ url: '/area', cookies: { [name]: oldToken! } })).statusCode,
      303,
      'the old token is dead',
    );
    assert.equal(
      (await ctx.outbox()).filter((x) => x.template === 'password-changed' && x.recipient === m.email).length,
      1,
    );
    const audit = await auditOf(ctx, m.accountId, 'password.change');
    assert.deepEqual(audit.map((a) => a.outcome).sort(), ['failure', 'success']);
    assert.equal(
      (await ctx.app.inject({ method: 'GET', url: '/area/security/password' })).statusCode,
      303,
      'private page needs a session',
    );
  });
});
