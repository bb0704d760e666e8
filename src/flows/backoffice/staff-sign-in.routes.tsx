import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { generateSecret } from 'otplib';
import QRCode from 'qrcode';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import type { Db } from '../../infra/db/database.js';
import type { StaffUser } from '../../infra/db/tables.js';
import { createFlowStore, type Flow } from '../../infra/flows/flow-store.js';
import { bucket, count } from '../../infra/rate-limit/rate-limit.js';
import { safeNext } from '../../infra/session/session.js';
import { formText } from '../../infra/web/form.js';
import { REPLY_STATUS, sendPage, type ReplyOutcome } from '../../infra/web/view.js';
import { BACKOFFICE_PATH, type StaffSessions } from './staff-session.js';
import {
  beginStaffAttempt,
  codeTriesExhausted,
  recordStaffRefusal,
  matchTotp,
  recordStaffFailure,
  staffLocked,
  staffPasswordStep,
  staffSignedIn,
  STAFF_MAX_WRONG_CODES,
  type StaffSignInDeps,
} from './staff-sign-in.flow.js';
import { StaffEnrolPage, StaffSignInPage, StaffTotpPage } from './staff-sign-in.views.js';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import {
  authenticationOptions,
  findPasskey,
  staffHasPasskey,
  listPasskeys,
  parseCredential,
  relyingParty,
  verifyPasskeyUse,
} from '../../identity/passkeys.js';
import { claimTotpStep, enrolTotp, findStaffById } from './staff.repository.js';
import { staffActor, totpUri } from './staff-users.flow.js';
import { hashToken } from '../../infra/crypto/tokens.js';

export interface StaffSignInRouteDeps {
  config: Config;
  db: Db;
  clock: Clock;
  sessions: StaffSessions;
}

// The second step of one staff sign-in (or the enrolment of an app) must be finished within 10 minutes.
const SIGN_IN_TTL_MS = 10 * 60_000;

/** The stamp of a staff user's current password: a digest of its hash (never the hash itself in the flow). */
const passwordStamp = (user: Pick<StaffUser, 'password_hash'>) => hashToken(user.password_hash);

interface StaffSignInData {
  staffId: number;
  /**
   * A digest of the password hash the first step was checked against. A new password (the owner's own change, an
   * administrator's reset, a new user's link) changes the hash, so a sign-in that passed the old one cannot finish
   * (issue 15 item 6, as for members).
   */
  passwordStamp: string;
  next?: string;
  /**
   * The secret being enrolled (state 'enrol', sealed: R29): kept here, not on the user, until a code proves the app
   * holds it.
   */
  secret?: string;
  /** R27: the challenge of a passkey answer instead of the code, until one answer uses it. */
  challenge?: string;
}

/** Only back-office pages may be the return address after sign-in. */
function backofficeNext(next: unknown): string | undefined {
  const safe = safeNext(next);
  return safe &&
    (safe === BACKOFFICE_PATH || safe.startsWith(`${BACKOFFICE_PATH}/`) || safe.startsWith(`${BACKOFFICE_PATH}?`))
    ? safe
    : undefined;
}

