import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { generate, generateSecret } from 'otplib';
import { nif } from '../../src/feed/demo-feed.js';
import type { CaptchaChallenge } from '../../src/infra/captcha/captcha.js';
import { bucket, hit } from '../../src/infra/rate-limit/rate-limit.js';
import { createApiKey } from '../../src/identity/api-keys.js';
import {
  lastCode,
  memberFeedRow,
  memberWithAccount,
  signedIn,
  TEST_PASSWORD,
  type TestMember,
} from '../helpers/fixture.js';
import { BrowserAgent } from '../helpers/browser-agent.js';
import { solveCaptcha } from '../helpers/captcha.js';
import { describeEachDatabase } from '../helpers/databases.js';
import { Readable } from 'node:stream';
import { FEED_HEADER, toCsvLine } from '../../src/feed/demo-feed.js';
import { importFeed } from '../../src/feed/feed.import.js';
import { setup, type TestContext } from '../helpers/setup.js';
import { createStaff } from '../helpers/staff.js';

// Abuse suite, bursts and restarts (R9, issue 15): an attacker does not wait for one answer before sending the next
// request, and restarts a flow whenever a per-flow limit is near. Every limit must hold for 40+ concurrent requests
// exactly as for the same requests one by one, and a restarted sign-in must not buy fresh guesses.

const BURST = 40;

