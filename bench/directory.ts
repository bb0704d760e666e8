import { Agent, get } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { BENCH_CITIES, BENCH_SPECIALTIES, sequence } from './provider-feed.js';
import { ROOT, cpuMeter, runMeasured, startPortal } from './servers.js';

// R34 and PRODUCT §5 on a directory of generated providers (bench/provider-feed.ts): the import's rate and peak
// memory, then three kinds of search on /directory, each first at full speed (its peak) and then at 80% of that
// peak, where its p95 is read (PRODUCT §5: under 50 ms). Latency is timed from each request's scheduled start, so
// a slow answer delays no measurement (no coordinated omission).

export interface SearchFigures {
  peakPerSecond: number;
  at80PerSecond: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  /** Server CPU per search at 80% of peak. */
  serverCpuMs: number;
  otherCores: number;
  errors: number;
  non200: number;
}

export interface DirectoryResult {
  providers: number;
  importSeconds: number;
  importRowsPerSecond: number;
  importPeakRssMb: number;
  specialtyCity?: SearchFigures | { error: string };
  nameFragment?: SearchFigures | { error: string };
  postalCodeDistance?: SearchFigures | { error: string };
}

const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;
const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

/** The three kinds of search, each a rotating list of URLs a member could type (folded, as people type them). */
export function searchPaths(): Record<'specialtyCity' | 'nameFragment' | 'postalCodeDistance', string[]> {
  const random = sequence(7);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const q = (params: Record<string, string>) => `/directory?${new URLSearchParams(params).toString()}`;
  const fragments = ['nune', 'garc', 'martin', 'perez', 'gomez ortiz', 'muno', 'clinica dental', 'sanchez vidal'];
  return {
    specialtyCity: Array.from({ length: 200 }, () =>
      q({ specialty: pick(BENCH_SPECIALTIES), place: fold(pick(BENCH_CITIES)[0]) }),
    ),
    nameFragment: Array.from({ length: 200 }, () => q({ q: pick(fragments) })),
    postalCodeDistance: Array.from({ length: 200 }, () => {
      const city = pick(BENCH_CITIES);
      return q({ near: `${city[2]}${String(1 + Math.floor(random() * 5)).padStart(3, '0')}` });
    }),
  };
}

interface LoadFigures {
  perSecond: number;
  latencies: number[];
  errors: number;
  non200: number;
}

/** GETs the paths in turn: `connections` at a time as fast as answered, or at `rate` a second (open loop). */
async function load(
  port: number,
  paths: string[],
  opts: { connections: number; seconds: number; rate?: number },
): Promise<LoadFigures> {
  const agent = new Agent({ keepAlive: true, maxSockets: opts.connections * 4 });
  const latencies: number[] = [];
  let errors = 0;
  let non200 = 0;
  let next = 0;
  const one = (scheduled: number) =>
    new Promise<void>((resolve) => {
      const req = get({ host: '127.0.0.1', port, path: paths[next++ % paths.length], agent }, (res) => {
        res.resume();
        res.on('end', () => {
          latencies.push(performance.now() - scheduled);
          if (res.statusCode !== 200) non200++;
          resolve();
        });
      });
      req.on('error', () => {
        errors++;
        resolve();
      });
    });
  const started = performance.now();
  const end = started + opts.seconds * 1000;
  if (!opts.rate) {
    await Promise.all(
      Array.from({ length: opts.connections }, async () => {
        while (performance.now() < end) await one(performance.now());
      }),
    );
  } else {
    const interval = 1000 / opts.rate;
    const inFlight = new Set<Promise<void>>();
    let due = started;
    while (performance.now() < end) {
      while (due <= performance.now()) {
        const p = one(due);
        inFlight.add(p);
        void p.then(() => inFlight.delete(p));
        due += interval;
      }
      await sleep(1);
    }
    await Promise.all(inFlight);
  }
  agent.destroy();
  return { perSecond: latencies.length / ((performance.now() - started) / 1000), latencies, errors, non200 };
}

const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN;

async function searchFigures(
  port: number,
  pid: number,
  paths: string[],
  opts: { connections: number; seconds: number },
): Promise<SearchFigures> {
  await load(port, paths, { connections: opts.connections, seconds: 1 }); // warm-up: plans, caches, JIT
  const peak = await load(port, paths, opts);
  const rate = peak.perSecond * 0.8;
  const cpu = cpuMeter([pid]);
  const at80 = await load(port, paths, { ...opts, rate });
  const used = cpu.stop();
  const sorted = [...at80.latencies].sort((a, b) => a - b);
  return {
    peakPerSecond: round(peak.perSecond),
    at80PerSecond: round(at80.perSecond),
    p50Ms: round(percentile(sorted, 50)),
    p95Ms: round(percentile(sorted, 95)),
    p99Ms: round(percentile(sorted, 99)),
    serverCpuMs: round((used.server * 1000) / Math.max(1, at80.latencies.length), 2),
    otherCores: used.otherCores,
    errors: peak.errors + at80.errors,
    non200: peak.non200 + at80.non200,
  };
}

/** Imports `feed` (of `rows` providers) into the target's database, then measures the three searches on it. */
export async function directoryRun(opts: {
  feed: string;
  rows: number;
  env: Record<string, string>;
  logFile: string;
  connections: number;
  seconds: number;
  phase: <T>(name: string, fn: () => Promise<T>) => Promise<T | { error: string }>;
}): Promise<DirectoryResult> {
  const run = await runMeasured([`${ROOT}/dist/src/cli.js`, 'providers', 'import', opts.feed], opts.env, opts.logFile);
  const summary = /^Imported .*$/m.exec(run.output)?.[0] ?? '';
  if (run.code !== 0 || !summary.startsWith(`Imported ${opts.rows} providers: ${opts.rows} new`))
    throw new Error(`providers import exited ${run.code}: ${summary || run.output.slice(-500)}`);
  const result: DirectoryResult = {
    providers: opts.rows,
    importSeconds: round(run.seconds),
    importRowsPerSecond: Math.round(opts.rows / run.seconds),
    importPeakRssMb: round(run.peakRssMb),
  };
  const portal = await startPortal(opts.env, opts.logFile);
  try {
    const paths = searchPaths();
    for (const kind of ['specialtyCity', 'nameFragment', 'postalCodeDistance'] as const)
      result[kind] = await opts.phase(`directory: ${kind}`, () =>
        searchFigures(portal.port, portal.pid, paths[kind], opts),
      );
  } finally {
    await portal.stop();
  }
  return result;
}
