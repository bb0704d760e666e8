import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { BrowserAgent } from '../../../test/helpers/browser-agent.js';
import { describeEachDatabase } from '../../../test/helpers/databases.js';
import { setup, type TestContext } from '../../../test/helpers/setup.js';
import { SoftAuthenticator } from '../../../test/helpers/soft-authenticator.js';
import { signedInStaff, type TestStaff } from '../../../test/helpers/staff.js';
import { STAFF_SIGN_IN } from '../../identity/sign-in-throttle.js';

// R27, R23: a staff member adds a passkey (password asked again) and uses it instead of the app's code in the
// second step; wrong answers count in the username's streak and pause sign-in at the 5th (R9, R23). Both databases.

describeEachDatabase('staff passkeys as the second factor (R27, R23)', (kind) => {
  let ctx: TestContext;
  before(async () => {
    ctx = await setup(kind);
  });
  after(async () => ctx?.close());

  const optionsIn = (html: string) =>
    JSON.parse(
      /<script type="application\/json" id="passkey-options">(.*?)<\/script>/s.exec(html)?.[1] ?? 'null',
    ) as PublicKeyCredentialCreationOptionsJSON;

  async function staffWithPasskey(): Promise<{
    staff: TestStaff;
    authenticator: SoftAuthenticator;
    agent: BrowserAgent;
  }> {
    const { agent, staff } = await signedInStaff(ctx, 'agent');
    assert.equal((await agent.get('/backoffice/passkeys')).statusCode, 200);
    const wrong = await agent.post('/backoffice/passkeys', {
      passkey_name: 'Llave USB',
      current_password: 'not-the-password',
    });
    assert.equal(wrong.statusCode, 400);
    const page = await agent.post('/backoffice/passkeys', {
      passkey_name: 'Llave USB',
      current_password: staff.password,
    });
    assert.equal(page.statusCode, 200);
    const authenticator = new SoftAuthenticator(ctx.config.publicUrl);
    const done = await agent.post('/backoffice/passkeys/verify', {
      response: JSON.stringify(authenticator.create(optionsIn(page.body))),
    });
    assert.equal(done.headers.location, '/backoffice/passkeys?done=added');
    return { staff, authenticator, agent };
  }

  /** A new browser past the password step, on the second-step page. */
  async function atSecondStep(staff: TestStaff): Promise<{ browser: BrowserAgent; body: string }> {
    const browser = new BrowserAgent(ctx.app);
    await browser.get('/backoffice/sign-in');
    assert.equal(
      (await browser.post('/backoffice/sign-in', { username: staff.username, password: staff.password })).headers
        .location,
      '/backoffice/sign-in/verify',
    );
    return { browser, body: (await browser.get('/backoffice/sign-in/verify')).body };
  }

  const options = async (browser: BrowserAgent) =>
    JSON.parse(
      (await browser.post('/backoffice/sign-in/verify/passkey/options', {})).body,
    ) as PublicKeyCredentialRequestOptionsJSON;

  test('added with the password, then used instead of the app’s code; the audit names the factor', async () => {
    const { staff, authenticator } = await staffWithPasskey();
    const { browser, body } = await atSecondStep(staff);
    assert.match(body, /\/backoffice\/sign-in\/verify\/passkey/, 'the passkey is offered (through the passkey script)');
    const res = await browser.post('/backoffice/sign-in/verify/passkey', {
      response: JSON.stringify(authenticator.get(await options(browser))),
    });
    assert.equal(res.headers.location, '/backoffice');
    assert.equal((await browser.get('/backoffice/members')).statusCode, 200, 'signed in');
    const audit = await ctx.db.kysely
      .selectFrom('audit_events')
      .select('details')
      .where('event', '=', 'staff.signin')
      .where('outcome', '=', 'success')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    assert.match(audit.details ?? '', /"factor":"passkey"/);
  });

  test('a member’s passkey or a forged answer is refused; the 5th failure in a row pauses sign-in', async () => {
    const { staff, authenticator } = await staffWithPasskey();
    const { browser } = await atSecondStep(staff);
    // The wrong password typed while adding the passkey counts in the same streak: one failure already.
    for (let i = 2; i < STAFF_SIGN_IN.lockAfter; i++) {
      const res = await browser.post('/backoffice/sign-in/verify/passkey', {
        response: JSON.stringify(
          authenticator.get(await options(browser), undefined, { origin: 'https://evil.example' }),
        ),
      });
      assert.equal(res.statusCode, 400, `try ${i}`);
      assert.match(res.body, /data-notice="passkey_failed"/);
    }
    const last = await browser.post('/backoffice/sign-in/verify/passkey', {
      response: JSON.stringify(
        authenticator.get(await options(browser), undefined, { origin: 'https://evil.example' }),
      ),
    });
    assert.equal(last.headers.location, '/backoffice/sign-in?restart=1');
    // Paused: the right password is refused now too.
    const again = new BrowserAgent(ctx.app);
    await again.get('/backoffice/sign-in');
    assert.equal(
      (await again.post('/backoffice/sign-in', { username: staff.username, password: staff.password })).statusCode,
      429,
    );
  });

  test('staff without a passkey are offered none; removal asks for the password', async () => {
    const { agent, staff } = await signedInStaff(ctx, 'agent');
    const { browser, body } = await atSecondStep(staff);
    assert.doesNotMatch(body, /verify\/passkey/);
    assert.equal((await browser.post('/backoffice/sign-in/verify/passkey/options', {})).statusCode, 409);

    const owner = await staffWithPasskey();
    const id = (
      await ctx.db.kysely
        .selectFrom('passkeys')
        .select('id')
        .where('staff_id', '=', owner.staff.id)
        .executeTakeFirstOrThrow()
    ).id;
    assert.equal(
      (await agent.post(`/backoffice/passkeys/${id}/remove`, { current_password: staff.password })).statusCode,
      404,
      'not another’s',
    );
    assert.equal(
      (await owner.agent.post(`/backoffice/passkeys/${id}/remove`, { current_password: 'nope' })).statusCode,
      400,
    );
    assert.ok(
      await ctx.db.kysely.selectFrom('passkeys').select('id').where('id', '=', id).executeTakeFirst(),
      'a wrong password removes nothing',
    );
    const removed = await owner.agent.post(`/backoffice/passkeys/${id}/remove`, {
      current_password: owner.staff.password,
    });
    assert.equal(
      removed.headers.location,
      '/backoffice/passkeys?done=removed',
      `${removed.statusCode} ${removed.body.slice(0, 3000)}`,
    );
    assert.equal(
      (await ctx.db.kysely.selectFrom('passkeys').select('id').where('staff_id', '=', owner.staff.id).execute()).length,
      0,
    );
  });
});
