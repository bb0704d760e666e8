import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerHookHandler } from 'fastify';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import { passkeyChangedEmail } from '../../identity/passkey.emails.js';
import {
  listPasskeys,
  MAX_PASSKEYS,
  parseCredential,
  passkeyName,
  registrationOptions,
  relyingParty,
  removePasskey,
  renamePasskey,
  savePasskey,
  verifyNewPasskey,
  CEREMONY_TIMEOUT_MS,
  MAX_NAME_LENGTH,
  type PasskeyOwner,
} from '../../identity/passkeys.js';
import type { Db } from '../../infra/db/database.js';
import type { Account } from '../../infra/db/tables.js';
import { createFlowStore } from '../../infra/flows/flow-store.js';
import type { Courier } from '../../infra/outbox/courier.js';
import { formText, type FieldErrors } from '../../infra/web/form.js';
import { sendPage, type ReplyOutcome } from '../../infra/web/view.js';
import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import { checkPassword } from './contact.flow.js';
import { PasskeyEnrolPage } from './passkeys.views.js';
import { describeDevice, removeTriesExhausted } from './security.flow.js';
import { verifyPassword } from '../../infra/crypto/password-hash.js';
import { memberActor } from '../../identity/accounts.js';
import { issueNotMeLink } from '../../identity/devices.js';

// R27: the member adds (password asked again, under the shared re-authentication limit), renames and removes
// passkeys. The challenge of an addition lives in a stored flow of its own: single use, bound to this browser, five
// minutes. Every change is audited and emailed.

export interface PasskeyRoutesDeps {
  config: Config;
  db: Db;
  clock: Clock;
  courier: Courier;
  kickOutbox?: (() => void) | undefined;
  guard: preHandlerHookHandler;
  accountOf(request: FastifyRequest): Promise<Account>;
  showOverview(
    request: FastifyRequest,
    reply: FastifyReply,
    extra: { errors?: FieldErrors },
    status: ReplyOutcome,
  ): Promise<FastifyReply>;
}

interface Enrolment {
  challenge: string;
  name: string;
}

const ownerOf = (account: Pick<Account, 'id'>): PasskeyOwner => ({ kind: 'member', id: account.id });
const idParam = (raw: string): number | undefined => (/^\d{1,15}$/.test(raw) ? Number(raw) : undefined);

