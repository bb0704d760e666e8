import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import {
  authenticationOptions,
  CEREMONY_TIMEOUT_MS,
  findPasskey,
  listPasskeys,
  parseCredential,
  relyingParty,
  verifyPasskeyUse,
} from '../../identity/passkeys.js';
import { beginAttempt, countAddressFailure, MEMBER_SIGN_IN } from '../../identity/sign-in-throttle.js';
import type { Account, Database } from '../../infra/db/tables.js';
import { createFlowStore, type Flow, type FlowStore } from '../../infra/flows/flow-store.js';
import type { Metrics } from '../../infra/metrics/metrics.js';
import type { Courier } from '../../infra/outbox/courier.js';
import { addressKey, bucket, take } from '../../infra/rate-limit/rate-limit.js';
import { safeNext } from '../../infra/session/session.js';
import { formText } from '../../infra/web/form.js';
import { REPLY_STATUS, sendPage, type ReplyOutcome } from '../../infra/web/view.js';
import type { Channel } from './second-factor/second-factor.js';
import { notifyPause } from './sign-in.flow.js';
import type { SignInData } from './sign-in.routes.js';
import { SignInPage, type SignInNotice } from './sign-in.views.js';
import { getAccount, markSignedIn } from '../../identity/accounts.js';
import { deviceHashOf, trustedDevice } from '../../identity/devices.js';

// R27: a passkey signs in, alone or as the second step.
//  - Alone: "Sign in with a passkey" asks for a challenge (a stored flow of its own: single use, bound to this
//    browser, five minutes), the browser finds a discoverable passkey of this site with user verification (a PIN
//    or biometric: two factors in one step), and the answer is checked against the credential it names.
//  - Second step: after the password, the challenge lives in the sign-in's own flow, and only the account's passkeys
//    are allowed.
// R9: every answer from a known passkey is an attempt against its account, counted before the check in the same
// streak as passwords and codes; an answer naming no passkey of ours counts against the client address.

/** Challenges a client address may ask for in an hour (each is a stored row until it expires). */
export const PASSKEY_CHALLENGES_PER_ADDRESS_PER_HOUR = 200;
const HOUR = 3_600_000;

