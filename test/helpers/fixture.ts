import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { FEED_HEADER, nif, toCsvLine } from '../../src/feed/demo-feed.js';
import { FEED_COLUMNS, type RawFeedRow } from '../../src/feed/feed-row.js';
import { importFeed } from '../../src/feed/feed.import.js';
import { importProviders } from '../../src/feed/providers.import.js';
import { PROVIDER_COLUMNS, type RawProviderRow } from '../../src/domain/provider.js';
import { hashPassword } from '../../src/infra/crypto/password-hash.js';
import { savePasskey } from '../../src/identity/passkeys.js';
import type { Selectable } from 'kysely';
import type { AccountTable, AuditEventTable } from '../../src/infra/db/tables.js';
import type { Lang } from '../../src/infra/i18n/i18n.js';
import { BrowserAgent } from './browser-agent.js';
import type { TestContext } from './setup.js';

// The one test fixture every flow's tests use (issue 19): a member with an account, a signed-in browser, the last
// code or link sent to an address, the audit of an account. A member is made the way registration leaves one: a
// feed record (so the personal data R4 checks exist), an active account whose password is in its history (R5),
// and the record linked to it.

export const TEST_PASSWORD = 'Primavera2030';

type Ctx = Pick<TestContext, 'db' | 'clock' | 'courier'>;

/** What an account is made with; everything but the username, email and records has a default. */
export interface AccountOptions {
  username: string;
  /** Default 'NIF'. */
  documentType?: 'NIF' | 'NIE' | 'PASSPORT';
  /** The member records (by member number) the account owns; none for an account that only signs in. */
  memberNumbers: string[];
  email: string;
  mobile?: string | null;
  password?: string;
  /** Emails go out in it. Default 'es'. */
  language?: Lang;
  preferredChannel?: 'email' | 'sms' | null;
  /** The postal address registration's step 2 confirms; none by default. */
  address?: Pick<AccountTable, 'address_line' | 'postal_code' | 'city' | 'province'>;
}

