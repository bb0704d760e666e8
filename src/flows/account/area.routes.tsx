import type { FastifyInstance } from 'fastify';
import type { Db } from '../../infra/db/database.js';
import type { Policy } from '../../infra/db/tables.js';
import { requireMember } from '../../infra/session/guard.js';
import type { Sessions } from '../../infra/session/session.js';
import { Notice } from '../../infra/web/form.js';
import { Layout } from '../../infra/web/layout.js';
import type { PageContext } from '../../infra/web/page-context.js';
import { sendPage } from '../../infra/web/view.js';

interface AreaView {
  firstName: string;
  policies: Pick<Policy, 'policy_number' | 'product' | 'status' | 'start_date' | 'end_date'>[];
}

function formatDate(ctx: PageContext, iso: string): string {
  const [y, m, d] = iso.split('-');
  return ctx.lang === 'es' ? `${d}/${m}/${y}` : `${d}/${m}/${y}`;
}

/** R13 (first part): the signed-in member's home with a greeting and the account's policies, active ones first. */
function AreaPage({ ctx, view }: { ctx: PageContext; view: AreaView }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('area.title')}>
      <h1>{t('area.greeting', { name: view.firstName })}</h1>
      <h2>{t('area.policies')}</h2>
      {view.policies.length === 0 ? <Notice>{t('area.noPolicies')}</Notice> : null}
      <div class="cards">
        {view.policies.map((p) => (
          <section class="card policy">
            <h3>{p.product}</h3>
            <dl class="meta">
              <dt>{t('area.policyNumber')}</dt>
              <dd>{p.policy_number}</dd>
              <dt>{t('area.status')}</dt>
              <dd>{p.status === 'active' ? t('area.active') : t('area.cancelled')}</dd>
              <dt>{t('area.since')}</dt>
              <dd>{formatDate(ctx, p.start_date)}</dd>
              {p.end_date ? (
                <>
                  <dt>{t('area.until')}</dt>
                  <dd>{formatDate(ctx, p.end_date)}</dd>
                </>
              ) : null}
            </dl>
          </section>
        ))}
      </div>
      <h2>{t('area.security')}</h2>
      <p>
        <a href="/area/security/password">{t('change.title')}</a>
      </p>
    </Layout>
  );
}

export async function areaRoutes(app: FastifyInstance, opts: { db: Db; sessions: Sessions }): Promise<void> {
  const guard = requireMember(opts.sessions, opts.db);
  app.get('/area', { preHandler: guard }, async (request, reply) => {
    const accountId = request.memberSession!.accountId;
    const rows = await opts.db.kysely
      .selectFrom('members')
      .innerJoin('policies', 'policies.id', 'members.policy_id')
      .select(['members.first_name', 'policies.policy_number', 'policies.product', 'policies.status', 'policies.start_date', 'policies.end_date'])
      .where('members.account_id', '=', accountId)
      .orderBy('policies.status')
      .orderBy('policies.start_date', 'desc')
      .execute();
    const view: AreaView = { firstName: rows[0]?.first_name ?? '', policies: rows };
    return sendPage(reply, <AreaPage ctx={request.pageContext()} view={view} />);
  });
}
