import type { FastifyInstance } from 'fastify';
import { ping, type Db } from '../../infra/db/database.js';

/** Liveness (the process answers) and readiness (the database answers), for load balancers and orchestrators. */
export async function healthRoutes(app: FastifyInstance, opts: { db: Db }): Promise<void> {
  app.get('/healthz', { logLevel: 'warn' }, async () => ({ status: 'ok' }));
  app.get('/readyz', { logLevel: 'warn' }, async (_req, reply) => {
    try {
      await ping(opts.db);
      return { status: 'ready' };
    } catch {
      return reply.status(503).send({ status: 'unavailable' });
    }
  });
}