export interface PasskeySignInDeps {
  config: Config;
  db: Kysely<Database>;
  clock: Clock;
  courier: Courier;
  metrics: Metrics;
  kickOutbox?: (() => void) | undefined;
  flows: FlowStore<SignInData>;
  current(
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<{ flow: Flow<SignInData>; account: Account; passkey: boolean } | undefined>;
  establish(
    request: FastifyRequest,
    reply: FastifyReply,
    account: Account,
    factor: Channel | 'passkey',
    via: 'passkey',
    next: string | undefined,
  ): Promise<FastifyReply>;
  complete(
    request: FastifyRequest,
    reply: FastifyReply,
    flow: Flow<SignInData>,
    account: Account,
    channel: Channel | 'passkey',
    via: 'passkey',
  ): Promise<FastifyReply>;
  refuseSecondStep(
    request: FastifyRequest,
    reply: FastifyReply,
    notice: 'locked' | 'address_limited',
    options?: { endFlow?: boolean },
  ): Promise<FastifyReply>;
  showPasskeyStep(
    request: FastifyRequest,
    reply: FastifyReply,
    account: Account,
    failed?: boolean,
  ): FastifyReply | Promise<FastifyReply>;
}

interface PasskeyCeremony {
  challenge: string;
}

export async function passkeySignInRoutes(app: FastifyInstance, deps: PasskeySignInDeps): Promise<void> {
  const { db, clock, config, metrics, flows } = deps;
  const rp = relyingParty(config.publicUrl, config.brand.name);
  const ceremonies = createFlowStore<PasskeyCeremony>(clock, {
    kind: 'passkey-sign-in',
    ttlMs: CEREMONY_TIMEOUT_MS,
    cookieName: 'passkey',
    secureCookies: config.secureCookies,
  });

  /** Challenges are rows: a client address gets a bounded number an hour. */
  async function challengeAllowed(request: FastifyRequest): Promise<boolean> {
    const slot = await take(db, clock, bucket('passkey-challenge', addressKey(request.ip)), HOUR);
    return slot.count <= PASSKEY_CHALLENGES_PER_ADDRESS_PER_HOUR;
  }

  const refused = (reply: FastifyReply) =>
    reply
      .code(REPLY_STATUS.limited)
      .type('application/json; charset=utf-8')
      .header('cache-control', 'no-store')
      .send({ error: 'too_many_requests' });

  // ——— a passkey alone ———

  app.post('/sign-in/passkey/options', async (request, reply) => {
    if (!(await challengeAllowed(request))) return refused(reply);
    const options = await authenticationOptions(rp);
    await ceremonies.start(db, reply, { state: 'pending', data: { challenge: options.challenge } });
    return reply.type('application/json; charset=utf-8').header('cache-control', 'no-store').send(options);
  });

  app.post('/sign-in/passkey', async (request, reply) => {
    const next = safeNext(formText(request.body, 'next'));
    const audit = request.auditContext();
    const page = (notice: SignInNotice, status: ReplyOutcome) =>
      sendPage(reply, <SignInPage ctx={request.pageContext()} view={{ next, notice }} />, status);
    const found = await ceremonies.load(db, request);
    // Single use: only the request that moves the ceremony on checks an answer against its challenge.
    if (found.status !== 'active' || !(await ceremonies.advance(db, found.flow, 'pending', 'used')))
      return page('passkey_expired', 'invalid');
    const challenge = found.flow.data.challenge;
    await ceremonies.end(db, request, reply);

    const response = parseCredential<AuthenticationResponseJSON>(formText(request.body, 'response'));
    const passkey = response ? await findPasskey(db, response.id) : undefined;
    if (!response || !passkey || passkey.account_id === null) {
      const limited = await countAddressFailure(db, clock, MEMBER_SIGN_IN, request.ip);
      await request.audit(
        'signin.passkey',
        limited ? 'refused' : 'failure',
        { details: { reason: limited ? 'address_limit' : response ? 'unknown_credential' : 'no_answer' } },
        db,
      );
      metrics.signIns.inc({ step: 'passkey', outcome: 'unknown', factor: 'passkey' });
      return page(
        limited ? 'address_limited' : response ? 'passkey_unknown' : 'passkey_failed',
        limited ? 'limited' : 'invalid',
      );
    }
    const account = await getAccount(db, passkey.account_id);
    const subject = { actor: account.username, accountId: account.id };
    const device = await trustedDevice(db, clock, account.username, deviceHashOf(request, config.secureCookies));
    const gate = await beginAttempt(db, clock, MEMBER_SIGN_IN, account.username, { ip: request.ip, device });
    if (gate.kind !== 'open') {
      await request.audit(
        'signin.passkey',
        'refused',
        { ...subject, details: { reason: gate.kind === 'address_limited' ? 'address_limit' : 'locked' } },
        db,
      );
      return page(gate.kind === 'address_limited' ? 'address_limited' : 'locked', 'limited');
    }
    const result = await verifyPasskeyUse(db, rp, passkey, response, challenge, true, clock.now().toISOString());
    if (result.kind === 'failed') {
      const { paused, until, email } = await gate.attempt.failed();
      await request.audit(
        'signin.passkey',
        'failure',
        { ...subject, details: { reason: result.reason, passkey: passkey.id, consecutive: gate.attempt.streak } },
        db,
      );
      metrics.signIns.inc({ step: 'passkey', outcome: 'failed', factor: 'passkey' });
      if (paused) {
        await notifyPause(
          { db, clock, courier: deps.courier, audit, metrics },
          account,
          gate.attempt.streak,
          { until, email, device: !!device },
          'password',
        );
        deps.kickOutbox?.();
        return page('locked', 'limited');
      }
      return page('passkey_failed', 'invalid');
    }
    await gate.attempt.withdraw();
    if (account.status !== 'active') {
      await request.audit('signin.passkey', 'refused', { ...subject, details: { reason: 'disabled' } }, db);
      return page('disabled', 'forbidden');
    }
    await markSignedIn(db, account.id);
    await request.audit(
      'signin.success',
      'success',
      { ...subject, details: { factor: 'passkey', via: 'passkey', passkey: passkey.id } },
      db,
    );
    metrics.signIns.inc({ step: 'passkey', outcome: 'success', factor: 'passkey' });
    return deps.establish(request, reply, account, 'passkey', 'passkey', next);
  });

  // ——— a passkey as the second step ———

  app.post('/sign-in/verify/passkey/options', async (request, reply) => {
    const found = await flows.load(db, request);
    if (found.status !== 'active' || found.flow.state !== 'passkey' || found.flow.accountId === null)
      return reply.code(REPLY_STATUS.conflict).type('application/json; charset=utf-8').send({ error: 'no_sign_in' });
    if (!(await challengeAllowed(request))) return refused(reply);
    const passkeys = await listPasskeys(db, { kind: 'member', id: found.flow.accountId });
    const options = await authenticationOptions(rp, passkeys);
    const moved = await flows.advance(db, found.flow, 'passkey', 'passkey', {
      ...found.flow.data,
      challenge: options.challenge,
    });
    if (!moved)
      return reply.code(REPLY_STATUS.conflict).type('application/json; charset=utf-8').send({ error: 'no_sign_in' });
    return reply.type('application/json; charset=utf-8').header('cache-control', 'no-store').send(options);
  });

  app.post('/sign-in/verify/passkey', async (request, reply) => {
    const cur = await deps.current(request, reply);
    if (!cur) return reply;
    const { flow, account } = cur;
    if (flow.state !== 'passkey') return reply.redirect('/sign-in/verify', 303);
    const challenge = flow.data.challenge;
    // Single use: the challenge is taken out of the flow by a compare-and-set (flow-store's swap), so two answers
    // posted at once cannot both be checked against it.
    const rest: SignInData = { ...flow.data };
    delete rest.challenge;
    if (!challenge || !(await flows.swap(db, flow, rest))) return deps.showPasskeyStep(request, reply, account, true);

    const audit = request.auditContext();
    const device = await trustedDevice(db, clock, account.username, deviceHashOf(request, config.secureCookies));
    const gate = await beginAttempt(db, clock, MEMBER_SIGN_IN, account.username, { ip: request.ip, device });
    if (gate.kind !== 'open') {
      await request.audit(
        'signin.code',
        'refused',
        {
          actor: account.username,
          accountId: account.id,
          details: { factor: 'passkey', reason: gate.kind === 'address_limited' ? 'address_limit' : 'locked' },
        },
        db,
      );
      return deps.refuseSecondStep(request, reply, gate.kind === 'address_limited' ? 'address_limited' : 'locked', {
        endFlow: false,
      });
    }
    const response = parseCredential<AuthenticationResponseJSON>(formText(request.body, 'response'));
    const passkey = response ? await findPasskey(db, response.id) : undefined;
    const result =
      response && passkey && passkey.account_id === account.id
        ? await verifyPasskeyUse(db, rp, passkey, response, challenge!, false, clock.now().toISOString())
        : ({ kind: 'failed', reason: response ? 'not_own' : 'no_answer' } as const);
    if (result.kind === 'ok') {
      await gate.attempt.withdraw();
      return deps.complete(request, reply, flow, account, 'passkey', 'passkey');
    }
    const { paused, until, email } = await gate.attempt.failed();
    await request.audit(
      'signin.code',
      'failure',
      {
        actor: account.username,
        accountId: account.id,
        details: { factor: 'passkey', reason: result.reason, consecutive: gate.attempt.streak },
      },
      db,
    );
    metrics.signIns.inc({ step: 'second_factor', outcome: 'failed', factor: 'passkey' });
    if (paused) {
      await notifyPause(
        { db, clock, courier: deps.courier, audit, metrics },
        account,
        gate.attempt.streak,
        { until, email, device: !!device },
        'code',
      );
      deps.kickOutbox?.();
      return deps.refuseSecondStep(request, reply, 'locked');
    }
    return deps.showPasskeyStep(request, reply, account, true);
  });
}
