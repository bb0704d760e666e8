import type { FastifyInstance } from 'fastify';
import type { Clock } from '../../clock.js';
import { checkPassword, rulesOf } from '../../domain/password-policy.js';
import type { FieldError } from '../../domain/result.js';
import { hashPassword } from '../../infra/crypto/password-hash.js';
import type { Db } from '../../infra/db/database.js';
import type { Courier } from '../../infra/outbox/courier.js';
import { requireMember } from '../../infra/session/guard.js';
import type { Sessions } from '../../infra/session/session.js';
import { ErrorSummary, Form, Input, Notice, byField, formText, type FieldErrors } from '../../infra/web/form.js';
import { Layout } from '../../infra/web/layout.js';
import type { PageContext } from '../../infra/web/page-context.js';
import { sendPage } from '../../infra/web/view.js';
import { checkPassword as checkCurrentPassword } from './contact.flow.js';
import { NewPasswordFields } from '../../identity/password-form.js';
import { isInHistory, personalDataOf, storePassword } from '../../identity/password-history.js';
import { passwordChangedEmail } from '../../identity/password.emails.js';
import { getAccount } from '../../identity/accounts.js';
import { HelpLinks } from '../../infra/web/help-links.js';

function ChangePasswordPage({
  ctx,
  username,
  rules,
  errors = {},
  changed,
}: {
  ctx: PageContext;
  username: string;
  rules: { rule: ReturnType<typeof rulesOf>[number]; met: boolean | null }[];
  errors?: FieldErrors;
  changed?: boolean;
}) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('change.title')} scripts={['/assets/password-checklist.js']}>
      <h1>{t('change.title')}</h1>
      {changed ? <Notice kind="success">{t('change.done')}</Notice> : null}
      <ErrorSummary
        ctx={ctx}
        errors={errors}
        labels={{
          current_password: t('change.current'),
          password: t('password.new'),
          password_confirmation: t('password.confirm'),
        }}
      />
      <p>{t('change.intro')}</p>
      <Form ctx={ctx} action="/area/security/password" class="stack">
        <Input
          ctx={ctx}
          name="current_password"
          type="password"
          label={t('change.current')}
          value=""
          error={errors.current_password}
          autocomplete="current-password"
          maxLength={64}
          required
        />
        <NewPasswordFields ctx={ctx} username={username} rules={rules} errors={errors} />
        <button type="submit">{t('change.save')}</button>
      </Form>
      <p>
        <a href="/area">{t('change.back')}</a>
      </p>
      <HelpLinks ctx={ctx} topics={['password-rules']} />
    </Layout>
  );
}

/** R12: change the password in the private area; other sessions end, this one gets a new token. */
export async function passwordChangeRoutes(
  app: FastifyInstance,
  deps: { db: Db; clock: Clock; courier: Courier; sessions: Sessions; kickOutbox?: (() => void) | undefined },
): Promise<void> {
  const { db, clock, sessions } = deps;
  const kysely = db.kysely;
  const guard = requireMember(sessions, db);
  const account = (id: number) => getAccount(kysely, id);
  const emptyRules = rulesOf().map((rule) => ({ rule, met: null }));

  app.get('/area/security/password', { preHandler: guard }, async (request, reply) => {
    const a = await account(request.memberSession!.accountId);
    const changed = (request.query as Record<string, string | undefined>).changed === '1';
    return sendPage(
      reply,
      <ChangePasswordPage ctx={request.pageContext()} username={a.username} rules={emptyRules} changed={changed} />,
    );
  });

  app.post('/area/security/password', { preHandler: guard }, async (request, reply) => {
    const session = request.memberSession!;
    const a = await account(session.accountId);
    const field = (n: string) => formText(request.body, n).slice(0, 1000);
    const password = field('password');
    const errors: FieldError[] = [];
    const verdict = checkPassword(password, await personalDataOf(kysely, a));
    // The current password and the history are checked together, off the event loop (PRODUCT §5). The current
    // password shares the limit of every "password asked again" (5 wrong an hour, R9, R15): a stolen session is not
    // a password oracle here either.
    const [current, reused] = await Promise.all([
      checkCurrentPassword(kysely, clock, a, field('current_password')),
      verdict.ok ? isInHistory(kysely, a.id, password) : Promise.resolve(false),
    ]);
    if (current === 'locked') {
      await request.audit('password.change', 'refused', {
        actor: a.username,
        accountId: a.id,
        details: { reason: 'password_limit' },
      });
      return sendPage(
        reply,
        <ChangePasswordPage
          ctx={request.pageContext()}
          username={a.username}
          rules={verdict.rules}
          errors={{ current_password: { code: 'password_tries' } }}
        />,
        'limited',
      );
    }
    if (current !== 'ok') errors.push({ field: 'current_password', code: 'current_password_wrong' });
    if (!verdict.ok) errors.push({ field: 'password', code: 'password_rules' });
    else if (reused) errors.push({ field: 'password', code: 'password_reused' });
    if (password !== field('password_confirmation'))
      errors.push({ field: 'password_confirmation', code: 'password_mismatch' });
    if (errors.length) {
      await request.audit('password.change', 'failure', {
        actor: a.username,
        accountId: a.id,
        details: { codes: errors.map((e) => e.code).join(',') },
      });
      return sendPage(
        reply,
        <ChangePasswordPage
          ctx={request.pageContext()}
          username={a.username}
          rules={verdict.rules}
          errors={byField(errors)}
        />,
        'invalid',
      );
    }
    const hash = await hashPassword(password);
    await kysely.transaction().execute(async (trx) => {
      await storePassword(trx, clock, a.id, hash);
      await sessions.endAll(trx, a.id);
      await deps.courier.email(trx, a.email, a.language, passwordChangedEmail, { how: 'change' });
      await request.audit('password.change', 'success', { actor: a.username, accountId: a.id }, trx);
    });
    // Every session ended above; this browser carries on with a fresh token (R8, R12).
    await sessions.start(kysely, reply, a.id, session.secondFactor, session.actingMemberId);
    deps.kickOutbox?.();
    return reply.redirect('/area/security/password?changed=1', 303);
  });
}
