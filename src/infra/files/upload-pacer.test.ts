import assert from 'node:assert/strict';
import { setImmediate as turn } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { createUploadPacer, nextRate, PACER_DEFAULTS, processSignals, type PageSignals } from './upload-pacer.js';

// R31, PRODUCT §5: the node reads uploaded bytes at a rate shared by every upload, halved when pages waited and raised
// when only uploads did; files are stored one at a time. Time here is a manual clock: a wait moves it forward.

const MB = 1_000_000;
const CHUNK = 64 * 1024;

/**
 * A pacer on a virtual clock, with signals the test sets: a wait is a wake-up time, and the clock jumps to the
 * earliest one once everything else has run, so uploads read at once overlap as they would in real time.
 */
function paced(signals: { late: number; waiting: number }, options: Partial<typeof PACER_DEFAULTS> = {}) {
  let now = 0;
  const sleepers: { at: number; wake: () => void }[] = [];
  const page: PageSignals = { loopDelayMs: () => signals.late, waitingForDatabase: () => signals.waiting };
  const pacer = createUploadPacer({
    ...options,
    signals: page,
    now: () => now,
    wait: (ms) => new Promise<void>((wake) => sleepers.push({ at: now + ms, wake })),
  });
  /** Reads `bytes` as one upload would, chunk by chunk; resolves with the time it took. */
  async function readOne(bytes: number): Promise<number> {
    const started = now;
    for (let left = bytes; left > 0; left -= CHUNK) {
      const wait = pacer.take(Math.min(CHUNK, left));
      if (wait) await wait;
    }
    return now - started;
  }
  /** Runs uploads of these sizes at once on the virtual clock; each one's time, in ms. */
  async function readAll(...sizes: number[]): Promise<number[]> {
    let done = false;
    const all = Promise.all(sizes.map(readOne)).finally(() => (done = true));
    while (!done) {
      await turn();
      if (done || sleepers.length === 0) continue;
      sleepers.sort((a, b) => a.at - b.at);
      const next = sleepers.shift()!;
      now = Math.max(now, next.at);
      next.wake();
    }
    return all;
  }
  const read = async (bytes: number) => (await readAll(bytes))[0]!;
  return { pacer, read, readAll, elapse: (ms: number) => (now += ms) };
}

