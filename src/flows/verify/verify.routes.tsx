import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import { todayIn } from '../../domain/calendar.js';
import { vouchedBy } from '../../identity/verification.js';
import type { Db } from '../../infra/db/database.js';
import { addressKey, bucket, secondsUntilWindowEnds, take, type Limit } from '../../infra/rate-limit/rate-limit.js';
import { ErrorPage } from '../../infra/web/error-page.js';
import { sendPage } from '../../infra/web/view.js';
import { CardCheckPage, VerifyPage } from './verify.views.js';

export interface VerifyDeps {
  config: Config;
  db: Db;
  clock: Clock;
}

/**
 * R32: checks per client address per minute. Tokens carry 144 random bits, so the limit is not what stops guessing;
 * it bounds what one address can make the database do, and is decided on the count after an atomic increment, so a
 * burst of concurrent requests gets no more answers than the same requests one by one.
 */
export const VERIFY_LIMIT = { windowMs: 60 * 1000, max: 30 } as const satisfies Limit;

/** R32: the public verification page of a certificate's address; no session, no cookie, nothing to sign in to. */
export async function verifyRoutes(app: FastifyInstance, deps: VerifyDeps): Promise<void> {
  const { db, clock, config } = deps;

  /** The limit every verification address shares (certificates and cards): true once this client is over it. */
  async function limited(request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
    // Not for search engines, and the address (a bearer of the answer) is never sent on as a referrer.
    reply.header('x-robots-tag', 'noindex, nofollow').header('referrer-policy', 'no-referrer');
    const slot = await take(db.kysely, clock, bucket('verify-address', addressKey(request.ip)), VERIFY_LIMIT.windowMs);
    if (slot.count <= VERIFY_LIMIT.max) return false;
    reply.header('retry-after', String(secondsUntilWindowEnds(clock, VERIFY_LIMIT.windowMs)));
    return true;
  }

  // R33: a card's QR code. Tells a clinic's receptionist whether the card is valid today: initials, product, dates.
  app.get('/verify/card/:token', async (request, reply) => {
    if (await limited(request, reply))
      return sendPage(
        reply,
        ErrorPage({
          ctx: request.pageContext(),
          titleKey: 'verification.limited.title',
          bodyKey: 'verification.limited.body',
        }),
        'limited',
      );
    const { token } = request.params as { token: string };
    const vouched = await vouchedBy(db.kysely, clock, config.timeZone, token, 'card');
    const today = todayIn(config.timeZone, clock.now());
    return sendPage(
      reply,
      <CardCheckPage ctx={request.pageContext()} vouched={vouched} today={today} />,
      vouched ? 'shown' : 'notFound',
    );
  });

  app.get('/verify/:token', async (request, reply) => {
    if (await limited(request, reply)) {
      return sendPage(
        reply,
        ErrorPage({
          ctx: request.pageContext(),
          titleKey: 'verification.limited.title',
          bodyKey: 'verification.limited.body',
        }),
        'limited',
      );
    }
    const { token } = request.params as { token: string };
    const vouched = await vouchedBy(db.kysely, clock, config.timeZone, token, 'certificate');
    const today = todayIn(config.timeZone, clock.now());
    // Unknown, forged, altered and malformed tokens all get the same page and status.
    if (!vouched)
      return sendPage(reply, <VerifyPage ctx={request.pageContext()} vouched={undefined} today={today} />, 'notFound');
    const issuedOn = todayIn(config.timeZone, new Date(vouched.issuedAt));
    return sendPage(
      reply,
      <VerifyPage ctx={request.pageContext()} vouched={vouched} today={today} issuedOn={issuedOn} />,
    );
  });
}
