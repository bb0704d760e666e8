import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import { blockedUntil, closeAccount } from '../../identity/account-closure.js';
import { getAccount, memberActor } from '../../identity/accounts.js';
import type { Channel } from '../../identity/channels.js';
import type { Db } from '../../infra/db/database.js';
import type { Account } from '../../infra/db/tables.js';
import type { Lang } from '../../infra/i18n/i18n.js';
import type { Courier } from '../../infra/outbox/courier.js';
import type { Sessions } from '../../infra/session/session.js';
import { formText, type FieldErrors } from '../../infra/web/form.js';
import { sendPage, type ReplyOutcome } from '../../infra/web/view.js';
import { accountClosedEmail } from './close.emails.js';
import { checkCloseCode, closeFlows, sendCloseCode } from './close.flow.js';
import { ClosePage, CloseCodePage, type CloseView } from './close.views.js';
import { checkPassword } from './contact.flow.js';
import { channelsOf } from './security.flow.js';

export interface CloseDeps {
  config: Config;
  db: Db;
  clock: Clock;
  courier: Courier;
  sessions: Sessions;
  kickOutbox?: (() => void) | undefined;
}

/**
 * R36: closing the account, behind the password and a second-step code (R15's re-authentication). Registered by
 * dataRoutes, inside its signed-in guard.
 */
export async function closeRoutes(app: FastifyInstance, deps: CloseDeps): Promise<void> {
  const { db, clock, config, courier } = deps;
  const kysely = db.kysely;
  const flows = closeFlows(clock, config.secureCookies);
  const days = config.closedAccountRetentionDays;
  const dateFormat: Record<Lang, Intl.DateTimeFormat> = {
    es: new Intl.DateTimeFormat('es-ES', { dateStyle: 'long', timeZone: config.timeZone }),
    en: new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeZone: config.timeZone }),
  };
  const untilText = (lang: Lang, closedAt: string) => dateFormat[lang].format(new Date(blockedUntil(closedAt, days)));
  const accountOf = (request: FastifyRequest) => getAccount(kysely, request.memberSession!.accountId);

  function showForm(
    request: FastifyRequest,
    reply: FastifyReply,
    account: Account,
    extra: Partial<Pick<CloseView, 'errors' | 'notice' | 'channel'>> = {},
    status: ReplyOutcome = 'shown',
  ) {
    const view: CloseView = {
      channels: channelsOf(account),
      until: untilText(request.lang, clock.now().toISOString()),
      days,
      ...extra,
    };
    return sendPage(reply, <ClosePage ctx={request.pageContext()} view={view} />, status);
  }

  app.get('/area/data/close', async (request, reply) => {
    const q = request.query as Record<string, unknown>;
    const notice = q.expired === '1' ? 'expired' : q.restart === '1' ? 'exhausted' : undefined;
    return showForm(request, reply, await accountOf(request), { notice });
  });

  app.post('/area/data/close', async (request, reply) => {
    const account = await accountOf(request);
    const channels = channelsOf(account);
    const wanted = formText(request.body, 'channel');
    const option = channels.find((c) => c.channel === wanted);
    const event = 'account.close_requested';
    const password = await checkPassword(kysely, clock, account, formText(request.body, 'password'));
    if (password === 'locked') {
      await request.audit(event, 'refused', { ...memberActor(account), details: { reason: 'password_limit' } });
      return showForm(request, reply, account, { notice: 'locked' }, 'limited');
    }
    const errors: FieldErrors = {};
    if (password !== 'ok') errors.password = { code: password === 'missing' ? 'required' : 'current_password_wrong' };
    if (!option) errors.channel = { code: 'required' };
    if (password !== 'ok' || !option) {
      await request.audit(event, 'failure', {
        ...memberActor(account),
        details: { reason: password === 'wrong' ? 'password' : 'invalid' },
      });
      const channel = option?.channel;
      return showForm(request, reply, account, { errors, ...(channel ? { channel } : {}) }, 'invalid');
    }
    const channel: Channel = option.channel;
    await kysely.transaction().execute(async (trx) => {
      const flow = await flows.start(trx, reply, { state: 'code', accountId: account.id, data: { channel } });
      await sendCloseCode(
        trx,
        { clock, courier, secretKey: config.secretKey, brandName: config.brand.name },
        { account, flowId: flow.id, channel, lang: request.lang, t: request.t },
      );
      await request.audit(event, 'success', { ...memberActor(account), details: { channel } }, trx);
    });
    deps.kickOutbox?.();
    return reply.redirect('/area/data/close/confirm', 303);
  });

  /** The browser's pending close of this account, or undefined after redirecting to the first step. */
  async function pending(request: FastifyRequest, reply: FastifyReply, account: Account) {
    const found = await flows.load(kysely, request);
    if (found.status !== 'active' || found.flow.accountId !== account.id || found.flow.state !== 'code') {
      reply.redirect(found.status === 'expired' ? '/area/data/close?expired=1' : '/area/data/close', 303);
      return undefined;
    }
    return found.flow;
  }

  const masked = (account: Account, channel: Channel) =>
    channelsOf(account).find((c) => c.channel === channel)?.masked ?? '';

  app.get('/area/data/close/confirm', async (request, reply) => {
    const account = await accountOf(request);
    const flow = await pending(request, reply, account);
    if (!flow) return reply;
    return sendPage(
      reply,
      <CloseCodePage
        ctx={request.pageContext()}
        channel={flow.data.channel}
        masked={masked(account, flow.data.channel)}
      />,
    );
  });

  app.post('/area/data/close/confirm', async (request, reply) => {
    const account = await accountOf(request);
    const flow = await pending(request, reply, account);
    if (!flow) return reply;
    const check = await checkCloseCode(
      kysely,
      { clock, secretKey: config.secretKey, box: config.secretBox },
      account,
      flow,
      formText(request.body, 'code'),
    );
    if (check.kind !== 'ok') {
      await request.audit('account.close', 'failure', { ...memberActor(account), details: { reason: check.kind } });
      if (check.kind === 'wrong')
        return sendPage(
          reply,
          <CloseCodePage
            ctx={request.pageContext()}
            channel={flow.data.channel}
            masked={masked(account, flow.data.channel)}
            error={{ code: 'code_wrong', params: { remaining: check.remaining } }}
          />,
          'invalid',
        );
      await flows.end(kysely, request, reply);
      return reply.redirect(
        check.kind === 'exhausted' ? '/area/data/close?restart=1' : '/area/data/close?expired=1',
        303,
      );
    }
    const closedAt = clock.now().toISOString();
    // R35: the apps the member signed in to hear of it on their back-channel logout address (read before the closure
    // deletes the provider's rows; a logout the closure then failed to follow is harmless).
    await deps.sessions.announceProviderLogout(kysely, account.id, { reason: 'all' });
    // Blocked, audited and confirmed in one transaction (R25): the confirmation is the last email it gets.
    const closed = await kysely.transaction().execute(async (trx) => {
      if (!(await closeAccount(trx, clock, account.id))) return false;
      await courier.email(trx, account.email, account.language, accountClosedEmail, {
        until: untilText(account.language, closedAt),
      });
      await request.audit(
        'account.close',
        'success',
        { ...memberActor(account), details: { retention_days: days } },
        trx,
      );
      return true;
    });
    if (closed) deps.kickOutbox?.();
    await deps.sessions.end(kysely, request, reply);
    await flows.end(kysely, request, reply);
    return reply.redirect('/sign-in?closed=1', 303);
  });
}