describe('upload pacer (R31, PRODUCT §5)', () => {
  test('the rate: halved when pages waited, never under the floor; raised by a step when only uploads waited, never over the ceiling', () => {
    const limits = { minRate: 1 * MB, maxRate: 8 * MB, step: 1 * MB };
    assert.equal(nextRate(8 * MB, { pagesWaited: true, uploadsWaited: true }, limits), 4 * MB);
    assert.equal(nextRate(1.5 * MB, { pagesWaited: true, uploadsWaited: false }, limits), 1 * MB);
    assert.equal(nextRate(4 * MB, { pagesWaited: false, uploadsWaited: true }, limits), 5 * MB);
    assert.equal(nextRate(7.5 * MB, { pagesWaited: false, uploadsWaited: true }, limits), 8 * MB);
    assert.equal(nextRate(4 * MB, { pagesWaited: false, uploadsWaited: false }, limits), 4 * MB, 'no upload waited');
  });

  test('with nothing waiting, one 10 MB file goes at the start rate and the rate grows while it waits', async () => {
    const { pacer, read } = paced({ late: 0, waiting: 0 });
    const ms = await read(10 * MB);
    // 10 MB at 16 MB/s is 625 ms; the rate grows by a step every 100 ms, so it takes less, but not less than at the
    // rate it reached.
    assert.ok(ms < 625 && ms > (10 * MB * 1000) / pacer.rate() - PACER_DEFAULTS.burstMs, `${ms} ms`);
    assert.ok(pacer.rate() > PACER_DEFAULTS.startRate, 'raised');
  });

  test('a late event loop halves the rate down to the floor, and uploads still advance at it', async () => {
    const signals = { late: 0, waiting: 0 };
    const { pacer, read } = paced(signals);
    await read(2 * MB);
    signals.late = 300;
    await read(4 * MB);
    assert.equal(pacer.rate(), PACER_DEFAULTS.minRate);
    const ms = await read(1 * MB);
    assert.ok(Math.abs(ms - 1000) < 60, `1 MB at the floor of 1 MB/s took ${ms} ms`);
  });

  test('a request waiting for a database connection halves it too; once nothing waits it climbs again', async () => {
    const signals = { late: 0, waiting: 3 };
    const { pacer, read } = paced(signals);
    await read(6 * MB);
    const low = pacer.rate();
    assert.ok(low < PACER_DEFAULTS.startRate / 4, `${low}`);
    signals.waiting = 0;
    await read(3 * MB);
    assert.ok(pacer.rate() > low);
  });

  test("a late loop under the threshold (a page's own work) is no reason to slow down", async () => {
    const { pacer, read } = paced({ late: PACER_DEFAULTS.lateMs - 1, waiting: 0 });
    await read(5 * MB);
    assert.ok(pacer.rate() >= PACER_DEFAULTS.startRate);
  });

  test('twenty uploads at once share the rate: together they take what one file of their sum would', async () => {
    const { pacer, readAll } = paced({ late: 0, waiting: 0 }, { step: 0 });
    const times = await readAll(...Array.from({ length: 20 }, () => 1 * MB));
    const longest = Math.max(...times);
    const expected = (20 * MB * 1000) / pacer.rate();
    assert.ok(Math.abs(longest - expected) < 100, `${longest} ms against ${expected}`);
    // First come, first served, chunk by chunk: none waits for another to finish; they advance together (the first
    // began alone, within the burst allowance, and is ahead).
    const rest = times.slice(1);
    assert.ok(Math.max(...rest) - Math.min(...rest) < expected * 0.05, `together: ${rest.join(', ')}`);
  });

  test('after a quiet spell the rate starts again from the start rate, not from the floor the last burst left', async () => {
    const signals = { late: 300, waiting: 0 };
    const { pacer, read, elapse } = paced(signals);
    await read(5 * MB);
    assert.equal(pacer.rate(), PACER_DEFAULTS.minRate);
    signals.late = 0;
    elapse(60_000);
    await read(CHUNK);
    assert.equal(pacer.rate(), PACER_DEFAULTS.startRate);
  });

  test('the store lane: one store at a time, in order; a failed store passes the lane on', async () => {
    const pacer = createUploadPacer({ signals: { loopDelayMs: () => 0, waitingForDatabase: () => 0 } });
    const log: string[] = [];
    let running = 0;
    const store = (name: string, fail = false) =>
      pacer.store(async () => {
        running += 1;
        assert.equal(running, 1, `${name} runs alone`);
        log.push(`${name} starts`);
        await turn();
        await turn();
        log.push(`${name} ends`);
        running -= 1;
        if (fail) throw new Error(`${name} failed`);
        return name;
      });
    const results = await Promise.allSettled([store('a', true), store('b'), store('c')]);
    assert.deepEqual(log, ['a starts', 'a ends', 'b starts', 'b ends', 'c starts', 'c ends']);
    assert.equal(results[0]!.status, 'rejected');
    assert.deepEqual(
      results.slice(1).map((r) => (r.status === 'fulfilled' ? r.value : r.reason)),
      ['b', 'c'],
    );
    // The lane is free again.
    assert.equal(await pacer.store(async () => 'd'), 'd');
  });

  test('the lane passes on through the event loop: I/O ready in between (a page) runs before the next store', async () => {
    const pacer = createUploadPacer({ signals: { loopDelayMs: () => 0, waitingForDatabase: () => 0 } });
    const log: string[] = [];
    const first = pacer.store(async () => {
      log.push('store 1');
      // A page's request arrives while the first file is stored.
      setImmediate(() => log.push('page'));
    });
    const second = pacer.store(async () => {
      log.push('store 2');
    });
    await Promise.all([first, second]);
    assert.deepEqual(log, ['store 1', 'page', 'store 2']);
  });

  test('files waiting for the lane slow the reading down: read faster than stored, they would pile up in memory', async () => {
    let now = 0;
    const pacer = createUploadPacer({
      signals: { loopDelayMs: () => 0, waitingForDatabase: () => 0 },
      now: () => now,
      wait: async (ms) => {
        now += ms;
      },
    });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const stores = [pacer.store(() => held), pacer.store(async () => {}), pacer.store(async () => {})];
    const before = pacer.rate();
    now += 200;
    pacer.take(CHUNK);
    assert.equal(pacer.rate(), before / 2);
    release();
    await Promise.all(stores);
  });

  test('processSignals: a blocked event loop is reported late; the pool queue is passed through', async () => {
    let waiting = 0;
    const signals = processSignals(() => ({ waiting }));
    try {
      assert.equal(signals.loopDelayMs(), 0, 'the first call starts watching');
      await new Promise((resolve) => setTimeout(resolve, 30));
      const blockedUntil = performance.now() + 150;
      while (performance.now() < blockedUntil);
      await new Promise((resolve) => setTimeout(resolve, 30));
      assert.ok(signals.loopDelayMs() > PACER_DEFAULTS.lateMs, 'a 150 ms block is late');
      waiting = 2;
      assert.equal(signals.waitingForDatabase(), 2);
    } finally {
      signals.close?.();
    }
  });
});
