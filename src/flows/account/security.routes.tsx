import { createRequire } from 'node:module';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { generateSecret, generateURI, verify } from 'otplib';
import QRCode from 'qrcode';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import { maskEmail } from '../../domain/email.js';
import { maskDocument } from '../../domain/identity-document.js';
import { maskPhone } from '../../domain/phone.js';
import { recordAudit } from '../../infra/audit/audit.repository.js';
import { verifyPassword } from '../../infra/crypto/password-hash.js';
import type { Db } from '../../infra/db/database.js';
import type { Account } from '../../infra/db/tables.js';
import { createFlowStore, type Flow } from '../../infra/flows/flow-store.js';
import type { Lang, MessageKey, Translate } from '../../infra/i18n/i18n.js';
import type { Courier } from '../../infra/outbox/courier.js';
import { emailHtml, textFooter, type EmailTemplate } from '../../infra/outbox/templates/email-layout.js';
import { bucket, hit } from '../../infra/rate-limit/rate-limit.js';
import { requireMember } from '../../infra/session/guard.js';
import type { Sessions } from '../../infra/session/session.js';
import { ErrorSummary, Form, Input, Notice, type FieldErrors } from '../../infra/web/form.js';
import { Layout } from '../../infra/web/layout.js';
import type { PageContext } from '../../infra/web/page-context.js';
import { sendPage } from '../../infra/web/view.js';
import type { Channel } from '../sign-in/second-factor/second-factor.js';
import { auditContext } from '../registration/registration.routes.js';

// ua-parser-js 1.x (MIT) ships no type declarations; this is the part of its result the page reads.
interface UaResult {
  browser: { name?: string };
  os: { name?: string };
}
const { UAParser } = createRequire(import.meta.url)('ua-parser-js') as { UAParser: new (ua: string) => { getResult(): UaResult } };

const ENROL_TTL_MS = 10 * 60_000;
// R7: at most 5 wrong app codes while enrolling, as at sign-in; then the enrolment starts over with a new secret.
const MAX_WRONG_ENROL_CODES = 5;
// R9 in spirit: the password asked before removing the app cannot be guessed at leisure from a stolen session.
const MAX_PASSWORD_TRIES_PER_HOUR = 10;
const HOUR_MS = 3_600_000;

type Done = 'session-ended' | 'session-gone' | 'others-ended' | 'channel-saved' | 'totp-enabled' | 'totp-removed';
const DONE_KEYS: Record<Done, MessageKey> = {
  'session-ended': 'security.done.sessionEnded',
  'session-gone': 'security.done.sessionGone',
  'others-ended': 'security.done.othersEnded',
  'channel-saved': 'security.done.channelSaved',
  'totp-enabled': 'security.done.totpEnabled',
  'totp-removed': 'security.done.totpRemoved',
};
const isDone = (v: unknown): v is Done => typeof v === 'string' && Object.hasOwn(DONE_KEYS, v);

/** "Chrome en Android" from a user agent; whatever the parser does not recognise is left out. */
export function describeDevice(t: Translate, userAgent: string | null): string {
  const { browser, os } = userAgent ? new UAParser(userAgent).getResult() : { browser: {}, os: {} };
  if (browser.name && os.name) return t('security.device.both', { browser: browser.name, os: os.name });
  return browser.name ?? os.name ?? t('security.device.unknown');
}

/** The second-step channels this account has (R7): email always, SMS with a mobile, the app once enrolled. */
function channelsOf(account: Account): { channel: Channel; masked: string }[] {
  const out: { channel: Channel; masked: string }[] = [{ channel: 'email', masked: maskEmail(account.email) }];
  if (account.mobile) out.push({ channel: 'sms', masked: maskPhone(account.mobile) });
  if (account.totp_secret && account.totp_enabled_at) out.push({ channel: 'totp', masked: '' });
  return out;
}

interface SessionView {
  id: number;
  device: string;
  ip: string | null;
  started: string;
  lastUse: string;
  current: boolean;
}

