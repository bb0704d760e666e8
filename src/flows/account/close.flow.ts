import type { Kysely } from 'kysely';
import type { Clock } from '../../clock.js';
import { codeDigest, codeMatches, countCodeTry } from '../../infra/crypto/one-time-code.js';
import { sixDigitCode } from '../../infra/crypto/tokens.js';
import type { SecretBox } from '../../infra/crypto/secret-box.js';
import type { Account, Database } from '../../infra/db/tables.js';
import { createFlowStore, type FlowStore } from '../../infra/flows/flow-store.js';
import type { Lang, Translate } from '../../infra/i18n/i18n.js';
import type { Courier } from '../../infra/outbox/courier.js';
import { matchTotp } from '../../identity/totp.js';
import type { Channel } from '../../identity/channels.js';
import { closeCodeEmail } from './close.emails.js';

// R36 closing the account asks both factors again, as every sensitive change does (R15): the password, then a code
// from the second step the member chooses (an emailed or texted code, or the authenticator app's):
//
//   /area/data/close --password right--> 'code' (code sent, or the app asked) --right code--> account closed
//                    'code' --5 wrong codes / expired (10 min)--> ended: start again

export const CLOSE_TTL_MS = 10 * 60_000;
export const MAX_WRONG_CLOSE_CODES = 5;
const PURPOSE = 'close-code';

export interface CloseData {
  channel: Channel;
}

export function closeFlows(clock: Clock, secureCookies: boolean): FlowStore<CloseData> {
  return createFlowStore<CloseData>(clock, {
    kind: 'account-close',
    ttlMs: CLOSE_TTL_MS,
    cookieName: 'close',
    secureCookies,
  });
}

const binding = (flowId: string) => `close:${flowId}`;

/** Sends a code to the chosen channel (nothing for the app); earlier close codes of the account are voided. */
export async function sendCloseCode(
  db: Kysely<Database>,
  deps: { clock: Clock; courier: Courier; secretKey: string; brandName: string },
  to: { account: Account; flowId: string; channel: Channel; lang: Lang; t: Translate },
): Promise<void> {
  if (to.channel === 'totp') return;
  const now = deps.clock.now();
  await db
    .updateTable('one_time_tokens')
    .set({ voided_at: now.toISOString() })
    .where('account_id', '=', to.account.id)
    .where('purpose', '=', PURPOSE)
    .where('used_at', 'is', null)
    .where('voided_at', 'is', null)
    .execute();
  const destination = to.channel === 'sms' ? to.account.mobile : to.account.email;
  if (!destination) throw new Error(`account ${to.account.id} has no ${to.channel}`);
  const code = sixDigitCode();
  await db
    .insertInto('one_time_tokens')
    .values({
      purpose: PURPOSE,
      token_hash: codeDigest(deps.secretKey, binding(to.flowId), code),
      account_id: to.account.id,
      flow_id: to.flowId,
      channel: to.channel,
      destination,
      expires_at: new Date(now.getTime() + CLOSE_TTL_MS).toISOString(),
      created_at: now.toISOString(),
    })
    .execute();
  if (to.channel === 'email') await deps.courier.email(db, destination, to.lang, closeCodeEmail, { code });
  else
    await deps.courier.sms(db, destination, to.lang, PURPOSE, to.t('sms.closeCode', { brand: deps.brandName, code }));
}

export type CloseCodeCheck =
  { kind: 'ok' } | { kind: 'wrong'; remaining: number } | { kind: 'exhausted' } | { kind: 'expired' };

/**
 * Checks the answer of the flow's second step, each try counted first (atomically, R9): the code sent for this flow,
 * or the app's code (single use: its time step is claimed, as at sign-in, R7).
 */
export async function checkCloseCode(
  db: Kysely<Database>,
  deps: { clock: Clock; secretKey: string; box: SecretBox },
  account: Account,
  flow: { id: string; data: CloseData },
  raw: string,
): Promise<CloseCodeCheck> {
  const answer = raw.normalize('NFKC').replace(/\s+/g, '').slice(0, 20);
  const now = deps.clock.now();
  if (flow.data.channel === 'totp') {
    const tries = await db
      .updateTable('flows')
      .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
      .where('id', '=', flow.id)
      .returning('attempts')
      .executeTakeFirst();
    if (!tries) return { kind: 'expired' };
    if (tries.attempts > MAX_WRONG_CLOSE_CODES) return { kind: 'exhausted' };
    if (!account.totp_secret || !account.totp_enabled_at) return { kind: 'expired' };
    const step = await matchTotp(deps.box.open(account.totp_secret), answer, now, account.totp_last_step);
    if (step !== undefined) {
      const claimed = await db
        .updateTable('accounts')
        .set({ totp_last_step: step })
        .where('id', '=', account.id)
        .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) === 1) return { kind: 'ok' };
    }
    const remaining = MAX_WRONG_CLOSE_CODES - tries.attempts;
    return remaining > 0 ? { kind: 'wrong', remaining } : { kind: 'exhausted' };
  }
  const token = await db
    .selectFrom('one_time_tokens')
    .select(['id', 'token_hash', 'expires_at'])
    .where('flow_id', '=', flow.id)
    .where('purpose', '=', PURPOSE)
    .where('used_at', 'is', null)
    .where('voided_at', 'is', null)
    .orderBy('id', 'desc')
    .executeTakeFirst();
  if (!token || token.expires_at <= now.toISOString()) return { kind: 'expired' };
  const tries = await countCodeTry(db, token.id);
  if (tries === undefined) return { kind: 'expired' };
  if (tries > MAX_WRONG_CLOSE_CODES) return { kind: 'exhausted' };
  if (!codeMatches(deps.secretKey, binding(flow.id), answer, token.token_hash)) {
    const remaining = MAX_WRONG_CLOSE_CODES - tries;
    return remaining > 0 ? { kind: 'wrong', remaining } : { kind: 'exhausted' };
  }
  const used = await db
    .updateTable('one_time_tokens')
    .set({ used_at: now.toISOString() })
    .where('id', '=', token.id)
    .where('used_at', 'is', null)
    .where('voided_at', 'is', null)
    .executeTakeFirst();
  return Number(used.numUpdatedRows) === 1 ? { kind: 'ok' } : { kind: 'expired' };
}