/** An account for member records already in the database (the demo feed's, or a test's own rows). */
export async function accountFor(ctx: Pick<Ctx, 'db' | 'clock'>, options: AccountOptions): Promise<number> {
  const now = ctx.clock.now().toISOString();
  const hash = await hashPassword(options.password ?? TEST_PASSWORD);
  const account = await ctx.db.kysely
    .insertInto('accounts')
    .values({
      username: options.username,
      document_type: options.documentType ?? 'NIF',
      password_hash: hash,
      email: options.email,
      mobile: options.mobile ?? null,
      ...options.address,
      preferred_channel: options.preferredChannel ?? null,
      language: options.language ?? 'es',
      status: 'active',
      password_changed_at: now,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await ctx.db.kysely
    .insertInto('password_history')
    .values({ account_id: account.id, password_hash: hash, created_at: now })
    .execute();
  if (options.memberNumbers.length > 0) {
    await ctx.db.kysely
      .updateTable('members')
      .set({ account_id: account.id })
      .where('member_number', 'in', options.memberNumbers)
      .execute();
  }
  return account.id;
}

/** A local, active holder's feed row with the given fields. */
export function memberFeedRow(partial: Partial<RawFeedRow>): RawFeedRow {
  const base = Object.fromEntries(FEED_COLUMNS.map((c) => [c, ''])) as RawFeedRow;
  return {
    ...base,
    policy_status: 'active',
    scheme: 'local',
    product: 'Salud',
    policy_start: '2025-01-01',
    role: 'holder',
    first_name: 'Olga',
    last_name: 'Ruiz',
    date_of_birth: '1981-01-01',
    country: 'ES',
    language: 'es',
    ...partial,
  };
}

export interface MemberOptions extends Partial<Omit<AccountOptions, 'memberNumbers'>> {
  /** Makes the document, member and policy numbers and the email unique; default: the next unused one. */
  n?: number;
  /** The NIF's digits; default 70000000 + n. */
  nifDigits?: number;
  /** The feed record's own fields (name, birth date, product…) over memberFeedRow's. */
  record?: Partial<RawFeedRow>;
  timeZone?: string;
}

export interface TestMember {
  username: string;
  accountId: number;
  /** The member record's id. */
  memberId: number;
  email: string;
  memberNumber: string;
  password: string;
}

// Numbers no explicit `n` in the tests reaches, so members made either way never share a document or an email.
let nextN = 500_000;

/**
 * A registered member: a record imported through the feed and an account for it. Default language 'en', email
 * `member<n>@example.com`, no mobile.
 */
export async function memberWithAccount(ctx: Ctx, options: MemberOptions = {}): Promise<TestMember> {
  const n = options.n ?? ++nextN;
  const email = options.email ?? `member${n}@example.com`;
  const memberNumber = `HM${n}`;
  const password = options.password ?? TEST_PASSWORD;
  await importFeed(
    { db: ctx.db, clock: ctx.clock, courier: ctx.courier, timeZone: options.timeZone ?? 'Europe/Madrid' },
    Readable.from([
      FEED_HEADER +
        toCsvLine(
          memberFeedRow({
            policy_number: `HP${n}`,
            member_number: memberNumber,
            email,
            language: options.language ?? 'en',
            ...options.record,
          }),
        ),
    ]),
  );
  const username = options.username ?? nif(options.nifDigits ?? 70_000_000 + n);
  const accountId = await accountFor(ctx, {
    ...options,
    username,
    email,
    password,
    language: options.language ?? 'en',
    memberNumbers: [memberNumber],
  });
  return { username, accountId, memberId: await memberIdOf(ctx, memberNumber), email, memberNumber, password };
}

/**
 * A passkey on record for an account (R27), saved as the security page saves one but with a random credential no
 * authenticator holds: for pages that only ask whether the member has one (the second step offers it).
 */
export async function passkeyFor(ctx: Pick<TestContext, 'db' | 'clock'>, accountId: number, name = 'Móvil') {
  const saved = await savePasskey(
    ctx.db.kysely,
    { kind: 'member', id: accountId },
    {
      credentialId: randomBytes(16).toString('base64url'),
      publicKey: randomBytes(77).toString('base64url'),
      counter: 0,
      transports: ['internal'],
      deviceType: 'multiDevice',
      backedUp: true,
    },
    name,
    ctx.clock.now().toISOString(),
  );
  assert.ok(saved, 'the passkey is saved');
}

/** A member record's id, by its member number. */
export async function memberIdOf(ctx: Pick<TestContext, 'db'>, memberNumber: string): Promise<number> {
  const record = await ctx.db.kysely
    .selectFrom('members')
    .select('id')
    .where('member_number', '=', memberNumber)
    .executeTakeFirstOrThrow();
  return record.id;
}

/** The last message of a template sent to an address or number, opened as its recipient reads it. */
async function lastMessageBody(ctx: Pick<TestContext, 'outbox'>, to: string, template: string): Promise<string> {
  const messages = (await ctx.outbox()).filter((m) => m.recipient === to && m.template === template);
  return messages.at(-1)?.body_text ?? '';
}

/** The last six-digit code sent to an address or number (a sign-in code unless told which template). */
export async function lastCode(
  ctx: Pick<TestContext, 'outbox'>,
  to: string,
  template = 'signin-code',
): Promise<string> {
  const code = /\b(\d{6})\b/.exec(await lastMessageBody(ctx, to, template))?.[1];
  assert.ok(code, `a ${template} code was sent to ${to}`);
  return code;
}

/** The path of the last link under `prefix` (e.g. '/recovery/reset/') sent to an address in a template. */
export async function lastLink(
  ctx: Pick<TestContext, 'outbox' | 'config'>,
  to: string,
  template: string,
  prefix: string,
): Promise<string> {
  const body = await lastMessageBody(ctx, to, template);
  const origin = ctx.config.publicUrl.replace(/\/$/, '');
  const at = body.indexOf(origin + prefix);
  assert.ok(at >= 0, `a ${template} link was sent to ${to}`);
  return /^\S+/.exec(body.slice(at + origin.length))![0];
}

export interface SignInOptions {
  password?: string;
  /** The browser's own headers (user agent, forwarded address). */
  headers?: Record<string, string>;
  /** Sign in on this browser (its cookies as they are) instead of a new one. */
  browser?: BrowserAgent;
}

/**
 * A browser signed in with both steps: the password, then the emailed code read from the outbox (R7, R8); for a member
 * with a preferred channel, the code the password step sent to it (issue 32).
 */
export async function signedIn(
  ctx: TestContext,
  who: { username: string; email: string; password?: string },
  options: SignInOptions = {},
): Promise<BrowserAgent> {
  await ctx.db.kysely.deleteFrom('rate_limits').execute();
  const agent = options.browser ?? new BrowserAgent(ctx.app, options.headers);
  const password = options.password ?? who.password ?? TEST_PASSWORD;
  await agent.get('/sign-in');
  const step = await agent.post('/sign-in', { username: who.username, password });
  assert.equal(step.statusCode, 303);
  // Issue 32: a member with a preferred channel (any who signed in before) gets the code at the password step.
  let to = who.email;
  if (step.headers.location === '/sign-in/verify?sent=1') {
    assert.equal((await agent.get('/sign-in/verify?sent=1')).statusCode, 200);
    const account = await ctx.db.kysely
      .selectFrom('accounts')
      .select(['preferred_channel', 'mobile'])
      .where('username', '=', who.username)
      .executeTakeFirstOrThrow();
    if (account.preferred_channel === 'sms') to = account.mobile!;
  } else {
    await agent.get('/sign-in/verify');
    assert.equal((await agent.post('/sign-in/verify/send', { channel: 'email' })).statusCode, 303);
  }
  const done = await agent.post('/sign-in/verify/code', { code: await lastCode(ctx, to) });
  assert.equal(done.headers.location, '/area');
  return agent;
}

/** An account's audit trail (R22), oldest first; only one event's entries when `event` is given. */
export function auditOf(
  ctx: Pick<TestContext, 'db'>,
  accountId: number,
  event?: string,
): Promise<Selectable<AuditEventTable>[]> {
  let query = ctx.db.kysely.selectFrom('audit_events').selectAll().where('account_id', '=', accountId);
  if (event) query = query.where('event', '=', event);
  return query.orderBy('id').execute();
}

/** R34: a provider feed row, a traumatologist in Málaga unless told otherwise. */
export function providerFeedRow(p: Partial<RawProviderRow> & { provider_id: string }): RawProviderRow {
  return {
    name: 'Dra. María Núñez Pérez',
    kind: 'doctor',
    specialties: 'Traumatología;Medicina deportiva',
    address_line: 'Calle Larios 5',
    postal_code: '29005',
    city: 'Málaga',
    province: 'Málaga',
    phone: '+34 952 000 111',
    latitude: '36.7190',
    longitude: '-4.4210',
    networks: 'Salud Plus;Salud Básico',
    languages: 'es;en',
    ...p,
  };
}

/** R34: the provider feed as CSV text. */
export function providerCsv(...rows: RawProviderRow[]): string {
  const cell = (v: string) => (/[",\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
  return (
    PROVIDER_COLUMNS.join(',') +
    '\n' +
    rows.map((r) => PROVIDER_COLUMNS.map((c) => cell(r[c])).join(',') + '\n').join('')
  );
}

/** R34: loads providers into a test's database through the feed import; fails the test on any bad row. */
export async function loadProviders(
  deps: Parameters<typeof importProviders>[0],
  ...rows: RawProviderRow[]
): Promise<void> {
  const report = await importProviders(deps, Readable.from([Buffer.from(providerCsv(...rows))]));
  assert.equal(report.skipped, 0, JSON.stringify(report.problems));
}
