import type { Clock } from '../../../clock.js';
import { maskEmail } from '../../../domain/email.js';
import { maskPhone } from '../../../domain/phone.js';
import { sql } from 'kysely';
import { codeDigest, codeMatches } from '../../../infra/crypto/one-time-code.js';
import { hashToken, randomToken, sixDigitCode } from '../../../infra/crypto/tokens.js';
import type { Courier } from '../../../infra/outbox/courier.js';
import { translator } from '../../../infra/i18n/i18n.js';
import type { Brand } from '../../../config.js';
import { signInCodeEmail } from '../sign-in.emails.js';
import {
  MAX_WRONG_CODES,
  type Channel,
  type FactorContext,
  type SecondFactor,
  type VerifyResult,
} from './second-factor.js';

export const CODE_TTL_MS = 10 * 60_000; // R7

export interface CodeFactorDeps {
  clock: Clock;
  courier: Courier;
  brand: Brand;
  publicUrl: string;
  secretKey: string;
}

/** Email or SMS codes (R7): from a CSPRNG, valid 10 minutes, single use; a new code voids the sign-in's older ones. */
export function codeFactor(channel: Channel, deps: CodeFactorDeps): SecondFactor {
  const destination = (ctx: FactorContext) => (channel === 'email' ? ctx.account.email : ctx.account.mobile);
  return {
    channel,
    proves: channel === 'email' ? 'email_verified_at' : 'mobile_verified_at',
    available: (account) => (channel === 'email' ? Boolean(account.email) : Boolean(account.mobile)),
    masked: (account) =>
      channel === 'email' ? maskEmail(account.email) : account.mobile ? maskPhone(account.mobile) : '',

    async begin(ctx) {
      const to = destination(ctx);
      if (!to) throw new Error(`account ${ctx.account.id} has no ${channel}`);
      const now = deps.clock.now();
      const expires = new Date(now.getTime() + CODE_TTL_MS).toISOString();
      const code = sixDigitCode();
      await ctx.db
        .updateTable('one_time_tokens')
        .set({ voided_at: now.toISOString() })
        .where('flow_id', '=', ctx.flowId)
        .where('purpose', 'in', ['signin-code', 'signin-link'])
        .where('used_at', 'is', null)
        .where('voided_at', 'is', null)
        .execute();
      const base = {
        account_id: ctx.account.id,
        flow_id: ctx.flowId,
        channel,
        destination: to,
        expires_at: expires,
        created_at: now.toISOString(),
      };
      await ctx.db
        .insertInto('one_time_tokens')
        .values({ ...base, purpose: 'signin-code', token_hash: codeDigest(deps.secretKey, ctx.flowId, code) })
        .execute();
      if (channel === 'email') {
        // R7: the email also carries a one-click link that completes the step in the browser that started it.
        const link = randomToken();
        await ctx.db
          .insertInto('one_time_tokens')
          .values({ ...base, purpose: 'signin-link', token_hash: hashToken(link) })
          .execute();
        await deps.courier.email(ctx.db, to, ctx.lang, signInCodeEmail, {
          code,
          link: `${deps.publicUrl}/sign-in/link/${link}`,
        });
      } else {
        const t = translator(ctx.lang);
        await deps.courier.sms(
          ctx.db,
          to,
          ctx.lang,
          'signin-code',
          t('sms.signInCode', { brand: deps.brand.name, code }),
        );
      }
    },

    async verify(ctx, answer): Promise<VerifyResult> {
      const code = answer.replace(/\s+/g, '');
      // The sign-in's newest live code, and this try counted on it by one atomic increment before the comparison, so
      // parallel guesses cannot share a count: one statement (issue 32), where it was a read and then the increment.
      // The increment repeats the read's guards, so a code used or voided in between is not counted (nor answered).
      const token = await ctx.db
        .updateTable('one_time_tokens')
        .set({ attempts: sql`attempts + 1` })
        .where('id', '=', (eb) =>
          eb
            .selectFrom('one_time_tokens')
            .select('id')
            .where('flow_id', '=', ctx.flowId)
            .where('purpose', '=', 'signin-code')
            .where('channel', '=', channel)
            .where('used_at', 'is', null)
            .where('voided_at', 'is', null)
            .orderBy('id', 'desc')
            .limit(1),
        )
        .where('used_at', 'is', null)
        .where('voided_at', 'is', null)
        .returning(['id', 'attempts', 'token_hash', 'expires_at'])
        .executeTakeFirst();
      if (!token) return { kind: 'none' };
      const now = deps.clock.now().toISOString();
      // An expired code is answered as such (its try counted too, which no one can use any more).
      if (token.expires_at <= now) return { kind: 'expired' };
      const tries = token.attempts;
      const matches = codeMatches(deps.secretKey, ctx.flowId, code, token.token_hash);
      // Past the fifth try only parallel requests remain. A wrong one ends the sign-in; the right one repeated (a
      // double submit) must not, or it would end the sign-in its first copy is completing: it is simply not accepted.
      if (tries > MAX_WRONG_CODES) return matches ? { kind: 'none' } : { kind: 'exhausted' };
      if (!matches) {
        const remaining = MAX_WRONG_CODES - tries;
        if (remaining <= 0) {
          await ctx.db
            .updateTable('one_time_tokens')
            .set({ voided_at: now })
            .where('flow_id', '=', ctx.flowId)
            .where('used_at', 'is', null)
            .execute();
          return { kind: 'exhausted' };
        }
        return { kind: 'wrong', remaining };
      }
      // Single use: one atomic update; a second submit of the same code (or a race) finds it used.
      const used = await ctx.db
        .updateTable('one_time_tokens')
        .set({ used_at: now })
        .where('id', '=', token.id)
        .where('used_at', 'is', null)
        .where('voided_at', 'is', null)
        .executeTakeFirst();
      return Number(used.numUpdatedRows) === 1 ? { kind: 'ok' } : { kind: 'none' };
    },
  };
}
