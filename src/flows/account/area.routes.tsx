import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import type { Db } from '../../infra/db/database.js';
import { requireMember } from '../../infra/session/guard.js';
import type { Sessions } from '../../infra/session/session.js';
import { ErrorPage } from '../../infra/web/error-page.js';
import { formText } from '../../infra/web/form.js';
import { sendPage } from '../../infra/web/view.js';
import { AreaHomePage, CardPage, UsernamePage } from './area.views.js';
import { visibleMembers, type VisibleMember } from './member-selector.js';

export interface AreaDeps {
  config: Config;
  db: Db;
  clock: Clock;
  sessions: Sessions;
}

/** R13 home, R14 member selector, R16 username page. */
export async function areaRoutes(app: FastifyInstance, deps: AreaDeps): Promise<void> {
  const { db, clock, config } = deps;
  const kysely = db.kysely;
  app.addHook('preHandler', requireMember(deps.sessions, db));

  /** Who the viewer may see now, and whose area is shown (R14: checked on every request). */
  async function scope(request: FastifyRequest) {
    const session = request.memberSession!;
    const visible = await visibleMembers(kysely, clock, config.timeZone, session.accountId);
    const self = visible.filter((v) => v.relation === 'self');
    const acting = visible.find((v) => v.id === session.actingMemberId) ?? self[0];
    return { session, visible, self, acting };
  }

  async function refuse(request: FastifyRequest, reply: FastifyReply, memberNumber: string) {
    await request.audit('member.access', 'refused', {
      accountId: request.memberSession!.accountId,
      subject: memberNumber.slice(0, 40),
    });
    return sendPage(
      reply,
      ErrorPage({ ctx: request.pageContext(), titleKey: 'area.forbidden.title', bodyKey: 'area.forbidden.body' }),
      'forbidden',
    );
  }

  app.get('/area', async (request, reply) => {
    const { visible, self, acting } = await scope(request);
    const policies: VisibleMember[] = acting?.relation === 'minor' ? [acting] : self;
    return sendPage(
      reply,
      <AreaHomePage
        ctx={request.pageContext()}
        owner={self[0]}
        acting={acting}
        visible={visible}
        policies={policies}
      />,
    );
  });

  app.post('/area/switch', async (request, reply) => {
    const { session, visible } = await scope(request);
    // formText: a JSON body may carry an object or an array here, which String() cannot always turn into text.
    const wanted = formText(request.body, 'member').slice(0, 40);
    const target = visible.find((v) => v.memberNumber === wanted);
    if (!target) return refuse(request, reply, wanted);
    await kysely.updateTable('sessions').set({ acting_member_id: target.id }).where('id', '=', session.id).execute();
    // R14: every switch is audited.
    await request.audit('member.switch', 'success', {
      accountId: session.accountId,
      memberId: target.id,
      subject: target.memberNumber,
    });
    return reply.redirect('/area', 303);
  });

  app.get('/area/card', async (request, reply) => {
    const { visible, acting } = await scope(request);
    // `?member=a&member=b` arrives as an array: anything but one string is an unknown member (issue 9).
    const raw = (request.query as Record<string, unknown>).member;
    const wanted = raw === undefined ? undefined : typeof raw === 'string' ? raw : '';
    const member = wanted === undefined ? acting : visible.find((v) => v.memberNumber === wanted);
    if (!member) return refuse(request, reply, wanted ?? '');
    return sendPage(reply, <CardPage ctx={request.pageContext()} member={member} />);
  });

  app.get('/area/username', async (request, reply) => {
    const account = await kysely
      .selectFrom('accounts')
      .select(['username', 'document_type'])
      .where('id', '=', request.memberSession!.accountId)
      .executeTakeFirstOrThrow();
    return sendPage(
      reply,
      <UsernamePage ctx={request.pageContext()} username={account.username} documentType={account.document_type} />,
    );
  });
}
