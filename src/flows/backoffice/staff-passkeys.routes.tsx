import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import { passkeyMessages, PasskeyStatus, PasskeyUnsupported, ScriptOnly } from '../../identity/passkey-parts.js';
import {
  CEREMONY_TIMEOUT_MS,
  listPasskeys,
  MAX_NAME_LENGTH,
  MAX_PASSKEYS,
  parseCredential,
  passkeyName,
  registrationOptions,
  relyingParty,
  removePasskey,
  savePasskey,
  verifyNewPasskey,
  type PasskeyOwner,
} from '../../identity/passkeys.js';
import { verifyPassword } from '../../infra/crypto/password-hash.js';
import type { Db } from '../../infra/db/database.js';
import type { Passkey } from '../../infra/db/tables.js';
import { createFlowStore } from '../../infra/flows/flow-store.js';
import { ErrorSummary, Form, formText, Input, Notice, type FieldErrors } from '../../infra/web/form.js';
import type { PageContext } from '../../infra/web/page-context.js';
import { sendPage, type ReplyOutcome } from '../../infra/web/view.js';
import { PASSKEY_SCRIPTS } from '../../infra/web/web.plugin.js';
import { BackofficeLayout } from './backoffice-layout.js';
import type { StaffPrincipal } from './staff-session.js';
import { beginStaffAttempt, recordStaffFailure, recordStaffRefusal } from './staff-sign-in.flow.js';
import { findStaffById } from './staff.repository.js';
import { staffActor } from './staff-users.flow.js';

// R27, R23: a staff member's own passkeys, which may replace the authenticator app's code in the second step (the
// app stays enrolled: the way back if a passkey is lost). Adding or removing one asks for the password, counted in
// the username's sign-in streak, as the password change does: a stolen session is no password oracle.

export interface StaffPasskeyDeps {
  config: Config;
  db: Db;
  clock: Clock;
}

const utc = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

function StaffPasskeysPage({
  ctx,
  staff,
  passkeys,
  done,
  errors = {},
}: {
  ctx: PageContext;
  staff: StaffPrincipal;
  passkeys: Passkey[];
  done?: 'added' | 'removed' | undefined;
  errors?: FieldErrors;
}) {
  const { t } = ctx;
  return (
    <BackofficeLayout ctx={ctx} staff={staff} title={t('bo.passkeys.title')} scripts={PASSKEY_SCRIPTS}>
      <h1>{t('bo.passkeys.title')}</h1>
      {done ? (
        <Notice kind="success">{t(done === 'added' ? 'bo.passkeys.done.added' : 'bo.passkeys.done.removed')}</Notice>
      ) : null}
      <ErrorSummary
        ctx={ctx}
        errors={errors}
        labels={{ current_password: t('bo.passkeys.password'), response: t('bo.passkeys.add') }}
      />
      <p>{t('bo.passkeys.intro')}</p>
      <h2>{t('bo.passkeys.mine')}</h2>
      {passkeys.length === 0 ? <p>{t('bo.passkeys.none')}</p> : null}
      {passkeys.map((p) => (
        <section class="card" aria-labelledby={`passkey-${p.id}`}>
          <h3 id={`passkey-${p.id}`}>{p.name}</h3>
          <p class="meta">
            {t('passkey.added', { date: utc(p.created_at) })}
            <br />
            {p.last_used_at ? t('passkey.lastUsed', { date: utc(p.last_used_at) }) : t('passkey.neverUsed')}
          </p>
          <Form ctx={ctx} action={`/backoffice/passkeys/${p.id}/remove`} class="stack">
            <Input
              ctx={ctx}
              name="current_password"
              id={`passkey-password-${p.id}`}
              type="password"
              label={t('bo.passkeys.password')}
              value=""
              autocomplete="current-password"
              maxLength={64}
              required
            />
            <button type="submit" class="secondary">
              {t('bo.passkeys.removeSubmit')}
            </button>
          </Form>
        </section>
      ))}
      {passkeys.length < MAX_PASSKEYS ? (
        <>
          <h2>{t('bo.passkeys.add')}</h2>
          <PasskeyUnsupported ctx={ctx} />
          <ScriptOnly>
            <Form ctx={ctx} action="/backoffice/passkeys" class="stack">
              <Input
                ctx={ctx}
                name="passkey_name"
                label={t('passkey.add.name')}
                hint={t('passkey.add.nameHint')}
                value=""
                maxLength={MAX_NAME_LENGTH}
              />
              <Input
                ctx={ctx}
                name="current_password"
                type="password"
                label={t('bo.passkeys.password')}
                value=""
                error={errors.current_password}
                autocomplete="current-password"
                maxLength={64}
                required
              />
              <button type="submit">{t('bo.passkeys.continue')}</button>
            </Form>
          </ScriptOnly>
        </>
      ) : null}
    </BackofficeLayout>
  );
}

