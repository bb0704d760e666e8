import type { FastifyInstance } from 'fastify';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import { todayIn } from '../../domain/calendar.js';
import { issueVerificationToken } from '../../identity/verification.js';
import type { Db } from '../../infra/db/database.js';
import { bucket, secondsUntilWindowEnds, take, type Limit } from '../../infra/rate-limit/rate-limit.js';
import { requireMember } from '../../infra/session/guard.js';
import type { Sessions } from '../../infra/session/session.js';
import { ErrorPage } from '../../infra/web/error-page.js';
import { sendPage } from '../../infra/web/view.js';
import { certificatePdf } from './certificate.pdf.js';
import { visibleMembers } from './member-selector.js';

export interface CertificateDeps {
  config: Config;
  db: Db;
  clock: Clock;
  sessions: Sessions;
}

/**
 * R32: certificates an account may have made per hour. A PDF costs some 20 ms of CPU (the note in the test's output
 * gives the figure); the count is taken before the work, atomically, so a burst of 40 concurrent requests makes at
 * most this many and is answered 429 for the rest, on every node alike. A member with minors has room for each.
 */
export const CERTIFICATE_LIMIT = { windowMs: 60 * 60 * 1000, max: 10 } as const satisfies Limit;

/** R32: the certificate of insurance of the record asked for, or shown in the member selector (R14), made now. */
export async function certificateRoutes(app: FastifyInstance, deps: CertificateDeps): Promise<void> {
  const { db, clock, config } = deps;
  const kysely = db.kysely;
  app.addHook('preHandler', requireMember(deps.sessions, db));

  app.get('/area/certificate', async (request, reply) => {
    const session = request.memberSession!;
    // No member in the request: the record is the one the selector shows, as checked on every request (R14), so
    // nobody can ask for another person's certificate; a guardian gets a minor's while the minor is shown.
    const visible = await visibleMembers(kysely, clock, config.timeZone, session.accountId);
    // `?member=` picks one of the records the viewer may see now: a person on several policies has one certificate
    // per policy (one record each). Anything else (another person's number, a list) is the same 404 as no record.
    const raw = (request.query as Record<string, unknown>).member;
    const member =
      raw === undefined
        ? (visible.find((v) => v.id === session.actingMemberId) ?? visible.find((v) => v.relation === 'self'))
        : typeof raw === 'string'
          ? visible.find((v) => v.memberNumber === raw)
          : undefined;
    if (!member)
      return sendPage(
        reply,
        ErrorPage({ ctx: request.pageContext(), titleKey: 'certificate.none.title', bodyKey: 'certificate.none.body' }),
        'notFound',
      );
    const slot = await take(
      kysely,
      clock,
      bucket('certificate', String(session.accountId)),
      CERTIFICATE_LIMIT.windowMs,
    );
    if (slot.count > CERTIFICATE_LIMIT.max) {
      await slot.release();
      await request.audit('certificate.issue', 'refused', {
        accountId: session.accountId,
        memberId: member.id,
        subject: member.memberNumber,
        details: { reason: 'rate-limited' },
      });
      reply.header('retry-after', String(secondsUntilWindowEnds(clock, CERTIFICATE_LIMIT.windowMs)));
      return sendPage(
        reply,
        ErrorPage({
          ctx: request.pageContext(),
          titleKey: 'certificate.limited.title',
          bodyKey: 'certificate.limited.body',
        }),
        'limited',
      );
    }
    const record = await kysely
      .selectFrom('members')
      .select(['policy_id', 'document_type', 'document_number'])
      .where('id', '=', member.id)
      .executeTakeFirstOrThrow();
    const token = await issueVerificationToken(kysely, clock, {
      kind: 'certificate',
      memberId: member.id,
      policyId: record.policy_id,
    });
    const now = clock.now();
    const pdf = await certificatePdf({
      lang: request.lang,
      brand: config.brand,
      fullName: `${member.firstName} ${member.lastName}`,
      document: record.document_number ? `${record.document_type ?? ''} ${record.document_number}`.trim() : null,
      memberNumber: member.memberNumber,
      policyNumber: member.policyNumber,
      product: member.product,
      policyActive: member.policyStatus === 'active',
      startDate: member.startDate,
      endDate: member.endDate,
      issuedAt: now,
      issuedOn: todayIn(config.timeZone, now),
      verifyUrl: `${config.publicUrl}/verify/${token}`,
    });
    // R22: who had which record's certificate made (the reference, never its contents: STYLE 19).
    await request.audit('certificate.issue', 'success', {
      accountId: session.accountId,
      memberId: member.id,
      subject: member.memberNumber,
    });
    const name = `${request.t('certificate.pdf.title')} ${member.policyNumber}.pdf`;
    const ascii = name
      .normalize('NFD')
      .replace(/[^\x20-\x7e]/g, '')
      .replace(/["\\]/g, '');
    return reply
      .type('application/pdf')
      .header('content-disposition', `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`)
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'no-store')
      .send(pdf);
  });
}