/** R23: /backoffice/sign-in (password), /backoffice/sign-in/verify (TOTP, or enrolment first), /backoffice/sign-out. */
export async function staffSignInRoutes(app: FastifyInstance, deps: StaffSignInRouteDeps): Promise<void> {
  const { db, clock, config, sessions } = deps;
  const box = config.secretBox;
  const kysely = db.kysely;
  const flows = createFlowStore<StaffSignInData>(clock, {
    kind: 'staff-sign-in',
    ttlMs: SIGN_IN_TTL_MS,
    cookieName: 'staff_signin',
    secureCookies: config.secureCookies,
  });
  const flowDeps = (request: FastifyRequest): StaffSignInDeps => ({ db: kysely, clock, audit: request.auditContext() });

  app.get('/backoffice/sign-in', async (request, reply) => {
    const q = request.query as Record<string, string | undefined>;
    const notice =
      q.expired === '1' ? 'expired' : q.signedOut === '1' ? 'signed_out' : q.restart === '1' ? 'restart' : undefined;
    return sendPage(
      reply,
      <StaffSignInPage ctx={request.pageContext()} next={backofficeNext(q.next)} notice={notice} />,
    );
  });

  app.post('/backoffice/sign-in', async (request, reply) => {
    const username = formText(request.body, 'username').slice(0, 100);
    const next = backofficeNext(formText(request.body, 'next'));
    const outcome = await staffPasswordStep(flowDeps(request), username, formText(request.body, 'password'));
    const ctx = request.pageContext();
    switch (outcome.kind) {
      case 'failed':
        // The same page and status for an unknown username and a wrong password.
        return sendPage(
          reply,
          <StaffSignInPage ctx={ctx} username={username} next={next} notice="failed" />,
          'unauthenticated',
        );
      case 'locked':
      case 'address_limited':
        return sendPage(
          reply,
          <StaffSignInPage ctx={ctx} username={username} next={next} notice={outcome.kind} />,
          'limited',
        );
      case 'disabled':
        return sendPage(
          reply,
          <StaffSignInPage ctx={ctx} username={username} next={next} notice="disabled" />,
          'forbidden',
        );
      case 'ok': {
        const enrolled = Boolean(outcome.user.totp_secret && outcome.user.totp_enabled_at);
        const data: StaffSignInData = {
          staffId: outcome.user.id,
          passwordStamp: passwordStamp(outcome.user),
          ...(next ? { next } : {}),
          ...(enrolled ? {} : { secret: box.seal(generateSecret()) }),
        };
        await flows.start(kysely, reply, { state: enrolled ? 'totp' : 'enrol', data });
        return reply.redirect('/backoffice/sign-in/verify', 303);
      }
    }
  });

  /** The browser's sign-in between the password and the code, with its (still active, unlocked) staff user. */
  async function current(
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<{ flow: Flow<StaffSignInData>; user: StaffUser } | undefined> {
    const found = await flows.load(kysely, request);
    if (found.status !== 'active') {
      reply.redirect(found.status === 'expired' ? '/backoffice/sign-in?restart=1' : '/backoffice/sign-in', 303);
      return undefined;
    }
    const user = await findStaffById(kysely, found.flow.data.staffId);
    if (
      !user ||
      user.status !== 'active' ||
      found.flow.data.passwordStamp !== passwordStamp(user) ||
      (await staffLocked(flowDeps(request), user.username))
    ) {
      await flows.end(kysely, request, reply);
      reply.redirect('/backoffice/sign-in?restart=1', 303);
      return undefined;
    }
    return { flow: found.flow, user };
  }

  const qrOf = async (user: StaffUser, secret: string) => {
    const svg = await QRCode.toString(totpUri(config.brand.name, user.username, secret), {
      type: 'svg',
      errorCorrectionLevel: 'M',
      margin: 2,
    });
    return `data:image/svg+xml;base64,${Buffer.from(svg, 'utf8').toString('base64')}`;
  };

  async function showStep(
    request: FastifyRequest,
    reply: FastifyReply,
    flow: Flow<StaffSignInData>,
    user: StaffUser,
    status: ReplyOutcome = 'shown',
    remaining?: number,
    passkeyFailed = false,
  ) {
    const ctx = request.pageContext();
    const extra = remaining !== undefined ? { remaining } : {};
    if (flow.state === 'enrol' && flow.data.secret) {
      const secret = box.open(flow.data.secret);
      return sendPage(
        reply,
        <StaffEnrolPage ctx={ctx} qr={await qrOf(user, secret)} secret={secret} {...extra} />,
        status,
      );
    }
    const passkey = await staffHasPasskey(kysely, user.id);
    return sendPage(
      reply,
      <StaffTotpPage ctx={ctx} {...extra} passkey={passkey} passkeyFailed={passkeyFailed} />,
      status,
    );
  }

  app.get('/backoffice/sign-in/verify', async (request, reply) => {
    const cur = await current(request, reply);
    if (!cur) return reply;
    return showStep(request, reply, cur.flow, cur.user);
  });

  app.post('/backoffice/sign-in/verify', async (request, reply) => {
    const cur = await current(request, reply);
    if (!cur) return reply;
    const { flow, user } = cur;
    const fd = flowDeps(request);
    const answer = formText(request.body, 'code').slice(0, 20);
    const now = clock.now();
    // Every try is counted first, atomically, so parallel guesses share one count, per sign-in and (R9) across
    // sign-ins in the username's streak.
    if (await codeTriesExhausted(fd, flow.id)) {
      await flows.end(kysely, request, reply);
      return reply.redirect('/backoffice/sign-in?restart=1', 303);
    }
    const gate = await beginStaffAttempt(fd, user.username);
    if (gate.kind !== 'open') {
      await recordStaffRefusal(fd, user, gate, 'totp');
      await flows.end(kysely, request, reply);
      return reply.redirect('/backoffice/sign-in?restart=1', 303);
    }
    let ok = false;
    const enrolling = flow.state === 'enrol' && flow.data.secret !== undefined;
    if (enrolling) {
      const step = await matchTotp(box.open(flow.data.secret!), answer, now, null);
      ok = step !== undefined && (await enrolTotp(kysely, user.id, flow.data.secret!, step, now.toISOString()));
      if (ok)
        await request.audit('staff.totp_enrolled', 'success', {
          actor: staffActor(user.username),
          subject: staffActor(user.username),
        });
    } else if (flow.state === 'totp' && user.totp_secret && user.totp_enabled_at) {
      const step = await matchTotp(box.open(user.totp_secret), answer, now, user.totp_last_step);
      // One conditional update makes the time step single use even when two submits race.
      ok = step !== undefined && (await claimTotpStep(kysely, user.id, step));
    }
    if (!ok) {
      const { paused } = await recordStaffFailure(
        fd,
        user,
        gate.attempt,
        enrolling ? 'wrong_enrol_code' : 'wrong_code',
        'totp',
      );
      if (paused) {
        await flows.end(kysely, request, reply);
        return reply.redirect('/backoffice/sign-in?restart=1', 303);
      }
      return showStep(request, reply, flow, user, 'invalid', await remainingTries(flow.id));
    }
    await gate.attempt.withdraw();
    return finish(request, reply, flow, user, enrolling);
  });

  async function finish(
    request: FastifyRequest,
    reply: FastifyReply,
    flow: Flow<StaffSignInData>,
    user: StaffUser,
    enrolling: boolean,
    factor: 'totp' | 'passkey' = 'totp',
  ) {
    // The sign-in is finished exactly once, even if the same code is posted twice at once.
    if (!(await flows.advance(kysely, flow, flow.state, 'done')))
      return reply.redirect('/backoffice/sign-in?restart=1', 303);
    await staffSignedIn(flowDeps(request), user, enrolling, factor);
    // A new session with a fresh token: whatever staff session this browser had is ended first (no fixation).
    await sessions.end(kysely, request, reply);
    await sessions.start(kysely, reply, user.id);
    await flows.end(kysely, request, reply);
    return reply.redirect(flow.data.next ?? BACKOFFICE_PATH, 303);
  }

  // R27: a passkey instead of the app's code, for staff who added one. The challenge lives in the sign-in's flow
  // (single use, this browser); each answer counts in the username's streak like a code (R9, R23).
  const rp = relyingParty(config.publicUrl, config.brand.name);

  app.post('/backoffice/sign-in/verify/passkey/options', async (request, reply) => {
    const found = await flows.load(kysely, request);
    const passkeys =
      found.status === 'active' && found.flow.state === 'totp'
        ? await listPasskeys(kysely, { kind: 'staff', id: found.flow.data.staffId })
        : [];
    if (found.status !== 'active' || passkeys.length === 0)
      return reply.code(REPLY_STATUS.conflict).type('application/json; charset=utf-8').send({ error: 'no_sign_in' });
    const options = await authenticationOptions(rp, passkeys);
    if (
      !(await flows.advance(kysely, found.flow, 'totp', 'totp', { ...found.flow.data, challenge: options.challenge }))
    )
      return reply.code(REPLY_STATUS.conflict).type('application/json; charset=utf-8').send({ error: 'no_sign_in' });
    return reply.type('application/json; charset=utf-8').header('cache-control', 'no-store').send(options);
  });

  app.post('/backoffice/sign-in/verify/passkey', async (request, reply) => {
    const cur = await current(request, reply);
    if (!cur) return reply;
    const { flow, user } = cur;
    if (flow.state !== 'totp') return reply.redirect('/backoffice/sign-in/verify', 303);
    const challenge = flow.data.challenge;
    const rest: StaffSignInData = { ...flow.data };
    delete rest.challenge;
    // The challenge is taken out by a compare-and-set (flow-store's swap): one answer per challenge.
    if (!challenge || !(await flows.swap(kysely, flow, rest)))
      return showStep(request, reply, flow, user, 'invalid', undefined, true);
    const fd = flowDeps(request);
    const gate = await beginStaffAttempt(fd, user.username);
    if (gate.kind !== 'open') {
      await recordStaffRefusal(fd, user, gate, 'passkey');
      await flows.end(kysely, request, reply);
      return reply.redirect('/backoffice/sign-in?restart=1', 303);
    }
    const response = parseCredential<AuthenticationResponseJSON>(formText(request.body, 'response'));
    const passkey = response ? await findPasskey(kysely, response.id) : undefined;
    const result =
      response && passkey && passkey.staff_id === user.id
        ? await verifyPasskeyUse(kysely, rp, passkey, response, challenge!, false, clock.now().toISOString())
        : ({ kind: 'failed', reason: 'invalid' } as const);
    if (result.kind !== 'ok') {
      const { paused } = await recordStaffFailure(fd, user, gate.attempt, `passkey_${result.reason}`, 'passkey');
      if (paused) {
        await flows.end(kysely, request, reply);
        return reply.redirect('/backoffice/sign-in?restart=1', 303);
      }
      return showStep(request, reply, flow, user, 'invalid', undefined, true);
    }
    await gate.attempt.withdraw();
    return finish(request, reply, flow, user, false, 'passkey');
  });

  async function remainingTries(flowId: string): Promise<number> {
    return Math.max(
      0,
      STAFF_MAX_WRONG_CODES - (await count(kysely, clock, bucket('staff-totp-try', flowId), 3_600_000)),
    );
  }

  app.post('/backoffice/sign-out', async (request, reply) => {
    const found = await sessions.load(kysely, request);
    await sessions.end(kysely, request, reply);
    if (found.status === 'active') {
      await request.audit('staff.signout', 'success', { actor: staffActor(found.staff.username) });
    }
    return reply.redirect('/backoffice/sign-in?signedOut=1', 303);
  });
}
