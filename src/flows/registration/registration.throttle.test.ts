import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, beforeEach, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { FEED_HEADER, toCsvLine } from '../../feed/demo-feed.js';
import { importFeed } from '../../feed/feed.import.js';
import type { CaptchaChallenge } from '../../infra/captcha/captcha.js';
import { memberFeedRow } from '../../../test/helpers/fixture.js';
import { BrowserAgent } from '../../../test/helpers/browser-agent.js';
import { solveCaptcha } from '../../../test/helpers/captcha.js';
import { describeEachDatabase } from '../../../test/helpers/databases.js';
import { setup, type TestContext } from '../../../test/helpers/setup.js';
import {
  CAPTCHA_AFTER,
  IDENTIFY_WINDOW_MS,
  MAX_PER_ADDRESS,
  MAX_PER_MEMBER_FROM_ADDRESS,
} from './registration.throttle.js';

// Issue 25 item 3 (R6, R9, R10): identification attempts are limited per member number and per client address, and
// a stranger who knows only a member number cannot keep its member from registering: failures for the number bring
// the captcha, never a refusal; refusals are per address. Every limit holds for a burst of concurrent requests as for
// the same requests one by one, and across the window boundary of the test's clock.

const BURST = 40;
const MISMATCH = /Los datos no coinciden con ningún asegurado/;
const CAPTCHA_ASKED = /Completa la verificación de seguridad/;
const TOO_MANY = /demasiados intentos/i;

