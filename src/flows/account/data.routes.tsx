import type { FastifyInstance } from 'fastify';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import type { Db } from '../../infra/db/database.js';
import type { Courier } from '../../infra/outbox/courier.js';
import type { Lang } from '../../infra/i18n/i18n.js';
import { requireMember } from '../../infra/session/guard.js';
import type { Sessions } from '../../infra/session/session.js';
import { sendPage } from '../../infra/web/view.js';
import { listDataAccesses } from './data-accesses.js';
import { DataPage } from './data.views.js';
import { visibleMembers } from './member-selector.js';

export interface DataDeps {
  config: Config;
  db: Db;
  clock: Clock;
  courier: Courier;
  sessions: Sessions;
  kickOutbox?: (() => void) | undefined;
}

/** R36 "your data": who looked at it. */
export async function dataRoutes(app: FastifyInstance, deps: DataDeps): Promise<void> {
  const { db, clock, config } = deps;
  const kysely = db.kysely;
  app.addHook('preHandler', requireMember(deps.sessions, db));
  const dateFormat: Record<Lang, Intl.DateTimeFormat> = {
    es: new Intl.DateTimeFormat('es-ES', { dateStyle: 'medium', timeStyle: 'short', timeZone: config.timeZone }),
    en: new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: config.timeZone }),
  };

  app.get('/area/data', async (request, reply) => {
    const session = request.memberSession!;
    // R14, checked on every request: the member's own records, or the minor the guardian is acting for now.
    const visible = await visibleMembers(kysely, clock, config.timeZone, session.accountId);
    const minor = visible.find((v) => v.id === session.actingMemberId && v.relation === 'minor');
    const ids = minor ? [minor.id] : visible.filter((v) => v.relation === 'self').map((v) => v.id);
    const raw = (request.query as Record<string, unknown>).before;
    const before = typeof raw === 'string' && /^[1-9]\d{0,14}$/.test(raw) ? Number(raw) : undefined;
    const page = await listDataAccesses(kysely, config.secretKey, ids, { before });
    const lang = request.lang;
    return sendPage(
      reply,
      <DataPage
        ctx={request.pageContext()}
        view={{
          subject: minor ? { name: `${minor.firstName} ${minor.lastName}`, self: false } : { name: '', self: true },
          accesses: page.entries.map((e) => ({ ...e, when: dateFormat[lang].format(new Date(e.at)) })),
          olderHref: page.nextBefore ? `/area/data?before=${page.nextBefore}#accesses-heading` : undefined,
          older: before !== undefined,
        }}
      />,
    );
  });
}
