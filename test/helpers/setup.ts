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
import { freshDatabase, type DatabaseKind, type TestDb } from './databases.js';
import type { SessionRow } from '../../src/infra/session/session.js';
import {
  createSessionCache,
  listenForSessionChanges,
  withSessionCache,
  type SessionCache,
  type SessionListener,
} from '../../src/infra/session/session-cache.js';
import { createUploadPacer, type UploadPacer } from '../../src/infra/files/upload-pacer.js';

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
  /** Issue 32: this app's session cache (fed by its own LISTEN on PostgreSQL), unless `sessionCache: false`. */
  sessionCache?: SessionCache<SessionRow>;
  /** The database without this node's cache plugin: for another node on it (`setup(kind, { database })`). */
  database: TestDb;
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
  /** Issue 32: keep live sessions in memory as `serve` does on PostgreSQL (the default there, and only there). */
  sessionCache?: boolean;
  /** Another node on this context's database (its own app, session cache and LISTEN), instead of a fresh one. */
  database?: TestDb;
  /** R31: the node's upload pace, as `serve` gives it (main.ts); none by default, files are read as they come. */
  uploadPacer?: UploadPacer;
}

/**
 * A session cache as `serve` makes it on PostgreSQL (main.ts), on once listening; `serve` keeps none on SQLite, but
 * a test may ask for one anyway (`sessionCache: true`). Tests write through `db` too, so their direct writes are seen
 * by this node as its own would be.
 */
async function nodeSessionCache(
  db: TestDb,
): Promise<{ cache: SessionCache<SessionRow>; listener?: SessionListener; db: TestDb }> {
  const cache = createSessionCache<SessionRow>({ enabled: !db.postgres });
  const listener = db.postgres ? listenForSessionChanges(cache, db.postgres) : undefined;
  await listener?.ready;
  return { cache, ...(listener ? { listener } : {}), db: withSessionCache(db, cache) };
}

/** A configuration for tests: the defaults, plus what the test sets. */
export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ...env });
}

/** setup() → the app on a fresh database with a manual clock (STYLE: tests never sleep). */
export async function setup(kind: DatabaseKind = 'sqlite', options: SetupOptions = {}): Promise<TestContext> {
  const shared = options.database;
  const fresh = shared ?? (await freshDatabase(kind));
  const node = (options.sessionCache ?? kind === 'postgres') ? await nodeSessionCache(fresh) : undefined;
  const db = node?.db ?? fresh;
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
  const app = await buildApp({
    config,
    db: appDb,
    clock,
    courier,
    metrics,
    logger: options.logger ?? false,
    ...(node ? { sessionCache: node.cache } : {}),
    ...(options.uploadPacer ? { uploadPacer: options.uploadPacer } : {}),
  });
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
    ...(node ? { sessionCache: node.cache } : {}),
    database: fresh,
    async close() {
      await app.close();
      await dispatcher.stop();
      await node?.listener?.close();
      // Another node's database is its first node's to close.
      if (!shared) await db.close();
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

/**
 * R31: an upload pacer that lets every byte through at once but counts them, with the real store lane: a test checks
 * that a route reads its files (kept or drained) through the node's pacer and stores them in its lane.
 */
export function countingPacer(): UploadPacer & { bytes: number; stores: number } {
  const lane = createUploadPacer({ signals: { loopDelayMs: () => 0, waitingForDatabase: () => 0 } });
  const counter = {
    bytes: 0,
    stores: 0,
    take(n: number) {
      counter.bytes += n;
      return undefined;
    },
    store<T>(run: () => Promise<T>): Promise<T> {
      counter.stores += 1;
      return lane.store(run);
    },
    rate: () => lane.rate(),
    close: () => lane.close(),
  };
  return counter;
}
