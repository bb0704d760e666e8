import { randomUUID } from 'node:crypto';
import type { Clock } from '../../clock.js';
import type { Db } from '../db/database.js';
import type { Metrics } from '../metrics/metrics.js';
import type { OutboxMessage } from '../db/tables.js';
import { SEND_CONCURRENCY, type Transport } from './channels/transport.js';
import {
  claimDueMessages,
  markFailedAttempt,
  markSent,
  openMessage,
  releaseClaims,
  renewClaims,
} from './outbox.repository.js';
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
  /** How long a claim lasts unless renewed; a live worker renews its claims every `heartbeatMs` while it sends. */
  leaseMs?: number;
  /** How often a worker renews the claims it holds (default a quarter of the lease). */
  heartbeatMs?: number;
  onError?: (err: unknown, message?: OutboxMessage) => void;
  metrics?: Metrics;
}

/**
 * The mail server or gateway accepted a message, but recording it as sent failed (the database connection was lost):
 * the worker keeps its claim and records it again, rather than let the message be delivered a second time (issue 33).
 */
export class AcceptedNotRecorded extends Error {
  constructor(
    readonly messageId: number,
    cause: unknown,
  ) {
    super(`message ${messageId} was accepted by the transport; recording it as sent failed and will be retried`, {
      cause,
    });
    this.name = 'AcceptedNotRecorded';
  }
}

/** The default lease (issue 33): short, because a live worker renews it; a dead node's claims free up within it. */
export const DEFAULT_LEASE_MS = 20_000;

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
  const leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
  const heartbeatMs = opts.heartbeatMs ?? leaseMs / 4;
  const kysely = opts.db.kysely;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<DispatchReport> | undefined;
  let stopped = false;
  // Issue 33. The claims this worker holds and has not settled, and until when its lease on them was last written.
  const held = new Set<number>();
  let heldUntil = 0;
  // Messages the transport accepted whose "sent" could not be recorded yet: still claimed (and renewed) by this
  // worker, so no node sends them again while it retries the record.
  const accepted = new Map<number, { transport: string; at: string; keepsBodies: boolean }>();

  /** Renews the lease on every claim held; a claim another node took meanwhile is dropped, not sent. */
  async function renew(): Promise<void> {
    const ids = [...held, ...accepted.keys()];
    if (ids.length === 0) return;
    const until = opts.clock.now().getTime() + leaseMs;
    const kept = new Set(await renewClaims(kysely, ids, workerId, new Date(until).toISOString()));
    for (const id of held) if (!kept.has(id)) held.delete(id);
    heldUntil = until;
  }

  /** Records as sent what the transport accepted; what still fails stays in `accepted` for the next try. */
  async function recordAccepted(): Promise<void> {
    for (const [id, a] of accepted) {
      try {
        await markSent(kysely, id, workerId, a.transport, a.at, a.keepsBodies);
        accepted.delete(id);
      } catch (err) {
        opts.onError?.(new AcceptedNotRecorded(id, err));
      }
    }
  }

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
      held.delete(message.id);
      await markFailedAttempt(kysely, message.id, workerId, reason, next);
      if (next) report.retried++;
      else report.failed++;
      opts.metrics?.outboxFailures.inc({ channel: message.channel, final: String(next === null) });
      opts.onError?.(err, message);
      return;
    }
    // Accepted: from here the message is never handed to a transport again by this worker; if the record fails, the
    // claim stays held and renewed while it is retried (at-least-once only if this node dies before it succeeds).
    held.delete(message.id);
    accepted.set(message.id, {
      transport: transport.name,
      at: opts.clock.now().toISOString(),
      keepsBodies: transport.keepsBodies === true,
    });
    await recordAccepted();
    report.sent++;
    opts.metrics?.outboxSent.inc({ channel: message.channel });
  }

  async function runOnceInner(): Promise<DispatchReport> {
    const report: DispatchReport = { sent: 0, retried: 0, failed: 0 };
    if (accepted.size) {
      await recordAccepted();
      if (accepted.size) await renew().catch((err: unknown) => opts.onError?.(err));
    }
    const now = opts.clock.now();
    const batch = await claimDueMessages(
      kysely,
      opts.db.dialect === 'postgres',
      workerId,
      now.toISOString(),
      new Date(now.getTime() + leaseMs).toISOString(),
      batchSize,
    );
    for (const m of batch) held.add(m.id);
    heldUntil = now.getTime() + leaseMs;
    // Issue 33: while this worker sends, it renews its claims every heartbeat, so the lease can be short and a node
    // that dies frees its messages within one lease (not minutes). A renewal that fails (the database cut) is tried
    // again at the next beat.
    const beat = setInterval(() => void renew().catch((err: unknown) => opts.onError?.(err)), heartbeatMs);
    beat.unref();
    // A message is only sent while at least half a lease is left on its claim; otherwise (renewals failing, a slow
    // mail server) the rest is given back rather than sent after another node may have claimed it, which would send
    // it twice. A node that is stopping gives the rest back too, so the other nodes send it at once.
    // A few messages are sent at a time (issue 20): one after another, a mail server 50 ms away capped a node at
    // 20 emails a second, and sign-in codes queued behind each other. Each sender takes the next message in turn.
    let next = 0;
    const given: number[] = [];
    const sender = async () => {
      while (next < batch.length) {
        const message = batch[next++]!;
        if (!held.has(message.id)) continue; // taken by another node after this one's lease ran out
        if (stopped || opts.clock.now().getTime() >= heldUntil - leaseMs / 2) {
          given.push(message.id);
          continue;
        }
        await deliver(message, report);
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(concurrency, batch.length) }, sender));
    } finally {
      clearInterval(beat);
      for (const id of given) held.delete(id);
    }
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
      // One last try to record what the transport accepted, so the next node does not send it again.
      if (accepted.size) await recordAccepted();
    },
  };
}
