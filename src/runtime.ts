import { systemClock, type Clock } from './clock.js';
import type { Config } from './config.js';
import { openDatabase, type Db } from './infra/db/database.js';
import { migrateToLatest } from './infra/db/migrate.js';
import { resealSecrets } from './infra/crypto/secrets-at-rest.js';
import { devMailboxTransport } from './infra/outbox/channels/dev-mailbox.js';
import { smsWebhookTransport } from './infra/outbox/channels/sms-webhook.js';
import { SMTP_TIMEOUTS, smtpTransport } from './infra/outbox/channels/smtp.js';
import type { Transport } from './infra/outbox/channels/transport.js';
import { createCourier, type Courier } from './infra/outbox/courier.js';
import { createDispatcher, type Dispatcher, type DispatcherOptions } from './infra/outbox/dispatcher.js';
import { createMetrics, observeDatabase, type Metrics } from './infra/metrics/metrics.js';
import { emailLogoPng } from './infra/web/brand-logo.js';

/** The long-lived parts every command shares: database, clock, courier and outbox worker. */
export interface Runtime {
  config: Config;
  db: Db;
  clock: Clock;
  courier: Courier;
  dispatcher: Dispatcher;
  metrics: Metrics;
  close(): Promise<void>;
}

export function transportsFor(config: Config, logo?: Buffer): { email: Transport; sms: Transport } {
  return {
    email: config.smtpUrl ? smtpTransport(config.smtpUrl, config.mailFrom, SMTP_TIMEOUTS, logo) : devMailboxTransport,
    sms: config.smsWebhookUrl ? smsWebhookTransport(config.smsWebhookUrl) : devMailboxTransport,
  };
}

export async function openRuntime(
  config: Config,
  opts: {
    migrate?: boolean;
    clock?: Clock;
    onError?: DispatcherOptions['onError'];
    /** A node serving requests: SQLite's log is checkpointed off its event loop (sqlite-checkpointer.ts). */
    serving?: boolean;
  } = {},
): Promise<Runtime> {
  const db = openDatabase(config.databaseUrl, { checkpointThread: opts.serving ?? false });
  if (opts.migrate ?? true) {
    await migrateToLatest(db);
    // R29: secrets from before they were sealed are sealed now (idempotent, and a no-op once done).
    await resealSecrets(db.kysely, config.secretBox, 'clear');
  }
  const clock = opts.clock ?? systemClock;
  // R37: the emails' logo, drawn once at start; a logo that cannot be drawn leaves the header's text alone.
  const logo = await emailLogoPng(config.brand);
  const courier = createCourier({
    clock,
    brand: config.brand,
    publicUrl: config.publicUrl,
    box: config.secretBox,
    logo: logo !== undefined,
  });
  const transports = transportsFor(config, logo);
  const metrics = createMetrics();
  observeDatabase(metrics, db);
  const dispatcher = createDispatcher({
    db,
    clock,
    box: config.secretBox,
    transports,
    metrics,
    leaseMs: config.outboxLeaseMs,
    ...(opts.onError ? { onError: opts.onError } : {}),
  });
  return {
    config,
    db,
    clock,
    courier,
    dispatcher,
    metrics,
    async close() {
      await dispatcher.stop();
      await transports.email.close?.();
      await db.close();
    },
  };
}
