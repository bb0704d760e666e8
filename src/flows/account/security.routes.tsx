import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import { verifyPassword } from '../../infra/crypto/password-hash.js';
import { checkPassword } from './contact.flow.js';
import type { Db } from '../../infra/db/database.js';
import type { Account } from '../../infra/db/tables.js';
import type { Flow } from '../../infra/flows/flow-store.js';
import type { Lang } from '../../infra/i18n/i18n.js';
import type { Courier } from '../../infra/outbox/courier.js';
import { requireMember } from '../../infra/session/guard.js';
import type { Sessions } from '../../infra/session/session.js';
import { formText, type FieldErrors } from '../../infra/web/form.js';
import { sendPage, type ReplyOutcome } from '../../infra/web/view.js';
import {
  channelsOf,
  describeDevice,
  enableTotp,
  endOwnSession,
  enrolmentQr,
  enrolTriesExhausted,
  matchEnrolCode,
  newEnrolment,
  openSessions,
  removeTotp,
  removeTriesExhausted,
  totpEnrolments,
  type Enrolment,
} from './security.flow.js';
import { listPasskeys, MAX_PASSKEYS } from '../../identity/passkeys.js';
import { passkeyRoutes } from './passkeys.routes.js';
import { signInHistory, SIGN_IN_HISTORY_SIZE } from '../../identity/sign-in-history.js';
import { placeText } from '../../identity/device-label.js';
import {
  EndOthersPage,
  EnrolPage,
  ForbiddenSessionPage,
  SecurityPage,
  isDone,
  type Done,
  type EnrolView,
  type OverviewView,
  type SessionView,
} from './security.views.js';
import { getAccount, memberActor } from '../../identity/accounts.js';

const field = (body: unknown, name: string, max = 1000): string => formText(body, name).slice(0, max);

export interface SecurityDeps {
  config: Config;
  db: Db;
  clock: Clock;
  courier: Courier;
  sessions: Sessions;
  kickOutbox?: (() => void) | undefined;
}

