import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.js';
import type { Config } from './config.js';
import { todayIn } from './domain/calendar.js';
import { demoBannerLines } from './feed/demo-feed.js';
import { loadDemoIfEmpty } from './feed/demo.js';
import { purgeExpired } from './infra/maintenance/janitor.js';
import { purgeClosedAccounts } from './identity/account-closure.js';
import { sendComingOfAgeEnrolments } from './feed/coming-of-age.js';
import { openRuntime } from './runtime.js';
import {
  createSessionCache,
  listenForSessionChanges,
  withSessionCache,
  type SessionListener,
} from './infra/session/session-cache.js';
import type { SessionRow } from './infra/session/session.js';
import { AcceptedNotRecorded } from './infra/outbox/dispatcher.js';
import { createUploadPacer, processSignals } from './infra/files/upload-pacer.js';
import { observeUploads } from './infra/metrics/metrics.js';

/** Starts the portal: migrate, demo data on an empty development database, outbox worker, HTTP server. */
export async function serve(config: Config, options: { migrate?: boolean } = {}): Promise<void> {
  let log: { error(obj: object, msg: string): void } = { error: (obj, msg) => console.error(msg, obj) };
  const runtime = await openRuntime(config, {
    migrate: options.migrate ?? true,
    serving: true,
    // Issue 33: a message the mail server accepted whose record failed is not a failed delivery; say what it is.
    onError: (err, message) =>
      err instanceof AcceptedNotRecorded
        ? log.error({ err, message: err.messageId }, 'outbox: message accepted, recording it as sent failed (retrying)')
        : message
          ? log.error({ err, message: message.id }, 'outbox delivery failed')
          : log.error({ err }, 'outbox worker error (will retry)'),
  });
  let draining = false;
  // Issue 32: on PostgreSQL each node keeps live sessions in memory, on only while it listens for the other nodes'
  // changes (session-cache.ts). On SQLite reading the row costs no round trip, and a cache measured no gain: none.
  const sessionCache =
    runtime.db.dialect === 'postgres' ? createSessionCache<SessionRow>({ enabled: false }) : undefined;
  const sessionListener: SessionListener | undefined = sessionCache
    ? listenForSessionChanges(sessionCache, { connectionString: config.databaseUrl })
    : undefined;
  const db = sessionCache ? withSessionCache(runtime.db, sessionCache) : runtime.db;
  // R31, PRODUCT §5: files are read at a pace the node's pages can bear (upload-pacer.ts).
  const uploadPacer = createUploadPacer({ signals: processSignals(runtime.db.pool) });
  observeUploads(runtime.metrics, uploadPacer);
  const app = await buildApp({
    uploadPacer,
    draining: () => draining,
    config,
    db,
    ...(sessionCache ? { sessionCache } : {}),
    clock: runtime.clock,
    courier: runtime.courier,
    metrics: runtime.metrics,
    kickOutbox: () => runtime.dispatcher.kick(),
  });
  log = app.log;

  if (config.demoData) {
    const loaded = await loadDemoIfEmpty(runtime);
    if (loaded) app.log.info({ rows: loaded.rows }, 'demo feed loaded');
  }
  runtime.dispatcher.start(config.outboxPollMs);
  // Expired flows, counters and spent tokens are cleared every ten minutes (any node may do it).
  const janitor = setInterval(() => {
    purgeExpired(db.kysely, runtime.clock).catch((err: unknown) => app.log.error({ err }, 'purge failed'));
    // R36: closed accounts past CLOSED_ACCOUNT_RETENTION_DAYS go, each once whichever node gets there first.
    purgeClosedAccounts(db.kysely, runtime.clock, config.closedAccountRetentionDays)
      .then((n) => (n ? app.log.info({ accounts: n }, 'closed accounts purged') : undefined))
      .catch((err: unknown) => app.log.error({ err }, 'closed account purge failed'));
  }, 10 * 60_000);
  janitor.unref();
  // R19: members who turn 18 get the enrolment email that day; hourly on every node, once (member_notices).
  const comingOfAge = () =>
    sendComingOfAgeEnrolments({
      db: runtime.db.kysely,
      clock: runtime.clock,
      courier: runtime.courier,
      timeZone: config.timeZone,
    })
      .then((r) => {
        if (r.sent) runtime.dispatcher.kick();
      })
      .catch((err: unknown) => app.log.error({ err }, 'coming-of-age enrolment emails failed'));
  void comingOfAge();
  const birthdays = setInterval(comingOfAge, 60 * 60_000);
  birthdays.unref();

  // Issue 18: SIGTERM (or SIGINT) drains: readiness answers 503 at once so the proxy stops sending new requests,
  // after config.shutdown.drainMs the server stops accepting and lets in-flight requests finish, the outbox worker
  // finishes the message it is sending and hands its other claims back; past config.shutdown.timeoutMs the process
  // ends anyway (close-with-grace exits 1). An uncaught error or rejection is logged through the logger, then the
  // same path runs.
  closeWithGrace(
    {
      delay: config.shutdown.timeoutMs,
      logger: { error: (message: unknown, ...rest: unknown[]) => app.log.error({ rest }, String(message)) },
    },
    async ({ signal, err }) => {
      draining = true;
      if (err) app.log.error({ err }, 'uncaught error: shutting down');
      else app.log.info({ signal, drainMs: config.shutdown.drainMs }, 'shutting down');
      clearInterval(janitor);
      clearInterval(birthdays);
      if (config.shutdown.drainMs > 0) await new Promise((resolve) => setTimeout(resolve, config.shutdown.drainMs));
      await app.close();
      uploadPacer.close();
      await sessionListener?.close();
      await runtime.close();
      app.log.info('stopped');
    },
  );

  await app.listen({ port: config.port, host: config.host });
  const lines = [`\n  ${config.brand.name} · member area running at ${config.publicUrl}`];
  if (config.devMailbox) lines.push(`  Development mailbox: ${config.publicUrl}/dev/mailbox`);
  if (config.demoData) {
    lines.push(...demoBannerLines(todayIn(config.timeZone, runtime.clock.now())));
  }
  console.log(lines.join('\n') + '\n');
}
