import { resolve } from 'node:path';
import { mainTicks } from './main-thread.js';

// Issue 32: R9's counters alone, in two or more builds in one process: each turn runs, for ATTEMPTS sign-in attempts,
// what one step of a sign-in does with them (beginAttempt: the counters taken and the pause read; withdraw: the
// counters given back) and nothing else, and measures the main thread's CPU (from /proc, as ab-inprocess.ts does).
// The builds take turns, A B then B A; a narrower A/B than a whole sign-in's, on a machine too busy for small
// differences in the whole to show.
//
//   node dist/bench/ab-throttle.js sqlite|postgres DIR_A,DIR_B[,…] [rounds]   (ATTEMPTS=400 a turn)

/* eslint-disable @typescript-eslint/no-explicit-any */
type Any = any;

const kind = process.argv[2] ?? 'sqlite';
const dirs = (process.argv[3] ?? '').split(',').filter(Boolean);
const rounds = Number(process.argv[4] ?? 10);
const attempts = Number(process.env.ATTEMPTS ?? 400);
if (dirs.length === 0) throw new Error('usage: ab-throttle.js sqlite|postgres DIR_A,DIR_B[,…] [rounds]');

interface Variant {
  dir: string;
  db: Any;
  clock: Any;
  throttle: Any;
  perAttemptUs: number[];
}

const variants: Variant[] = [];
for (const dir of dirs) {
  const dist = resolve(dir, 'dist');
  const { freshDatabase } = await import(`${dist}/test/helpers/databases.js`);
  const { ManualClock } = await import(`${dist}/src/clock.js`);
  const throttle = await import(`${dist}/src/identity/sign-in-throttle.js`);
  variants.push({ dir, db: await freshDatabase(kind), clock: new ManualClock(), throttle, perAttemptUs: [] });
}

/** One step's counters: taken, the pause read, given back (a right answer), for `attempts` usernames in turn. */
async function turn(v: Variant): Promise<number> {
  v.clock.advanceMinutes(61);
  await v.db.kysely.deleteFrom('rate_limits').execute();
  const t0 = mainTicks();
  for (let i = 0; i < attempts; i++) {
    const gate = await v.throttle.beginAttempt(v.db.kysely, v.clock, v.throttle.MEMBER_SIGN_IN, `user${i % 40}`, {
      ip: `10.7.0.${i % 200}`,
    });
    if (gate.kind !== 'open') throw new Error(gate.kind);
    await gate.attempt.withdraw();
  }
  return ((mainTicks() - t0) * 10_000) / attempts;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
for (const v of variants) await turn(v); // warm-up
for (let r = 0; r < rounds; r++) {
  for (const v of r % 2 ? [...variants].reverse() : variants) {
    const us = await turn(v);
    v.perAttemptUs.push(us);
    console.error(`round ${r} ${v.dir}: ${us.toFixed(1)} µs`);
  }
}
for (const v of variants)
  console.log(JSON.stringify({ kind, dir: v.dir, attemptMainUs: median(v.perAttemptUs), rounds: v.perAttemptUs }));
for (const v of variants) await v.db.close();
process.exit(0);
