import { randomUUID } from 'node:crypto';
import type { Clock } from '../../clock.js';
import type { Db } from '../db/database.js';
import type { Metrics } from '../metrics/metrics.js';
import type { OutboxMessage } from '../db/tables.js';
import { SEND_CONCURRENCY, type Transport } from './channels/transport.js';
import { claimDueMessages, markFailedAttempt, markSent, openMessage, releaseClaims } from './outbox.repository.js';
import type { SecretBox } from '../crypto/secret-box.js';

export interface DispatcherOptions {
  db: Db;
  clock: Clock;
  /** Opens the sealed subject and bodies just before sending (R29). */
  box: SecretBox;
  transports: { email: Transport; sms: Transport };
  workerId?: string;
  batchSize?: number;
  maxAttempts?: number;
  /** Messages of a batch sent at the same time (default SEND_CONCURRENCY). */
  concurrency?: number;
  /** How long a claimed message stays reserved for this worker; longer than any transport timeout. */
  leaseMs?: number;
  onError?: (err: unknown, message?: OutboxMessage) => void;
  metrics?: Metrics;
}

export interface DispatchReport {
  sent: number;
  retried: number;
  failed: number;
}

/** Back-off after the n-th failed attempt: 30 s, 1 min, 2 min … capped at one hour. */
export function backoffMs(attempt: number): number {
  return Math.min(30_000 * 2 ** Math.max(0, attempt - 1), 3_600_000);
}

export interface Dispatcher {
  runOnce(): Promise<DispatchReport>;
  /** Drains everything due now (used by the CLI and tests). */
  drain(): Promise<DispatchReport>;
  start(pollMs: number): void;
  /** Asks for a run soon (after a commit that queued something), without waiting for the next poll. */
  kick(): void;
  stop(): Promise<void>;
}

/** The outbox worker (R25): claims due messages, sends them, retries with back-off, gives up after maxAttempts. */
export function createDispatcher(opts: DispatcherOptions): Dispatcher {
  const workerId = opts.workerId ?? randomUUID();
  const batchSize = opts.batchSize ?? 20;
  const concurrency = Math.max(1, opts.concurrency ?? SEND_CONCURRENCY);
  const maxAttempts = opts.maxAttempts ?? 8;
  const leaseMs = opts.leaseMs ?? 5 * 60_000;
  const kysely = opts.db.kysely;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<DispatchReport> | undefined;
  let stopped = false;

  async function deliver(message: OutboxMessage, report: DispatchReport): Promise<void> {
    const transport = message.channel === 'sms' ? opts.transports.sms : opts.transports.email;
    try {
      await transport.send(openMessage(opts.box, message));
    } catch (err) {
      const attempt = message.attempts + 1;
      const next =
        attempt >= maxAttempts ? null : new Date(opts.clock.now().getTime() + backoffMs(attempt)).toISOString();
      // A transport may throw something that is not an Error: it still counts as a failed attempt.
      const reason = err instanceof Error ? err.message : String(err);
      await markFailedAttempt(kysely, message.id, workerId, reason, next);
      if (next) report.retried++;
      else report.failed++;
      opts.metrics?.outboxFailures.inc({ channel: message.channel, final: String(next === null) });
      opts.onError?.(err, message);
      return;
    }
    await markSent(kysely, message.id, workerId, transport.name, opts.clock.now().toISOString(), transport.keepsBodies);
    report.sent++;
    opts.metrics?.outboxSent.inc({ channel: message.channel });
  }

  async function runOnceInner(): Promise<DispatchReport> {
    const report: DispatchReport = { sent: 0, retried: 0, failed: 0 };
    const now = opts.clock.now();
    const batch = await claimDueMessages(
      kysely,
      opts.db.dialect === 'postgres',
      workerId,
      now.toISOString(),
      new Date(now.getTime() + leaseMs).toISOString(),
      batchSize,
    );
    // A batch sent one message at a time can outlast the lease (a slow mail server); past half the lease the rest
    // is given back rather than sent after another node may have claimed it, which would send it twice. A node
    // that is stopping gives the rest back too, so the other nodes send it at once.
    const halfLease = now.getTime() + leaseMs / 2;
    // A few messages are sent at a time (issue 20): one after another, a mail server 50 ms away capped a node at
    // 20 emails a second, and sign-in codes queued behind each other. Each sender takes the next message in turn.
    let next = 0;
    const given: number[] = [];
    const sender = async () => {
      while (next < batch.length) {
        const message = batch[next++]!;
        if (stopped || opts.clock.now().getTime() >= halfLease) {
          given.push(message.id);
          continue;
        }
        await deliver(message, report);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, batch.length) }, sender));
    if (given.length) await releaseClaims(kysely, given, workerId);
    return report;
  }

  function runOnce(): Promise<DispatchReport> {
    // One run at a time per process; a second caller shares the run in progress.
    running ??= runOnceInner().finally(() => {
      running = undefined;
    });
    return running;
  }

  async function drain(): Promise<DispatchReport> {
    const total: DispatchReport = { sent: 0, retried: 0, failed: 0 };
    for (;;) {
      const r = await runOnce();
      total.sent += r.sent;
      total.retried += r.retried;
      total.failed += r.failed;
      // stop() ends a drain in progress too: it only waits for the current run, and the database may close next.
      if (r.sent + r.retried + r.failed === 0 || stopped) return total;
    }
  }

  const tick = () => {
    if (stopped) return;
    drain()
      .catch((err: unknown) => opts.onError?.(err))
      .finally(() => {
        if (!stopped && timer) timer.refresh();
      });
  };

  return {
    runOnce,
    drain,
    start(pollMs) {
      stopped = false;
      timer = setTimeout(tick, pollMs);
      timer.unref();
    },
    kick() {
      if (!stopped && timer) setImmediate(tick);
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}