/** R8, R13: the member's security settings; every page needs a live session and is never cached. */
export async function securityRoutes(app: FastifyInstance, deps: SecurityDeps): Promise<void> {
  const { db, clock, config, sessions } = deps;
  const box = config.secretBox;
  const kysely = db.kysely;
  const guard = requireMember(sessions, db);
  const enrolments = totpEnrolments(clock, config.secureCookies);
  const dateFormat: Record<Lang, Intl.DateTimeFormat> = {
    es: new Intl.DateTimeFormat('es-ES', { dateStyle: 'medium', timeStyle: 'short', timeZone: config.timeZone }),
    en: new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: config.timeZone }),
  };
  const formatTime = (lang: Lang, iso: string) => dateFormat[lang].format(new Date(iso));
  const accountOf = (request: FastifyRequest) => getAccount(kysely, request.memberSession!.accountId);

  /** The account's live sessions as the page shows them, this one first. */
  async function sessionViews(request: FastifyRequest, accountId: number): Promise<SessionView[]> {
    const current = request.memberSession!.id;
    const rows = await openSessions(kysely, accountId, clock.now().toISOString());
    return rows
      .map((r) => ({
        id: r.id,
        device: describeDevice(request.t, r.user_agent),
        ip: r.ip,
        started: formatTime(request.lang, r.created_at),
        lastUse: formatTime(request.lang, r.last_seen_at),
        current: r.id === current,
      }))
      .sort((a, b) => Number(b.current) - Number(a.current));
  }

  async function showOverview(
    request: FastifyRequest,
    reply: FastifyReply,
    extra: { done?: Done | undefined; errors?: FieldErrors } = {},
    status: ReplyOutcome = 'shown',
  ) {
    const account = await accountOf(request);
    const list = await sessionViews(request, account.id);
    const lang = request.lang;
    const channels = channelsOf(account);
    const passkeys = await listPasskeys(kysely, { kind: 'member', id: account.id });
    const view: OverviewView = {
      channels,
      preferred: channels.some((c) => c.channel === account.preferred_channel) ? account.preferred_channel : null,
      hasMobile: Boolean(account.mobile),
      totpSince: account.totp_secret && account.totp_enabled_at ? formatTime(lang, account.totp_enabled_at) : null,
      sessions: list,
      passkeys: passkeys.map((p) => ({
        id: p.id,
        name: p.name,
        created: formatTime(lang, p.created_at),
        lastUsed: p.last_used_at ? formatTime(lang, p.last_used_at) : null,
        synced: p.backed_up === 1,
      })),
      maxPasskeys: MAX_PASSKEYS,
      // R28: the last sign-ins and attempts, from the audit.
      history: {
        size: SIGN_IN_HISTORY_SIZE,
        entries: (await signInHistory(kysely, account)).map((e) => ({
          id: e.id,
          iso: e.at,
          when: formatTime(lang, e.at),
          device: describeDevice(request.t, e.userAgent),
          place: placeText(request.t, lang, e.ip),
          factor: e.factor,
          outcome: e.outcome,
        })),
      },
      done: extra.done,
      ...(extra.errors ? { errors: extra.errors } : {}),
    };
    return sendPage(reply, <SecurityPage ctx={request.pageContext()} view={view} />, status);
  }

  await passkeyRoutes(app, {
    config,
    db,
    clock,
    courier: deps.courier,
    kickOutbox: deps.kickOutbox,
    guard,
    accountOf,
    showOverview,
  });

  app.get('/area/security', { preHandler: guard }, async (request, reply) => {
    const done = (request.query as Record<string, unknown>).done;
    return showOverview(request, reply, { done: isDone(done) ? done : undefined });
  });

  // R8: the member ends one of their sessions; one that is not theirs is refused and recorded, and the answer does
  // not say whether the id exists.
  app.post<{ Params: { id: string } }>(
    '/area/security/sessions/:id/end',
    { preHandler: guard },
    async (request, reply) => {
      const session = request.memberSession!;
      const account = await accountOf(request);
      const id = /^\d{1,15}$/.test(request.params.id) ? Number(request.params.id) : undefined;
      if (id === session.id) {
        await request.audit('session.end', 'success', {
          ...memberActor(account),
          details: { session: id, current: 'yes' },
        });
        await sessions.end(kysely, request, reply);
        return reply.redirect('/sign-in?signedOut=1', 303);
      }
      if (id !== undefined) {
        const outcome = await endOwnSession(kysely, account.id, id, clock.now().toISOString());
        if (outcome === 'ended') {
          await request.audit('session.end', 'success', { ...memberActor(account), details: { session: id } });
          return reply.redirect('/area/security?done=session-ended', 303);
        }
        if (outcome === 'gone') return reply.redirect('/area/security?done=session-gone', 303);
      }
      await request.audit('session.end', 'refused', {
        ...memberActor(account),
        details: {
          reason: 'not_own',
          session: request.params.id.slice(0, 20),
        },
      });
      return sendPage(reply, <ForbiddenSessionPage ctx={request.pageContext()} />, 'forbidden');
    },
  );

  // R8, R37: signing every other device out is confirmed first, on a page that names them (no script needed).
  app.post('/area/security/sessions/end-others', { preHandler: guard }, async (request, reply) => {
    const account = await accountOf(request);
    if (formText(request.body, 'confirmed') !== '1') {
      const others = (await sessionViews(request, account.id)).filter((s) => !s.current);
      if (others.length === 0) return reply.redirect('/area/security#sessions-heading', 303);
      return sendPage(reply, <EndOthersPage ctx={request.pageContext()} others={others} />);
    }
    await sessions.endAll(kysely, account.id, request.memberSession!.id);
    await request.audit('session.end_others', 'success', { ...memberActor(account) });
    return reply.redirect('/area/security?done=others-ended', 303);
  });

  // R7: the channel offered first at sign-in; only one the account has.
  app.post('/area/security/channel', { preHandler: guard }, async (request, reply) => {
    const account = await accountOf(request);
    const chosen = channelsOf(account).find((c) => c.channel === field(request.body, 'channel', 10));
    if (!chosen) {
      await request.audit('security.channel', 'failure', {
        ...memberActor(account),
        details: { reason: 'unavailable' },
      });
      return showOverview(request, reply, { errors: { channel: { code: 'channel_unavailable' } } }, 'invalid');
    }
    await kysely
      .updateTable('accounts')
      .set({ preferred_channel: chosen.channel, updated_at: clock.now().toISOString() })
      .where('id', '=', account.id)
      .execute();
    await request.audit('security.channel', 'success', {
      ...memberActor(account),
      details: { channel: chosen.channel },
    });
    return reply.redirect('/area/security?done=channel-saved', 303);
  });

  /** The browser's pending enrolment for this account; a new one (a new secret) when there is none. */
  async function pendingEnrolment(
    request: FastifyRequest,
    reply: FastifyReply,
    account: Account,
  ): Promise<Flow<Enrolment>> {
    const found = await enrolments.load(kysely, request);
    if (found.status === 'active' && found.flow.accountId === account.id && found.flow.state === 'pending')
      return found.flow;
    const flow = await enrolments.start(kysely, reply, {
      state: 'pending',
      accountId: account.id,
      data: newEnrolment(box),
    });
    await request.audit('totp.enrol_start', 'success', { ...memberActor(account) });
    return flow;
  }

  async function showEnrol(
    request: FastifyRequest,
    reply: FastifyReply,
    account: Account,
    sealed: string,
    extra: Pick<EnrolView, 'notice' | 'errors'> = {},
    status: ReplyOutcome = 'shown',
  ) {
    const secret = box.open(sealed);
    const view: EnrolView = { qr: await enrolmentQr(config.brand.name, account, secret), secret, ...extra };
    return sendPage(reply, <EnrolPage ctx={request.pageContext()} view={view} />, status);
  }

  app.get('/area/security/totp', { preHandler: guard }, async (request, reply) => {
    const account = await accountOf(request);
    if (account.totp_enabled_at) return reply.redirect('/area/security', 303);
    const q = request.query as Record<string, unknown>;
    const flow = await pendingEnrolment(request, reply, account);
    return showEnrol(request, reply, account, flow.data.secret, {
      notice: q.restart === '1' ? 'restart' : q.tries === '1' ? 'tooMany' : undefined,
    });
  });

  app.post('/area/security/totp', { preHandler: guard }, async (request, reply) => {
    const account = await accountOf(request);
    if (account.totp_enabled_at) return reply.redirect('/area/security', 303);
    const found = await enrolments.load(kysely, request);
    if (found.status !== 'active' || found.flow.accountId !== account.id || found.flow.state !== 'pending')
      return reply.redirect('/area/security/totp?restart=1', 303);
    const flow = found.flow;
    if (await enrolTriesExhausted(kysely, clock, flow.id)) {
      await enrolments.end(kysely, request, reply);
      await request.audit('totp.enable', 'failure', { ...memberActor(account), details: { reason: 'exhausted' } });
      return reply.redirect('/area/security/totp?tries=1', 303);
    }
    // ASVS 7.5.1: the app becomes a way into the account, so the password is asked again; it shares the limit of
    // every "password asked again" (5 wrong an hour per account, R15): a stolen session is no password oracle here.
    const [step, password] = await Promise.all([
      matchEnrolCode(box.open(flow.data.secret), field(request.body, 'code', 20), clock.now()),
      checkPassword(kysely, clock, account, field(request.body, 'current_password')),
    ]);
    if (password === 'locked') {
      await request.audit('totp.enable', 'refused', { ...memberActor(account), details: { reason: 'password_limit' } });
      return showEnrol(
        request,
        reply,
        account,
        flow.data.secret,
        { errors: { current_password: { code: 'password_tries' } } },
        'limited',
      );
    }
    if (step === undefined || password !== 'ok') {
      await request.audit('totp.enable', 'failure', {
        ...memberActor(account),
        details: {
          reason: [step === undefined ? 'wrong_code' : '', password !== 'ok' ? 'wrong_password' : '']
            .filter(Boolean)
            .join(','),
        },
      });
      const errors: FieldErrors = {
        ...(step === undefined ? { code: { code: 'totp_code_wrong' } } : {}),
        ...(password !== 'ok' ? { current_password: { code: 'current_password_wrong' } } : {}),
      };
      return showEnrol(request, reply, account, flow.data.secret, { errors }, 'invalid');
    }
    const now = clock.now().toISOString();
    const enabled = await kysely.transaction().execute(async (trx) => {
      if (!(await enrolments.advance(trx, flow, 'pending', 'done'))) return false;
      if (!(await enableTotp(trx, deps.courier, account, flow.data.secret, step, now))) return false;
      await request.audit('totp.enable', 'success', { actor: account.username, accountId: account.id }, trx);
      return true;
    });
    await enrolments.end(kysely, request, reply);
    if (!enabled) return reply.redirect('/area/security', 303);
    deps.kickOutbox?.();
    return reply.redirect('/area/security?done=totp-enabled', 303);
  });

  app.post('/area/security/totp/remove', { preHandler: guard }, async (request, reply) => {
    const account = await accountOf(request);
    if (!account.totp_enabled_at) return reply.redirect('/area/security', 303);
    if (await removeTriesExhausted(kysely, clock, account.id)) {
      await request.audit('totp.remove', 'refused', { ...memberActor(account), details: { reason: 'tries' } });
      return showOverview(request, reply, { errors: { current_password: { code: 'password_tries' } } }, 'limited');
    }
    if (!(await verifyPassword(account.password_hash, field(request.body, 'current_password')))) {
      await request.audit('totp.remove', 'failure', { ...memberActor(account), details: { reason: 'wrong_password' } });
      return showOverview(
        request,
        reply,
        { errors: { current_password: { code: 'current_password_wrong' } } },
        'invalid',
      );
    }
    await kysely.transaction().execute(async (trx) => {
      await removeTotp(trx, deps.courier, account, clock.now().toISOString());
      await request.audit('totp.remove', 'success', { actor: account.username, accountId: account.id }, trx);
    });
    deps.kickOutbox?.();
    return reply.redirect('/area/security?done=totp-removed', 303);
  });
}
