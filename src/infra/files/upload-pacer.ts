import { setTimeout as sleep } from 'node:timers/promises';

// PRODUCT §5, R31: twenty members sending 10 MB files at once must keep every page quick (`/area` p99 < 100 ms).
// Received at the speed they arrive (a LAN, a proxy's buffer), files take the node's event loop (multipart parsing,
// the SHA-256 and the sealing: several ms per MB), the database's writer (SQLite copies each file into its log in one
// commit; PostgreSQL cuts it into thousands of TOAST rows) and its connections. Measured before this pacer: /area's
// p99 went from about 25 ms to 3–5 s on both databases, with the event loop late by up to a second (SQLite) or pages
// queued for a pool connection held by an upload (PostgreSQL).
//
// So the node reads uploaded bytes at a rate of its own, shared by every upload in flight (first come, first served,
// chunk by chunk), and adapts that rate to what pages feel, as TCP adapts to a network (AIMD): every tick it is
// halved when the event loop was late or a request waited for a database connection, and raised by a step when
// nothing waited and uploads did. A paused upload is simply not read: its socket's buffers fill and the sender slows
// down (TCP back-pressure); nothing more is held in memory. A fixed rate would not do: the rate at which pages start
// to suffer moved from 24 to under 18 MB/s between two runs on PostgreSQL on the same machine (bench/README.md).
//
// Slow senders (a phone on a train) are not held up by anything but their own network: they take little of the
// rate. No upload is ever stopped; at the floor rate, 20 uploads at once still each advance.

/** What the pacer watches: what a page would have felt since the last tick. */
export interface PageSignals {
  /** The longest the event loop was late since the last call, in ms (and the measure starts again). */
  loopDelayMs(): number;
  /** Requests waiting for a database connection right now (PostgreSQL's pool; always 0 on SQLite). */
  waitingForDatabase(): number;
  close?(): void;
}

export interface PacerOptions {
  signals: PageSignals;
  /** Bytes per second at the start and after a quiet spell. */
  startRate?: number;
  /** Never slower than this: a paced upload always advances. */
  minRate?: number;
  /** Never faster than this. */
  maxRate?: number;
  /** Added to the rate each tick in which uploads waited and pages did not. */
  step?: number;
  /** How often the rate is reconsidered, in ms. */
  tickMs?: number;
  /** The event loop late by more than this (ms) means pages waited. */
  lateMs?: number;
  /** How far ahead of the rate a burst may read without waiting, in ms of the rate. */
  burstMs?: number;
  now?: () => number;
  wait?: (ms: number) => Promise<unknown>;
}

export interface UploadPacer {
  /**
   * Called before an upload's chunk of `bytes` is used: undefined when it may go at once, else a promise that
   * resolves when its turn comes. Every part of an uploaded body goes through it, kept or drained.
   */
  take(bytes: number): Promise<unknown> | undefined;
  /**
   * Runs a transaction that stores files, one at a time on this node: each waits for the one before, and takes its
   * turn only after the event loop has had a turn of its own (pages go in between). On PostgreSQL it keeps the pool's
   * other connections for pages; on SQLite writes are one at a time anyway. Uploads waiting here slow the reading.
   */
  store<T>(run: () => Promise<T>): Promise<T>;
  /** The current rate in bytes per second (the metric `member_area_upload_rate_bytes`, the tests). */
  rate(): number;
  close(): void;
}

const MB = 1_000_000;
const QUIET_MS = 1_000;
export const PACER_DEFAULTS = {
  startRate: 16 * MB,
  minRate: 1 * MB,
  maxRate: 200 * MB,
  step: 0.5 * MB,
  tickMs: 100,
  lateMs: 25,
  burstMs: 50,
} as const;

