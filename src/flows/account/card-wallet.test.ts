import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { jwtVerify } from 'jose';
import { ConfigError, loadConfig } from '../../config.js';
import { FEED_HEADER, nif, toCsvLine } from '../../feed/demo-feed.js';
import { importFeed } from '../../feed/feed.import.js';
import { accountFor, memberFeedRow, signedIn } from '../../../test/helpers/fixture.js';
import type { BrowserAgent } from '../../../test/helpers/browser-agent.js';
import { describeEachDatabase } from '../../../test/helpers/databases.js';
import { WALLET_PASS_LIMIT } from './area.routes.js';
import { setup, type TestContext } from '../../../test/helpers/setup.js';

// R33: the card in the phone's wallet. The Apple pass is signed with a self-signed certificate (openssl) standing for
// the pass certificate and Apple's WWDR, and checked the way a phone would: the manifest's SHA-1 of every file and the
// detached PKCS#7 signature over the manifest, verified by `openssl smime` (STYLE 21). The Google link's JWT is checked
// with the service account's public key. No health data, the QR code of the check address, the policy's end; voided
// once the policy is cancelled; bad key files stop the start naming the variable.

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'wallet-'));
const cert = join(dir, 'pass.pem');
const key = join(dir, 'pass.key');
const serviceAccount = join(dir, 'service-account.json');
const google = generateKeyPairSync('rsa', { modulusLength: 2048 });

// Made once for the whole file (both databases' suites and the config test share them), removed at its end.
let made: Promise<void> | undefined;
const makeKeys = (): Promise<void> => (made ??= generateKeys());
after(() => rmSync(dir, { recursive: true, force: true }));

async function generateKeys(): Promise<void> {
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    '2',
    '-subj',
    '/CN=Pass Type ID: pass.es.example.card/O=Salud Ejemplo',
  ]);
  writeFileSync(
    serviceAccount,
    JSON.stringify({
      type: 'service_account',
      client_email: 'wallet@salud-ejemplo.iam.gserviceaccount.com',
      private_key: google.privateKey.export({ type: 'pkcs8', format: 'pem' }),
    }),
  );
}

const WALLET_ENV = () => ({
  APPLE_PASS_TYPE_ID: 'pass.es.example.card',
  APPLE_TEAM_ID: 'ABCDE12345',
  APPLE_PASS_CERT: cert,
  APPLE_PASS_KEY: key,
  APPLE_WWDR_CERT: cert,
  GOOGLE_WALLET_ISSUER_ID: '3388000000012345678',
  GOOGLE_WALLET_SERVICE_ACCOUNT: serviceAccount,
});

/** The files of a .pkpass (a ZIP), unpacked by unzip into a fresh folder. */
async function unpack(pkpass: Buffer): Promise<{ folder: string; files: Record<string, Buffer> }> {
  const folder = mkdtempSync(join(dir, 'pass-'));
  writeFileSync(join(folder, 'card.pkpass'), pkpass);
  await run('unzip', ['-q', 'card.pkpass', '-d', 'out'], { cwd: folder });
  const files = Object.fromEntries(
    readdirSync(join(folder, 'out')).map((name) => [name, readFileSync(join(folder, 'out', name))]),
  );
  return { folder: join(folder, 'out'), files };
}

test('wallet keys are checked at start; a bad or half-set one names its variable (R33)', async () => {
  await makeKeys();
  const ok = loadConfig(WALLET_ENV());
  assert.equal(ok.wallet.apple?.teamId, 'ABCDE12345');
  assert.equal(ok.wallet.google?.clientEmail, 'wallet@salud-ejemplo.iam.gserviceaccount.com');
  assert.deepEqual(loadConfig({}).wallet, { apple: undefined, google: undefined }, 'unset: no wallets');
  const refused = (env: Record<string, string>, pattern: RegExp) =>
    assert.throws(
      () => loadConfig({ ...WALLET_ENV(), ...env }),
      (err: Error) => err instanceof ConfigError && pattern.test(err.message),
      String(pattern),
    );
  refused({ APPLE_PASS_KEY: cert }, /APPLE_PASS_KEY: .* is not an unencrypted PEM private key/);
  refused({ APPLE_PASS_CERT: key }, /APPLE_PASS_CERT: .* is not a PEM certificate/);
  refused({ APPLE_WWDR_CERT: join(dir, 'missing.pem') }, /APPLE_WWDR_CERT: cannot read .*missing\.pem \(ENOENT\)/);
  refused({ APPLE_TEAM_ID: '' }, /APPLE_TEAM_ID: Apple Wallet needs all of/);
  refused({ APPLE_PASS_TYPE_ID: 'card' }, /APPLE_PASS_TYPE_ID: must look like pass\./);
  refused({ GOOGLE_WALLET_SERVICE_ACCOUNT: cert }, /GOOGLE_WALLET_SERVICE_ACCOUNT: .* is not JSON/);
  const noKey = join(dir, 'no-key.json');
  writeFileSync(noKey, JSON.stringify({ client_email: 'x@example.com' }));
  refused({ GOOGLE_WALLET_SERVICE_ACCOUNT: noKey }, /GOOGLE_WALLET_SERVICE_ACCOUNT: .* has no client_email/);
  refused({ GOOGLE_WALLET_ISSUER_ID: '' }, /GOOGLE_WALLET_ISSUER_ID: Google Wallet needs both/);
});