interface OverviewView {
  channels: { channel: Channel; masked: string }[];
  preferred: Channel | null;
  hasMobile: boolean;
  totpSince: string | null;
  sessions: SessionView[];
  done?: Done | undefined;
  errors?: FieldErrors;
}

function ChannelLabel({ ctx, option }: { ctx: PageContext; option: { channel: Channel; masked: string } }) {
  const { t } = ctx;
  if (option.channel === 'email') return <>{t('security.channel.email', { to: option.masked })}</>;
  if (option.channel === 'sms') return <>{t('security.channel.sms', { to: option.masked })}</>;
  return <>{t('security.channel.totp')}</>;
}

function SessionCard({ ctx, s }: { ctx: PageContext; s: SessionView }) {
  const { t } = ctx;
  const headingId = `session-${s.id}`;
  return (
    <section class="card session" aria-labelledby={headingId}>
      <h3 id={headingId}>
        {s.device}
        {s.current ? (
          <>
            {' '}
            <span class="tag">{t('security.sessions.current')}</span>
          </>
        ) : null}
      </h3>
      <dl class="meta">
        <dt>{t('security.sessions.address')}</dt>
        <dd>{s.ip ?? t('security.sessions.unknownAddress')}</dd>
        <dt>{t('security.sessions.started')}</dt>
        <dd>{s.started}</dd>
        <dt>{t('security.sessions.lastUse')}</dt>
        <dd>{s.lastUse}</dd>
      </dl>
      {s.current ? null : (
        <Form ctx={ctx} action={`/area/security/sessions/${s.id}/end`}>
          <button type="submit" class="secondary">
            {t('security.sessions.endLabel', { device: s.device })}
          </button>
        </Form>
      )}
    </section>
  );
}

/** R8, R12, R13: password, preferred second-step channel, authenticator app and the account's open sessions. */
function SecurityPage({ ctx, view }: { ctx: PageContext; view: OverviewView }) {
  const { t } = ctx;
  const errors = view.errors ?? {};
  const checked = view.preferred ?? view.channels[0]?.channel;
  const others = view.sessions.filter((s) => !s.current).length;
  return (
    <Layout ctx={ctx} title={t('security.title')}>
      <h1>{t('security.title')}</h1>
      {view.done ? <Notice kind="success">{t(DONE_KEYS[view.done])}</Notice> : null}
      <ErrorSummary ctx={ctx} errors={errors} labels={{ channel: t('security.channel.legend'), current_password: t('security.totp.password') }} />
      <p>{t('security.intro')}</p>

      <h2>{t('security.password.heading')}</h2>
      <p>{t('security.password.body')}</p>
      <p>
        <a href="/area/security/password">{t('security.password.link')}</a>
      </p>

      <h2>{t('security.channel.heading')}</h2>
      <p>{t('security.channel.body')}</p>
      <Form ctx={ctx} action="/area/security/channel" class="stack">
        <fieldset {...(errors.channel ? { 'aria-describedby': 'channel-error' } : {})}>
          <legend>{t('security.channel.legend')}</legend>
          {errors.channel ? (
            <p class="field-error" id="channel-error">
              {t('field.channel_unavailable')}
            </p>
          ) : null}
          {view.channels.map((o, i) => {
            // The first radio carries the group's id, so the error summary's link lands in the group.
            const id = i === 0 ? 'channel' : `channel-${o.channel}`;
            return (
              <div class="choice">
                <input type="radio" id={id} name="channel" value={o.channel} checked={o.channel === checked} />
                <label for={id}>
                  <ChannelLabel ctx={ctx} option={o} />
                </label>
              </div>
            );
          })}
          {view.hasMobile ? null : <p class="hint">{t('security.channel.noMobile')}</p>}
        </fieldset>
        <button type="submit">{t('security.channel.save')}</button>
      </Form>

      <h2>{t('security.totp.heading')}</h2>
      {view.totpSince ? (
        <>
          <p>{t('security.totp.on', { date: view.totpSince })}</p>
          <Form ctx={ctx} action="/area/security/totp/remove" class="stack">
            <fieldset>
              <legend>{t('security.totp.removeLegend')}</legend>
              <Input ctx={ctx} name="current_password" type="password" label={t('security.totp.password')} hint={t('security.totp.removeHint')} value="" error={errors.current_password} autocomplete="current-password" maxLength={64} required />
            </fieldset>
            <button type="submit" class="secondary">
              {t('security.totp.remove')}
            </button>
          </Form>
        </>
      ) : (
        <>
          <p>{t('security.totp.off')}</p>
          <p>
            <a class="button secondary" href="/area/security/totp">
              {t('security.totp.setUp')}
            </a>
          </p>
        </>
      )}

      <h2>{t('security.sessions.heading')}</h2>
      <p>{t('security.sessions.body')}</p>
      <div class="cards">
        {view.sessions.map((s) => (
          <SessionCard ctx={ctx} s={s} />
        ))}
      </div>
      {others > 0 ? (
        <Form ctx={ctx} action="/area/security/sessions/end-others" class="secondary-actions">
          <button type="submit">{t('security.sessions.endOthers')}</button>
        </Form>
      ) : (
        <p>{t('security.sessions.onlyThis')}</p>
      )}
    </Layout>
  );
}

