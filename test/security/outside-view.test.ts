import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, beforeEach, test } from 'node:test';
import { generate } from 'otplib';
import { ConfigError, loadConfig } from '../../src/config.js';
import type { CaptchaChallenge } from '../../src/infra/captcha/captcha.js';
import { createSecretBox, DEVELOPMENT_KEY, SecretBoxError } from '../../src/infra/crypto/secret-box.js';
import { resealSecrets } from '../../src/infra/crypto/secrets-at-rest.js';
import type { OutboxMessage } from '../../src/infra/db/tables.js';
import { createDispatcher } from '../../src/infra/outbox/dispatcher.js';
import { safeNext } from '../../src/infra/session/session.js';
import { lastCode, memberWithAccount, signedIn, TEST_PASSWORD } from '../helpers/fixture.js';
import { BrowserAgent } from '../helpers/browser-agent.js';
import { solveCaptcha } from '../helpers/captcha.js';
import { describeEachDatabase } from '../helpers/databases.js';
import { setup, type TestContext } from '../helpers/setup.js';
import { createStaff, totpCode } from '../helpers/staff.js';

// Issue 15, the outside view: what an attacker found with a copy of the database, a redirect parameter, an
// IPv6 block and a pending sign-in, each with the test that would have caught it (R9, R11, R15, R29).

test('a return address whose dot segments collapse into another host is refused (/.//evil.example)', () => {
  for (const next of ['/.//evil.example', '/./\\evil.example', '/a/..//evil.example/x', '/%2e//evil.example'])
    assert.equal(safeNext(next), undefined, next);
  assert.equal(safeNext('/area?x=1'), '/area?x=1');
  assert.equal(safeNext('/a/./b'), '/a/b');
});

test('the development mailbox stays on this machine unless DEV_MAILBOX=on says otherwise', () => {
  assert.throws(
    () => loadConfig({ NODE_ENV: 'development', HOST: '0.0.0.0' }),
    (e: unknown) => e instanceof ConfigError && /DEV_MAILBOX/.test(e.message),
  );
  assert.throws(() => loadConfig({ NODE_ENV: 'development', HOST: '192.0.2.10' }), ConfigError);
  assert.equal(loadConfig({ NODE_ENV: 'development', HOST: '0.0.0.0', DEV_MAILBOX: 'on' }).devMailbox, true);
  assert.equal(loadConfig({ NODE_ENV: 'development', HOST: '0.0.0.0', DEV_MAILBOX: 'off' }).devMailbox, false);
  for (const host of ['127.0.0.1', 'localhost', '::1', '127.0.0.2'])
    assert.equal(loadConfig({ NODE_ENV: 'development', HOST: host }).devMailbox, true, host);
});

test('R29: the encryption key is required in production and must be 32 bytes', () => {
  const prod = {
    NODE_ENV: 'production',
    PUBLIC_URL: 'https://members.example',
    SMTP_URL: 'smtp://mail.example:587',
    SECRET_KEY: 'x'.repeat(40),
  };
  assert.throws(
    () => loadConfig(prod),
    (e: unknown) => e instanceof ConfigError && /ENCRYPTION_KEY/.test(e.message),
  );
  assert.throws(
    () => loadConfig({ ...prod, ENCRYPTION_KEY: 'short' }),
    (e: unknown) => e instanceof ConfigError && /ENCRYPTION_KEY/.test(e.message),
  );
  assert.throws(() => loadConfig({ NODE_ENV: 'test', ENCRYPTION_KEYS_PREVIOUS: 'nope' }), ConfigError);
  const hex = randomBytes(32).toString('hex');
  const box = loadConfig({ ...prod, ENCRYPTION_KEY: hex }).secretBox;
  assert.equal(
    loadConfig({ ...prod, ENCRYPTION_KEY: Buffer.from(hex, 'hex').toString('base64') }).secretBox.open(
      box.seal('same key'),
    ),
    'same key',
  );
});