describeEachDatabase('the card in the phone’s wallet (R33)', (kind) => {
  let ctx: TestContext;
  let agent: BrowserAgent;
  const feed = () => ({ db: ctx.db, clock: ctx.clock, courier: ctx.courier, timeZone: 'Europe/Madrid' });
  const row = (status: 'active' | 'cancelled') =>
    toCsvLine(
      memberFeedRow({
        first_name: 'Inés',
        last_name: 'Soto',
        date_of_birth: '1990-07-14',
        policy_number: 'POL-W1',
        product: 'Salud Oro',
        member_number: 'WS-1',
        policy_end: '2027-06-30',
        policy_status: status,
      }),
    );

  before(async () => {
    await makeKeys();
    ctx = await setup(kind, { env: WALLET_ENV() });
    await importFeed(feed(), Readable.from([FEED_HEADER + row('active')]));
    await accountFor(ctx, { username: nif(10000088), memberNumbers: ['WS1'], email: 'ines@example.com' });
    agent = await signedIn(ctx, { username: nif(10000088), email: 'ines@example.com' });
  });
  after(() => ctx.close());

  test('the Apple pass: signed manifest, the check address in its QR code, the policy’s end, no health data', async () => {
    const page = await agent.get('/area/card');
    assert.match(page.body, /<a class="button" href="\/area\/card\/wallet\.pkpass\?member=WS1">Añadir a Apple Wallet/);
    const checkUrl = /alt="Código QR para comprobar la tarjeta en ([^"]+)"/.exec(page.body)![1]!;
    const res = await agent.get('/area/card/wallet.pkpass?member=WS1');
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'application/vnd.apple.pkpass');
    const { folder, files } = await unpack(res.rawPayload);
    const manifest = JSON.parse(files['manifest.json']!.toString()) as Record<string, string>;
    for (const [name, bytes] of Object.entries(files)) {
      if (name === 'manifest.json' || name === 'signature') continue;
      assert.equal(manifest[name], createHash('sha1').update(bytes).digest('hex'), `${name} is in the manifest`);
    }
    assert.ok(manifest['pass.json'] && manifest['icon.png']);
    // The detached PKCS#7 signature over the manifest, verified against the signing certificate.
    const verified = await run('openssl', [
      'smime',
      '-verify',
      '-binary',
      '-inform',
      'DER',
      '-in',
      join(folder, 'signature'),
      '-content',
      join(folder, 'manifest.json'),
      '-CAfile',
      cert,
      '-purpose',
      'any',
      '-out',
      '/dev/null',
    ]);
    assert.match(verified.stderr, /Verification successful/);
    const pass = JSON.parse(files['pass.json']!.toString()) as Record<string, unknown>;
    assert.equal(pass.passTypeIdentifier, 'pass.es.example.card');
    assert.equal(pass.teamIdentifier, 'ABCDE12345');
    assert.equal(pass.voided, false);
    assert.equal(pass.expirationDate, '2027-06-30T23:59:59.000Z');
    assert.deepEqual(pass.barcodes, [{ format: 'PKBarcodeFormatQR', message: checkUrl, messageEncoding: 'utf-8' }]);
    const text = files['pass.json']!.toString();
    for (const shown of ['Inés Soto', 'WS1', 'POLW1', 'Salud Oro', '+34 900 000 112']) assert.ok(text.includes(shown));
    assert.ok(!text.includes('1990') && !text.includes('14/07'), 'no birth date');
    // Another person's card is refused (R14).
    assert.equal((await agent.get('/area/card/wallet.pkpass?member=AS1001')).statusCode, 403);
  });

  test('the Google link: an RS256 JWT signed by the service account, with the same content', async () => {
    const page = await agent.get('/area/card');
    const link =
      /<a class="button" href="(https:\/\/pay\.google\.com\/gp\/v\/save\/[^"]+)">Guardar en Google Wallet/.exec(
        page.body,
      )?.[1];
    assert.ok(link, 'the Save to Google Wallet button');
    const checkUrl = /alt="Código QR para comprobar la tarjeta en ([^"]+)"/.exec(page.body)![1]!;
    const jwt = link.split('/').at(-1)!;
    const { payload, protectedHeader } = await jwtVerify(jwt, google.publicKey, {
      audience: 'google',
      issuer: 'wallet@salud-ejemplo.iam.gserviceaccount.com',
      currentDate: ctx.clock.now(),
    });
    assert.equal(protectedHeader.alg, 'RS256');
    assert.equal(payload.typ, 'savetowallet');
    const object = (payload.payload as { genericObjects: Record<string, unknown>[] }).genericObjects[0]!;
    assert.equal(object.id, '3388000000012345678.WS1-POLW1');
    assert.equal(object.state, 'ACTIVE');
    assert.deepEqual(object.barcode, { type: 'QR_CODE', value: checkUrl });
    assert.deepEqual(object.validTimeInterval, { end: { date: '2027-06-30T23:59:59.000Z' } });
    assert.ok(!JSON.stringify(payload).includes('1990'), 'no birth date');
    // Another key's signature is refused.
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await assert.rejects(jwtVerify(jwt, other.publicKey));
  });

  test('once the policy is cancelled: the Apple pass is voided with no QR code, and no wallet button', async () => {
    await importFeed(feed(), Readable.from([FEED_HEADER + row('cancelled')]));
    const page = await agent.get('/area/card');
    assert.doesNotMatch(page.body, /Apple Wallet|Google Wallet/);
    const { files } = await unpack((await agent.get('/area/card/wallet.pkpass?member=WS1')).rawPayload);
    const pass = JSON.parse(files['pass.json']!.toString()) as Record<string, unknown>;
    assert.equal(pass.voided, true);
    assert.equal(pass.barcodes, undefined);
  });

  test('a burst of 40 pass downloads signs 20 and refuses the rest with a clear page and Retry-After (R33, R9)', async () => {
    await ctx.db.kysely.deleteFrom('rate_limits').execute();
    const refused = async () =>
      (
        await ctx.db.kysely.selectFrom('audit_events').select('outcome').where('event', '=', 'card.wallet').execute()
      ).filter((e) => e.outcome === 'refused').length;
    const before = await refused();
    const answers = await Promise.all(
      Array.from({ length: 40 }, () => agent.get('/area/card/wallet.pkpass?member=WS1')),
    );
    const ok = answers.filter((r) => r.statusCode === 200);
    const limited = answers.filter((r) => r.statusCode === 429);
    assert.equal(ok.length, WALLET_PASS_LIMIT.max);
    assert.equal(limited.length, 40 - WALLET_PASS_LIMIT.max);
    for (const r of ok) assert.equal(r.headers['content-type'], 'application/vnd.apple.pkpass');
    const refusal = limited[0]!;
    assert.ok(Number(refusal.headers['retry-after']) > 0 && Number(refusal.headers['retry-after']) <= 3600);
    assert.match(refusal.body, /Ya has descargado la tarjeta muchas veces/);
    assert.equal((await refused()) - before, 20, 'each refusal audited');
    // The next hour (signed in again: the session has idled out by then), the member gets a pass again.
    ctx.clock.advance(60 * 60 * 1000);
    const later = await signedIn(ctx, { username: nif(10000088), email: 'ines@example.com' });
    assert.equal((await later.get('/area/card/wallet.pkpass?member=WS1')).statusCode, 200);
  });
});

test('without wallet variables, no buttons and no pass (R33)', async () => {
  const ctx = await setup('sqlite');
  try {
    await importFeed(
      { db: ctx.db, clock: ctx.clock, courier: ctx.courier, timeZone: 'Europe/Madrid' },
      Readable.from([FEED_HEADER + toCsvLine(memberFeedRow({ member_number: 'WN-1', policy_number: 'POL-WN' }))]),
    );
    await accountFor(ctx, { username: nif(10000089), memberNumbers: ['WN1'], email: 'wn@example.com' });
    const agent = await signedIn(ctx, { username: nif(10000089), email: 'wn@example.com' });
    assert.doesNotMatch((await agent.get('/area/card')).body, /Wallet/);
    assert.equal((await agent.get('/area/card/wallet.pkpass')).statusCode, 404);
  } finally {
    await ctx.close();
  }
});
