import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { receiveFile } from '../../infra/files/upload.js';
import { createRequest } from '../../infra/requests/requests.repository.js';
import { memberWithAccount, passkeyFor, signedIn, type TestMember } from '../../../test/helpers/fixture.js';
import { describeEachDatabase } from '../../../test/helpers/databases.js';
import { setup, type TestContext } from '../../../test/helpers/setup.js';
import { giveReason, signedInStaff } from '../../../test/helpers/staff.js';
import type { BrowserAgent } from '../../../test/helpers/browser-agent.js';
import { EXPORT_SECTIONS } from './data-export.js';
import { EXPORTS_PER_HOUR } from './data.routes.js';

// R36: the member's copy of their data, as JSON of a documented shape and as a readable page, holds what R36 lists
// and NO secret: the test gathers every secret value the account has in the database (hashes, tokens, sealed and
// clear authenticator secret, passkey keys, device hashes, the IBAN in clear, the form token, the cookies) and looks
// for each in both copies. Copies are limited per account and hour.

const IBAN = 'ES9121000418450200051332';
const TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

describeEachDatabase('your data: the export (R36)', (kind) => {
  let ctx: TestContext;
  let m: TestMember;
  let browser: BrowserAgent;

  before(async () => {
    ctx = await setup(kind);
    ctx.clock.set('2026-12-05T10:00:00.000Z');
    m = await memberWithAccount(ctx, { mobile: '+34612345678' });
    await ctx.db.kysely
      .updateTable('accounts')
      .set({ totp_secret: ctx.secretBox.seal(TOTP_SECRET), totp_enabled_at: '2026-12-01T09:00:00.000Z' })
      .where('id', '=', m.accountId)
      .execute();
    await ctx.db.kysely
      .insertInto('password_history')
      .values({
        account_id: m.accountId,
        password_hash: '$argon2id$v=19$m=19456,t=2,p=1$oldsalt$oldhash',
        created_at: '2026-01-01T00:00:00.000Z',
      })
      .execute();
    await passkeyFor(ctx, m.accountId, 'Portátil del trabajo');
    browser = await signedIn(ctx, m);
    const bytes = Buffer.from('%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n');
    const file = await receiveFile(
      { file: Readable.from([bytes]), filename: 'factura-fisio.pdf', mimetype: 'application/pdf' },
      ctx.secretBox,
      'files',
    );
    assert.ok(file.ok);
    await createRequest(ctx.db.kysely, ctx.clock, 'Europe/Madrid', {
      type: 'reimbursement',
      accountId: m.accountId,
      memberId: m.memberId,
      patientMemberId: m.memberId,
      formToken: 'form-token-00000001',
      files: [file.value],
      fields: {
        service_date: '2026-12-01',
        provider: 'Clínica Central',
        concept: 'consultation',
        amount_claimed: 8_000,
        iban_sealed: ctx.secretBox.seal(IBAN),
        iban_masked: 'ES•• •••• •••• •••• •••• 1332',
      },
    });
    const { agent } = await signedInStaff(ctx, 'agent');
    await giveReason(agent, m.memberId, { access_reason: 'request_review' });
  });
  after(() => ctx.close());

  /** Every secret value the database holds for the account, and the browser's cookies. */
  async function secretsOf(accountId: number): Promise<string[]> {
    const k = ctx.db.kysely;
    const a = await k.selectFrom('accounts').selectAll().where('id', '=', accountId).executeTakeFirstOrThrow();
    const values: (string | null)[] = [a.password_hash, a.totp_secret, TOTP_SECRET, IBAN, ctx.config.secretKey];
    for (const r of await k
      .selectFrom('password_history')
      .select('password_hash')
      .where('account_id', '=', accountId)
      .execute())
      values.push(r.password_hash);
    for (const r of await k
      .selectFrom('one_time_tokens')
      .select(['token_hash'])
      .where('account_id', '=', accountId)
      .execute())
      values.push(r.token_hash);
    for (const r of await k.selectFrom('sessions').select('token_hash').where('account_id', '=', accountId).execute())
      values.push(r.token_hash);
    for (const r of await k
      .selectFrom('known_devices')
      .select('device_hash')
      .where('account_id', '=', accountId)
      .execute())
      values.push(r.device_hash);
    for (const r of await k
      .selectFrom('passkeys')
      .select(['credential_id', 'public_key'])
      .where('account_id', '=', accountId)
      .execute())
      values.push(r.credential_id, r.public_key);
    for (const r of await k
      .selectFrom('flows')
      .select(['browser_hash', 'data'])
      .where('account_id', '=', accountId)
      .execute())
      values.push(r.browser_hash);
    for (const r of await k
      .selectFrom('requests')
      .select(['iban_sealed', 'form_token'])
      .where('account_id', '=', accountId)
      .execute())
      values.push(r.iban_sealed, r.form_token);
    for (const r of await k
      .selectFrom('files')
      .select(['sha256', 'sealed'])
      .where('account_id', '=', accountId)
      .execute())
      values.push(r.sha256, Buffer.from(r.sealed).toString('base64'), Buffer.from(r.sealed).toString('hex'));
    values.push(...Object.values(browser.cookies));
    const secrets = values.filter((v): v is string => typeof v === 'string' && v.length >= 8);
    assert.ok(secrets.length >= 12, `enough secrets gathered to mean something (${secrets.length})`);
    return secrets;
  }

  test('the JSON copy has every section, the member’s data, and no secret', async () => {
    const res = await browser.get('/area/data/export.json');
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    assert.equal(res.headers['content-disposition'], 'attachment; filename="my-data-2026-12-05.json"');
    assert.equal(res.headers['cache-control'], 'no-store');
    const data = JSON.parse(res.body) as Record<string, unknown> & { [k: string]: never };
    assert.equal(data.format, 'member-area/data-export');
    assert.equal(data.version, 1);
    assert.deepEqual(Object.keys(data), ['format', 'version', 'generated_at', ...EXPORT_SECTIONS]);
    const d = JSON.parse(res.body);
    assert.equal(d.profile.email, m.email);
    assert.equal(d.profile.mobile, '+34612345678');
    assert.equal(d.profile.authenticator_app_since, '2026-12-01T09:00:00.000Z');
    assert.equal(d.policies[0].member_number, m.memberNumber);
    assert.equal(d.passkeys[0].name, 'Portátil del trabajo');
    assert.ok(d.devices.some((x: { kind: string }) => x.kind === 'session'));
    assert.ok(d.sign_in_history.some((x: { outcome: string }) => x.outcome === 'success'));
    assert.equal(d.requests[0].iban_masked, 'ES•• •••• •••• •••• •••• 1332');
    assert.equal(d.requests[0].files[0].name, 'factura-fisio.pdf');
    assert.equal(d.requests[0].timeline[0].status, 'received');
    assert.equal(d.data_accesses[0].reason, 'request_review');
    assert.match(d.data_accesses[0].agent_id, /^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    for (const secret of await secretsOf(m.accountId))
      assert.ok(!res.body.includes(secret), `the export holds no secret (${secret.slice(0, 12)}…)`);
    const audit = await ctx.db.kysely
      .selectFrom('audit_events')
      .select(['outcome', 'details'])
      .where('event', '=', 'data.export')
      .where('account_id', '=', m.accountId)
      .execute();
    assert.deepEqual(audit.at(-1), { outcome: 'success', details: '{"format":"json"}' });
  });

  test('the readable page shows each section in the member’s language, and no secret', async () => {
    const res = await browser.get('/area/data/export?lang=es');
    assert.equal(res.statusCode, 200);
    for (const text of [
      'Copia de tus datos',
      'Pólizas y asegurados',
      'Llaves de acceso',
      'Portátil del trabajo',
      'factura-fisio.pdf',
      '80,00',
      'Revisión de una solicitud',
      m.memberNumber,
    ])
      assert.ok(res.body.includes(text), text);
    for (const secret of await secretsOf(m.accountId))
      assert.ok(!res.body.includes(secret), `the page holds no secret (${secret.slice(0, 12)}…)`);
    const en = await browser.get('/area/data/export?lang=en');
    assert.match(en.body, /Reimbursement and authorization requests/);
  });

  test(`${EXPORTS_PER_HOUR} copies an hour per account, then a 429 that builds nothing; the next hour works again`, async () => {
    const other = await memberWithAccount(ctx);
    const b = await signedIn(ctx, other);
    const statuses: number[] = [];
    for (let i = 0; i < EXPORTS_PER_HOUR + 2; i++)
      statuses.push((await b.get(i % 2 ? '/area/data/export' : '/area/data/export.json')).statusCode);
    assert.deepEqual(statuses, [...Array(EXPORTS_PER_HOUR).fill(200), 429, 429]);
    const refused = await ctx.db.kysely
      .selectFrom('audit_events')
      .select('outcome')
      .where('event', '=', 'data.export')
      .where('account_id', '=', other.accountId)
      .where('outcome', '=', 'refused')
      .execute();
    assert.equal(refused.length, 2);
    ctx.clock.advanceMinutes(61);
    // The sessions' idle deadline passed too: sign in again.
    const again = await signedIn(ctx, other);
    assert.equal((await again.get('/area/data/export.json')).statusCode, 200);
    assert.equal(
      (await new (browser.constructor as typeof BrowserAgent)(ctx.app).get('/area/data/export.json')).statusCode,
      303,
      'signed out: to sign-in',
    );
  });
});
