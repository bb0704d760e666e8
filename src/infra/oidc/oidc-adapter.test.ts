import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../clock.js';
import { describeEachDatabase, freshDatabase } from '../../../test/helpers/databases.js';
import { testConfig } from '../../../test/helpers/setup.js';
import { randomToken } from '../crypto/tokens.js';
import { oidcAdapterFactory, purgeExpiredOidc, revokeGrant } from './oidc-adapter.js';

// R35 storage on both databases: ids stored only as hashes and payloads sealed (R29), expiry, lookups by session uid,
// consumption that one caller wins however many race, a replay that revokes the grant, and the janitor's purge.

describeEachDatabase('the OpenID Provider adapter (R35)', (kind) => {
  const config = testConfig();
  const setup = async () => {
    const db = await freshDatabase(kind);
    const clock = new ManualClock();
    const factory = oidcAdapterFactory({
      db: db.kysely,
      clock,
      box: config.secretBox,
      findClient: async () => undefined,
    });
    return { db, clock, factory };
  };

  test('a token is stored under its hash with its payload sealed, and expires', async () => {
    const { db, clock, factory } = await setup();
    try {
      const tokens = factory('AccessToken');
      const id = randomToken();
      await tokens.upsert(id, { jti: id, grantId: 'g1', accountId: '7', clientId: 'c1', scope: 'openid' }, 300);
      assert.deepEqual(await tokens.find(id), {
        jti: id,
        grantId: 'g1',
        accountId: '7',
        clientId: 'c1',
        scope: 'openid',
      });
      assert.equal(await factory('RefreshToken').find(id), undefined, 'models do not see each other');
      const rows = await db.kysely.selectFrom('oidc_payloads').selectAll().execute();
      assert.equal(rows.length, 1);
      assert.ok(!JSON.stringify(rows).includes(id), 'no token in the table');
      assert.ok(config.secretBox.isSealed(rows[0]!.payload));
      clock.advance(301_000);
      assert.equal(await tokens.find(id), undefined, 'expired');
      assert.equal(await purgeExpiredOidc(db.kysely, clock), 1);
    } finally {
      await db.close();
    }
  });

  test('sessions are found by uid; destroy and revokeByGrantId delete', async () => {
    const { db, factory } = await setup();
    try {
      const sessions = factory('Session');
      await sessions.upsert('cookie-1', { jti: 'cookie-1', uid: 'uid-1', accountId: '7' }, 3600);
      assert.equal((await sessions.findByUid('uid-1'))?.jti, 'cookie-1');
      await sessions.destroy('cookie-1');
      assert.equal(await sessions.findByUid('uid-1'), undefined);
      const codes = factory('AuthorizationCode');
      await codes.upsert('code-1', { jti: 'code-1', grantId: 'g2' }, 60);
      await factory('Grant').upsert('g2', { jti: 'g2', accountId: '7', clientId: 'c' }, 3600);
      await codes.revokeByGrantId('g2');
      assert.equal(await codes.find('code-1'), undefined);
      await revokeGrant(db.kysely, 'g2');
      assert.equal(await factory('Grant').find('g2'), undefined, 'the grant itself ends with revokeGrant');
    } finally {
      await db.close();
    }
  });

  test('forty consumptions of one code at once: one wins, the rest are replays that revoke the grant', async () => {
    const { db, factory } = await setup();
    try {
      const codes = factory('AuthorizationCode');
      const tokens = factory('AccessToken');
      await codes.upsert('code-2', { jti: 'code-2', grantId: 'g3' }, 60);
      await tokens.upsert('at-1', { jti: 'at-1', grantId: 'g3' }, 300);
      const results = await Promise.allSettled(Array.from({ length: 40 }, () => codes.consume('code-2')));
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      for (const r of results.filter((r) => r.status === 'rejected'))
        assert.equal((r.reason as { error?: string }).error, 'invalid_grant');
      assert.equal(await tokens.find('at-1'), undefined, 'what the grant gave is revoked');
    } finally {
      await db.close();
    }
  });

  test('a consumed refresh token reads as consumed (the provider then revokes the grant)', async () => {
    const { db, factory } = await setup();
    try {
      const refresh = factory('RefreshToken');
      await refresh.upsert('rt-1', { jti: 'rt-1', grantId: 'g4' }, 3600);
      await refresh.consume('rt-1');
      assert.equal(typeof (await refresh.find('rt-1'))?.consumed, 'number');
      await assert.rejects(refresh.consume('rt-1'), { error: 'invalid_grant' });
    } finally {
      await db.close();
    }
  });

  test('clients are read-only through the provider', async () => {
    const { db, factory } = await setup();
    try {
      await assert.rejects(factory('Client').upsert('x', {}, 1), /oidc-client/);
      assert.equal(await factory('Client').find('x'), undefined);
    } finally {
      await db.close();
    }
  });
});
