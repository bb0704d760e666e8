import { sql } from 'kysely';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Db } from '../db/database.js';
import type { UploadPacer } from '../files/upload-pacer.js';

// Prometheus metrics (issue 10). One registry per application instance: the tests build many apps in one process,
// and the global default registry would mix them. Labels are small closed sets (route patterns, outcomes,
// channels): never a raw URL, member number, username or token (R22).

export type Channel = 'email' | 'sms' | 'totp';

export interface Metrics {
  readonly registry: Registry;
  readonly httpRequests: Counter<'method' | 'route' | 'status_class'>;
  readonly httpDuration: Histogram<'method' | 'route' | 'status_class'>;
  /** Sign-in steps: `step` password or second_factor; `outcome` the result kind; `factor` the second factor or none. */
  readonly signIns: Counter<'step' | 'outcome' | 'factor'>;
  readonly codesSent: Counter<'channel' | 'purpose'>;
  readonly lockouts: Counter;
  readonly outboxSent: Counter<'channel'>;
  /** `final` is true when the message will not be retried any more. */
  readonly outboxFailures: Counter<'channel' | 'final'>;
}

export function createMetrics(options: { processMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'member_area_' });
  const registers = [registry];
  return {
    registry,
    httpRequests: new Counter({
      name: 'member_area_http_requests_total',
      help: 'HTTP requests by method, route pattern and status class',
      labelNames: ['method', 'route', 'status_class'],
      registers,
    }),
    httpDuration: new Histogram({
      name: 'member_area_http_request_duration_seconds',
      help: 'HTTP request latency by method, route pattern and status class',
      labelNames: ['method', 'route', 'status_class'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    signIns: new Counter({
      name: 'member_area_sign_ins_total',
      help: 'Sign-in steps by step, outcome and second factor',
      labelNames: ['step', 'outcome', 'factor'],
      registers,
    }),
    codesSent: new Counter({
      name: 'member_area_codes_sent_total',
      help: 'One-time codes queued for sending, by channel and purpose',
      labelNames: ['channel', 'purpose'],
      registers,
    }),
    lockouts: new Counter({
      name: 'member_area_lockouts_total',
      help: 'Sign-in locks set after ten failed passwords in a row (R9)',
      registers,
    }),
    outboxSent: new Counter({
      name: 'member_area_outbox_sent_total',
      help: 'Messages the outbox worker of this process delivered, by channel',
      labelNames: ['channel'],
      registers,
    }),
    outboxFailures: new Counter({
      name: 'member_area_outbox_send_failures_total',
      help: 'Failed delivery attempts by this process, by channel; final="true" when the message was given up',
      labelNames: ['channel', 'final'],
      registers,
    }),
  };
}

/** HTTP status 404 → "4xx". */
export function statusClass(status: number): string {
  return `${Math.floor(status / 100)}xx`;
}

/**
 * Gauges read from the database at scrape time: the outbox depth (one grouped count over the status index) and,
 * on PostgreSQL, this process's connection pool. SQLite has no pool, so it reports none.
 */
export function observeDatabase(metrics: Metrics, db: Db): void {
  const registers = [metrics.registry];
  new Gauge({
    name: 'member_area_outbox_messages',
    help: 'Messages in the outbox by status: pending (waiting or retrying) and failed (given up)',
    labelNames: ['status'],
    registers,
    async collect() {
      const rows = await db.kysely
        .selectFrom('outbox')
        .select(['status', sql<number>`count(*)`.as('n')])
        .where('status', 'in', ['pending', 'failed'])
        .groupBy('status')
        .execute();
      this.set({ status: 'pending' }, 0);
      this.set({ status: 'failed' }, 0);
      for (const r of rows) this.set({ status: r.status }, Number(r.n));
    },
  });
  const pool = db.pool;
  if (pool) {
    new Gauge({
      name: 'member_area_db_pool_connections',
      help: 'PostgreSQL pool of this process: total and idle connections, and queries waiting for one',
      labelNames: ['state'],
      registers,
      collect() {
        const s = pool();
        this.set({ state: 'total' }, s.total);
        this.set({ state: 'idle' }, s.idle);
        this.set({ state: 'waiting' }, s.waiting);
      },
    });
  }
}

/** R31, PRODUCT §5: the rate this node reads uploaded files at now (upload-pacer.ts), at scrape time. */
export function observeUploads(metrics: Metrics, pacer: Pick<UploadPacer, 'rate'>): void {
  new Gauge({
    name: 'member_area_upload_rate_bytes',
    help: 'Bytes per second this node reads uploaded files at now; under the start rate while it spares its pages',
    registers: [metrics.registry],
    collect() {
      this.set(pacer.rate());
    },
  });
}