describeEachDatabase('abuse: bursts and restarts', (kind) => {
  let ctx: TestContext;
  let n = 0;
  let address = 0;
  const freshAddress = () => `198.51.100.${(++address % 250) + 1}`;
  const member = () => memberWithAccount(ctx, { n: ++n });
  const from = (ip: string) => new BrowserAgent(ctx.app, { 'x-forwarded-for': ip });
  const captcha = async (agent: BrowserAgent) =>
    solveCaptcha((await agent.get('/captcha/challenge')).json() as CaptchaChallenge);
  const audits = (event: string, outcome: 'success' | 'failure' | 'refused' | 'info', accountId?: number) => {
    let q = ctx.db.kysely
      .selectFrom('audit_events')
      .select(['id', 'details'])
      .where('event', '=', event)
      .where('outcome', '=', outcome);
    if (accountId !== undefined) q = q.where('account_id', '=', accountId);
    return q.execute();
  };
  const pauseEmails = async (m: TestMember) =>
    (await ctx.outbox()).filter((x) => x.template === 'account-locked' && x.recipient === m.email);
  /** The password step passed (captcha solved when asked), the code sent by email: the browser is at the code. */
  async function atCode(m: TestMember, ip = freshAddress()): Promise<BrowserAgent> {
    const agent = from(ip);
    let res = await agent.post('/sign-in', { username: m.username, password: TEST_PASSWORD });
    if (res.statusCode === 400)
      res = await agent.post('/sign-in', {
        username: m.username,
        password: TEST_PASSWORD,
        altcha: await captcha(agent),
      });
    assert.equal(res.statusCode, 303, `password step: ${res.body.match(/data-notice="[^"]*"/)?.[0]}`);
    await agent.get('/sign-in/verify');
    assert.equal((await agent.post('/sign-in/verify/send', { channel: 'email' })).statusCode, 303);
    return agent;
  }
  const wrongOf = (code: string) => (code === '000000' ? '111111' : '000000');

  before(async () => {
    ctx = await setup(kind, { env: { TRUST_PROXY: 'true' } });
  });
  after(() => ctx.close());
  beforeEach(async () => {
    await ctx.db.kysely.deleteFrom('rate_limits').execute();
  });

  test(`${BURST} concurrent wrong passwords and the right one among them: no more checks than one by one, one pause email (R9)`, async () => {
    const m = await member();
    const attacker = from(freshAddress());
    // Every request carries its own solved captcha, so only the R9 figures decide.
    const payloads = await Promise.all(Array.from({ length: BURST + 1 }, () => captcha(attacker)));
    const responses = await Promise.all(
      payloads.map((altcha, i) =>
        from(freshAddress()).post('/sign-in', {
          username: m.username,
          password: i === BURST / 2 ? TEST_PASSWORD : 'Wrong1234',
          altcha,
        }),
      ),
    );
    assert.ok(
      responses.every((r) => [303, 401, 429].includes(r.statusCode)),
      `statuses: ${responses.map((r) => r.statusCode).join(',')}`,
    );
    const failures = (await audits('signin.password', 'failure', m.accountId)).length;
    const rightAccepted = responses[BURST / 2]!.statusCode === 303;
    assert.ok(failures <= 10, `at most 10 wrong passwords checked, got ${failures}`);
    assert.equal(responses.filter((r) => r.statusCode === 401).length, failures);
    // The right password got through only if it held one of the ten slots: never after ten failures.
    if (rightAccepted) assert.ok(failures <= 9);
    const paused = failures === 10;
    assert.equal((await pauseEmails(m)).length, paused ? 1 : 0, 'one email per pause, not one per refused request');
    assert.equal((await audits('signin.locked', 'info', m.accountId)).length, paused ? 1 : 0);
    if (paused) {
      const owner = from(freshAddress());
      assert.equal(
        (await owner.post('/sign-in', { username: m.username, password: TEST_PASSWORD, altcha: await captcha(owner) }))
          .statusCode,
        429,
      );
    }
  });

  test(`${BURST} concurrent wrong passwords without captchas: five checked, the rest asked for the captcha (R9, R10)`, async () => {
    const m = await member();
    const responses = await Promise.all(
      Array.from({ length: BURST }, () =>
        from(freshAddress()).post('/sign-in', { username: m.username, password: 'Wrong1234' }),
      ),
    );
    assert.equal(responses.filter((r) => r.statusCode === 401).length, 5);
    assert.equal(responses.filter((r) => r.statusCode === 400).length, BURST - 5);
    assert.equal((await audits('signin.password', 'failure', m.accountId)).length, 5);
    // The requests refused for want of a captcha gave their counts back: the streak is five, not forty.
    const right = from(freshAddress());
    assert.equal(
      (await right.post('/sign-in', { username: m.username, password: TEST_PASSWORD, altcha: await captcha(right) }))
        .statusCode,
      303,
    );
  });

  test('one address, 60 usernames at once: at most 50 failures an hour are checked, and the count stays at 50 (R9)', async () => {
    const ip = freshAddress();
    const responses = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        from(ip).post('/sign-in', { username: nif(12_000_000 + i), password: 'Wrong1234' }),
      ),
    );
    assert.equal(responses.filter((r) => r.statusCode === 401).length, 50);
    assert.equal(responses.filter((r) => r.statusCode === 429).length, 10);
    const counted = await ctx.db.kysely
      .selectFrom('rate_limits')
      .select('count')
      .where('bucket', '=', bucket('signin-ip', ip))
      .executeTakeFirstOrThrow();
    assert.equal(Number(counted.count), 50);
  });

  test(`the hourly ceiling under a burst: at 99 failures this hour, ${BURST} at once get one check (R9)`, async () => {
    const m = await member();
    const now = ctx.clock.now().getTime();
    ctx.clock.set(new Date(Math.ceil(now / 3_600_000) * 3_600_000 + 60_000).toISOString());
    for (let i = 0; i < 99; i++) await hit(ctx.db.kysely, ctx.clock, bucket('signin-hour', m.username), 3_600_000);
    const responses = await Promise.all(
      Array.from({ length: BURST }, () =>
        from(freshAddress()).post('/sign-in', { username: m.username, password: 'Wrong1234' }),
      ),
    );
    assert.equal(responses.filter((r) => r.statusCode === 401).length, 1);
    assert.equal(responses.filter((r) => r.statusCode === 429).length, BURST - 1);
  });

  test('emailed codes across restarted sign-ins: the 10th wrong answer in a row pauses sign-in, a right code is then refused, one email (R9)', async () => {
    const m = await member();
    // The member is at the code step in their own browser, with the right code in hand.
    const owner = await atCode(m);
    const ownersCode = await lastCode(ctx, m.email);
    const ownersLink = /\/sign-in\/link\/[A-Za-z0-9_-]+/.exec(
      (await ctx.outbox()).filter((x) => x.recipient === m.email && x.template === 'signin-code').at(-1)!.body_text,
    )![0];
    // The attacker has the password and restarts the sign-in after every five wrong codes.
    let refusedAt = 0;
    for (let attempt = 1; attempt <= 30 && !refusedAt; attempt++) {
      const agent = await atCode(m).catch(() => undefined);
      if (!agent) {
        refusedAt = attempt;
        break;
      }
      const code = await lastCode(ctx, m.email);
      for (let i = 0; i < 5; i++) {
        const res = await agent.post('/sign-in/verify/code', { code: wrongOf(code) });
        if (res.statusCode === 429) {
          refusedAt = attempt;
          break;
        }
      }
    }
    assert.equal(refusedAt, 2, 'the second sign-in ends in a pause: five wrong codes each, ten in a row');
    assert.equal(
      (await audits('signin.code', 'failure', m.accountId)).length,
      10,
      'exactly ten wrong codes were checked',
    );
    const emails = await pauseEmails(m);
    assert.equal(emails.length, 1);
    assert.match(emails[0]!.body_text, /password correctly/, 'the email says the password is known');
    const link = await owner.get(ownersLink);
    assert.equal(link.statusCode, 429, 'the emailed link during the pause is refused too');
    const late = await owner.post('/sign-in/verify/code', { code: ownersCode });
    // That refusal ended the owner's sign-in: the right code now leads back to the start, never to the area.
    assert.equal(late.headers.location, '/sign-in', 'a right code during the pause is refused');
    assert.equal((await owner.get('/area')).statusCode, 303);
    assert.equal((await atCode(m).catch((e: Error) => e)) instanceof Error, true, 'and so is a new sign-in');
    ctx.clock.advanceMinutes(15);
    const back = await atCode(m);
    assert.equal(
      (await back.post('/sign-in/verify/code', { code: await lastCode(ctx, m.email) })).headers.location,
      '/area',
      'the pause is never permanent',
    );
  });

  test(`authenticator codes: 250 tries across restarts are not possible; ${BURST} concurrent ones check no more than 10 (R9)`, async () => {
    const m = await member();
    const secret = generateSecret();
    await ctx.db.kysely
      .updateTable('accounts')
      .set({ totp_secret: ctx.secretBox.seal(secret), totp_enabled_at: ctx.clock.now().toISOString() })
      .where('id', '=', m.accountId)
      .execute();
    const agent = from(freshAddress());
    assert.equal((await agent.post('/sign-in', { username: m.username, password: TEST_PASSWORD })).statusCode, 303);
    await agent.post('/sign-in/verify/send', { channel: 'totp' });
    const right = await generate({ secret, epoch: Math.floor(ctx.clock.now().getTime() / 1000) });
    const wrong = right === '000000' ? '111111' : '000000';
    const responses = await Promise.all(
      Array.from({ length: BURST }, () => agent.post('/sign-in/verify/code', { code: wrong })),
    );
    assert.ok(responses.every((r) => [303, 400, 429].includes(r.statusCode)));
    const checked = (await audits('signin.code', 'failure', m.accountId)).length;
    assert.ok(checked <= 10, `at most ten wrong codes checked, got ${checked}`);
    // Restarting buys nothing: the next sign-in needs the captcha and ends in the pause at the latest at ten.
    const again = from(freshAddress());
    const pw = await again.post('/sign-in', {
      username: m.username,
      password: TEST_PASSWORD,
      altcha: await captcha(again),
    });
    if (pw.statusCode === 303) {
      await again.post('/sign-in/verify/send', { channel: 'totp' });
      for (let i = 0; i < 10; i++)
        if ((await again.post('/sign-in/verify/code', { code: wrong })).statusCode === 429) break;
    }
    assert.equal((await audits('signin.code', 'failure', m.accountId)).length, 10);
    assert.equal((await pauseEmails(m)).length, 1);
    const owner = from(freshAddress());
    assert.equal(
      (await owner.post('/sign-in', { username: m.username, password: TEST_PASSWORD, altcha: await captcha(owner) }))
        .statusCode,
      429,
    );
  });

  test(`${BURST} concurrent sends across restarted sign-ins: at most 10 codes to one account in an hour (R9)`, async () => {
    const m = await member();
    // Twelve sign-ins past the password, one after another (a burst of right passwords would itself ask for the
    // captcha: every attempt in flight counts), then every one of them asks for codes at once.
    const agents: BrowserAgent[] = [];
    for (let i = 0; i < 12; i++) {
      const agent = from(freshAddress());
      assert.equal((await agent.post('/sign-in', { username: m.username, password: TEST_PASSWORD })).statusCode, 303);
      agents.push(agent);
    }
    const responses = await Promise.all(
      Array.from({ length: BURST }, (_, i) =>
        agents[i % agents.length]!.post('/sign-in/verify/send', { channel: 'email' }),
      ),
    );
    assert.ok(responses.every((r) => [303, 429].includes(r.statusCode)));
    assert.equal(
      (await ctx.outbox()).filter((x) => x.recipient === m.email && x.template === 'signin-code').length,
      10,
    );
  });

  test(`staff: ${BURST} concurrent wrong passwords check at most 5 and pause once (R9, R23)`, async () => {
    const staff = await createStaff(ctx, 'agent', { username: `burst${++n}` });
    const responses = await Promise.all(
      Array.from({ length: BURST }, () =>
        from(freshAddress()).post('/backoffice/sign-in', { username: staff.username, password: 'Wrong-password-1' }),
      ),
    );
    assert.ok(responses.every((r) => [401, 429].includes(r.statusCode)));
    // At most five passwords are checked. Fewer is possible and safe: an attempt counted early (say 3rd) may find
    // the pause already taken by one counted 5th that overtook it, and is then refused before its check.
    const checked = responses.filter((r) => r.statusCode === 401).length;
    assert.ok(checked >= 1 && checked <= 5, `between one and five passwords checked, got ${checked}`);
    const failures = await ctx.db.kysely
      .selectFrom('audit_events')
      .select('id')
      .where('event', '=', 'staff.signin')
      .where('outcome', '=', 'failure')
      .where('actor', '=', `staff:${staff.username}`)
      .execute();
    assert.equal(failures.length, checked, 'each checked password is one recorded failure, no more');
    const locks = await ctx.db.kysely
      .selectFrom('audit_events')
      .select('id')
      .where('event', '=', 'staff.locked')
      .where('actor', '=', `staff:${staff.username}`)
      .execute();
    assert.equal(locks.length, 1);
    assert.equal(
      (await from(freshAddress()).post('/backoffice/sign-in', { username: staff.username, password: staff.password }))
        .statusCode,
      429,
    );
  });

  test(`re-authentication: ${BURST} concurrent wrong passwords on the contact page check at most 5 (R9, R15)`, async () => {
    const m = await member();
    const agent = await signedIn(ctx, m);
    const page = await agent.get('/area/contact');
    assert.equal(page.statusCode, 200);
    const responses = await Promise.all(
      Array.from({ length: BURST }, (_, i) =>
        agent.post('/area/contact/email', { new_email: `new${i}@example.com`, email_password: 'Wrong1234' }),
      ),
    );
    const wrong = responses.filter((r) => r.statusCode === 400).length;
    assert.ok(
      responses.every((r) => [400, 429].includes(r.statusCode)),
      responses.map((r) => r.statusCode).join(','),
    );
    assert.equal(wrong, 5);
    const right = await agent.post('/area/contact/email', {
      new_email: 'new@example.com',
      email_password: TEST_PASSWORD,
    });
    assert.equal(right.statusCode, 429, 'locked for the hour, even with the right password');
  });

  test(`registration step 1: ${BURST} concurrent mismatches for one member number get three checks before the captcha (R6)`, async () => {
    const m = await member();
    const responses = await Promise.all(
      Array.from({ length: BURST }, () =>
        from(freshAddress()).post('/register', {
          member_number: m.memberNumber,
          birth_date: '01/01/1900',
          policy_number: 'NOPE1',
        }),
      ),
    );
    const mismatches = await ctx.db.kysely
      .selectFrom('audit_events')
      .select('id')
      .where('event', '=', 'registration.identify')
      .where('outcome', '=', 'failure')
      .where('subject', '=', m.memberNumber)
      .execute();
    assert.equal(mismatches.length, 3);
    assert.ok(
      responses.every((r) => r.statusCode === 400 || r.statusCode === 429),
      'a mismatch, the captcha, or too many',
    );
  });

  test('registration step 2 is no lookup of who is insured: 3 document answers per record a day, also in a burst (issue 15, R3)', async () => {
    // Forty people with accounts, and an eligible record without a document whose holder probes their documents.
    const insured = await Promise.all(Array.from({ length: BURST }, () => member()));
    const prober = `PR${++n}`;
    await importFeed(
      { db: ctx.db, clock: ctx.clock, courier: ctx.courier, timeZone: 'Europe/Madrid' },
      Readable.from([
        FEED_HEADER +
          toCsvLine(
            memberFeedRow({
              policy_number: `PP${n}`,
              member_number: prober,
              date_of_birth: '1990-06-15',
              email: `probe${n}@example.com`,
              address_line: 'Calle Mayor 1',
              postal_code: '28013',
              city: 'Madrid',
            }),
          ),
      ]),
    );
    const agent = from(freshAddress());
    assert.equal(
      (await agent.post('/register', { member_number: prober, birth_date: '15/06/1990', policy_number: `PP${n}` }))
        .headers.location,
      '/register/details',
    );
    const details = (document: string) => ({
      address_line: 'Calle Mayor 1',
      postal_code: '28013',
      city: 'Madrid',
      province: 'Madrid',
      email: `probe${n}@example.com`,
      mobile: '',
      document_type: 'NIF',
      document_number: document,
    });
    const responses = await Promise.all(insured.map((m) => agent.post('/register/details', details(m.username))));
    const answered = responses.filter(
      (r) => r.statusCode === 400 && r.body.includes('ya está registrado a nombre de otra persona'),
    );
    assert.equal(answered.length, 3, 'three documents answered as taken');
    assert.equal(responses.filter((r) => r.statusCode === 429).length, BURST - 3);
    // A new flow from another address does not buy more answers for the same record.
    const other = from(freshAddress());
    await other.post('/register', { member_number: prober, birth_date: '15/06/1990', policy_number: `PP${n}` });
    assert.equal((await other.post('/register/details', details(nif(70_000_000 + 1)))).statusCode, 429);
    // A free document is no lookup worth limiting for the person's own registration... once the day is over.
    ctx.clock.advance(24 * 3_600_000);
    await other.post('/register', { member_number: prober, birth_date: '15/06/1990', policy_number: `PP${n}` });
    assert.equal(
      (await other.post('/register/details', details(nif(33_333_333)))).headers.location,
      '/register/password',
    );
  });

  test('integration API: 150 concurrent unknown keys from one address get at most 100 lookups (R9, R24)', async () => {
    const ip = freshAddress();
    const responses = await Promise.all(
      Array.from({ length: 150 }, (_, i) =>
        ctx.app.inject({
          method: 'GET',
          url: '/api/v1/members/AS1/registration',
          headers: {
            authorization: `Bearer mak_${'A'.repeat(40)}${String(i).padStart(3, '0')}`,
            'x-forwarded-for': ip,
          },
        }),
      ),
    );
    assert.equal(responses.filter((r) => r.statusCode === 401).length, 100);
    assert.equal(responses.filter((r) => r.statusCode === 429).length, 50);
    // A good key from the same address is refused while the address is limited, like the right password is.
    const created = await createApiKey(ctx.db.kysely, ctx.clock, {
      name: 'core',
      scopes: ['members:read'],
      createdBy: 'test',
    });
    assert.ok(created.ok);
    const key = created.value!.key;
    const good = await ctx.app.inject({
      method: 'GET',
      url: '/api/v1/members/AS1/registration',
      headers: { authorization: `Bearer ${key}`, 'x-forwarded-for': ip },
    });
    assert.equal(good.statusCode, 429);
  });
});
