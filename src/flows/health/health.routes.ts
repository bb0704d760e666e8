import { REPLY_STATUS } from '../../infra/web/view.js';
import type { FastifyInstance } from 'fastify';
import { ping, type Db } from '../../infra/db/database.js';

/**
 * Liveness (the process answers) and readiness (the database answers, and the node is not shutting down), for load
 * balancers and orchestrators.
 */
export async function healthRoutes(
  app: FastifyInstance,
  opts: { db: Db; draining?: (() => boolean) | undefined },
): Promise<void> {
  app.get('/healthz', { logLevel: 'warn' }, async () => ({ status: 'ok' }));
  app.get('/readyz', { logLevel: 'warn' }, async (_req, reply) => {
    // Issue 18: on SIGTERM readiness fails first, so the proxy sends new requests elsewhere while these finish.
    if (opts.draining?.()) return reply.status(REPLY_STATUS.unavailable).send({ status: 'draining' });
    try {
      await ping(opts.db);
      return { status: 'ready' };
    } catch {
      return reply.status(REPLY_STATUS.unavailable).send({ status: 'unavailable' });
    }
  });
}