export async function passkeyRoutes(app: FastifyInstance, deps: PasskeyRoutesDeps): Promise<void> {
  const { clock, config, guard, accountOf, showOverview } = deps;
  const kysely = deps.db.kysely;
  const rp = relyingParty(config.publicUrl, config.brand.name);
  const enrolments = createFlowStore<Enrolment>(clock, {
    kind: 'passkey-enrol',
    ttlMs: CEREMONY_TIMEOUT_MS,
    cookieName: 'passkey-enrol',
    secureCookies: config.secureCookies,
  });

  app.post('/area/security/passkeys', { preHandler: guard }, async (request, reply) => {
    const account = await accountOf(request);
    const existing = await listPasskeys(kysely, ownerOf(account));
    if (existing.length >= MAX_PASSKEYS)
      return showOverview(
        request,
        reply,
        { errors: { passkey_name: { code: 'passkey_limit', params: { max: MAX_PASSKEYS } } } },
        'conflict',
      );
    const typed = formText(request.body, 'passkey_name');
    if (typed.length > MAX_NAME_LENGTH * 4)
      return showOverview(
        request,
        reply,
        { errors: { passkey_name: { code: 'passkey_name', params: { max: MAX_NAME_LENGTH } } } },
        'invalid',
      );
    // ASVS 6.4 / 7.5.1: a new way into the account needs the password again, counted with every other re-check.
    const password = await checkPassword(
      kysely,
      clock,
      account,
      formText(request.body, 'passkey_password').slice(0, 1000),
    );
    if (password !== 'ok') {
      await request.audit('passkey.add', password === 'locked' ? 'refused' : 'failure', {
        ...memberActor(account),
        details: {
          reason: password === 'locked' ? 'password_limit' : 'wrong_password',
        },
      });
      const code =
        password === 'locked' ? 'password_tries' : password === 'missing' ? 'required' : 'current_password_wrong';
      return showOverview(
        request,
        reply,
        { errors: { passkey_password: { code } } },
        password === 'locked' ? 'limited' : 'invalid',
      );
    }
    const name = passkeyName(
      typed,
      describeDevice(request.t, request.headers['user-agent'] ?? null) || request.t('passkey.defaultName'),
    );
    const options = await registrationOptions(rp, ownerOf(account), account.username, config.secretKey, existing);
    await enrolments.start(kysely, reply, {
      state: 'pending',
      accountId: account.id,
      data: { challenge: options.challenge, name },
    });
    await request.audit('passkey.add_start', 'success', { ...memberActor(account) });
    return sendPage(reply, <PasskeyEnrolPage ctx={request.pageContext()} options={options} />);
  });

  app.post('/area/security/passkeys/verify', { preHandler: guard }, async (request, reply) => {
    const account = await accountOf(request);
    const found = await enrolments.load(kysely, request);
    // Single use: the one request that moves the flow on checks the answer; a replay or a second tab finds it done.
    if (
      found.status !== 'active' ||
      found.flow.accountId !== account.id ||
      !(await enrolments.advance(kysely, found.flow, 'pending', 'done'))
    ) {
      return reply.redirect('/area/security?done=passkey-restart#passkeys', 303);
    }
    const flow = found.flow;
    await enrolments.end(kysely, request, reply);
    const response = parseCredential<RegistrationResponseJSON>(formText(request.body, 'response'));
    const key = response ? await verifyNewPasskey(rp, response, flow.data.challenge) : undefined;
    if (!key) {
      await request.audit('passkey.add', 'failure', {
        ...memberActor(account),
        details: { reason: response ? 'invalid' : 'no_answer' },
      });
      return showOverview(request, reply, { errors: { passkey_name: { code: 'passkey_failed' } } }, 'invalid');
    }
    const now = clock.now().toISOString();
    const saved = await kysely.transaction().execute(async (trx) => {
      if (!(await savePasskey(trx, ownerOf(account), key, flow.data.name, now))) return false;
      // Issue 25: whoever added it may not be the member; the email's one click takes every passkey away (R28).
      await deps.courier.email(trx, account.email, account.language, passkeyChangedEmail, {
        change: 'added',
        name: flow.data.name,
        notMeLink: await issueNotMeLink(trx, clock, config.publicUrl, account.id),
      });
      return true;
    });
    await request.audit('passkey.add', saved ? 'success' : 'refused', {
      ...memberActor(account),
      details: saved ? { device_type: key.deviceType } : { reason: 'limit_or_duplicate' },
    });
    if (!saved)
      return showOverview(
        request,
        reply,
        { errors: { passkey_name: { code: 'passkey_limit', params: { max: MAX_PASSKEYS } } } },
        'conflict',
      );
    deps.kickOutbox?.();
    return reply.redirect('/area/security?done=passkey-added#passkeys', 303);
  });

  app.post<{ Params: { id: string } }>(
    '/area/security/passkeys/:id/rename',
    { preHandler: guard },
    async (request, reply) => {
      const account = await accountOf(request);
      const id = idParam(request.params.id);
      const typed = formText(request.body, 'name');
      const name = passkeyName(typed, '');
      if (!name || typed.length > MAX_NAME_LENGTH * 4)
        return showOverview(
          request,
          reply,
          { errors: { passkey_name: { code: 'passkey_name', params: { max: MAX_NAME_LENGTH } } } },
          'invalid',
        );
      if (id === undefined || !(await renamePasskey(kysely, ownerOf(account), id, name))) {
        await request.audit('passkey.rename', 'refused', { ...memberActor(account), details: { reason: 'not_own' } });
        return reply.callNotFound();
      }
      await request.audit('passkey.rename', 'success', { ...memberActor(account), details: { passkey: id } });
      return reply.redirect('/area/security?done=passkey-renamed#passkeys', 303);
    },
  );

  app.post<{ Params: { id: string } }>(
    '/area/security/passkeys/:id/remove',
    { preHandler: guard },
    async (request, reply) => {
      const account = await accountOf(request);
      const id = idParam(request.params.id);
      if (await removeTriesExhausted(kysely, clock, account.id)) {
        await request.audit('passkey.remove', 'refused', { ...memberActor(account), details: { reason: 'tries' } });
        return showOverview(request, reply, { errors: { current_password: { code: 'password_tries' } } }, 'limited');
      }
      if (!(await verifyPassword(account.password_hash, formText(request.body, 'current_password').slice(0, 1000)))) {
        await request.audit('passkey.remove', 'failure', {
          ...memberActor(account),
          details: { reason: 'wrong_password' },
        });
        return showOverview(
          request,
          reply,
          { errors: { current_password: { code: 'current_password_wrong' } } },
          'invalid',
        );
      }
      const removed = id === undefined ? undefined : await removePasskey(kysely, ownerOf(account), id);
      if (!removed) {
        await request.audit('passkey.remove', 'refused', { ...memberActor(account), details: { reason: 'not_own' } });
        return reply.callNotFound();
      }
      await deps.courier.email(kysely, account.email, account.language, passkeyChangedEmail, {
        change: 'removed',
        name: removed.name,
      });
      await request.audit('passkey.remove', 'success', { ...memberActor(account), details: { passkey: removed.id } });
      deps.kickOutbox?.();
      return reply.redirect('/area/security?done=passkey-removed#passkeys', 303);
    },
  );
}
