import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import { checkPassword, rulesOf } from '../../domain/password-policy.js';
import type { FieldError } from '../../domain/result.js';
import { captchaErrorCode, type Captcha } from '../../infra/captcha/captcha.js';
import { captchaAnswer } from '../../infra/captcha/captcha-field.js';
import { hashPassword } from '../../infra/crypto/password-hash.js';
import { hashToken } from '../../infra/crypto/tokens.js';
import type { Db } from '../../infra/db/database.js';
import { createFlowStore } from '../../infra/flows/flow-store.js';
import type { Courier } from '../../infra/outbox/courier.js';
import { addressKey, bucket, hit } from '../../infra/rate-limit/rate-limit.js';
import type { Sessions } from '../../infra/session/session.js';
import { byField, formText, formValues } from '../../infra/web/form.js';
import { sendPage } from '../../infra/web/view.js';
import { isInHistory, personalDataOf, storePassword } from '../../identity/password-history.js';
import { passwordChangedEmail } from '../../identity/password.emails.js';
import { clearSignInThrottle } from '../../identity/sign-in-throttle.js';
import { normaliseUsername } from '../../identity/username.js';
import {
  RecoveryLinkInvalidPage,
  RecoverySendPage,
  RecoverySentPage,
  RecoveryStartPage,
  ResetDonePage,
  ResetPasswordPage,
  type ResetPasskey,
} from './recovery.views.js';
import { listPasskeys, MAX_PASSKEYS, removePasskeys } from '../../identity/passkeys.js';
import type { Lang } from '../../infra/i18n/i18n.js';
import { issueRecoveryLink, RECOVERY_LINK_TTL_MS } from '../../identity/recovery-links.js';
import { findAccount, findAccountByUsername } from '../../identity/accounts.js';

export interface RecoveryDeps {
  config: Config;
  db: Db;
  clock: Clock;
  courier: Courier;
  captcha: Captcha;
  sessions: Sessions;
  kickOutbox?: (() => void) | undefined;
}

export { RECOVERY_LINK_TTL_MS }; // R11
export const FLOW_TTL_MS = 30 * 60_000;
const HOUR = 3_600_000;
// R9 / R11: sending is limited per account and per client address.
export const SENDS_PER_ACCOUNT_PER_HOUR = 3;
export const SENDS_PER_ADDRESS_PER_HOUR = 10;
/** Issue 25: passkeys added this recently come ticked for removal on the reset page (an intruder's would be recent). */
export const RECENT_PASSKEY_MS = 7 * 24 * HOUR;

/** Rolls back the decoy transaction of a request with nobody to send to (see POST /recovery/send). */
class NothingToSend extends Error {}

interface RecoveryData {
  username?: string;
  tokenId?: number;
}

/**
 * R11 password recovery: document + captcha, then send; a 24-hour single-use link (only its hash is stored, a newer
 * one voids the older); the link's token leaves the URL before the form; the reset ends every session.
 */
