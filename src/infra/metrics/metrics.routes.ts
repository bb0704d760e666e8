import { REPLY_STATUS } from '../web/view.js';
import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Metrics } from './metrics.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * GET /metrics for Prometheus, only with `Authorization: Bearer <METRICS_TOKEN>`. Without a configured token the
 * route does not exist (404), so a deployment never publishes its metrics by accident.
 */
export async function metricsRoutes(app: FastifyInstance, opts: { metrics: Metrics; token: string }): Promise<void> {
  const expected = digest(opts.token);
  app.get('/metrics', { logLevel: 'warn' }, async (request, reply) => {
    const header = request.headers.authorization ?? '';
    const given = /^Bearer ([\x21-\x7e]{1,512})$/.exec(header)?.[1];
    // Comparing digests keeps the comparison constant-time whatever the length of what was sent.
    if (!given || !timingSafeEqual(digest(given), expected)) {
      return reply
        .status(REPLY_STATUS.unauthenticated)
        .header('www-authenticate', 'Bearer realm="metrics"')
        .type('text/plain; charset=utf-8')
        .send('Unauthorized\n');
    }
    const body = await opts.metrics.registry.metrics();
    return reply.header('cache-control', 'no-store').type(opts.metrics.registry.contentType).send(body);
  });
}
