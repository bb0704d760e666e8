import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { KyselyPlugin } from 'kysely';
import { buildApp, type AppDeps } from '../../src/app.js';
import { ManualClock } from '../../src/clock.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { Db } from '../../src/infra/db/database.js';
import type { OutboxMessage } from '../../src/infra/db/tables.js';
import { devMailboxTransport } from '../../src/infra/outbox/channels/dev-mailbox.js';
import type { Transport } from '../../src/infra/outbox/channels/transport.js';
import { createCourier, type Courier } from '../../src/infra/outbox/courier.js';
import { openMessage } from '../../src/infra/outbox/outbox.repository.js';
import type { SecretBox } from '../../src/infra/crypto/secret-box.js';
import { createDispatcher, type Dispatcher } from '../../src/infra/outbox/dispatcher.js';
import { createMetrics, observeDatabase, type Metrics } from '../../src/infra/metrics/metrics.js';
import { freshDatabase, type DatabaseKind } from './databases.js';

export interface TestContext {
  app: FastifyInstance;
  db: Db;
  clock: ManualClock;
  config: Config;
  courier: Courier;
  dispatcher: Dispatcher;
  metrics: Metrics;
  /** Every message the system queued, oldest first, opened as its recipient reads it (R29: sealed in the table). */
  outbox(): Promise<OutboxMessage[]>;
  /** The configured box that seals secrets at rest (R29). */
  secretBox: SecretBox;
  close(): Promise<void>;
}

export interface SetupOptions {
  env?: Record<string, string>;
  transports?: { email: Transport; sms: Transport };
  clock?: ManualClock;
  /** Plugins the app's Kysely instance runs every query through (the abuse suite counts queries with one). */
  kyselyPlugins?: KyselyPlugin[];
  /** A logger for tests that read the log lines (default: none). */
  logger?: AppDeps['logger'];
}

/** A configuration for tests: the defaults, plus what the test sets. */
export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ...env });
}

/** setup() → the app on a fresh database with a manual clock (STYLE: tests never sleep). */
export async function setup(kind: DatabaseKind = 'sqlite', options: SetupOptions = {}): Promise<TestContext> {
  const db = await freshDatabase(kind);
  const clock = options.clock ?? new ManualClock();
  const config = testConfig(options.env);
  const courier = createCourier({ clock, brand: config.brand, publicUrl: config.publicUrl, box: config.secretBox });
  // No process metrics: they start timers, and the tests build many apps.
  const metrics = createMetrics({ processMetrics: false });
  observeDatabase(metrics, db);
  const dispatcher = createDispatcher({
    db,
    clock,
    box: config.secretBox,
    metrics,
    transports: options.transports ?? { email: devMailboxTransport, sms: devMailboxTransport },
  });
  const appDb: Db = options.kyselyPlugins?.length
    ? { ...db, kysely: options.kyselyPlugins.reduce((k, plugin) => k.withPlugin(plugin), db.kysely) }
    : db;
  const app = await buildApp({ config, db: appDb, clock, courier, metrics, logger: options.logger ?? false });
  return {
    app,
    db,
    clock,
    config,
    courier,
    dispatcher,
    metrics,
    outbox: async () =>
      (await db.kysely.selectFrom('outbox').selectAll().orderBy('id').execute()).map((m) =>
        openMessage(config.secretBox, m),
      ),
    secretBox: config.secretBox,
    async close() {
      await app.close();
      await dispatcher.stop();
      await db.close();
    },
  };
}

/** The CSRF cookie and token a page carries, for posting its form back. */
export function formSecrets(res: LightMyRequestResponse): { cookies: Record<string, string>; token: string } {
  const cookies: Record<string, string> = {};
  for (const c of res.cookies) cookies[c.name] = c.value;
  const token = /name="_csrf" value="([^"]+)"/.exec(res.body)?.[1];
  if (!token) throw new Error('the page has no CSRF token');
  return { cookies, token };
}
