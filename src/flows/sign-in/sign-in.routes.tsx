import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import { captchaErrorCode, type Captcha } from '../../infra/captcha/captcha.js';
import { captchaAnswer } from '../../infra/captcha/captcha-field.js';
import { hashToken } from '../../infra/crypto/tokens.js';
import type { Db } from '../../infra/db/database.js';
import type { Account, Database } from '../../infra/db/tables.js';
import { createFlowStore, SIGN_IN_FLOW, type Flow } from '../../infra/flows/flow-store.js';
import type { Metrics } from '../../infra/metrics/metrics.js';
import type { Courier } from '../../infra/outbox/courier.js';
import { addressKey, bucket, secondsUntilWindowEnds, takeAll } from '../../infra/rate-limit/rate-limit.js';
import { safeNext, type Sessions } from '../../infra/session/session.js';
import { formText } from '../../infra/web/form.js';
import { sendPage, type ReplyOutcome } from '../../infra/web/view.js';
import { codeFactor } from './second-factor/code-factor.js';
import { totpFactor } from './second-factor/totp-factor.js';
import type { Channel, FactorContext, SecondFactor } from './second-factor/second-factor.js';
import { notifyPause, passwordStep } from './sign-in.flow.js';
import { beginAttempt, clearThrottle, MEMBER_SIGN_IN, signInPaused } from '../../identity/sign-in-throttle.js';
import { passkeySignInRoutes } from './passkey-sign-in.routes.js';
import { PasskeyStepPage } from './passkey-sign-in.views.js';
import {
  ChooseChannelPage,
  type ChannelOption,
  EnterCodePage,
  LinkExpiredPage,
  OtherBrowserPage,
  SignInPage,
  type CodeNotice,
} from './sign-in.views.js';
import { deviceHashOf, rememberSignInDevice, trustedDevice } from '../../identity/devices.js';
import type { AfterSignIn } from '../../identity/sign-in-hooks.js';
import { findAccountWithPasskey, markSignedIn } from '../../identity/accounts.js';

export interface SignInDeps {
  config: Config;
  db: Db;
  clock: Clock;
  courier: Courier;
  captcha: Captcha;
  sessions: Sessions;
  metrics: Metrics;
  kickOutbox?: (() => void) | undefined;
  /** Run after every successful sign-in, before the session starts (src/identity/sign-in-hooks.ts). */
  afterSignIn?: AfterSignIn[];
}

// R7: the second step of one sign-in.
export const SIGN_IN_TTL_MS = 15 * 60_000;
export const RESEND_AFTER_MS = 30_000;
export const MAX_SENDS = 3;
// R9: every endpoint that sends email or SMS is limited per client address.
export const SENDS_PER_ADDRESS_PER_HOUR = 30;
/** Codes sent to one account in an hour, across its sign-ins (someone with the password cannot flood the member). */
export const SENDS_PER_ACCOUNT_PER_HOUR = 10;
const HOUR = 3_600_000;

/** A code send refused by an hourly limit, thrown inside the send's transaction so that nothing of it is kept. */
class SendRefused extends Error {
  constructor(readonly reason: 'address_limit' | 'account_limit') {
    super(reason);
  }
}

/**
 * R9: counts one code send against the client address's and the account's hourly limits; the limit it is over, if any.
 */
async function countSend(
  db: Kysely<Database>,
  clock: Clock,
  ip: string,
  accountId: number,
): Promise<'address_limit' | 'account_limit' | undefined> {
  // Both counted in one statement (issue 32), each decided on its own value after its increment; the caller's
  // transaction is rolled back on a refusal, so the other count is not kept either.
  const {
    counts: [address, account],
  } = await takeAll(db, clock, [
    { bucket: bucket('send-ip', addressKey(ip)), windowMs: HOUR },
    { bucket: bucket('send-account', String(accountId)), windowMs: HOUR },
  ]);
  if (address! > SENDS_PER_ADDRESS_PER_HOUR) return 'address_limit';
  if (account! > SENDS_PER_ACCOUNT_PER_HOUR) return 'account_limit';
  return undefined;
}

export interface SignInData {
  channel?: Channel;
  /** R27: the challenge of the passkey ceremony of the second step, until one answer uses it. */
  challenge?: string;
  sends: number;
  lastSentAt?: string;
  next?: string;
}

