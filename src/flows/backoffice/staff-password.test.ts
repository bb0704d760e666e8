import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BrowserAgent } from '../../../test/helpers/browser-agent.js';
import { describeEachDatabase } from '../../../test/helpers/databases.js';
import { setup, type TestContext } from '../../../test/helpers/setup.js';
import { createStaff, lastPasswordLink, signedInStaff, signInStaff, totpCode } from '../../../test/helpers/staff.js';

// Issue 15 item 5 (R23, R4, ASVS 6.4.1): staff passwords belong to their owners. The emailed link chooses one (single
// use, 24 hours, the newest only, the token out of the address bar); a signed-in person changes theirs with the
// current one, under the sign-in throttle; R4's rules and a history of 20 apply.

describeEachDatabase('staff passwords (issue 15, R23)', (kind) => {
  let ctx: TestContext;
  before(async () => {
    ctx = await setup(kind);
  });
  after(() => ctx.close());
  const nextStep = () => ctx.clock.advance(30_000);

  async function resetBy(admin: BrowserAgent, targetId: number) {
    const res = await admin.post(`/backoffice/staff/${targetId}/reset-password`, {
      confirmed: '1',
      reason: 'forgot it',
    });
    assert.equal(res.statusCode, 200);
  }

  test('the emailed link: the token leaves the address bar, R4 and the history apply, it works once, and only the newest', async () => {
    const { agent: admin } = await signedInStaff(ctx, 'admin');
    const target = await createStaff(ctx, 'agent');
    await resetBy(admin, target.id);
    const email = `${target.username}@staff.example`;
    const first = await lastPasswordLink(ctx, email);
    await resetBy(admin, target.id);
    const second = await lastPasswordLink(ctx, email);
    assert.equal((await new BrowserAgent(ctx.app).get(first)).statusCode, 410, 'a newer link voids the older');

    const browser = new BrowserAgent(ctx.app);
    const opened = await browser.get(second);
    assert.equal(opened.headers.location, '/backoffice/password/set');
    const form = await browser.get('/backoffice/password/set');
    assert.equal(form.statusCode, 200);
    assert.equal(form.headers['referrer-policy'], 'no-referrer');
    assert.match(form.body, /autocomplete="new-password"/);
    assert.ok(!form.body.includes(second.split('/').at(-1)!), 'the token is not on the page');
    for (const [password, why] of [
      ['short1A', 'too short'],
      [`${target.username}X1a`.slice(0, 20), 'contains the username'],
      ['Password1', 'common'],
      [target.password, 'the current (generated) one'],
    ] as const) {
      const res = await browser.post('/backoffice/password/set', { password, password_confirmation: password });
      assert.equal(res.statusCode, 400, why);
    }
    assert.equal(
      (
        await browser.post('/backoffice/password/set', {
          password: 'Propia2031Clave',
          password_confirmation: 'Otra2031Clave',
        })
      ).statusCode,
      400,
      'confirmation',
    );
    // Two tabs submitting at once: one sets the password, the other finds the link used.
    const both = await Promise.all([
      browser.post('/backoffice/password/set', {
        password: 'Propia2031Clave',
        password_confirmation: 'Propia2031Clave',
      }),
      browser.post('/backoffice/password/set', { password: 'Otra2031Clave', password_confirmation: 'Otra2031Clave' }),
    ]);
    assert.deepEqual(both.map((r) => r.statusCode).sort(), [200, 410]);
    assert.equal((await new BrowserAgent(ctx.app).get(second)).statusCode, 410, 'single use');
    const chosen = both[0]!.statusCode === 200 ? 'Propia2031Clave' : 'Otra2031Clave';
    nextStep();
    assert.equal((await (await signInStaff(ctx, { ...target, password: chosen })).get('/backoffice')).statusCode, 200);
    const audit = JSON.stringify(
      await ctx.db.kysely
        .selectFrom('audit_events')
        .selectAll()
        .where('subject', '=', `staff:${target.username}`)
        .execute(),
    );
    assert.match(audit, /staff\.password_set/);
    assert.ok(
      !audit.includes(second.split('/').at(-1)!) && !audit.includes(chosen),
      'never a token or a password in the audit',
    );
    const told = (await ctx.outbox()).filter(
      (m) => m.recipient === `${target.username}@staff.example` && m.template === 'staff-password-changed',
    );
    assert.equal(told.length, 1, 'the owner hears of the change');
    nextStep();
  });

  test('a link expires after 24 hours; in English the pages and email speak English', async () => {
    const { agent: admin } = await signedInStaff(ctx, 'admin');
    const target = await createStaff(ctx, 'agent');
    await admin.get('/backoffice/staff?lang=en');
    await resetBy(admin, target.id);
    const email = `${target.username}@staff.example`;
    const mail = (await ctx.outbox())
      .filter((m) => m.recipient === email && m.template === 'staff-password-link')
      .at(-1)!;
    assert.match(mail.body_text, /Choose my password/);
    const link = await lastPasswordLink(ctx, email);
    ctx.clock.advance(24 * 3_600_000 + 1_000);
    const late = await new BrowserAgent(ctx.app).get(link);
    assert.equal(late.statusCode, 410);
  });

  test('signed in: the current password first, counted in the sign-in streak; a change ends the other sessions', async () => {
    const { agent, staff } = await signedInStaff(ctx, 'agent');
    nextStep();
    const other = await signInStaff(ctx, staff);
    const page = await agent.get('/backoffice/password');
    assert.match(page.body, /autocomplete="current-password"/);
    const wrong = await agent.post('/backoffice/password', {
      current_password: 'not-it',
      password: 'Nueva2031Clave',
      password_confirmation: 'Nueva2031Clave',
    });
    assert.equal(wrong.statusCode, 400);
    const changed = await agent.post('/backoffice/password', {
      current_password: staff.password,
      password: 'Nueva2031Clave',
      password_confirmation: 'Nueva2031Clave',
    });
    assert.equal(changed.headers.location, '/backoffice/password?changed=1');
    assert.equal((await agent.get('/backoffice')).statusCode, 200, 'this browser carries on');
    assert.equal((await other.get('/backoffice')).statusCode, 303, 'the other session ended');
    const back = await agent.post('/backoffice/password', {
      current_password: 'Nueva2031Clave',
      password: staff.password,
      password_confirmation: staff.password,
    });
    assert.equal(back.statusCode, 400, 'the history refuses the previous one');
    nextStep();
  });

  test("a new password, the owner's or an administrator's reset, ends a sign-in that had passed the old one (issue 15 item 6)", async () => {
    const { agent: admin } = await signedInStaff(ctx, 'admin');
    const { agent: owner, staff } = await signedInStaff(ctx, 'agent');
    // Someone with the old password waits at the code step, in two browsers.
    const atCode = async () => {
      const browser = new BrowserAgent(ctx.app);
      await browser.get('/backoffice/sign-in');
      const first = await browser.post('/backoffice/sign-in', { username: staff.username, password: staff.password });
      assert.equal(first.headers.location, '/backoffice/sign-in/verify');
      return browser;
    };
    const beforeChange = await atCode();
    nextStep();
    const changed = await owner.post('/backoffice/password', {
      current_password: staff.password,
      password: 'Otra2032Clave',
      password_confirmation: 'Otra2032Clave',
    });
    assert.equal(changed.headers.location, '/backoffice/password?changed=1');
    const late = await beforeChange.post('/backoffice/sign-in/verify', { code: await totpCode(ctx, staff.secret!) });
    assert.equal(
      late.headers.location,
      '/backoffice/sign-in?restart=1',
      'the right code after the change does not finish the old sign-in',
    );
    assert.equal((await beforeChange.get('/backoffice')).statusCode, 303);

    nextStep();
    await assert.rejects(atCode(), 'the old password no longer passes');
    const withNew = new BrowserAgent(ctx.app);
    await withNew.get('/backoffice/sign-in');
    assert.equal(
      (await withNew.post('/backoffice/sign-in', { username: staff.username, password: 'Otra2032Clave' })).headers
        .location,
      '/backoffice/sign-in/verify',
    );
    await resetBy(admin, staff.id);
    nextStep();
    const afterReset = await withNew.post('/backoffice/sign-in/verify', { code: await totpCode(ctx, staff.secret!) });
    assert.equal(afterReset.headers.location, '/backoffice/sign-in?restart=1', "an administrator's reset ends it too");
    assert.equal((await withNew.get('/backoffice')).statusCode, 303);
  });

  test(`a stolen staff session is no password oracle: 40 wrong current passwords at once check at most 5, then the username is paused`, async () => {
    const { agent, staff } = await signedInStaff(ctx, 'agent');
    const responses = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        agent.post('/backoffice/password', {
          current_password: `guess-${i}`,
          password: 'Nueva2031Clave',
          password_confirmation: 'Nueva2031Clave',
        }),
      ),
    );
    assert.ok(responses.every((r) => r.statusCode === 400 || r.statusCode === 429));
    const checked = await ctx.db.kysely
      .selectFrom('audit_events')
      .select('details')
      .where('event', '=', 'staff.signin')
      .where('outcome', '=', 'failure')
      .where('actor', '=', `staff:${staff.username}`)
      .execute();
    assert.ok(
      checked.length >= 1 && checked.length <= 5,
      `at most five current passwords checked, got ${checked.length}`,
    );
    assert.equal(
      (
        await new BrowserAgent(ctx.app).post('/backoffice/sign-in', {
          username: staff.username,
          password: staff.password,
        })
      ).statusCode,
      429,
      'paused',
    );
    ctx.clock.advance(15 * 60_000);
  });
});