export async function recoveryRoutes(app: FastifyInstance, deps: RecoveryDeps): Promise<void> {
  const { db, clock, config } = deps;
  const kysely = db.kysely;
  const requestFlows = createFlowStore<RecoveryData>(clock, {
    kind: 'recovery',
    ttlMs: FLOW_TTL_MS,
    cookieName: 'recovery',
    secureCookies: config.secureCookies,
  });
  const resetFlows = createFlowStore<RecoveryData>(clock, {
    kind: 'reset',
    ttlMs: FLOW_TTL_MS,
    cookieName: 'reset',
    secureCookies: config.secureCookies,
  });

  app.get('/recovery', async (request, reply) => {
    const expired = (request.query as Record<string, string | undefined>).expired === '1';
    return sendPage(
      reply,
      <RecoveryStartPage ctx={request.pageContext()} {...(expired ? { notice: 'expired' as const } : {})} />,
    );
  });

  app.post('/recovery', async (request, reply) => {
    const raw = formText(request.body, 'username').slice(0, 100);
    const username = normaliseUsername(raw);
    const errors: FieldError[] = [];
    if (!username) errors.push({ field: 'username', code: 'required' });
    const verdict = await deps.captcha.verify(captchaAnswer(request.body), request.ip);
    if (verdict !== 'ok') errors.push({ field: 'altcha', code: captchaErrorCode(verdict) });
    if (errors.length) {
      await request.audit('recovery.start', 'refused', { details: { reason: errors.map((e) => e.code).join(',') } });
      return sendPage(
        reply,
        <RecoveryStartPage ctx={request.pageContext()} username={raw} errors={byField(errors)} />,
        'invalid',
      );
    }
    await requestFlows.start(kysely, reply, { state: 'confirm', data: { username } });
    return reply.redirect('/recovery/send', 303);
  });

  app.get('/recovery/send', async (request, reply) => {
    const found = await requestFlows.load(kysely, request);
    if (found.status !== 'active' || found.flow.state !== 'confirm')
      return reply.redirect(found.status === 'expired' ? '/recovery?expired=1' : '/recovery', 303);
    return sendPage(reply, <RecoverySendPage ctx={request.pageContext()} />);
  });

  app.post('/recovery/send', async (request, reply) => {
    const found = await requestFlows.load(kysely, request);
    if (found.status !== 'active' || found.flow.state !== 'confirm' || !found.flow.data.username) {
      return reply.redirect(found.status === 'expired' ? '/recovery?expired=1' : '/recovery', 303);
    }
    const flow = found.flow;
    const username = flow.data.username!;
    // One send per screen-1 pass: pressing send twice does not send twice.
    if (!(await requestFlows.advance(kysely, flow, 'confirm', 'sent'))) return reply.redirect('/recovery/sent', 303);
    const [perAccount, perAddress] = await Promise.all([
      hit(kysely, clock, bucket('recovery-user', username), HOUR),
      hit(kysely, clock, bucket('recovery-ip', addressKey(request.ip)), HOUR),
    ]);
    const limited = perAccount > SENDS_PER_ACCOUNT_PER_HOUR || perAddress > SENDS_PER_ADDRESS_PER_HOUR;
    const account = await findAccountByUsername(kysely, username);
    const target = account && account.status === 'active' && !limited ? account : undefined;
    // R11: the answer is the same whether or not there is someone to send to, and so is the work: with no target
    // the very same statements run in a transaction that is then rolled back (nothing is kept or sent), so the
    // response time does not tell which documents have accounts. Measured in bench/enumeration.ts.
    try {
      await kysely.transaction().execute(async (trx) => {
        // R11: a new request voids every earlier link (inside issueRecoveryLink).
        await issueRecoveryLink(
          trx,
          { clock, courier: deps.courier, publicUrl: config.publicUrl },
          target,
          request.lang,
        );
        if (!target) throw new NothingToSend();
        await request.audit('recovery.sent', 'success', { actor: username, accountId: target.id }, trx);
      });
      deps.kickOutbox?.();
    } catch (error) {
      if (!(error instanceof NothingToSend)) throw error;
      await request.audit('recovery.sent', 'refused', {
        actor: account?.username ?? null,
        accountId: account?.id ?? null,
        details: { reason: limited ? 'rate_limited' : account ? 'disabled' : 'unknown_username' },
      });
    }
    await requestFlows.end(kysely, request, reply);
    return reply.redirect('/recovery/sent', 303);
  });

  app.get('/recovery/sent', async (request, reply) =>
    sendPage(reply, <RecoverySentPage ctx={request.pageContext()} />),
  );

  /** An unused, unvoided, unexpired recovery link, by token id or by the token itself. */
  const validToken = async (where: { id: number } | { token: string }) => {
    let q = kysely
      .selectFrom('one_time_tokens')
      .selectAll()
      .where('purpose', '=', 'recovery')
      .where('used_at', 'is', null)
      .where('voided_at', 'is', null)
      .where('expires_at', '>', clock.now().toISOString());
    q = 'id' in where ? q.where('id', '=', where.id) : q.where('token_hash', '=', hashToken(where.token));
    return q.executeTakeFirst();
  };

  app.get<{ Params: { token: string } }>('/recovery/reset/:token', async (request, reply) => {
    const token = request.params.token;
    const row = token.length <= 100 ? await validToken({ token }) : undefined;
    if (!row) return sendPage(reply, <RecoveryLinkInvalidPage ctx={request.pageContext()} />, 'gone');
    // R11: the token leaves the address bar (and so history and any Referer) before the form is shown.
    await resetFlows.start(kysely, reply, { state: 'reset', accountId: row.account_id, data: { tokenId: row.id } });
    return reply.redirect('/recovery/reset', 303);
  });

  async function currentReset(request: FastifyRequest, reply: FastifyReply) {
    const found = await resetFlows.load(kysely, request);
    const tokenId = found.status === 'active' ? found.flow.data.tokenId : undefined;
    const token = tokenId ? await validToken({ id: tokenId }) : undefined;
    const account = token?.account_id ? await findAccount(kysely, token.account_id) : undefined;
    if (found.status !== 'active' || !token || !account) {
      sendPage(reply, <RecoveryLinkInvalidPage ctx={request.pageContext()} />, 'gone');
      return undefined;
    }
    return { flow: found.flow, token, account };
  }

  const emptyRules = rulesOf().map((rule) => ({ rule, met: null }));
  const addedFormat: Record<Lang, Intl.DateTimeFormat> = {
    es: new Intl.DateTimeFormat('es-ES', { dateStyle: 'long', timeStyle: 'short', timeZone: config.timeZone }),
    en: new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeStyle: 'short', timeZone: config.timeZone }),
  };

  /** The account's passkeys for the reset form; ticked: the ones `ticked` names, or by default the recent ones. */
  async function resetPasskeys(request: FastifyRequest, accountId: number, ticked?: Set<number>) {
    const recentSince = clock.now().getTime() - RECENT_PASSKEY_MS;
    return (await listPasskeys(kysely, { kind: 'member', id: accountId })).map((p): ResetPasskey => ({
      id: p.id,
      name: p.name,
      added: addedFormat[request.lang].format(new Date(p.created_at)),
      remove: ticked ? ticked.has(p.id) : new Date(p.created_at).getTime() >= recentSince,
    }));
  }

  app.get('/recovery/reset', async (request, reply) => {
    const cur = await currentReset(request, reply);
    if (!cur) return reply;
    return sendPage(
      reply,
      <ResetPasswordPage
        ctx={request.pageContext()}
        username={cur.account.username}
        rules={emptyRules}
        passkeys={await resetPasskeys(request, cur.account.id)}
      />,
    );
  });

  app.post('/recovery/reset', async (request, reply) => {
    const cur = await currentReset(request, reply);
    if (!cur) return reply;
    const { account, token } = cur;
    const password = formText(request.body, 'password').slice(0, 1000);
    const removeIds = new Set(
      formValues(request.body, 'remove_passkey')
        .slice(0, MAX_PASSKEYS)
        .filter((v) => /^\d{1,15}$/.test(v))
        .map(Number),
    );
    const verdict = checkPassword(password, await personalDataOf(kysely, account));
    const errors: FieldError[] = [];
    if (!verdict.ok) errors.push({ field: 'password', code: 'password_rules' });
    else if (await isInHistory(kysely, account.id, password))
      errors.push({ field: 'password', code: 'password_reused' });
    if (password !== formText(request.body, 'password_confirmation'))
      errors.push({ field: 'password_confirmation', code: 'password_mismatch' });
    if (errors.length) {
      await request.audit('recovery.reset', 'failure', {
        actor: account.username,
        accountId: account.id,
        details: { codes: errors.map((e) => e.code).join(',') },
      });
      return sendPage(
        reply,
        <ResetPasswordPage
          ctx={request.pageContext()}
          username={account.username}
          rules={verdict.rules}
          passkeys={await resetPasskeys(request, account.id, removeIds)}
          errors={byField(errors)}
        />,
        'invalid',
      );
    }
    const hash = await hashPassword(password);
    const done = await kysely.transaction().execute(async (trx) => {
      // Single use: one atomic update consumes the link; a second tab submitting at once finds it gone.
      const now = clock.now().toISOString();
      const used = await trx
        .updateTable('one_time_tokens')
        .set({ used_at: now })
        .where('id', '=', token.id)
        .where('used_at', 'is', null)
        .where('voided_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      if (Number(used.numUpdatedRows) !== 1) return false;
      await storePassword(trx, clock, account.id, hash);
      await deps.sessions.endAll(trx, account.id);
      // Only the account's own passkeys: an id of another account's in the form removes nothing.
      const removed = await removePasskeys(trx, { kind: 'member', id: account.id }, [...removeIds]);
      await deps.courier.email(trx, account.email, account.language, passwordChangedEmail, { how: 'reset' });
      await request.audit(
        'recovery.reset',
        'success',
        {
          actor: account.username,
          accountId: account.id,
          details: { passkeys_removed: removed },
        },
        trx,
      );
      return true;
    });
    if (!done) return sendPage(reply, <RecoveryLinkInvalidPage ctx={request.pageContext()} />, 'gone');
    // R9: a successful reset lifts the lock; the member then signs in with both steps as usual.
    await clearSignInThrottle(kysely, account.username);
    await resetFlows.end(kysely, request, reply);
    deps.kickOutbox?.();
    return reply.redirect('/recovery/done', 303);
  });

  app.get('/recovery/done', async (request, reply) => sendPage(reply, <ResetDonePage ctx={request.pageContext()} />));
}