function ForbiddenSessionPage({ ctx }: { ctx: PageContext }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('security.forbidden.title')}>
      <h1>{t('security.forbidden.title')}</h1>
      <p>{t('security.forbidden.body')}</p>
      <p>
        <a href="/area/security">{t('security.back')}</a>
      </p>
    </Layout>
  );
}

interface EnrolView {
  qr: string;
  secret: string;
  notice?: 'restart' | 'tooMany' | undefined;
  errors?: FieldErrors;
}

/** Enrolment of an authenticator app: the QR (an image rendered on the server: no script), the key, one code. */
function EnrolPage({ ctx, view }: { ctx: PageContext; view: EnrolView }) {
  const { t } = ctx;
  const errors = view.errors ?? {};
  return (
    <Layout ctx={ctx} title={t('security.enrol.title')}>
      <h1>{t('security.enrol.title')}</h1>
      {view.notice ? <Notice kind="info">{t(view.notice === 'restart' ? 'security.enrol.restart' : 'security.enrol.tooMany')}</Notice> : null}
      <ErrorSummary ctx={ctx} errors={errors} labels={{ code: t('security.enrol.code') }} />
      <ol>
        <li>
          <p>{t('security.enrol.step1')}</p>
        </li>
        <li>
          <p>{t('security.enrol.step2')}</p>
          <p>
            <img src={view.qr} alt={t('security.enrol.qrAlt', { brand: ctx.brand.name })} width={220} height={220} />
          </p>
          <p>{t('security.enrol.manual')}</p>
          <p>
            <code>{view.secret.match(/.{1,4}/g)?.join(' ')}</code>
          </p>
          <p class="hint">{t('security.enrol.manualHint')}</p>
        </li>
        <li>
          <p>{t('security.enrol.step3')}</p>
        </li>
      </ol>
      <Form ctx={ctx} action="/area/security/totp" class="stack">
        <Input ctx={ctx} name="code" label={t('security.enrol.code')} hint={t('security.enrol.codeHint')} value="" error={errors.code} autocomplete="one-time-code" inputMode="numeric" maxLength={12} required />
        <button type="submit">{t('security.enrol.confirm')}</button>
      </Form>
      <p>
        <a href="/area/security">{t('security.enrol.cancel')}</a>
      </p>
    </Layout>
  );
}

/** R22-style notice: the member hears of every change to their second step. */
const totpChangedEmail: EmailTemplate<{ change: 'enabled' | 'removed' }> = {
  name: 'totp-changed',
  render(ctx, p) {
    const { t, brand } = ctx;
    const subject = t('email.totp.subject', { brand: brand.name });
    const body = p.change === 'enabled' ? t('email.totp.enabled') : t('email.totp.removed');
    const notYou = t('email.totp.notYou', { email: brand.supportEmail });
    const html = emailHtml(
      ctx,
      subject,
      <>
        <p>{body}</p>
        <p>
          <strong>{notYou}</strong>
        </p>
      </>,
    );
    return { subject, text: [body, '', notYou, textFooter(ctx)].join('\n'), html };
  },
};

