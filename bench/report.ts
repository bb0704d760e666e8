import type { Results } from './bench.js';

// The Markdown table of a run: every figure on each database, its target, and whether it was met.

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const KINDS = [
  ['sqlite', 'SQLite'],
  ['postgres', 'PostgreSQL'],
] as const;
type Kind = (typeof KINDS)[number][0];

const fmt = (n: unknown, digits = 1) =>
  typeof n === 'number' && Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits }) : '–';
const pass = (ok: boolean | undefined) => (ok === undefined ? '–' : ok ? '✅' : '❌');

interface Row {
  figure: string;
  cell(r: Any): string;
  target?: string;
  /** Whether the figure met its target on database `kind` (some targets differ between the two). */
  ok?(r: Any, kind: Kind): boolean | undefined;
}

/** A value, or the phase's error, or a dash when the phase did not run. */
function guard(section: unknown, show: (s: Any) => string): string {
  if (section === undefined) return '–';
  const s = section as Any;
  return s.error ? `error: ${String(s.error).slice(0, 60)}` : show(s);
}

const signInRatio = (r: Any) => (r.signIn?.signInsPerSecond ?? NaN) / (r.ceiling?.verificationsPerSecond ?? NaN);
const pageRatio = (r: Any) => (r.area?.requestsPerSecond ?? NaN) / (r.bare?.requestsPerSecond ?? NaN);
/** `n >= min`, or undefined when a figure is missing. */
const atLeast = (n: number, min: number) => (Number.isFinite(n) ? n >= min : undefined);
/** `n <= max`, or undefined when a figure is missing. */
const atMost = (n: number, max: number) => (Number.isFinite(n) ? n <= max : undefined);
const num = (n: unknown) => (typeof n === 'number' ? n : NaN);
/** PRODUCT §5 (issue 32): a sign-in's server CPU besides its one verification, as a fraction of one verification. */
const besidesHash = (r: Any) =>
  (num(r.signIn?.serverCpuMs) - num(r.ceiling?.verifyCpuMs)) / num(r.ceiling?.verifyCpuMs);
/** PRODUCT §5 (issue 32): the server CPU of one signed-in GET /area as a fraction of one verification. */
const areaShare = (r: Any) => num(r.area?.serverCpuMs) / num(r.ceiling?.verifyCpuMs);
/** The §5 targets per database: [sign-in besides the hash, /area], fractions of one verification's CPU. */
const CPU_TARGETS = { sqlite: [0.5, 0.015], postgres: [0.6, 0.02] } as const;

/**
 * The table; with `before` (an earlier run's latest.json, `BENCH_BEFORE=path`), each database gets a column for it
 * next to this run's, so a change is read in one table (issue 20). The before run is named by its date and commit.
 */
