import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { describeEachDatabase } from '../../test/helpers/databases.js';
import { setup, type TestContext } from '../../test/helpers/setup.js';
import { loadDemoIfEmpty } from './demo.js';

// PRODUCT §4 and R34: a new development database gets the demo feed and a few providers, so a newcomer's directory
// finds what its hint suggests ("traumatologia malaga", "nunez"); loading again adds nothing. Both databases.

describeEachDatabase('the demo data (PRODUCT §4, R34)', (kind) => {
  let ctx: TestContext;
  before(async () => {
    ctx = await setup(kind);
  });
  after(() => ctx.close());

  const count = async (table: 'providers' | 'members') =>
    Number(
      (
        await ctx.db.kysely
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  test('an empty database gets the demo members and providers, once; the directory finds them', async () => {
    assert.ok(await loadDemoIfEmpty(ctx), 'the demo feed is loaded');
    const providers = await count('providers');
    const members = await count('members');
    assert.equal(providers, 10, 'every demo provider passes the feed’s checks');
    assert.ok(members > 0);
    assert.equal(await loadDemoIfEmpty(ctx), undefined, 'a second start loads nothing');
    assert.equal(await count('providers'), providers);
    assert.equal(await count('members'), members);

    for (const q of ['traumatologia malaga', 'nunez', 'NÚÑEZ']) {
      const page = await ctx.app.inject({ method: 'GET', url: `/directory?q=${encodeURIComponent(q)}` });
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /Lucía Núñez Ortega/, q);
    }
  });
});
