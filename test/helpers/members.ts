import { Readable } from 'node:stream';
import { FEED_HEADER, nif, toCsvLine } from '../../src/feed/demo-feed.js';
import { FEED_COLUMNS, type RawFeedRow } from '../../src/feed/feed-row.js';
import { importFeed } from '../../src/feed/feed.import.js';
import { hashPassword } from '../../src/infra/crypto/password-hash.js';
import type { Lang } from '../../src/infra/i18n/i18n.js';
import type { TestContext } from './setup.js';

// A registered member straight into the database, the way recovery.test.ts makes them: a feed row (so the personal
// data the R4 rules check exist), an active account with one password in its history, and the member linked to it.

export interface MemberOptions {
  /** Makes the document, member and policy numbers and the email unique; one per member in a database. */
  n: number;
  password: string;
  /** The account's language: emails go out in it. Default 'en'. */
  language?: Lang;
  /** Default `member<n>@example.com`. */
  email?: string;
  /** The NIF's digits; default 70000000 + n. */
  nifDigits?: number;
  timeZone?: string;
}

export interface CreatedMember {
  username: string;
  accountId: number;
  email: string;
  memberNumber: string;
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

export async function createMember(
  ctx: Pick<TestContext, 'db' | 'clock' | 'courier'>,
  options: MemberOptions,
): Promise<CreatedMember> {
  const { n, password } = options;
  const username = nif(options.nifDigits ?? 70_000_000 + n);
  const email = options.email ?? `member${n}@example.com`;
  const language = options.language ?? 'en';
  const memberNumber = `HM${n}`;
  await importFeed(
    { db: ctx.db, clock: ctx.clock, courier: ctx.courier, timeZone: options.timeZone ?? 'Europe/Madrid' },
    Readable.from([
      FEED_HEADER + toCsvLine(memberFeedRow({ policy_number: `HP${n}`, member_number: memberNumber, email, language })),
    ]),
  );
  const now = ctx.clock.now().toISOString();
  const hash = await hashPassword(password);
  const account = await ctx.db.kysely
    .insertInto('accounts')
    .values({
      username,
      document_type: 'NIF',
      password_hash: hash,
      email,
      mobile: null,
      language,
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
  await ctx.db.kysely
    .updateTable('members')
    .set({ account_id: account.id })
    .where('member_number', '=', memberNumber)
    .execute();
  return { username, accountId: account.id, email, memberNumber };
}
