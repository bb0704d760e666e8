import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { initialsOf, issueVerificationToken } from '../../identity/verification.js';
import { memberWithAccount } from '../../../test/helpers/fixture.js';
import { describeEachDatabase } from '../../../test/helpers/databases.js';
import { setup, type TestContext } from '../../../test/helpers/setup.js';
import { VERIFY_LIMIT } from './verify.routes.js';

// R32: the public verification page: per-address limit decided after an atomic increment (R9's rule for counters),
// both languages without cookies, and the page's rate for the note.

describeEachDatabase('certificate verification page (R32)', (kind) => {
  let ctx: TestContext;
  let path: string;

  before(async () => {
    ctx = await setup(kind);
    const member = await memberWithAccount(ctx, {
      record: { first_name: 'Ana Belén', last_name: 'de la Fuente Ruiz', product: 'Salud Dental' },
    });
    const policy = await ctx.db.kysely
      .selectFrom('members')
      .select('policy_id')
      .where('id', '=', member.memberId)
      .executeTakeFirstOrThrow();
    const token = await issueVerificationToken(ctx.db.kysely, ctx.clock, {
      kind: 'certificate',
      memberId: member.memberId,
      policyId: policy.policy_id,
    });
    path = `/verify/${token}`;
  });
  after(() => ctx.close());

  const visit = (url: string, remoteAddress: string, headers: Record<string, string> = {}) =>
    ctx.app.inject({ method: 'GET', url, remoteAddress, headers });

  test('initials leave out surname particles', () => {
    assert.equal(initialsOf('Ana Belén', 'de la Fuente Ruiz'), 'A. B. F. R.');
    assert.equal(initialsOf('José-Luis', 'Ñúñez'), 'J. L. Ñ.');
    assert.equal(initialsOf('élodie', 'van Berg'), 'É. B.');
  });

  test('both languages, chosen by the browser or the address, with no cookie needed', async () => {
    const es = await visit(path, '198.51.100.1', { 'accept-language': 'es-ES' });
    assert.equal(es.statusCode, 200);
    assert.match(es.body, /<html lang="es"/);
    assert.match(es.body, /Certificado auténtico: cobertura en vigor hoy/);
    assert.match(es.body, /A\. B\. F\. R\./);
    assert.match(es.body, /Salud Dental/);
    assert.equal(es.headers['set-cookie'], undefined);
    const en = await visit(`${path}?lang=en`, '198.51.100.1');
    assert.match(en.body, /<html lang="en"/);
    assert.match(en.body, /Genuine certificate: cover in force today/);
    const notGenuine = await visit('/verify/not-a-token?lang=en', '198.51.100.1');
    assert.equal(notGenuine.statusCode, 404);
    assert.match(notGenuine.body, /Not a genuine certificate/);
  });

  test('a burst from one address gets the limit and no more; another address is not held up', async () => {
    const answers = await Promise.all(Array.from({ length: VERIFY_LIMIT.max + 10 }, () => visit(path, '203.0.113.7')));
    assert.equal(answers.filter((a) => a.statusCode === 200).length, VERIFY_LIMIT.max);
    const limited = answers.filter((a) => a.statusCode === 429);
    assert.equal(limited.length, 10);
    assert.match(limited[0]!.body, /Demasiadas consultas/);
    assert.ok(Number(limited[0]!.headers['retry-after']) <= 60);
    // Forged tokens count as well: guessing costs the same as checking.
    assert.equal((await visit('/verify/AAAAAAAAAAAAAAAAAAAAAAAA', '203.0.113.7')).statusCode, 429);
    assert.equal((await visit(path, '203.0.113.8')).statusCode, 200);
    // A minute later the address may check again.
    ctx.clock.advance(VERIFY_LIMIT.windowMs);
    assert.equal((await visit(path, '203.0.113.7')).statusCode, 200);
  });

  test('the page’s rate, for the note (no timed assertion)', async (t) => {
    const n = 200;
    const started = performance.now();
    for (let i = 0; i < n; i++) {
      const res = await visit(path, `192.0.2.${i % 250}`);
      assert.equal(res.statusCode, 200);
    }
    const seconds = (performance.now() - started) / 1000;
    t.diagnostic(`${kind}: ${n} verification pages in ${seconds.toFixed(2)} s, ${(n / seconds).toFixed(0)} per second`);
  });
});
