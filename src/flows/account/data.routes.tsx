import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import type { Db } from '../../infra/db/database.js';
import type { Courier } from '../../infra/outbox/courier.js';
import type { Lang } from '../../infra/i18n/i18n.js';
import { requireMember } from '../../infra/session/guard.js';
import type { Sessions } from '../../infra/session/session.js';
import { sendPage } from '../../infra/web/view.js';
import { getAccount } from '../../identity/accounts.js';
import { bucket, hit } from '../../infra/rate-limit/rate-limit.js';
import { ErrorPage } from '../../infra/web/error-page.js';
import { listDataAccesses } from './data-accesses.js';
import { buildExport } from './data-export.js';
import { ExportPage } from './data-export.views.js';
import { DataPage } from './data.views.js';
import { closeRoutes } from './close.routes.js';
import { visibleMembers } from './member-selector.js';

export interface DataDeps {
  config: Config;
  db: Db;
  clock: Clock;
  courier: Courier;
  sessions: Sessions;
  kickOutbox?: (() => void) | undefined;
}

/**
 * R36: copies per account per hour, whichever the format. A copy is built at once, in one request (a member's data
 * is small: a few hundred rows at most, built in milliseconds); the limit bounds what a stolen session or a script can
 * make the database do, so no outbox job is needed.
 */
export const EXPORTS_PER_HOUR = 10;
const HOUR = 3_600_000;

/** R36 "your data": who looked at it, a copy of it. */
export async function dataRoutes(app: FastifyInstance, deps: DataDeps): Promise<void> {
  const { db, clock, config } = deps;
  const kysely = db.kysely;
  app.addHook('preHandler', requireMember(deps.sessions, db));
  const dateFormat: Record<Lang, Intl.DateTimeFormat> = {
    es: new Intl.DateTimeFormat('es-ES', { dateStyle: 'medium', timeStyle: 'short', timeZone: config.timeZone }),
    en: new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: config.timeZone }),
  };

  const money: Record<Lang, Intl.NumberFormat> = {
    es: new Intl.NumberFormat('es-ES', { style: 'currency', currency: 'EUR' }),
    en: new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'EUR' }),
  };

  /** The account's copy, counted against EXPORTS_PER_HOUR and audited; undefined after sending the 429 page. */
  async function exportFor(request: FastifyRequest, reply: FastifyReply, format: 'json' | 'page') {
    const accountId = request.memberSession!.accountId;
    if ((await hit(kysely, clock, bucket('data-export', String(accountId)), HOUR)) > EXPORTS_PER_HOUR) {
      await request.audit('data.export', 'refused', { accountId, details: { format, reason: 'rate_limited' } });
      sendPage(
        reply.header('retry-after', '3600'),
        ErrorPage({ ctx: request.pageContext(), titleKey: 'export.title', bodyKey: 'export.limited' }),
        'limited',
      );
      return undefined;
    }
    const account = await getAccount(kysely, accountId);
    const data = await buildExport(
      { db: kysely, clock, timeZone: config.timeZone, secretKey: config.secretKey, secretBox: config.secretBox },
      account,
    );
    await request.audit('data.export', 'success', { accountId, details: { format } });
    return data;
  }

  app.get('/area/data/export.json', async (request, reply) => {
    const data = await exportFor(request, reply, 'json');
    if (!data) return reply;
    const day = data.generated_at.slice(0, 10);
    return reply
      .type('application/json; charset=utf-8')
      .header('content-disposition', `attachment; filename="my-data-${day}.json"`)
      .send(JSON.stringify(data, null, 2));
  });

  app.get('/area/data/export', async (request, reply) => {
    const data = await exportFor(request, reply, 'page');
    if (!data) return reply;
    const lang = request.lang;
    const formats = {
      time: (iso: string) => dateFormat[lang].format(new Date(iso)),
      money: (cents: number) => money[lang].format(cents / 100),
    };
    return sendPage(reply, <ExportPage ctx={request.pageContext()} data={data} formats={formats} />);
  });

  await closeRoutes(app, deps);

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