export function markdown(results: Results, before?: Results): string {
  const res = results as Any;
  const old = before as Any | undefined;
  const threads = res.uvThreadpoolSize as number;
  // Parallel on T threads ideally takes ceil(20 / T) verifications' time; half as much again allows for the query and
  // scheduling.
  const parallelBound = 1.5 * Math.ceil(20 / threads);
  const rows: Row[] = [
    {
      figure: `argon2id ceiling: verifications/s (m=19 MiB, t=2, p=1; ${res.sizes.ceilingLoops} loops, in-process)`,
      cell: (r) => guard(r.ceiling, (c) => `${fmt(c.verificationsPerSecond)} (one: ${fmt(c.verifyMs)} ms)`),
    },
    {
      figure: 'Full two-step sign-ins/s through HTTP (ratio to ceiling)',
      cell: (r) =>
        guard(
          r.signIn,
          (s) => `${fmt(s.signInsPerSecond, 2)} (${fmt(signInRatio(r), 2)})${s.errors ? `, ${s.errors} errors` : ''}`,
        ),
      target: '≥ 0.9 of ceiling',
      ok: (r) => atLeast(signInRatio(r), 0.9),
    },
    {
      figure: 'Passkey sign-ins/s through HTTP, no password or code (ratio to two-step sign-ins)',
      cell: (r) =>
        guard(
          r.passkeySignIn,
          (s) =>
            `${fmt(s.signInsPerSecond, 2)} (${fmt(s.signInsPerSecond / (r.signIn?.signInsPerSecond ?? NaN), 1)}×)${s.errors ? `, ${s.errors} errors` : ''}`,
        ),
    },
    {
      figure: 'Passkey sign-in latency p50 / p99; CPU server / client',
      cell: (r) =>
        guard(
          r.passkeySignIn,
          (s) => `${fmt(s.p50Ms, 0)} / ${fmt(s.p99Ms, 0)} ms; ${fmt(s.serverCpuMs)} / ${fmt(s.clientCpuMs)} ms`,
        ),
    },
    {
      figure: 'OpenID token endpoint: refresh grants/s through HTTP (× two-step sign-ins; × ceiling)',
      cell: (r) =>
        guard(
          r.oidcRefresh,
          (o) =>
            `${fmt(o.refreshesPerSecond, 0)} (${fmt(o.refreshesPerSecond / (r.signIn?.signInsPerSecond ?? NaN), 1)}×; ` +
            `${fmt(o.refreshesPerSecond / (r.ceiling?.verificationsPerSecond ?? NaN), 1)}×)${o.errors ? `, ${o.errors} errors` : ''}`,
        ),
      target: '≥ 10× sign-ins',
      ok: (r) => atLeast((r.oidcRefresh?.refreshesPerSecond ?? NaN) / (r.signIn?.signInsPerSecond ?? NaN), 10),
    },
    {
      figure: 'Refresh grant latency p50 / p99; CPU per refresh server (event loop + other threads) / client',
      cell: (r) =>
        guard(
          r.oidcRefresh,
          (o) =>
            `${fmt(o.p50Ms, 0)} / ${fmt(o.p99Ms, 0)} ms; ${fmt(o.serverCpuMs, 2)} (${fmt(o.serverMainCpuMs, 2)} + ` +
            `${fmt(o.serverCpuMs - o.serverMainCpuMs, 2)}) / ${fmt(o.clientCpuMs, 2)} ms`,
        ),
    },
    {
      figure: 'Sign-in latency p50 / p99',
      cell: (r) => guard(r.signIn, (s) => `${fmt(s.p50Ms, 0)} / ${fmt(s.p99Ms, 0)} ms`),
    },
    {
      figure: 'Sign-in steps, mean ms: password · send the code · its trip to the inbox · code · the three pages',
      cell: (r) =>
        guard(r.signIn?.steps, (t: Record<string, number>) =>
          [
            t['POST /sign-in'],
            t['POST /sign-in/verify/send'],
            t['the code reaching the inbox'],
            t['POST /sign-in/verify/code'],
            (t['GET /sign-in'] ?? 0) + (t['GET /sign-in/verify'] ?? 0) + (t['GET /sign-in/verify?sent=1'] ?? 0),
          ]
            .map((ms) => fmt(ms, 0))
            .join(' · '),
        ),
    },
    {
      figure: 'CPU per sign-in: server (its event loop + other threads) / client; CPU per verify in the ceiling run',
      cell: (r) =>
        guard(
          r.signIn,
          (s) =>
            `${fmt(s.serverCpuMs)} (${fmt(s.serverMainCpuMs)} + ${fmt(s.serverCpuMs - s.serverMainCpuMs)}) / ` +
            `${fmt(s.clientCpuMs)} ms; ${fmt(r.ceiling?.verifyCpuMs)} ms`,
        ),
    },
    {
      figure:
        'Sign-in server CPU besides its one verification, per verification: (server CPU − verify CPU) / verify CPU',
      cell: (r) =>
        guard(
          r.signIn,
          (s) =>
            `${fmt(besidesHash(r), 2)}× (${fmt(num(s.serverCpuMs) - num(r.ceiling?.verifyCpuMs))} of ${fmt(r.ceiling?.verifyCpuMs)} ms)`,
        ),
      target: `≤ ${CPU_TARGETS.sqlite[0]}× / ≤ ${CPU_TARGETS.postgres[0]}× (PRODUCT §5)`,
      ok: (r, k) => atMost(besidesHash(r), CPU_TARGETS[k][0]),
    },
    { figure: 'Bare Fastify route: requests/s', cell: (r) => guard(r.bare, (b) => fmt(b.requestsPerSecond, 0)) },
    {
      figure: 'Signed-in page GET /area: requests/s (ratio to bare)',
      cell: (r) =>
        guard(
          r.area,
          (a) =>
            `${fmt(a.requestsPerSecond, 0)} (${fmt(pageRatio(r), 2)})${a.non2xx + a.errors ? `, ${a.non2xx + a.errors} bad` : ''}`,
        ),
      target: '≥ 0.4 of bare',
      ok: (r) => atLeast(pageRatio(r), 0.4),
    },
    {
      figure: 'Server CPU per request: /area vs bare route',
      cell: (r) => `${fmt(r.area?.serverCpuMs, 2)} vs ${fmt(r.bare?.serverCpuMs, 3)} ms`,
    },
    {
      figure: 'Server CPU per GET /area as a share of one verification',
      cell: (r) =>
        guard(
          r.area,
          (a) => `${fmt(100 * areaShare(r), 2)} % (${fmt(a.serverCpuMs, 3)} of ${fmt(r.ceiling?.verifyCpuMs)} ms)`,
        ),
      target: `≤ ${100 * CPU_TARGETS.sqlite[1]} % / ≤ ${100 * CPU_TARGETS.postgres[1]} % (PRODUCT §5)`,
      ok: (r, k) => atMost(areaShare(r), CPU_TARGETS[k][1]),
    },
    {
      figure: 'GET /area p99 at 80% of peak',
      cell: (r) => guard(r.area80, (a) => `${fmt(a.p99Ms, 0)} ms at ${fmt(a.requestsPerSecond, 0)}/s`),
      target: '< 50 ms',
      ok: (r) => (r.area80?.p99Ms === undefined ? undefined : r.area80.p99Ms < 50),
    },
    {
      figure: 'Password change: isInHistory (20 hashes) vs one verify',
      cell: (r) =>
        guard(r.passwordChange, (p) => `${fmt(p.ratio, 1)}× (${fmt(p.isInHistoryMs, 0)} vs ${fmt(p.verifyMs, 0)} ms)`),
      target: `in parallel: ≤ ${fmt(parallelBound)}× (${threads} threads)`,
      ok: (r) => (r.passwordChange?.ratio === undefined ? undefined : r.passwordChange.ratio <= parallelBound),
    },
    {
      figure: 'Event-loop delay p99 during the history check',
      cell: (r) => guard(r.passwordChange, (p) => `${fmt(p.eventLoopP99Ms)} ms`),
      target: 'off the loop: < 20 ms',
      ok: (r) => (r.passwordChange?.eventLoopP99Ms === undefined ? undefined : r.passwordChange.eventLoopP99Ms < 20),
    },
    {
      figure: 'Whole change over HTTP; server /healthz p99 meanwhile',
      cell: (r) =>
        guard(r.passwordChange, (p) => `${fmt(p.httpChangeMs, 0)} ms (${p.httpStatus}); ${fmt(p.serverPingP99Ms)} ms`),
    },
    {
      figure: `API: ${fmt(res.sizes.apiRequests, 0)} requests listed by cursor (R31): whole walk; page p50 / p99`,
      cell: (r) =>
        guard(
          r.requestListing,
          (l) =>
            `${fmt(l.totalSeconds, 2)} s, ${fmt(l.pages, 0)} pages of ${fmt(l.pageSize, 0)}; ${fmt(l.pageP50Ms)} / ${fmt(l.pageP99Ms)} ms`,
        ),
    },
    {
      figure: 'API listing: server CPU per page / per request',
      cell: (r) =>
        guard(r.requestListing, (l) => `${fmt(l.serverCpuMsPerPage, 2)} / ${fmt(l.serverCpuMsPerRequest, 3)} ms`),
    },
    ...(
      [
        ['pdf', 'PDF'],
        ['jpeg', 'JPEG photo (re-encoded)'],
      ] as const
    ).map(([key, label]): Row => ({
      figure: `Upload (R31): one 10 MB ${label} through the form: time; server CPU; server RSS rise`,
      cell: (r) =>
        guard(
          r.uploads,
          (u) => `${fmt(u[key].ms, 0)} ms; ${fmt(u[key].serverCpuMs, 0)} ms; ${fmt(u[key].rssGrowthMb, 0)} MB`,
        ),
    })),
    {
      figure: 'Uploads (R31): 20 members sending 10 MB PDFs at once: uploads, p50 / p99, MB/s; peak RSS',
      cell: (r) =>
        guard(
          r.uploads,
          (u) =>
            `${fmt(u.concurrent.uploads, 0)}, ${fmt(u.concurrent.uploadP50Ms, 0)} / ${fmt(u.concurrent.uploadP99Ms, 0)} ms, ${fmt(u.concurrent.megabytesPerSecond)} MB/s; ${fmt(u.concurrent.rssPeakMb, 0)} MB`,
        ),
    },
    {
      figure: 'GET /area p99 at a fixed rate: alone → while the 20 uploads run',
      cell: (r) =>
        guard(
          r.uploads,
          (u) =>
            `${fmt(u.concurrent.areaQuiet.p99Ms)} → ${fmt(u.concurrent.area.p99Ms)} ms at ${fmt(u.concurrent.rate, 0)}/s` +
            (u.concurrent.area.non2xx + u.concurrent.area.errors
              ? `, ${u.concurrent.area.non2xx + u.concurrent.area.errors} bad`
              : ''),
        ),
    },
    {
      figure: `Import ${fmt(res.sizes.importRows, 0)} feed rows: rows/s`,
      cell: (r) => guard(r.import, (i) => `${fmt(i.rowsPerSecond, 0)} (${fmt(i.seconds, 0)} s)`),
    },
    {
      figure: 'Import peak RSS',
      cell: (r) => guard(r.import, (i) => `${fmt(i.peakRssMb, 0)} MB`),
      target: '< 300 MB',
      ok: (r) => (r.import?.peakRssMb === undefined ? undefined : r.import.peakRssMb < 300),
    },
    {
      figure: `Directory (R34): import ${fmt(res.sizes.directoryRows, 0)} providers: rows/s; peak RSS`,
      cell: (r) =>
        guard(
          r.directory,
          (d) => `${fmt(d.importRowsPerSecond, 0)} (${fmt(d.importSeconds, 0)} s); ${fmt(d.importPeakRssMb, 0)} MB`,
        ),
      target: 'RSS < 300 MB',
      ok: (r) => (r.directory?.importPeakRssMb === undefined ? undefined : r.directory.importPeakRssMb < 300),
    },
    ...(
      [
        ['specialtyCity', 'specialty + city'],
        ['nameFragment', 'name fragment'],
        ['postalCodeDistance', 'postal code, by distance'],
      ] as const
    ).map(([key, label]): Row => ({
      figure: `Directory search, ${label}: peak/s; p95 (p50) at 80% of peak; server CPU per search`,
      cell: (r) =>
        guard(
          r.directory?.[key],
          (x) =>
            `${fmt(x.peakPerSecond, 0)}/s; ${fmt(x.p95Ms)} (${fmt(x.p50Ms)}) ms; ${fmt(x.serverCpuMs, 2)} ms` +
            (x.errors + x.non200 ? `, ${x.errors + x.non200} bad` : ''),
        ),
      target: 'p95 < 50 ms',
      ok: (r) => (r.directory?.[key]?.p95Ms === undefined ? undefined : r.directory[key].p95Ms < 50),
    })),
    {
      figure: 'Server RSS idle',
      cell: (r) => (r.rssIdleMb === undefined ? '–' : `${fmt(r.rssIdleMb, 0)} MB`),
      target: '< 150 MB',
      ok: (r) => (r.rssIdleMb === undefined ? undefined : r.rssIdleMb < 150),
    },
    {
      figure: 'Server RSS under load (peak: sign-ins / page)',
      cell: (r) => `${fmt(r.signIn?.peakRssMb, 0)} / ${fmt(r.rssLoadMb, 0)} MB`,
    },
    {
      figure: 'Noise: cores used by other processes, PostgreSQL included (ceiling / sign-ins / bare / page)',
      cell: (r) => [r.ceiling, r.signIn, r.bare, r.area].map((x) => fmt(x?.otherCores, 2)).join(' / '),
    },
  ];

  const m = res.machine as Any;
  const lines = [
    `# Benchmark — ${String(res.date).slice(0, 16).replace('T', ' ')} UTC`,
    '',
    `${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB, Node ${m.node}, ${m.os}; UV_THREADPOOL_SIZE=${threads} in the bench and server processes.` +
      ` Runtime ${fmt(res.runtimeSeconds, 0)} s${res.quick ? ' (BENCH_QUICK: smoke sizes, not figures)' : ''}.`,
    '',
    ...(old
      ? [
          `Before: the run of ${String(old.date).slice(0, 16).replace('T', ' ')} UTC${old.commit ? ` at ${String(old.commit).slice(0, 7)}` : ''}, on the same machine${old.note ? ` (${String(old.note)})` : ''}.`,
          '',
        ]
      : []),
    old
      ? '| Figure | SQLite before | SQLite | PostgreSQL before | PostgreSQL | Target | Pass (SQLite / PG) |'
      : '| Figure | SQLite | PostgreSQL | Target | Pass (SQLite / PG) |',
    old ? '|---|---|---|---|---|---|---|' : '|---|---|---|---|---|',
    ...rows.map((row) => {
      const cell = (run: Any | undefined, k: string) =>
        run?.[k]
          ? run[k].error && !run[k].ceiling
            ? `error: ${String(run[k].error).slice(0, 60)}`
            : row.cell(run[k])
          : '–';
      const cells = KINDS.flatMap(([k]) => (old ? [cell(old, k), cell(res, k)] : [cell(res, k)]));
      const oks = row.ok ? KINDS.map(([k]) => pass(res[k] ? row.ok!(res[k], k) : undefined)).join(' / ') : '';
      return `| ${row.figure} | ${cells.join(' | ')} | ${row.target ?? ''} | ${oks} |`;
    }),
    '',
    '## Scale out (nodes sharing one database; the client round-robins requests across them)',
    '',
    '| Nodes | Database | Sign-ins/s (ratio to ceiling) | GET /area requests/s |',
    '|---|---|---|---|',
  ];
  const scaleRow = (nodes: number, name: string, r: Any | undefined, s: Any | undefined) =>
    `| ${nodes} | ${name} | ${guard(s?.signIn, (x) => `${fmt(x.signInsPerSecond, 2)} (${fmt(x.signInsPerSecond / (r?.ceiling?.verificationsPerSecond ?? NaN), 2)})`)} | ${guard(s?.area, (x) => fmt(x.requestsPerSecond, 0))} |`;
  for (const [k, name] of KINDS) if (res[k]) lines.push(scaleRow(1, name, res[k], res[k]));
  if (res.postgres?.scale2) lines.push(scaleRow(2, 'PostgreSQL', res.postgres, res.postgres.scale2));
  lines.push(
    '',
    'Raw figures: `bench/results/latest.json` (not committed). Run: `npm run bench` (`BENCH_QUICK=1` for a smoke run).',
    '',
  );
  return lines.join('\n');
}