test('R29: a sealed value opens only under its key, and any change to it is detected', () => {
  const box = createSecretBox(randomBytes(32));
  const sealed = box.seal('JBSWY3DPEHPK3PXP');
  assert.equal(box.open(sealed), 'JBSWY3DPEHPK3PXP');
  assert.notEqual(box.seal('JBSWY3DPEHPK3PXP'), sealed, 'a fresh nonce every time');
  assert.throws(() => createSecretBox(randomBytes(32)).open(sealed), SecretBoxError);
  const parts = sealed.split('.');
  const body = Buffer.from(parts[3]!, 'base64url');
  body[0]! ^= 1;
  assert.throws(() => box.open([...parts.slice(0, 3), body.toString('base64url')].join('.')), SecretBoxError);
  assert.throws(() => box.open('JBSWY3DPEHPK3PXP'), SecretBoxError);
});

describeEachDatabase('outside view (issue 15)', (kind) => {
  let ctx: TestContext;
  let n = 0;
  const member = () => memberWithAccount(ctx, { n: ++n });
  const captcha = async (agent: BrowserAgent) =>
    solveCaptcha((await agent.get('/captcha/challenge')).json() as CaptchaChallenge);
  const mails = async (to: string, template: string) =>
    (await ctx.outbox()).filter((m) => m.recipient === to && m.template === template);
  const linkIn = (mail: OutboxMessage | undefined, path: string) =>
    new RegExp(`http://localhost:3000(${path}/[A-Za-z0-9_-]+)`).exec(mail?.body_text ?? '')?.[1];

  /** Every cell of every table, as text: what a copy of the database gives whoever holds it. */
  async function wholeDatabase(): Promise<string> {
    const tables = await ctx.db.kysely.introspection.getTables();
    const dump: string[] = [];
    for (const table of tables) {
      const rows = await ctx.db.kysely
        .selectFrom(table.name as 'accounts')
        .selectAll()
        .execute();
      dump.push(`${table.name}\n${JSON.stringify(rows)}`);
    }
    return dump.join('\n');
  }

  before(async () => {
    ctx = await setup(kind, { env: { TRUST_PROXY: 'true' } });
  });
  after(() => ctx.close());
  beforeEach(async () => {
    await ctx.db.kysely.deleteFrom('rate_limits').execute();
  });

  test('R29: after a recovery, a code sign-in and two authenticator enrolments, no table holds a code, link, token or secret', async () => {
    const m = await member();
    // A recovery link requested.
    const visitor = new BrowserAgent(ctx.app);
    await visitor.post('/recovery', { username: m.username, altcha: await captcha(visitor) });
    await visitor.post('/recovery/send', {});
    const recoveryLink = linkIn((await mails(m.email, 'recovery-link')).at(-1), '/recovery/reset');
    assert.ok(recoveryLink);
    // A sign-in with an emailed code (and its one-click link), left at the code step, and one finished.
    const pending = new BrowserAgent(ctx.app);
    await pending.post('/sign-in', { username: m.username, password: TEST_PASSWORD });
    await pending.post('/sign-in/verify/send', { channel: 'email' });
    const pendingMail = (await mails(m.email, 'signin-code')).at(-1)!;
    const pendingCode = /\b(\d{6})\b/.exec(pendingMail.body_text)![1]!;
    const signInLink = linkIn(pendingMail, '/sign-in/link');
    assert.ok(signInLink);
    const agent = await signedIn(ctx, m);
    // A member enrols an authenticator app; a staff user is created with one.
    const page = await agent.get('/area/security/totp');
    const secret = /<code>([A-Z2-7 ]+)<\/code>/.exec(page.body)![1]!.replace(/ /g, '');
    const pendingDump = await wholeDatabase();
    assert.ok(!pendingDump.includes(secret), 'the pending enrolment keeps its secret sealed');
    const enrolled = await agent.post('/area/security/totp', {
      code: await generate({ secret, epoch: Math.floor(ctx.clock.now().getTime() / 1000) }),
      current_password: TEST_PASSWORD,
    });
    assert.equal(enrolled.headers.location, '/area/security?done=totp-enabled');
    const staff = await createStaff(ctx, 'agent');

    const secrets = {
      recoveryToken: recoveryLink.split('/').at(-1)!,
      signInLinkToken: signInLink.split('/').at(-1)!,
      signInCode: pendingCode,
      memberTotp: secret,
      staffTotp: staff.secret!,
      staffPassword: staff.password,
      password: TEST_PASSWORD,
    };
    const check = (dump: string, when: string) => {
      for (const [name, value] of Object.entries(secrets))
        assert.ok(!dump.includes(value), `${name} is readable in the database ${when}`);
    };
    check(await wholeDatabase(), 'while the messages wait to be sent');

    // Sent through a real transport: the messages are blanked, and what went out still carried the code and link.
    const delivered: OutboxMessage[] = [];
    const transport = {
      name: 'recording',
      async send(message: OutboxMessage) {
        delivered.push(message);
      },
    };
    await createDispatcher({
      db: ctx.db,
      clock: ctx.clock,
      box: ctx.secretBox,
      transports: { email: transport, sms: transport },
    }).drain();
    assert.ok(
      delivered.some((d) => d.body_text.includes(pendingCode) && d.subject?.includes(pendingCode)),
      'the member got the code',
    );
    assert.ok(
      delivered.some((d) => d.body_text.includes(secrets.recoveryToken)),
      'and the recovery link',
    );
    check(await wholeDatabase(), 'after sending');
    const sent = await ctx.db.kysely
      .selectFrom('outbox')
      .select(['subject', 'body_text', 'body_html'])
      .where('status', '=', 'sent')
      .execute();
    assert.ok(sent.length > 0 && sent.every((s) => s.body_text === '' && s.subject === null && s.body_html === null));

    // The secrets still work for their owners: the app's code signs in, the staff user's app too.
    ctx.clock.advance(30_000);
    const again = new BrowserAgent(ctx.app);
    await again.post('/sign-in', { username: m.username, password: TEST_PASSWORD });
    await again.post('/sign-in/verify/send', { channel: 'totp' });
    const done = await again.post('/sign-in/verify/code', {
      code: await generate({ secret, epoch: Math.floor(ctx.clock.now().getTime() / 1000) }),
    });
    assert.equal(done.headers.location, '/area');
    const staffAgent = new BrowserAgent(ctx.app);
    await staffAgent.post('/backoffice/sign-in', { username: staff.username, password: staff.password });
    assert.equal(
      (await staffAgent.post('/backoffice/sign-in/verify', { code: await totpCode(ctx, staff.secret!) })).headers
        .location,
      '/backoffice',
    );
  });

  test('R29: a new key re-seals every secret (secrets rotate); clear secrets from before R29 are sealed at start', async () => {
    const m = await member();
    await ctx.db.kysely
      .updateTable('accounts')
      .set({ totp_secret: 'JBSWY3DPEHPK3PXP', totp_enabled_at: ctx.clock.now().toISOString() })
      .where('id', '=', m.accountId)
      .execute();
    const clear = await resealSecrets(ctx.db.kysely, ctx.secretBox, 'clear');
    assert.ok(clear.accounts >= 1);
    const stored = async () =>
      (
        await ctx.db.kysely
          .selectFrom('accounts')
          .select('totp_secret')
          .where('id', '=', m.accountId)
          .executeTakeFirstOrThrow()
      ).totp_secret!;
    assert.equal(ctx.secretBox.open(await stored()), 'JBSWY3DPEHPK3PXP');
    assert.equal((await resealSecrets(ctx.db.kysely, ctx.secretBox, 'clear')).accounts, 0, 'idempotent');

    const newKey = randomBytes(32);
    const rotated = createSecretBox(newKey, [DEVELOPMENT_KEY]);
    const report = await resealSecrets(ctx.db.kysely, rotated, 'rotate');
    assert.ok(report.accounts >= 1 && report.outbox >= 1);
    const afterRotation = await stored();
    assert.equal(createSecretBox(newKey).open(afterRotation), 'JBSWY3DPEHPK3PXP', 'opens with the new key alone');
    assert.throws(() => ctx.secretBox.open(afterRotation), SecretBoxError, 'the old key alone no longer opens it');
    const outbox = await ctx.db.kysely
      .selectFrom('outbox')
      .select('body_text')
      .where('status', '=', 'pending')
      .execute();
    assert.ok(outbox.every((o) => rotated.isCurrent(o.body_text)));
    // Put the development key back for the other tests of this database.
    await resealSecrets(ctx.db.kysely, createSecretBox(DEVELOPMENT_KEY, [newKey]), 'rotate');
  });

  test('a new password ends sign-ins waiting at the code step (R11, R12)', async () => {
    const m = await member();
    const waiting = new BrowserAgent(ctx.app);
    await waiting.post('/sign-in', { username: m.username, password: TEST_PASSWORD });
    await waiting.post('/sign-in/verify/send', { channel: 'email' });
    const code = await lastCode(ctx, m.email);
    // The member resets the password meanwhile.
    const owner = new BrowserAgent(ctx.app);
    await owner.post('/recovery', { username: m.username, altcha: await captcha(owner) });
    await owner.post('/recovery/send', {});
    await owner.get(linkIn((await mails(m.email, 'recovery-link')).at(-1), '/recovery/reset')!);
    assert.equal(
      (
        await owner.post('/recovery/reset', {
          password: 'Invierno2032Nuevo',
          password_confirmation: 'Invierno2032Nuevo',
        })
      ).headers.location,
      '/recovery/done',
    );
    const late = await waiting.post('/sign-in/verify/code', { code });
    assert.equal(late.headers.location, '/sign-in', 'the code of a sign-in made with the old password is worthless');
  });

  test('a changed email voids recovery links sent to the old one (R11, R15)', async () => {
    const m = await member();
    const visitor = new BrowserAgent(ctx.app);
    await visitor.post('/recovery', { username: m.username, altcha: await captcha(visitor) });
    await visitor.post('/recovery/send', {});
    const oldLink = linkIn((await mails(m.email, 'recovery-link')).at(-1), '/recovery/reset')!;
    const agent = await signedIn(ctx, m);
    const newEmail = `changed${n}@example.com`;
    assert.equal(
      (await agent.post('/area/contact/email', { new_email: newEmail, email_password: TEST_PASSWORD })).headers
        .location,
      '/area/contact/confirm',
    );
    const code = await lastCode(ctx, newEmail, 'contact-code');
    assert.equal((await agent.post('/area/contact/confirm', { code })).statusCode, 303);
    assert.equal((await new BrowserAgent(ctx.app).get(oldLink)).statusCode, 410);
  });

  test('staff: the per-address limit counts an IPv6 /64 as one address (R9, R23)', async () => {
    const staff = await createStaff(ctx, 'agent');
    for (let i = 1; i <= 50; i++) {
      const res = await new BrowserAgent(ctx.app, { 'x-forwarded-for': `2001:db8:77:1::${i.toString(16)}` }).post(
        '/backoffice/sign-in',
        { username: `nobody${i}`, password: 'x' },
      );
      assert.equal(res.statusCode, 401, `failure ${i}`);
    }
    const next = await new BrowserAgent(ctx.app, { 'x-forwarded-for': '2001:db8:77:1:ffff::1' }).post(
      '/backoffice/sign-in',
      { username: staff.username, password: staff.password },
    );
    assert.equal(next.statusCode, 429, 'the 51st from the same /64 is refused');
    const elsewhere = await new BrowserAgent(ctx.app, { 'x-forwarded-for': '2001:db8:77:2::1' }).post(
      '/backoffice/sign-in',
      { username: staff.username, password: staff.password },
    );
    assert.equal(elsewhere.statusCode, 303);
  });
});
