import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { nif } from '../feed/demo-feed.js';
import { hashToken, randomToken } from '../infra/crypto/tokens.js';
import { accountFor } from '../../test/helpers/fixture.js';
import { describeEachDatabase } from '../../test/helpers/databases.js';
import { setup, type TestContext } from '../../test/helpers/setup.js';
import { deviceCookieName, DEVICE_FORGOTTEN_AFTER_MS, rememberSignInDevice, type DeviceVerdict } from './devices.js';

// R28 under bursts (issue 32): a device seen within 180 days is marked seen by one guarded update, with no read
// first; a device unseen for longer is read and judged. Forty sign-ins completing at once on one browser must tell
// the member of it once at most, exactly as one by one.

const BURST = 40;

describeEachDatabase('known devices under bursts (R28)', (kind) => {
  let ctx: TestContext;
  let n = 0;
  before(async () => {
    ctx = await setup(kind);
  });
  after(() => ctx.close());

  async function account() {
    n++;
    const username = nif(74000000 + n);
    const email = `dev${n}@example.com`;
    const id = await accountFor(ctx, { username, memberNumbers: [], email });
    return { id, username, email, language: 'es' as const };
  }

  /** What a request and its reply give rememberSignInDevice: the device cookie brought, the one set. */
  function exchange(token: string | undefined) {
    const set: string[] = [];
    const request = {
      cookies: token ? { [deviceCookieName(ctx.config.secureCookies)]: token } : {},
      ip: '198.51.100.20',
      headers: { 'user-agent': 'test' },
      id: 'req',
    } as unknown as FastifyRequest;
    const reply = { setCookie: (_: string, value: string) => set.push(value) } as unknown as FastifyReply;
    return { request, reply, set };
  }
  const remember = (m: Awaited<ReturnType<typeof account>>, token: string | undefined): Promise<DeviceVerdict> => {
    const { request, reply } = exchange(token);
    return rememberSignInDevice(
      { db: ctx.db.kysely, clock: ctx.clock, courier: ctx.courier, config: ctx.config },
      request,
      reply,
      m,
      'email',
    );
  };
  const newDeviceEmails = async (to: string) =>
    (await ctx.outbox()).filter((x) => x.recipient === to && x.template === 'new-device').length;
  const lastSeen = async (accountId: number, token: string) =>
    (
      await ctx.db.kysely
        .selectFrom('known_devices')
        .select('last_seen_at')
        .where('account_id', '=', accountId)
        .where('device_hash', '=', hashToken(token))
        .executeTakeFirstOrThrow()
    ).last_seen_at;

  test(`${BURST} sign-ins at once on a device seen this week: all known, marked seen now, no email`, async () => {
    const m = await account();
    const home = randomToken();
    assert.equal(await remember(m, home), 'first-sign-in');
    ctx.clock.advance(7 * 24 * 3_600_000);
    const verdicts = await Promise.all(Array.from({ length: BURST }, () => remember(m, home)));
    assert.deepEqual(new Set(verdicts), new Set(['known']));
    assert.equal(await lastSeen(m.id, home), ctx.clock.now().toISOString());
    assert.equal(await newDeviceEmails(m.email), 0);
  });

  test(`${BURST} sign-ins at once on a device unseen for 180 days: one is new (one email), the rest known`, async () => {
    const m = await account();
    const laptop = randomToken();
    assert.equal(await remember(m, randomToken()), 'first-sign-in');
    assert.equal(await remember(m, laptop), 'new');
    ctx.clock.advance(DEVICE_FORGOTTEN_AFTER_MS - 1);
    assert.equal(await remember(m, laptop), 'known', 'a millisecond short of 180 days');
    ctx.clock.advance(DEVICE_FORGOTTEN_AFTER_MS);
    const verdicts = await Promise.all(Array.from({ length: BURST }, () => remember(m, laptop)));
    assert.equal(verdicts.filter((v) => v === 'new').length, 1, verdicts.join(','));
    assert.equal(verdicts.filter((v) => v === 'known').length, BURST - 1);
    assert.equal(await newDeviceEmails(m.email), 2);
    assert.equal(await lastSeen(m.id, laptop), ctx.clock.now().toISOString());
  });

  test(`${BURST} sign-ins at once with a cookie the account has never seen: one is new; without a cookie each is new`, async () => {
    const m = await account();
    assert.equal(await remember(m, randomToken()), 'first-sign-in');
    const stranger = randomToken();
    const verdicts = await Promise.all(Array.from({ length: BURST }, () => remember(m, stranger)));
    assert.equal(verdicts.filter((v) => v === 'new').length, 1, verdicts.join(','));
    assert.equal(await newDeviceEmails(m.email), 1);
    // A browser without a device cookie is given a fresh one: a new device each time, never one seen before.
    const { request, reply, set } = exchange(undefined);
    const fresh = await rememberSignInDevice(
      { db: ctx.db.kysely, clock: ctx.clock, courier: ctx.courier, config: ctx.config },
      request,
      reply,
      m,
      'email',
    );
    assert.equal(fresh, 'new');
    assert.equal(set.length, 1);
    assert.notEqual(set[0], stranger);
    assert.equal(await newDeviceEmails(m.email), 2);
  });
});
