import { matchTotp } from '../../../identity/totp.js';
import type { Clock } from '../../../clock.js';
import type { SecretBox } from '../../../infra/crypto/secret-box.js';
import { bucket, hit } from '../../../infra/rate-limit/rate-limit.js';
import { MAX_WRONG_CODES, type SecondFactor, type VerifyResult } from './second-factor.js';

const WINDOW_MS = 60 * 60_000;

/**
 * An authenticator app (RFC 6238 TOTP, via otplib): nothing is sent; the app's 6-digit code is checked against the
 * enrolled secret with one 30-second step of clock drift either way, and a step once accepted is never accepted
 * again (single use, R7). Wrong tries are counted per sign-in, at most 5.
 */
export function totpFactor(deps: { clock: Clock; box: SecretBox }): SecondFactor {
  return {
    channel: 'totp',
    available: (account) => Boolean(account.totp_secret && account.totp_enabled_at),
    masked: () => '',
    async begin() {},
    async verify(ctx, answer): Promise<VerifyResult> {
      if (!ctx.account.totp_secret || !ctx.account.totp_enabled_at) return { kind: 'none' };
      const secret = deps.box.open(ctx.account.totp_secret); // R29: sealed at rest
      // Every try is counted first, atomically, so parallel guesses share one count (R7: at most 5 wrong).
      const tries = await hit(ctx.db, deps.clock, bucket('totp-try', ctx.flowId), WINDOW_MS);
      if (tries > MAX_WRONG_CODES) return { kind: 'exhausted' };
      const step = await matchTotp(secret, answer, deps.clock.now(), ctx.account.totp_last_step);
      if (step !== undefined) {
        // One conditional update makes the time step single use even when two submits race.
        const claimed = await ctx.db
          .updateTable('accounts')
          .set({ totp_last_step: step })
          .where('id', '=', ctx.account.id)
          .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
          .executeTakeFirst();
        if (Number(claimed.numUpdatedRows) === 1) return { kind: 'ok' };
      }
      const remaining = MAX_WRONG_CODES - tries;
      return remaining <= 0 ? { kind: 'exhausted' } : { kind: 'wrong', remaining };
    },
  };
}