async function qrImage(text: string): Promise<string> {
  const svg = await QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return `data:image/svg+xml;base64,${Buffer.from(svg, 'utf8').toString('base64')}`;
}

const field = (body: unknown, name: string, max = 1000): string => {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value.slice(0, max) : '';
};

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
  const kysely = db.kysely;
  const guard = requireMember(sessions, db);
  const enrolments = createFlowStore<{ secret: string }>(clock, { kind: 'totp-enrol', ttlMs: ENROL_TTL_MS, cookieName: 'totp-enrol', secureCookies: config.secureCookies });
  const dateFormat: Record<Lang, Intl.DateTimeFormat> = {
    es: new Intl.DateTimeFormat('es-ES', { dateStyle: 'medium', timeStyle: 'short', timeZone: config.timeZone }),
    en: new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: config.timeZone }),
  };
  const formatTime = (lang: Lang, iso: string) => dateFormat[lang].format(new Date(iso));
  const accountOf = (request: FastifyRequest) => kysely.selectFrom('accounts').selectAll().where('id', '=', request.memberSession!.accountId).executeTakeFirstOrThrow();
  const audit = (request: FastifyRequest, account: Pick<Account, 'id' | 'username'>, event: string, outcome: 'success' | 'failure' | 'refused', details?: Record<string, string | number>) =>
    recordAudit(kysely, clock, auditContext(request), { event, outcome, actor: account.username, accountId: account.id, ...(details ? { details } : {}) });

  async function showOverview(request: FastifyRequest, reply: FastifyReply, extra: { done?: Done | undefined; errors?: FieldErrors } = {}, status = 200) {
    const account = await accountOf(request);
    const current = request.memberSession!.id;
    const now = clock.now().toISOString();
    // R8: the sessions that still open the area: not ended and within both deadlines.
    const rows = await kysely
      .selectFrom('sessions')
      .select(['id', 'ip', 'user_agent', 'created_at', 'last_seen_at'])
      .where('account_id', '=', account.id)
      .where('ended_at', 'is', null)
      .where('idle_expires_at', '>', now)
      .where('absolute_expires_at', '>', now)
      .orderBy('last_seen_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
    const lang = request.lang;
    const list: SessionView[] = rows
      .map((r) => ({ id: r.id, device: describeDevice(request.t, r.user_agent), ip: r.ip, started: formatTime(lang, r.created_at), lastUse: formatTime(lang, r.last_seen_at), current: r.id === current }))
      .sort((a, b) => Number(b.current) - Number(a.current));
    const channels = channelsOf(account);
    const view: OverviewView = {
      channels,
      preferred: channels.some((c) => c.channel === account.preferred_channel) ? account.preferred_channel : null,
      hasMobile: Boolean(account.mobile),
      totpSince: account.totp_secret && account.totp_enabled_at ? formatTime(lang, account.totp_enabled_at) : null,
      sessions: list,
      done: extra.done,
      ...(extra.errors ? { errors: extra.errors } : {}),
    };
    return sendPage(reply, <SecurityPage ctx={request.pageContext()} view={view} />, status);
  }

  app.get('/area/security', { preHandler: guard }, async (request, reply) => {
    const done = (request.query as Record<string, unknown>).done;
    return showOverview(request, reply, { done: isDone(done) ? done : undefined });
  });

  // R8: the member ends one of their sessions. The update is scoped to the account, so a session id of someone
  // else ends nothing; such a request is refused and recorded, and does not say whether the id exists.
  app.post<{ Params: { id: string } }>('/area/security/sessions/:id/end', { preHandler: guard }, async (request, reply) => {
    const session = request.memberSession!;
    const account = await accountOf(request);
    const id = /^\d{1,15}$/.test(request.params.id) ? Number(request.params.id) : undefined;
    if (id === session.id) {
      await audit(request, account, 'session.end', 'success', { session: id, current: 'yes' });
      await sessions.end(kysely, request, reply);
      return reply.redirect('/sign-in?signedOut=1', 303);
    }
    if (id !== undefined) {
      const ended = await kysely
        .updateTable('sessions')
        .set({ ended_at: clock.now().toISOString() })
        .where('id', '=', id)
        .where('account_id', '=', account.id)
        .where('ended_at', 'is', null)
        .executeTakeFirst();
      if (Number(ended.numUpdatedRows) === 1) {
        await audit(request, account, 'session.end', 'success', { session: id });
        return reply.redirect('/area/security?done=session-ended', 303);
      }
      const mine = await kysely.selectFrom('sessions').select('id').where('id', '=', id).where('account_id', '=', account.id).executeTakeFirst();
      if (mine) return reply.redirect('/area/security?done=session-gone', 303);
    }
    await audit(request, account, 'session.end', 'refused', { reason: 'not_own', session: request.params.id.slice(0, 20) });
    return sendPage(reply, <ForbiddenSessionPage ctx={request.pageContext()} />, 403);
  });

  app.post('/area/security/sessions/end-others', { preHandler: guard }, async (request, reply) => {
    const account = await accountOf(request);
    await sessions.endAll(kysely, account.id, request.memberSession!.id);
    await audit(request, account, 'session.end_others', 'success');
    return reply.redirect('/area/security?done=others-ended', 303);
  });

  // R7: the channel offered first at sign-in; only one the account has.
  app.post('/area/security/channel', { preHandler: guard }, async (request, reply) => {
    const account = await accountOf(request);
    const chosen = channelsOf(account).find((c) => c.channel === field(request.body, 'channel', 10));
    if (!chosen) {
      await audit(request, account, 'security.channel', 'failure', { reason: 'unavailable' });
      return showOverview(request, reply, { errors: { channel: { code: 'channel_unavailable' } } }, 400);
    }
    await kysely.updateTable('accounts').set({ preferred_channel: chosen.channel, updated_at: clock.now().toISOString() }).where('id', '=', account.id).execute();
    await audit(request, account, 'security.channel', 'success', { channel: chosen.channel });
    return reply.redirect('/area/security?done=channel-saved', 303);
  });

  /** The browser's pending enrolment for this account; a new one (a new secret) when there is none. */
  async function pendingEnrolment(request: FastifyRequest, reply: FastifyReply, account: Account): Promise<Flow<{ secret: string }>> {
    const found = await enrolments.load(kysely, request);
    if (found.status === 'active' && found.flow.accountId === account.id && found.flow.state === 'pending') return found.flow;
    // The secret stays in the flow, not on the account, until a code proves the app holds it.
    const flow = await enrolments.start(kysely, reply, { state: 'pending', accountId: account.id, data: { secret: generateSecret() } });
    await audit(request, account, 'totp.enrol_start', 'success');
    return flow;
  }

  async function showEnrol(request: FastifyRequest, reply: FastifyReply, account: Account, secret: string, extra: Pick<EnrolView, 'notice' | 'errors'> = {}, status = 200) {
    const uri = generateURI({ issuer: config.brand.name, label: maskDocument(account.username), secret });
    const view: EnrolView = { qr: await qrImage(uri), secret, ...extra };
    return sendPage(reply, <EnrolPage ctx={request.pageContext()} view={view} />, status);
  }

  app.get('/area/security/totp', { preHandler: guard }, async (request, reply) => {
    const account = await accountOf(request);
    if (account.totp_enabled_at) return reply.redirect('/area/security', 303);
    const q = request.query as Record<string, unknown>;
    const flow = await pendingEnrolment(request, reply, account);
    return showEnrol(request, reply, account, flow.data.secret, { notice: q.restart === '1' ? 'restart' : q.tries === '1' ? 'tooMany' : undefined });
  });

  app.post('/area/security/totp', { preHandler: guard }, async (request, reply) => {
    const account = await accountOf(request);
    if (account.totp_enabled_at) return reply.redirect('/area/security', 303);
    const found = await enrolments.load(kysely, request);
    if (found.status !== 'active' || found.flow.accountId !== account.id || found.flow.state !== 'pending') return reply.redirect('/area/security/totp?restart=1', 303);
    const flow = found.flow;
    // Counted before the check, atomically, so parallel guesses share one count.
    const tries = await hit(kysely, clock, bucket('totp-enrol', flow.id), HOUR_MS);
    if (tries > MAX_WRONG_ENROL_CODES) {
      await enrolments.end(kysely, request, reply);
      await audit(request, account, 'totp.enable', 'failure', { reason: 'exhausted' });
      return reply.redirect('/area/security/totp?tries=1', 303);
    }
    const code = field(request.body, 'code', 20).replace(/\s+/g, '');
    const result = /^\d{6}$/.test(code) ? await verify({ secret: flow.data.secret, token: code, epoch: Math.floor(clock.now().getTime() / 1000), epochTolerance: 30 }) : undefined;
    // otplib's TOTP result carries the matched time step (its shared result type does not say so).
    const step = result?.valid ? (result as { timeStep?: number }).timeStep : undefined;
    if (step === undefined) {
      await audit(request, account, 'totp.enable', 'failure', { reason: 'wrong_code' });
      return showEnrol(request, reply, account, flow.data.secret, { errors: { code: { code: 'totp_code_wrong' } } }, 400);
    }
    const now = clock.now().toISOString();
    const enabled = await kysely.transaction().execute(async (trx) => {
      if (!(await enrolments.advance(trx, flow, 'pending', 'done'))) return false;
      // The step just used is recorded, so the same code cannot open a sign-in afterwards (R7: single use).
      const set = await trx
        .updateTable('accounts')
        .set({ totp_secret: flow.data.secret, totp_enabled_at: now, totp_last_step: step, updated_at: now })
        .where('id', '=', account.id)
        .where('totp_enabled_at', 'is', null)
        .executeTakeFirst();
      if (Number(set.numUpdatedRows) !== 1) return false;
      await deps.courier.email(trx, account.email, account.language, totpChangedEmail, { change: 'enabled' });
      await recordAudit(trx, clock, auditContext(request), { event: 'totp.enable', outcome: 'success', actor: account.username, accountId: account.id });
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
    const tries = await hit(kysely, clock, bucket('totp-remove', String(account.id)), HOUR_MS);
    if (tries > MAX_PASSWORD_TRIES_PER_HOUR) {
      await audit(request, account, 'totp.remove', 'refused', { reason: 'tries' });
      return showOverview(request, reply, { errors: { current_password: { code: 'password_tries' } } }, 429);
    }
    if (!(await verifyPassword(account.password_hash, field(request.body, 'current_password')))) {
      await audit(request, account, 'totp.remove', 'failure', { reason: 'wrong_password' });
      return showOverview(request, reply, { errors: { current_password: { code: 'current_password_wrong' } } }, 400);
    }
    const now = clock.now().toISOString();
    await kysely.transaction().execute(async (trx) => {
      await trx.updateTable('accounts').set({ totp_secret: null, totp_enabled_at: null, totp_last_step: null, updated_at: now }).where('id', '=', account.id).execute();
      // A preference for the app would point at nothing: sign-in falls back to its default and records a new one.
      await trx.updateTable('accounts').set({ preferred_channel: null }).where('id', '=', account.id).where('preferred_channel', '=', 'totp').execute();
      await deps.courier.email(trx, account.email, account.language, totpChangedEmail, { change: 'removed' });
      await recordAudit(trx, clock, auditContext(request), { event: 'totp.remove', outcome: 'success', actor: account.username, accountId: account.id });
    });
    deps.kickOutbox?.();
    return reply.redirect('/area/security?done=totp-removed', 303);
  });
}
