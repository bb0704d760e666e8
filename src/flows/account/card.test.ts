import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { FEED_HEADER, nif, toCsvLine } from '../../feed/demo-feed.js';
import { importFeed } from '../../feed/feed.import.js';
import { cardToken, issueVerificationToken } from '../../identity/verification.js';
import { accountFor, memberFeedRow, signedIn } from '../../../test/helpers/fixture.js';
import type { BrowserAgent } from '../../../test/helpers/browser-agent.js';
import { describeEachDatabase } from '../../../test/helpers/databases.js';
import { setup, type TestContext } from '../../../test/helpers/setup.js';
import { VERIFY_LIMIT } from '../verify/verify.routes.js';

// R33: the card with the brand's logo, numbers, product, valid-until date, emergency phone (tel:) and the QR code of
// its check address, read back with zbarimg (STYLE 21); the check page a clinic opens: valid today, initials, product
// and dates only; one card per policy; no longer valid once the policy is cancelled; a forged, altered or
// certificate's token vouches for nothing; rate-limited like R32's page.

const run = promisify(execFile);

/** The QR codes of a page's card images (PNG data: URIs), decoded by zbarimg. */
async function qrCodesOf(html: string): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'card-qr-'));
  try {
    const files = [...html.matchAll(/<img src="data:image\/png;base64,([^"]+)"/g)].map((m, i) => {
      const file = join(dir, `qr${i}.png`);
      writeFileSync(file, Buffer.from(m[1]!, 'base64'));
      return file;
    });
    if (files.length === 0) return [];
    const { stdout } = await run('zbarimg', ['-q', '--raw', '-Sdisable', '-Sqrcode.enable', ...files]);
    return stdout.trim().split('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describeEachDatabase('the card and its check page (R33)', (kind) => {
  let ctx: TestContext;
  let agent: BrowserAgent;
  const rosa = { first_name: 'Rosa María', last_name: 'del Valle Ortiz', date_of_birth: '1975-03-09' };
  const feed = () => ({ db: ctx.db, clock: ctx.clock, courier: ctx.courier, timeZone: 'Europe/Madrid' });
  const rows = (status: 'active' | 'cancelled') =>
    [
      memberFeedRow({
        ...rosa,
        policy_number: 'POL-RA',
        product: 'Salud Oro',
        member_number: 'RV-1',
        policy_status: status,
      }),
      memberFeedRow({
        ...rosa,
        policy_number: 'POL-RB',
        product: 'Dental Plus',
        member_number: 'RV-2',
        policy_start: '2026-01-01',
        policy_end: '2027-12-31',
      }),
    ]
      .map(toCsvLine)
      .join('');

  before(async () => {
    ctx = await setup(kind);
    await importFeed(feed(), Readable.from([FEED_HEADER + rows('active')]));
    await accountFor(ctx, { username: nif(10000077), memberNumbers: ['RV1', 'RV2'], email: 'rosa@example.com' });
    agent = await signedIn(ctx, { username: nif(10000077), email: 'rosa@example.com' });
  });
  after(() => ctx.close());

  const visit = (url: string, remoteAddress = '198.51.100.20') =>
    ctx.app.inject({ method: 'GET', url, remoteAddress, headers: { 'accept-language': 'es-ES' } });

  async function cardAddresses(): Promise<string[]> {
    const page = await agent.get('/area/card');
    assert.equal(page.statusCode, 200);
    return qrCodesOf(page.body);
  }

  test('one card per policy, each with logo, numbers, valid-until date, emergency phone and a readable QR code', async () => {
    const page = await agent.get('/area/card');
    assert.equal(page.statusCode, 200);
    const cards = [...page.body.matchAll(/<section class="member-card"[\s\S]*?<\/section>/g)].map((m) => m[0]);
    assert.equal(cards.length, 2, 'a card for each policy');
    for (const card of cards) {
      assert.match(card, /<img src="\/assets\/logo\.svg" alt class="card-logo"/);
      assert.match(card, /Rosa María del Valle Ortiz/);
      assert.match(card, /<a href="tel:\+34900000112" class="nowrap">\+34 900 000 112<\/a>/, 'the emergency phone');
    }
    assert.match(
      cards[0]!,
      /RV2[\s\S]*POLRB[\s\S]*Dental Plus[\s\S]*Válida hasta<\/dt><dd class="card-valid">31\/12\/2027/,
    );
    assert.match(cards[1]!, /RV1[\s\S]*POLRA[\s\S]*Salud Oro[\s\S]*Sin fecha de fin/);
    const addresses = await qrCodesOf(page.body);
    assert.equal(addresses.length, 2);
    for (const address of addresses)
      assert.match(address, new RegExp(`^${ctx.config.publicUrl}/verify/card/[A-Za-z0-9_-]{24}$`));
    assert.notEqual(addresses[0], addresses[1], 'each card its own address');
    // The address is the card's, not the view's: the same on the next view, and one row per card.
    assert.deepEqual(await cardAddresses(), addresses);
    const rowsNow = await ctx.db.kysely
      .selectFrom('verification_tokens')
      .select('kind')
      .where('kind', '=', 'card')
      .execute();
    assert.equal(rowsNow.length, 2);
    // ?member= narrows to one card; another person's number is refused (R14).
    assert.equal((await qrCodesOf((await agent.get('/area/card?member=RV1')).body)).length, 1);
    assert.equal((await agent.get('/area/card?member=AS1001')).statusCode, 403);
  });

  test('the check page: valid today, initials, product and dates; no birth date, document or member number', async () => {
    const [address] = await cardAddresses();
    const path = new URL(address!).pathname;
    const res = await visit(path);
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['x-robots-tag'], 'noindex, nofollow');
    assert.equal(res.headers['set-cookie'], undefined, 'a clinic needs no cookie');
    assert.match(res.body, /Tarjeta válida hoy/);
    assert.match(res.body, /R\. M\. V\. O\./);
    assert.match(res.body, /Dental Plus/);
    assert.match(res.body, /31 de diciembre de 2027/);
    for (const secret of ['1975', '09/03', 'RV2', 'POLRB', nif(10000077), 'Rosa'])
      assert.ok(!res.body.includes(secret), `the page does not show ${secret}`);
    const en = await visit(`${path}?lang=en`);
    assert.match(en.body, /Card valid today/);
  });

  test('a forged, altered or certificate token vouches for nothing, alike', async () => {
    const [address] = await cardAddresses();
    const token = address!.split('/').at(-1)!;
    const altered = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    const member = await ctx.db.kysely
      .selectFrom('members')
      .select(['id', 'policy_id'])
      .where('member_number', '=', 'RV2')
      .executeTakeFirstOrThrow();
    // The right derivation under another key: exactly what a forger without SECRET_KEY would have to guess.
    const otherKey = cardToken('another-secret-key-that-is-not-ours-0123', {
      memberId: member.id,
      policyId: member.policy_id,
    });
    const certificate = await issueVerificationToken(ctx.db.kysely, ctx.clock, {
      kind: 'certificate',
      memberId: member.id,
      policyId: member.policy_id,
    });
    const pages = await Promise.all(
      [altered, otherKey, 'not-a-token', 'A'.repeat(90), certificate].map((t) => visit(`/verify/card/${t}`)),
    );
    for (const page of pages) {
      assert.equal(page.statusCode, 404);
      assert.match(page.body, /Tarjeta no reconocida/);
      assert.doesNotMatch(page.body, /Dental Plus|V\. O\./);
    }
    // And a card's token is no certificate either.
    assert.equal((await visit(`/verify/${token}`)).statusCode, 404);
  });

  test('once the policy is cancelled its card stops vouching and shows no QR code', async () => {
    const before = await cardAddresses();
    const salud = before.find((a) => a !== before[0])!;
    assert.match((await visit(new URL(salud).pathname)).body, /Tarjeta válida hoy/);
    await importFeed(feed(), Readable.from([FEED_HEADER + rows('cancelled')]));
    const after = await visit(new URL(salud).pathname);
    assert.equal(after.statusCode, 200);
    assert.match(after.body, /Tarjeta auténtica, pero NO válida hoy/);
    assert.doesNotMatch(after.body, /Tarjeta válida hoy/);
    const page = await agent.get('/area/card');
    assert.match(page.body, /Esta tarjeta no es válida: la póliza está de baja/);
    assert.deepEqual(await qrCodesOf(page.body), [before[0]], 'only the active policy’s card carries a QR code');
  });

  test('the check page shares R32’s per-address limit', async () => {
    const [address] = await cardAddresses();
    const path = new URL(address!).pathname;
    const answers = await Promise.all(Array.from({ length: VERIFY_LIMIT.max + 5 }, () => visit(path, '203.0.113.50')));
    assert.equal(answers.filter((a) => a.statusCode === 200).length, VERIFY_LIMIT.max);
    assert.equal(answers.filter((a) => a.statusCode === 429).length, 5);
    assert.equal((await visit('/verify/card/forged', '203.0.113.50')).statusCode, 429, 'guesses count too');
    assert.equal((await visit(path, '203.0.113.51')).statusCode, 200);
  });
});