function StaffPasskeyEnrolPage({ ctx, staff, options }: { ctx: PageContext; staff: StaffPrincipal; options: unknown }) {
  const { t } = ctx;
  return (
    <BackofficeLayout ctx={ctx} staff={staff} title={t('passkey.enrol.title')} scripts={PASSKEY_SCRIPTS}>
      <h1>{t('passkey.enrol.title')}</h1>
      <p>{t('passkey.enrol.body')}</p>
      <PasskeyUnsupported ctx={ctx} />
      <script
        type="application/json"
        id="passkey-options"
        dangerouslySetInnerHTML={{ __html: JSON.stringify(options).replace(/</g, '\\u003c') }}
      />
      <Form
        ctx={ctx}
        action="/backoffice/passkeys/verify"
        class="stack"
        data={{ passkey: 'register', 'options-id': 'passkey-options', ...passkeyMessages(ctx) }}
      >
        <input type="hidden" name="response" value="" />
        <button type="submit">{t('passkey.enrol.submit')}</button>
        <PasskeyStatus />
      </Form>
      <p>
        <a href="/backoffice/passkeys">{t('passkey.enrol.cancel')}</a>
      </p>
    </BackofficeLayout>
  );
}

export async function staffPasskeyRoutes(app: FastifyInstance, deps: StaffPasskeyDeps): Promise<void> {
  const { db, clock, config } = deps;
  const kysely = db.kysely;
  const signedIn = { preHandler: app.requireStaff('agent') };
  const rp = relyingParty(config.publicUrl, config.brand.name);
  const enrolments = createFlowStore<{ challenge: string; name: string }>(clock, {
    kind: 'staff-passkey-enrol',
    ttlMs: CEREMONY_TIMEOUT_MS,
    cookieName: 'staff_passkey',
    secureCookies: config.secureCookies,
  });
  const ownerOf = (request: FastifyRequest): PasskeyOwner => ({ kind: 'staff', id: request.staff!.id });

  const overview = async (
    request: FastifyRequest,
    reply: FastifyReply,
    extra: { done?: 'added' | 'removed'; errors?: FieldErrors } = {},
    status: ReplyOutcome = 'shown',
  ) =>
    sendPage(
      reply,
      <StaffPasskeysPage
        ctx={request.pageContext()}
        staff={request.staff!}
        passkeys={await listPasskeys(kysely, ownerOf(request))}
        {...extra}
      />,
      status,
    );

  /**
   * The password asked again, in the username's streak: the refusal to show, or undefined when it was right. (A
   * refusal is returned, not sent: a sent reply is a thenable, and awaiting it would read as "no refusal".)
   */
  async function reauthenticate(
    request: FastifyRequest,
    event: string,
  ): Promise<{ errors: FieldErrors; status: ReplyOutcome } | undefined> {
    const user = (await findStaffById(kysely, request.staff!.id))!;
    const fd = { db: kysely, clock, audit: request.auditContext() };
    const gate = await beginStaffAttempt(fd, user.username);
    if (gate.kind !== 'open') {
      await recordStaffRefusal(fd, user, gate, 'password');
      return { errors: { current_password: { code: 'password_tries' } }, status: 'limited' };
    }
    if (!(await verifyPassword(user.password_hash, formPassword(request)))) {
      const { paused } = await recordStaffFailure(
        fd,
        user,
        gate.attempt,
        `wrong_current_password:${event}`,
        'password',
      );
      return {
        errors: { current_password: { code: paused ? 'password_tries' : 'current_password_wrong' } },
        status: paused ? 'limited' : 'invalid',
      };
    }
    await gate.attempt.withdraw();
    return undefined;
  }
  const formPassword = (request: FastifyRequest) => formText(request.body, 'current_password').slice(0, 1000);
  const field = (request: FastifyRequest, name: string) => formText(request.body, name);

  app.get('/backoffice/passkeys', signedIn, async (request, reply) => {
    const done = (request.query as Record<string, unknown>).done;
    return overview(request, reply, done === 'added' || done === 'removed' ? { done } : {});
  });

  app.post('/backoffice/passkeys', signedIn, async (request, reply) => {
    const existing = await listPasskeys(kysely, ownerOf(request));
    if (existing.length >= MAX_PASSKEYS)
      return overview(
        request,
        reply,
        { errors: { response: { code: 'passkey_limit', params: { max: MAX_PASSKEYS } } } },
        'conflict',
      );
    const refused = await reauthenticate(request, 'passkey.add');
    if (refused) return overview(request, reply, { errors: refused.errors }, refused.status);
    const name = passkeyName(
      field(request, 'passkey_name').slice(0, MAX_NAME_LENGTH * 4),
      request.t('passkey.defaultName'),
    );
    const options = await registrationOptions(
      rp,
      ownerOf(request),
      request.staff!.username,
      config.secretKey,
      existing,
    );
    await enrolments.start(kysely, reply, { state: 'pending', data: { challenge: options.challenge, name } });
    return sendPage(
      reply,
      <StaffPasskeyEnrolPage ctx={request.pageContext()} staff={request.staff!} options={options} />,
    );
  });

  app.post('/backoffice/passkeys/verify', signedIn, async (request, reply) => {
    const found = await enrolments.load(kysely, request);
    if (found.status !== 'active' || !(await enrolments.advance(kysely, found.flow, 'pending', 'done')))
      return reply.redirect('/backoffice/passkeys', 303);
    await enrolments.end(kysely, request, reply);
    const response = parseCredential<RegistrationResponseJSON>(field(request, 'response'));
    const key = response ? await verifyNewPasskey(rp, response, found.flow.data.challenge) : undefined;
    const saved = key
      ? await savePasskey(kysely, ownerOf(request), key, found.flow.data.name, clock.now().toISOString())
      : false;
    await request.audit('staff.passkey_add', saved ? 'success' : 'failure', {
      actor: staffActor(request.staff!.username),
      subject: staffActor(request.staff!.username),
      details: saved ? { name: found.flow.data.name } : { reason: key ? 'limit_or_duplicate' : 'invalid' },
    });
    if (!saved)
      return overview(
        request,
        reply,
        { errors: { response: { code: key ? 'passkey_limit' : 'passkey_failed', params: { max: MAX_PASSKEYS } } } },
        'invalid',
      );
    return reply.redirect('/backoffice/passkeys?done=added', 303);
  });

  app.post<{ Params: { id: string } }>('/backoffice/passkeys/:id/remove', signedIn, async (request, reply) => {
    const refused = await reauthenticate(request, 'passkey.remove');
    if (refused) return overview(request, reply, { errors: refused.errors }, refused.status);
    const id = /^\d{1,15}$/.test(request.params.id) ? Number(request.params.id) : undefined;
    const removed = id === undefined ? undefined : await removePasskey(kysely, ownerOf(request), id);
    await request.audit('staff.passkey_remove', removed ? 'success' : 'refused', {
      actor: staffActor(request.staff!.username),
      subject: staffActor(request.staff!.username),
      details: removed ? { passkey: removed.id, name: removed.name } : { reason: 'not_own' },
    });
    if (!removed) return reply.callNotFound();
    return reply.redirect('/backoffice/passkeys?done=removed', 303);
  });
}
