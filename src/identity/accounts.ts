import type { Kysely } from 'kysely';
import { compiledQuery } from '../infra/db/compiled-query.js';
import type { Account, Database } from '../infra/db/tables.js';
import type { Channel } from './channels.js';

// The account repository (issue 19): an account found by its id or by its username, one query each, used by every
// flow instead of the same select written inline under several names. Compiled once (compiled-query.ts): private
// pages load their account on most requests.

const byId = compiledQuery((db, p: { id: number }) => db.selectFrom('accounts').selectAll().where('id', '=', p.id));
const byUsername = compiledQuery((db, p: { username: string }) =>
  db.selectFrom('accounts').selectAll().where('username', '=', p.username),
);

export async function findAccount(db: Kysely<Database>, id: number): Promise<Account | undefined> {
  return (await byId(db, { id }))[0];
}

const byIdWithPasskey = compiledQuery((db, p: { id: number }) =>
  db
    .selectFrom('accounts')
    .selectAll('accounts')
    .select((eb) =>
      eb
        .exists(eb.selectFrom('passkeys').select('passkeys.id').whereRef('passkeys.account_id', '=', 'accounts.id'))
        .as('has_passkey'),
    )
    .where('accounts.id', '=', p.id),
);

/**
 * An account and whether it has a passkey (R27), in one statement: every page of a sign-in's second step asks both.
 */
export async function findAccountWithPasskey(
  db: Kysely<Database>,
  id: number,
): Promise<{ account: Account; passkey: boolean } | undefined> {
  const [row] = await byIdWithPasskey(db, { id });
  if (!row) return undefined;
  const { has_passkey, ...account } = row;
  // SQLite answers 1 or 0, PostgreSQL true or false.
  return { account, passkey: Boolean(has_passkey) };
}

/** For an account that must exist (the signed-in member's, within a transaction that holds it): throws otherwise. */
export async function getAccount(db: Kysely<Database>, id: number): Promise<Account> {
  const account = await findAccount(db, id);
  if (!account) throw new Error(`account ${id} not found`);
  return account;
}

/** By username (R3's normalised document number). */
export async function findAccountByUsername(db: Kysely<Database>, username: string): Promise<Account | undefined> {
  return (await byUsername(db, { username }))[0];
}

/**
 * Holds the account's row until the caller's transaction ends, for "void the earlier ones, store a new one" (recovery
 * links, contact codes: R11, R15). On PostgreSQL two such transactions would each void only what was committed and
 * both keep their new token; a no-op update takes the row lock, so the second waits and then sees the first's token.
 * SQLite runs one writing transaction at a time already. An unknown id locks nothing.
 */
export async function lockAccount(trx: Kysely<Database>, id: number): Promise<void> {
  await trx
    .updateTable('accounts')
    // A column that is not a key: PostgreSQL then takes the weaker row lock, which does not hold up the inserts of
    // rows that merely reference the account (sessions, audit rows) meanwhile.
    .set((eb) => ({ updated_at: eb.ref('updated_at') }))
    .where('id', '=', id)
    .execute();
}

/** The account columns a sign-in's second step proves (R7). */
export type ProvenColumn = 'email_verified_at' | 'mobile_verified_at';

/**
 * The account after a full sign-in, in one statement: the lock fields the back office shows are cleared (R9), and
 * after a code the channel used is proven (R7) and becomes the preferred one if the member had none.
 */
export async function markSignedIn(
  db: Kysely<Database>,
  accountId: number,
  proof?: { channel: Channel; proves: ProvenColumn | undefined; at: string },
): Promise<void> {
  await db
    .updateTable('accounts')
    .set((eb) => ({
      locked_until: null,
      failed_logins: 0,
      ...(proof ? { preferred_channel: eb.fn.coalesce('preferred_channel', eb.val(proof.channel)) } : {}),
      ...(proof?.proves ? { [proof.proves]: eb.fn.coalesce(proof.proves, eb.val(proof.at)) } : {}),
    }))
    .where('id', '=', accountId)
    .execute();
}

/** Who an audit event of a member's own action names (R22): the account's username as the actor, and the account. */
export function memberActor(account: Pick<Account, 'id' | 'username'>): { actor: string; accountId: number } {
  return { actor: account.username, accountId: account.id };
}