describeEachDatabase('registration step 1 under attack (issue 25, R6)', (kind) => {
  let ctx: TestContext;
  let address = 0;
  const freshAddress = () => `203.0.113.${(++address % 250) + 1}`;
  /** A browser at step 1 from `ip`, with the form's CSRF token already read. */
  const browserAt = async (ip: string) => {
    const agent = new BrowserAgent(ctx.app, { 'x-forwarded-for': ip });
    await agent.get('/register');
    return agent;
  };
  const captchaFor = async (agent: BrowserAgent) =>
    solveCaptcha((await agent.get('/captcha/challenge')).json() as CaptchaChallenge);
  const who = (memberNumber: string, birthDate: string) => ({
    member_number: memberNumber,
    birth_date: birthDate,
    policy_number: 'ATT-1',
  });
  /** The member's own identification; the wrong one differs only in the birth date. */
  const real = who('AT-1', '07/07/1977');
  const wrong = who('AT-1', '01/01/1901');
  const count = (responses: LightMyRequestResponse[], status: number, body?: RegExp) =>
    responses.filter((r) => r.statusCode === status && (!body || body.test(r.body))).length;
  const statuses = (responses: LightMyRequestResponse[]) => responses.map((r) => r.statusCode).join(',');
  /** `n` browsers (fresh cookies: each a restarted flow), each from `ipOf(i)`, each with its own solved captcha. */
  async function armed(n: number, ipOf: (i: number) => string) {
    return Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const agent = await browserAt(ipOf(i));
        return { agent, altcha: await captchaFor(agent) };
      }),
    );
  }
  async function theMemberGetsThrough() {
    const member = await browserAt(freshAddress());
    let res = await member.post('/register', real);
    if (res.statusCode === 400) {
      assert.match(res.body, CAPTCHA_ASKED, 'the member is asked for the captcha, not refused');
      res = await member.post('/register', { ...real, altcha: await captchaFor(member) });
    }
    assert.equal(res.statusCode, 303, res.body.match(/data-notice="[^"]*"/)?.[0]);
    assert.equal(res.headers.location, '/register/details');
  }

  before(async () => {
    ctx = await setup(kind, { env: { TRUST_PROXY: 'true' } });
    await importFeed(
      { db: ctx.db, clock: ctx.clock, courier: ctx.courier, timeZone: 'Europe/Madrid' },
      Readable.from([
        FEED_HEADER +
          toCsvLine(
            memberFeedRow({
              policy_number: 'ATT-1',
              member_number: 'AT-1',
              date_of_birth: '1977-07-07',
              email: 'at1@example.com',
            }),
          ),
      ]),
    );
  });
  after(() => ctx.close());
  beforeEach(async () => {
    await ctx.db.kysely.deleteFrom('rate_limits').execute();
  });

  test(`${BURST} concurrent failures for one member number from one address: ${MAX_PER_MEMBER_FROM_ADDRESS} checked, the rest refused; the member from their own address gets through with the captcha`, async () => {
    const ip = freshAddress();
    const shots = await armed(BURST, () => ip);
    const responses = await Promise.all(
      shots.map(({ agent, altcha }) => agent.post('/register', { ...wrong, altcha })),
    );
    assert.equal(count(responses, 400, MISMATCH), MAX_PER_MEMBER_FROM_ADDRESS, statuses(responses));
    assert.equal(count(responses, 429, TOO_MANY), BURST - MAX_PER_MEMBER_FROM_ADDRESS, statuses(responses));
    // The same address is still refused, even with the right data and a fresh browser.
    const again = await browserAt(ip);
    assert.equal((await again.post('/register', { ...real, altcha: await captchaFor(again) })).statusCode, 429);
    await theMemberGetsThrough();
  });

  test(`${BURST} concurrent failures for one member number from ${BURST} addresses: ${CAPTCHA_AFTER} checked before the captcha, none refused, and the member gets through`, async () => {
    const unarmed = await Promise.all(Array.from({ length: BURST }, () => browserAt(freshAddress())));
    const first = await Promise.all(unarmed.map((agent) => agent.post('/register', wrong)));
    assert.equal(count(first, 400, MISMATCH), CAPTCHA_AFTER, statuses(first));
    assert.equal(count(first, 400, CAPTCHA_ASKED), BURST - CAPTCHA_AFTER, statuses(first));
    // With every captcha solved, the stranger's addresses are checked, each within its own limits: failures for a
    // member number alone refuse nobody, so the member is never shut out.
    const shots = await armed(BURST, () => freshAddress());
    const second = await Promise.all(shots.map(({ agent, altcha }) => agent.post('/register', { ...wrong, altcha })));
    assert.equal(count(second, 400, MISMATCH), BURST, statuses(second));
    const noCaptcha = await (await browserAt(freshAddress())).post('/register', real);
    assert.equal(noCaptcha.statusCode, 400, 'past the figure, even the member needs the captcha');
    assert.match(noCaptcha.body, CAPTCHA_ASKED);
    await theMemberGetsThrough();
  });

  test(`${BURST} concurrent failures from one address across member numbers, each a new browser: ${MAX_PER_ADDRESS} checked, then that address is refused`, async () => {
    const ip = freshAddress();
    const shots = await armed(BURST, () => ip);
    const responses = await Promise.all(
      shots.map(({ agent, altcha }, i) => agent.post('/register', { ...who(`NO-${i}`, '01/01/1901'), altcha })),
    );
    assert.equal(count(responses, 400, MISMATCH), MAX_PER_ADDRESS, statuses(responses));
    assert.equal(count(responses, 429, TOO_MANY), BURST - MAX_PER_ADDRESS, statuses(responses));
    const restarted = await browserAt(ip);
    assert.match(restarted.last.body, /altcha-widget/, 'the address needs the captcha before typing anything');
    const refused = await restarted.post('/register', { ...real, altcha: await captchaFor(restarted) });
    assert.equal(refused.statusCode, 429, 'a restarted flow from that address buys no fresh tries');
    // Another address is not touched: the member's number was never typed, so no captcha either.
    const member = await browserAt(freshAddress());
    assert.equal((await member.post('/register', real)).statusCode, 303);
  });

  test(`across the window boundary: a burst in the last second and one in the first get ${MAX_PER_MEMBER_FROM_ADDRESS} checks each, and the new window holds to the end`, async () => {
    const ip = freshAddress();
    const windowEnd = (Math.floor(ctx.clock.now().getTime() / IDENTIFY_WINDOW_MS) + 1) * IDENTIFY_WINDOW_MS;
    ctx.clock.set(new Date(windowEnd - 1_000));
    const burst = async () => {
      const shots = await armed(BURST, () => ip);
      return Promise.all(shots.map(({ agent, altcha }) => agent.post('/register', { ...wrong, altcha })));
    };
    const last = await burst();
    assert.equal(count(last, 400, MISMATCH), MAX_PER_MEMBER_FROM_ADDRESS, statuses(last));
    ctx.clock.set(new Date(windowEnd + 1_000));
    const first = await burst();
    assert.equal(count(first, 400, MISMATCH), MAX_PER_MEMBER_FROM_ADDRESS, statuses(first));
    assert.equal(count(first, 429, TOO_MANY), BURST - MAX_PER_MEMBER_FROM_ADDRESS);
    ctx.clock.set(new Date(windowEnd + IDENTIFY_WINDOW_MS - 1_000));
    const late = await browserAt(ip);
    assert.equal(
      (await late.post('/register', { ...wrong, altcha: await captchaFor(late) })).statusCode,
      429,
      'refused to the last second of the window',
    );
    ctx.clock.set(new Date(windowEnd + IDENTIFY_WINDOW_MS));
    const next = await browserAt(ip);
    assert.equal((await next.post('/register', real)).statusCode, 303, 'a new window, a new allowance');
  });
});
