import type { Kysely } from 'kysely';
import type { Account, Database } from '../../../infra/db/tables.js';
import type { Lang } from '../../../infra/i18n/i18n.js';

import type { Channel } from '../../../identity/channels.js';
import type { ProvenColumn } from '../../../identity/accounts.js';
export type { Channel };

/** `wrong` says how many tries are left; `exhausted` means the sign-in must start over (R7: at most 5 wrong). */
export type VerifyResult =
  | { kind: 'ok' }
  | { kind: 'wrong'; remaining: number }
  | { kind: 'exhausted' }
  | { kind: 'expired' }
  | { kind: 'none' };

export const MAX_WRONG_CODES = 5;

export interface FactorContext {
  db: Kysely<Database>;
  flowId: string;
  account: Account;
  lang: Lang;
}

/**
 * One interface for every second factor (STYLE habit 3), so sign-in never branches on the channel: a factor says
 * whether the account has it, how to show it masked, starts a challenge and checks an answer. An authenticator
 * app (TOTP) fits the same shape: begin sends nothing, verify checks the app's code.
 */
export interface SecondFactor {
  readonly channel: Channel;
  available(account: Account): boolean;
  /** The destination as the member sees it on screen (R7: masked). */
  masked(account: Account): string;
  begin(ctx: FactorContext): Promise<void>;
  verify(ctx: FactorContext, answer: string): Promise<VerifyResult>;
  /** The account's column a successful use proves, if any (R7: the destination is proven at its first use). */
  readonly proves?: ProvenColumn;
}