export async function signInRoutes(app: FastifyInstance, deps: SignInDeps): Promise<void> {
  const { db, clock, config, sessions, metrics } = deps;
  const kysely = db.kysely;
  const flows = createFlowStore<SignInData>(clock, {
    kind: SIGN_IN_FLOW,
    ttlMs: SIGN_IN_TTL_MS,
    cookieName: 'signin',
    secureCookies: config.secureCookies,
  });
  const factorDeps = {
    clock,
    courier: deps.courier,
    brand: config.brand,
    publicUrl: config.publicUrl,
    secretKey: config.secretKey,
  };
  const factors: Record<Channel, SecondFactor> = {
    email: codeFactor('email', factorDeps),
    sms: codeFactor('sms', factorDeps),
    totp: totpFactor({ clock, box: config.secretBox }),
  };
  const options = (account: Account, passkey: boolean): ChannelOption[] => [
    ...(Object.values(factors) as SecondFactor[])
      .filter((f) => f.available(account))
      .map((f) => ({ channel: f.channel, masked: f.masked(account) })),
    // R27: a member with a passkey may use it as the second step.
    ...(passkey ? [{ channel: 'passkey' as const, masked: '' }] : []),
  ];

  app.get('/sign-in', async (request, reply) => {
    const q = request.query as Record<string, string | undefined>;
    const notice =
      q.expired === '1'
        ? 'expired_session'
        : q.reauth === '1'
          ? 'reauthenticate'
          : q.signedOut === '1'
            ? 'signed_out'
            : q.restart === '1'
              ? 'restart'
              : q.closed === '1'
                ? 'account_closed'
                : undefined;
    return sendPage(reply, <SignInPage ctx={request.pageContext()} view={{ next: safeNext(q.next), notice }} />);
  });

  app.post('/sign-in', async (request, reply) => {
    const username = formText(request.body, 'username').slice(0, 100);
    const next = safeNext(formText(request.body, 'next'));
    const outcome = await passwordStep(
      {
        db: kysely,
        clock,
        courier: deps.courier,
        captcha: deps.captcha,
        audit: request.auditContext(),
        metrics,
        deviceHash: deviceHashOf(request, config.secureCookies),
      },
      username,
      formText(request.body, 'password'),
      captchaAnswer(request.body),
    );
    metrics.signIns.inc({ step: 'password', outcome: outcome.kind, factor: 'none' });
    const ctx = request.pageContext();
    switch (outcome.kind) {
      case 'failed':
        // R7: the same message and status for an unknown username and a wrong password.
        return sendPage(
          reply,
          <SignInPage ctx={ctx} view={{ username, next, notice: 'failed', captcha: outcome.captcha }} />,
          'unauthenticated',
        );
      case 'captcha':
        return sendPage(
          reply,
          <SignInPage
            ctx={ctx}
            view={{
              username,
              next,
              notice: 'captcha',
              captcha: true,
              errors: { altcha: { code: captchaErrorCode(outcome.verdict) } },
            }}
          />,
          'invalid',
        );
      case 'locked':
        return sendPage(reply, <SignInPage ctx={ctx} view={{ username, next, notice: 'locked' }} />, 'limited');
      case 'address_limited':
        return sendPage(
          reply,
          <SignInPage ctx={ctx} view={{ username, next, notice: 'address_limited' }} />,
          'limited',
        );
      case 'disabled':
        return sendPage(reply, <SignInPage ctx={ctx} view={{ username, next, notice: 'disabled' }} />, 'forbidden');
      case 'closed':
        return sendPage(reply, <SignInPage ctx={ctx} view={{ username, next, notice: 'closed' }} />, 'forbidden');
      case 'ok': {
        const { account } = outcome;
        const flow = await flows.start(kysely, reply, {
          state: 'choose',
          accountId: account.id,
          data: { sends: 0, ...(next ? { next } : {}) },
        });
        // Issue 32 (R7): a member whose preferred channel is a code they can still get has it sent now, and sees the
        // code page, which offers the other channels; the others choose first.
        const preferred = account.preferred_channel;
        if ((preferred === 'email' || preferred === 'sms') && factors[preferred].available(account))
          return sendCode(
            request,
            reply,
            flow,
            account,
            async () => (await findAccountWithPasskey(kysely, account.id))?.passkey ?? false,
            factors[preferred],
          );
        return reply.redirect('/sign-in/verify', 303);
      }
    }
  });

  /** The browser's sign-in between the password and the code, with its account. */
  async function current(
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<{ flow: Flow<SignInData>; account: Account; passkey: boolean } | undefined> {
    const found = await flows.load(kysely, request);
    if (found.status !== 'active') {
      reply.redirect(found.status === 'expired' ? '/sign-in?restart=1' : '/sign-in', 303);
      return undefined;
    }
    const owner = await findAccountWithPasskey(kysely, found.flow.accountId!);
    if (!owner || owner.account.status !== 'active') {
      await flows.end(kysely, request, reply);
      reply.redirect('/sign-in', 303);
      return undefined;
    }
    return { flow: found.flow, ...owner };
  }

  /** R9: this browser's device cookie hash when it has signed in to the account before (its own allowance). */
  const knownBrowser = (request: FastifyRequest, account: Pick<Account, 'username'>) =>
    trustedDevice(kysely, clock, account.username, deviceHashOf(request, config.secureCookies));

  const factorContext = (flow: Flow<SignInData>, account: Account, request: FastifyRequest): FactorContext => ({
    db: kysely,
    flowId: flow.id,
    account,
    lang: request.lang,
  });

  function showCode(
    request: FastifyRequest,
    reply: FastifyReply,
    flow: Flow<SignInData>,
    account: Account,
    passkey: boolean,
    notice?: CodeNotice,
    status: ReplyOutcome = 'shown',
    remaining?: number,
    waitMinutes?: number,
  ) {
    const channel = flow.data.channel!;
    const all = options(account, passkey);
    const mine = all.find((o) => o.channel === channel);
    return sendPage(
      reply,
      <EnterCodePage
        ctx={request.pageContext()}
        channel={channel}
        masked={mine?.masked ?? ''}
        notice={notice}
        others={all.filter((o) => o.channel !== channel)}
        waitMinutes={waitMinutes}
        {...(remaining !== undefined ? { remaining } : {})}
      />,
      status,
    );
  }

  app.get('/sign-in/verify', async (request, reply) => {
    const cur = await current(request, reply);
    if (!cur) return reply;
    const { flow, account, passkey } = cur;
    const sent = (request.query as Record<string, string | undefined>).sent === '1';
    if (flow.state === 'passkey' && passkey) return showPasskeyStep(request, reply, account);
    if (flow.state === 'code' && flow.data.channel)
      return showCode(request, reply, flow, account, passkey, sent ? 'sent' : undefined);
    const preferred =
      account.preferred_channel && options(account, passkey).some((o) => o.channel === account.preferred_channel)
        ? account.preferred_channel
        : null;
    return sendPage(
      reply,
      <ChooseChannelPage ctx={request.pageContext()} options={options(account, passkey)} preferred={preferred} />,
    );
  });

  app.post('/sign-in/verify/send', async (request, reply) => {
    const cur = await current(request, reply);
    if (!cur) return reply;
    const { flow, account, passkey } = cur;
    const channel = formText(request.body, 'channel');
    if (channel === 'passkey' && passkey) {
      // R27: the passkey as the second step sends nothing; the page runs the ceremony (its challenge comes later).
      await flows.advance(kysely, flow, ['choose', 'code', 'passkey'], 'passkey');
      return reply.redirect('/sign-in/verify', 303);
    }
    const factor = channel === 'email' || channel === 'sms' || channel === 'totp' ? factors[channel] : undefined;
    if (!factor || !factor.available(account)) {
      return sendPage(
        reply,
        <ChooseChannelPage ctx={request.pageContext()} options={options(account, passkey)} preferred={null} />,
        'invalid',
      );
    }
    return sendCode(request, reply, flow, account, passkey, factor);
  });

  /**
   * R7, R9: sends the code of `factor` (or, for an authenticator app, only moves to the code page) within this
   * sign-in's sends and the hourly limits, and redirects to the code page; a refusal answers with the page that says
   * why. Used by the channel page and, for a member with a preferred channel, by the password step itself (issue 32:
   * no page and form between the password and the code). `hasPasskey`: whether the account has one, or how to learn it
   * (only a refusal's page needs it).
   */
  async function sendCode(
    request: FastifyRequest,
    reply: FastifyReply,
    flow: Flow<SignInData>,
    account: Account,
    hasPasskey: boolean | (() => Promise<boolean>),
    factor: SecondFactor,
  ) {
    const passkeyOf = async () => (typeof hasPasskey === 'boolean' ? hasPasskey : await hasPasskey());
    const now = clock.now();
    const audit = (outcome: 'success' | 'refused', reason?: string) =>
      request.audit('signin.code_sent', outcome, {
        actor: account.username,
        accountId: account.id,
        details: { channel: factor.channel, ...(reason ? { reason } : {}) },
      });
    // An authenticator app sends nothing: the limits on sending do not apply to it.
    const sends = factor.channel !== 'totp';
    if (sends && flow.data.sends >= MAX_SENDS) {
      await audit('refused', 'send_limit');
      return flow.data.channel
        ? showCode(request, reply, flow, account, await passkeyOf(), 'send_limit', 'limited')
        : sendPage(
            reply,
            <ChooseChannelPage
              ctx={request.pageContext()}
              options={options(account, await passkeyOf())}
              preferred={null}
              notice="send_limit"
            />,
            'limited',
          );
    }
    // R7: the 30 seconds are between sends to one channel; switching to the other one (issue 32: after the password
    // step sent the preferred channel's code) is a send like the others, within the three and the hourly limits.
    if (
      sends &&
      flow.data.channel === factor.channel &&
      flow.data.lastSentAt &&
      now.getTime() - new Date(flow.data.lastSentAt).getTime() < RESEND_AFTER_MS
    ) {
      await audit('refused', 'too_soon');
      return showCode(request, reply, flow, account, await passkeyOf(), 'resend_wait', 'limited');
    }
    const data: SignInData = sends
      ? { ...flow.data, channel: factor.channel, sends: flow.data.sends + 1, lastSentAt: now.toISOString() }
      : { ...flow.data, channel: factor.channel };
    // One transaction claims the step, counts the send and queues the code (R9). The step is claimed first, guarded
    // by the send count the page was built on, so a request that loses a race to its own flow counts nothing; the
    // address's and the account's hourly sends are then decided on the values after their increments, and a refusal
    // rolls the whole transaction back. A burst of clicks or of restarted sign-ins sends exactly up to the limits.
    const outcome = await kysely
      .transaction()
      .execute(async (trx): Promise<'sent' | 'moved' | 'address_limit' | 'account_limit'> => {
        const moved = await trx
          .updateTable('flows')
          .set({
            state: 'code',
            data: JSON.stringify(data),
            attempts: flow.attempts + 1,
            updated_at: now.toISOString(),
          })
          .where('id', '=', flow.id)
          .where('attempts', '=', flow.attempts)
          .where('state', 'in', ['choose', 'code', 'passkey'])
          .where('expires_at', '>', now.toISOString())
          .executeTakeFirst();
        if (Number(moved.numUpdatedRows) !== 1) return 'moved';
        if (sends) {
          const refused = await countSend(trx, clock, request.ip, account.id);
          if (refused) throw new SendRefused(refused);
        }
        await factor.begin({ ...factorContext(flow, account, request), db: trx });
        return 'sent';
      })
      .catch((error: unknown) => {
        if (error instanceof SendRefused) return error.reason;
        throw error;
      });
    if (outcome === 'moved') return reply.redirect('/sign-in/verify', 303);
    if (outcome !== 'sent') {
      // Issue 25: an hourly limit (the account's or the address's), not this sign-in's three sends: say so, with the
      // wait; a code sent earlier in this sign-in still works, and so do the factors that send nothing.
      await audit('refused', outcome);
      const waitMinutes = Math.ceil(secondsUntilWindowEnds(clock, HOUR) / 60);
      if (flow.data.channel)
        return showCode(request, reply, flow, account, await passkeyOf(), outcome, 'limited', undefined, waitMinutes);
      return sendPage(
        reply,
        <ChooseChannelPage
          ctx={request.pageContext()}
          options={options(account, await passkeyOf()).filter((o) => o.channel === 'totp' || o.channel === 'passkey')}
          preferred={null}
          notice={outcome}
          waitMinutes={waitMinutes}
        />,
        'limited',
      );
    }
    await audit('success');
    if (sends) metrics.codesSent.inc({ channel: factor.channel, purpose: 'signin' });
    deps.kickOutbox?.();
    return reply.redirect('/sign-in/verify?sent=1', 303);
  }

  /** Both steps passed: a new session (a fresh token), the channel proven, the throttle cleared (R7, R8, R9). */
  async function complete(
    request: FastifyRequest,
    reply: FastifyReply,
    flow: Flow<SignInData>,
    account: Account,
    channel: Channel | 'passkey',
    via: 'code' | 'link' | 'passkey',
    known?: { device: string | undefined },
  ) {
    const now = clock.now().toISOString();
    const done = await kysely.transaction().execute(async (trx) => {
      // The step taken once: the flow deleted by one guarded statement (issue 32: it was marked done, then deleted).
      if (!(await flows.finish(trx, flow, channel === 'passkey' ? 'passkey' : 'code'))) return false;
      await markSignedIn(
        trx,
        account.id,
        channel === 'passkey' ? undefined : { channel, proves: factors[channel].proves, at: now },
      );
      await request.audit(
        'signin.success',
        'success',
        { actor: account.username, accountId: account.id, details: { factor: channel, via } },
        trx,
      );
      return true;
    });
    if (!done) return reply.redirect('/sign-in?restart=1', 303);
    metrics.signIns.inc({ step: 'second_factor', outcome: 'success', factor: channel });
    return establish(request, reply, account, channel, via, flow.data.next, known, true);
  }

  /**
   * After every successful sign-in (both steps, or a passkey alone), once the account is marked signed in (R9's lock
   * fields cleared: `markSignedIn`): the throttle cleared, a new session (R8, R9).
   */
  async function establish(
    request: FastifyRequest,
    reply: FastifyReply,
    account: Account,
    factor: Channel | 'passkey',
    via: 'code' | 'link' | 'passkey',
    next: string | undefined,
    /** This browser's known device, when the step before has just looked it up (issue 32: not read twice). */
    known?: { device: string | undefined },
    /** The sign-in's flow is gone already (`complete` deleted it): only its cookie is left to clear. */
    flowFinished = false,
  ) {
    const device = known ? known.device : await knownBrowser(request, account);
    await clearThrottle(kysely, MEMBER_SIGN_IN, account.username, false, device);

    // Other slices react to a sign-in through hooks registered in app.ts (R3: registration's returning member).
    for (const hook of deps.afterSignIn ?? []) await hook({ db: kysely, request, reply, account });
    await sessions.end(kysely, request, reply, { replacing: true });
    await sessions.start(kysely, reply, account.id, factor, null);
    // R28: a device new to the account (or unseen for 180 days) gets the member an email.
    await rememberSignInDevice(
      { db: kysely, clock, courier: deps.courier, config, kickOutbox: deps.kickOutbox },
      request,
      reply,
      account,
      via === 'link' ? 'email-link' : factor,
    );
    await flows.end(kysely, request, reply, flowFinished);
    return reply.redirect(next ?? '/area', 303);
  }

  function showPasskeyStep(request: FastifyRequest, reply: FastifyReply, account: Account, failed = false) {
    return sendPage(
      reply,
      <PasskeyStepPage ctx={request.pageContext()} failed={failed} others={options(account, false)} />,
      failed ? 'invalid' : 'shown',
    );
  }

  await passkeySignInRoutes(app, {
    config,
    db: kysely,
    clock,
    courier: deps.courier,
    metrics,
    kickOutbox: deps.kickOutbox,
    flows,
    current,
    establish,
    complete,
    refuseSecondStep,
    showPasskeyStep,
  });

  /** R9: the second step refused because sign-in is paused or limited: the sign-in ends, the page says why. */
  /**
   * The second step refused by R9. `endFlow`: the attempt that set the pause ends the sign-in with its code; one
   * refused at the gate leaves it alone, since a pause seen in flight may yet be given back (a burst of submits of the
   * right code: the one that holds the pause withdraws it, and ending the sign-in would undo the copy that succeeds).
   */
  async function refuseSecondStep(
    request: FastifyRequest,
    reply: FastifyReply,
    notice: 'locked' | 'address_limited',
    { endFlow = true } = {},
  ) {
    if (endFlow) await flows.end(kysely, request, reply);
    return sendPage(reply, <SignInPage ctx={request.pageContext()} view={{ notice }} />, 'limited');
  }

  app.post('/sign-in/verify/code', async (request, reply) => {
    const cur = await current(request, reply);
    if (!cur) return reply;
    const { flow, account, passkey } = cur;
    if (flow.state !== 'code' || !flow.data.channel) return reply.redirect('/sign-in/verify', 303);
    const channel = flow.data.channel;
    const audit = request.auditContext();
    // R9: a code is a guess like a password: counted against the account before it is checked, in the same streak,
    // so restarting the sign-in buys no fresh guesses, and a right code during a pause is refused.
    const device = await knownBrowser(request, account);
    const gate = await beginAttempt(kysely, clock, MEMBER_SIGN_IN, account.username, { ip: request.ip, device });
    if (gate.kind !== 'open') {
      await request.audit('signin.code', 'refused', {
        actor: account.username,
        accountId: account.id,
        details: { factor: channel, reason: gate.kind === 'address_limited' ? 'address_limit' : 'locked' },
      });
      return refuseSecondStep(request, reply, gate.kind === 'address_limited' ? 'address_limited' : 'locked', {
        endFlow: false,
      });
    }
    const result = await factors[channel].verify(
      factorContext(flow, account, request),
      formText(request.body, 'code').slice(0, 20),
    );
    if (result.kind !== 'wrong' && result.kind !== 'exhausted') await gate.attempt.withdraw();
    if (result.kind === 'ok') return complete(request, reply, flow, account, channel, 'code', { device });
    metrics.signIns.inc({ step: 'second_factor', outcome: result.kind, factor: channel });
    await request.audit('signin.code', 'failure', {
      actor: account.username,
      accountId: account.id,
      details: { factor: channel, reason: result.kind, consecutive: gate.attempt.streak },
    });
    if (result.kind === 'wrong' || result.kind === 'exhausted') {
      const { paused, until, email } = await gate.attempt.failed();
      if (paused) {
        await notifyPause(
          { db: kysely, clock, courier: deps.courier, audit, metrics },
          account,
          gate.attempt.streak,
          { until, email, device: !!device },
          'code',
        );
        deps.kickOutbox?.();
        return refuseSecondStep(request, reply, 'locked');
      }
    }
    if (result.kind === 'exhausted') {
      // R7: at most 5 wrong entries, then the sign-in starts over.
      await flows.end(kysely, request, reply);
      return reply.redirect('/sign-in?restart=1', 303);
    }
    if (result.kind === 'wrong')
      return showCode(request, reply, flow, account, passkey, 'wrong', 'invalid', result.remaining);
    return showCode(request, reply, flow, account, passkey, 'expired', 'invalid');
  });

  app.get<{ Params: { token: string } }>('/sign-in/link/:token', async (request, reply) => {
    const token = request.params.token;
    const row =
      token.length <= 100
        ? await kysely
            .selectFrom('one_time_tokens')
            .innerJoin('flows', 'flows.id', 'one_time_tokens.flow_id')
            .select([
              'one_time_tokens.id',
              'one_time_tokens.expires_at',
              'one_time_tokens.used_at',
              'one_time_tokens.voided_at',
              'one_time_tokens.channel',
              'flows.browser_hash',
            ])
            .where('one_time_tokens.purpose', '=', 'signin-link')
            .where('one_time_tokens.token_hash', '=', hashToken(token))
            .executeTakeFirst()
        : undefined;
    const ctx = request.pageContext();
    if (!row || row.used_at || row.voided_at || row.expires_at <= clock.now().toISOString())
      return sendPage(reply, <LinkExpiredPage ctx={ctx} />, 'gone');
    // R7: the link completes the step only in the browser that started the sign-in.
    if (flows.browserHash(request) !== row.browser_hash) {
      await request.audit('signin.link', 'refused', { details: { reason: 'other_browser' } });
      return sendPage(reply, <OtherBrowserPage ctx={ctx} />, 'forbidden');
    }
    const cur = await current(request, reply);
    if (!cur) return reply;
    // R9: no way around a pause, not even the emailed link.
    const device = await knownBrowser(request, cur.account);
    if (await signInPaused(kysely, clock, MEMBER_SIGN_IN, cur.account.username, device))
      return refuseSecondStep(request, reply, 'locked');
    const used = await kysely
      .updateTable('one_time_tokens')
      .set({ used_at: clock.now().toISOString() })
      .where('id', '=', row.id)
      .where('used_at', 'is', null)
      .where('voided_at', 'is', null)
      .executeTakeFirst();
    if (Number(used.numUpdatedRows) !== 1) return sendPage(reply, <LinkExpiredPage ctx={ctx} />, 'gone');
    return complete(request, reply, cur.flow, cur.account, 'email', 'link', { device });
  });

  app.post('/sign-out', async (request, reply) => {
    const found = await sessions.load(kysely, request);
    if (found.status === 'active') {
      await request.audit('signout', 'success', { accountId: found.session.accountId });
    }
    await sessions.end(kysely, request, reply);
    return reply.redirect('/sign-in?signedOut=1', 303);
  });
}