/** The rate after one tick: halved when pages waited, raised by a step when only uploads did (pure, R31). */
export function nextRate(
  rate: number,
  tick: { pagesWaited: boolean; uploadsWaited: boolean },
  limits: { minRate: number; maxRate: number; step: number },
): number {
  if (tick.pagesWaited) return Math.max(limits.minRate, rate / 2);
  if (tick.uploadsWaited) return Math.min(limits.maxRate, rate + limits.step);
  return rate;
}

export function createUploadPacer(options: PacerOptions): UploadPacer {
  const o = { ...PACER_DEFAULTS, ...options };
  const now = options.now ?? (() => performance.now());
  const wait = options.wait ?? ((ms: number) => sleep(ms));
  let rate = o.startRate;
  // The schedule: the time at which the bytes taken so far have all had their turn at the current rate (GCRA).
  let due = 0;
  let lastTick = now();
  let lastTake = lastTick;
  let uploadsWaited = false;
  // The store lane: whether a store runs, and who waits for it, in order.
  let storing = false;
  const waiting: (() => void)[] = [];

  function reconsider(at: number): void {
    // A quiet spell (no upload read for a second): start again from the start rate, not from what the last burst left.
    if (at - lastTake > QUIET_MS) {
      rate = Math.max(rate, o.startRate);
      uploadsWaited = false;
    }
    lastTake = at;
    if (at - lastTick < o.tickMs) return;
    // Files read faster than they can be stored wait in memory: as good as a page waiting.
    const pagesWaited = o.signals.loopDelayMs() > o.lateMs || o.signals.waitingForDatabase() > 0 || waiting.length >= 2;
    rate = nextRate(rate, { pagesWaited, uploadsWaited }, o);
    uploadsWaited = false;
    lastTick = at;
  }

  return {
    take(bytes) {
      const at = now();
      reconsider(at);
      due = Math.max(due, at) + (bytes / rate) * 1000;
      const ahead = due - at - o.burstMs;
      if (ahead <= 0) return undefined;
      uploadsWaited = true;
      return wait(ahead);
    },
    async store(run) {
      if (storing) await new Promise<void>((resolve) => waiting.push(resolve));
      else storing = true;
      try {
        return await run();
      } finally {
        // The lane passes on through setImmediate: whatever I/O is ready (a page's request) runs first.
        const next = waiting.shift();
        if (next) setImmediate(next);
        else storing = false;
      }
    },
    // After a quiet second the next upload starts at the start rate (reconsider): say so already.
    rate: () => (now() - lastTake > QUIET_MS ? Math.max(rate, o.startRate) : rate),
    close: () => o.signals.close?.(),
  };
}

/** Runs a file-storing transaction in the pacer's store lane, or at once where the node has no pacer (tests). */
export function inStoreLane<T>(pacer: UploadPacer | undefined, run: () => Promise<T>): Promise<T> {
  return pacer ? pacer.store(run) : run();
}

/**
 * The signals of this process: its event loop, and the database pool's queue when there is one. The event loop is
 * watched by a plain 20 ms timer, only while uploads are read (from the first call until two seconds pass without
 * one): how late its ticks come is how late the event loop is. Nothing runs while no upload does.
 */
export function processSignals(pool?: () => { waiting: number }): PageSignals {
  const EVERY_MS = 20;
  let probe: NodeJS.Timeout | undefined;
  let last = 0;
  let worst = 0;
  let lastCall = 0;
  const stop = () => {
    clearInterval(probe);
    probe = undefined;
  };
  return {
    loopDelayMs() {
      const now = performance.now();
      lastCall = now;
      if (!probe) {
        last = now;
        worst = 0;
        probe = setInterval(() => {
          const at = performance.now();
          worst = Math.max(worst, at - last - EVERY_MS);
          last = at;
          if (at - lastCall > 2_000) stop();
        }, EVERY_MS);
        probe.unref();
        return 0;
      }
      // A tick still waiting counts too: the loop may be blocked right now.
      const late = Math.max(worst, now - last - EVERY_MS);
      worst = 0;
      return late;
    },
    waitingForDatabase: () => pool?.().waiting ?? 0,
    close: stop,
  };
}
