import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import type { Db } from '../../infra/db/database.js';
import type { Courier } from '../../infra/outbox/courier.js';
import { requireMember } from '../../infra/session/guard.js';
import type { Sessions } from '../../infra/session/session.js';
import { sendPage } from '../../infra/web/view.js';
import { disownSignIns, findNotMeLink, useNotMeLink, type NotMeDeps } from '../../identity/not-me.js';
import { NotMeConfirmPage, NotMeDonePage, NotMeInvalidPage } from './awareness.views.js';
import { getAccount } from '../../identity/accounts.js';

export interface AwarenessDeps {
  config: Config;
  db: Db;
  clock: Clock;
  courier: Courier;
  sessions: Sessions;
  kickOutbox?: (() => void) | undefined;
}

/**
 * R28 "this wasn't me": the new-device email's single-use link (a confirmation page on GET, the action on POST) and
 * the security page's button both end every session of the account and send a recovery link (R11), then land on one
 * page that says what happened and what to do next.
 */
export async function awarenessRoutes(app: FastifyInstance, deps: AwarenessDeps): Promise<void> {
  const { clock, config, sessions } = deps;
  const kysely = deps.db.kysely;
  const notMe: NotMeDeps = { clock, courier: deps.courier, publicUrl: config.publicUrl, sessions };
  // The link's token is in the address: it must not leak through a Referer, nor be kept by a cache.
  const privatePage = (reply: FastifyReply) =>
    reply.header('referrer-policy', 'no-referrer').header('cache-control', 'no-store');

  app.get('/sign-in/not-me/done', async (request, reply) =>
    sendPage(privatePage(reply), <NotMeDonePage ctx={request.pageContext()} />),
  );

  // Never acts on GET: mail scanners and link previews fetch every link of an email.
  app.get<{ Params: { token: string } }>('/sign-in/not-me/:token', async (request, reply) => {
    privatePage(reply);
    const link = await findNotMeLink(kysely, clock, request.params.token);
    if (!link) return sendPage(reply, <NotMeInvalidPage ctx={request.pageContext()} />, 'gone');
    return sendPage(
      reply,
      <NotMeConfirmPage
        ctx={request.pageContext()}
        action={`/sign-in/not-me/${encodeURIComponent(request.params.token)}`}
      />,
    );
  });

  app.post<{ Params: { token: string } }>('/sign-in/not-me/:token', async (request, reply) => {
    privatePage(reply);
    const link = await findNotMeLink(kysely, clock, request.params.token);
    if (!link || !(await useNotMeLink(kysely, notMe, link.id, link.account, request.auditContext()))) {
      return sendPage(reply, <NotMeInvalidPage ctx={request.pageContext()} />, 'gone');
    }
    // This browser may hold one of the sessions just ended (the member's own): its cookie goes too.
    await sessions.end(kysely, request, reply);
    deps.kickOutbox?.();
    return reply.redirect('/sign-in/not-me/done', 303);
  });

  // The security page's button (R28): the same, for a member who spots a sign-in in their history.
  app.post('/area/security/not-me', { preHandler: requireMember(sessions, deps.db) }, async (request, reply) => {
    const account = await getAccount(kysely, request.memberSession!.accountId);
    await kysely
      .transaction()
      .execute((trx) => disownSignIns(trx, notMe, account, request.auditContext(), 'security-page'));
    await sessions.end(kysely, request, reply);
    deps.kickOutbox?.();
    return reply.redirect('/sign-in/not-me/done', 303);
  });
}
