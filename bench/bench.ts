import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createTarget,
  dropStaleSchemas,
  openDatabase,
  pgReachable,
  seedMembers,
  seedPasskeys,
  type Kind,
} from './database.js';
import { SoftAuthenticator } from '../test/helpers/soft-authenticator.js';
import {
  hashCeiling,
  importRun,
  pageLoad,
  passkeySignInLoad,
  passwordChange,
  signedIn,
  signInLoad,
  writeFeed,
} from './phases.js';
import { directoryRun } from './directory.js';
import { writeProviderFeed } from './provider-feed.js';
import { markdown } from './report.js';
import { requestListing, seedRequests } from './requests.js';
import { uploadRun } from './uploads.js';
import { oidcBenchEnv, refreshLoad } from './oidc.js';
import { generateSigningKeys } from '../src/infra/oidc/signing-keys.js';
import { ROOT, productionEnv, rssMb, sampleRss, startBare, startPortal, startSinks, type Server } from './servers.js';

// PRODUCT §5 figures on SQLite and PostgreSQL, each as a ratio to a reference measured in the same run.
// Sizes come from the environment; BENCH_QUICK=1 makes every phase tiny (a smoke run).

const quick = process.env.BENCH_QUICK === '1';
const size = (name: string, full: number, small: number) => Number(process.env[name] ?? (quick ? small : full));
const cores = availableParallelism();
const threads = Number(process.env.UV_THREADPOOL_SIZE);
/** Members each virtual user signs in as, in turn: enough that none reaches R9's 10 codes an hour in a run. */
const MEMBERS_PER_VIRTUAL_USER = 60;
export const sizes = {
  ceilingSeconds: size('BENCH_CEILING_S', 3, 1),
  ceilingLoops: size('BENCH_CEILING_LOOPS', cores * 2, cores * 2),
  signInSeconds: size('BENCH_SIGNIN_S', 12, 3),
  warmupSeconds: size('BENCH_WARMUP_S', 2, 1),
  // Enough virtual users that sign-ins measure the server's capacity, not one code's trip through the mail: each
  // waits about a second for its code (SMTP to the sink and back), so 8 users measured latency, not throughput.
  virtualUsers: size('BENCH_VUS', cores * 24, cores * 2),
  pageSeconds: size('BENCH_PAGE_S', 6, 2),
  pageConnections: size('BENCH_PAGE_CONNECTIONS', 10, 4),
  historyRuns: size('BENCH_HISTORY_RUNS', 5, 2),
  importRows: size('BENCH_IMPORT_ROWS', 1_000_000, 2_000),
  directoryRows: size('BENCH_DIRECTORY_ROWS', 200_000, 2_000),
  directorySeconds: size('BENCH_DIRECTORY_S', 5, 1),
  directoryConnections: size('BENCH_DIRECTORY_CONNECTIONS', 8, 2),
  // R31: requests the core system lists through the API by cursor, and how many a page.
  apiRequests: size('BENCH_API_REQUESTS', 10_000, 500),
  apiPageSize: size('BENCH_API_PAGE', 100, 100),
  idleSettleSeconds: size('BENCH_SETTLE_S', 3, 1),
  // R35: apps renewing access at the token endpoint at once (each holds one member's grant).
  oidcVirtualUsers: size('BENCH_OIDC_VUS', cores * 16, cores * 2),
  oidcSeconds: size('BENCH_OIDC_S', 8, 2),
};
const kinds = (process.env.BENCH_DB ?? 'sqlite,postgres').split(',').filter(Boolean) as Kind[];
// any of: signin, passkey, page, password, requests, uploads, oidc, scale, import, directory
const skip = new Set((process.env.BENCH_SKIP ?? '').split(','));
/** R31's uploads: 3 members for each single 10 MB file (PDF, JPEG), then 24 for the 20 uploaders (9 files each). */
const UPLOAD_MEMBERS = 30;
const UPLOAD_AREA_RATE = 50;
const pgBaseUrl = process.env.BENCH_PG_URL ?? process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const began = performance.now();
const log = (msg: string) =>
  console.error(`[bench ${((performance.now() - began) / 1000).toFixed(0).padStart(4)} s] ${msg}`);
const dir = mkdtempSync(join(tmpdir(), 'member-area-bench-'));
let failures = 0;

/** Runs one phase; a failure is recorded in the results and the run goes on. */
async function phase<T>(name: string, fn: () => Promise<T>): Promise<T | { error: string }> {
  log(`${name}…`);
  try {
    return await fn();
  } catch (err) {
    failures++;
    log(`${name} FAILED: ${(err as Error).stack ?? err}`);
    return { error: (err as Error).message };
  }
}

export type Results = Record<string, unknown>;

/** Two measurements of a reference merged: the mean of `field` and of the noise, both runs kept. */
function averaged(a: unknown, b: unknown, field: string): unknown {
  const x = a as Record<string, number>;
  const y = b as Record<string, number>;
  if (x.error !== undefined) return b;
  if (y.error !== undefined) return a;
  const mean = (k: string) => Math.round(((x[k]! + y[k]!) / 2) * 100) / 100;
  return { ...x, [field]: mean(field), otherCores: mean('otherCores'), runs: [x[field], y[field]] };
}
/** The commit measured (a run is compared with another by it), when this is a git checkout. */
function headCommit(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
}
const results: Results = {
  date: new Date().toISOString(),
  commit: headCommit(),
  machine: {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    os: `${process.platform} ${release()}`,
  },
  uvThreadpoolSize: threads,
  quick,
  sizes,
};

const sinks = await startSinks();
const bare = await startBare(threads, join(dir, 'bare.log'));
const available = await Promise.all(
  kinds.map(async (k) => (k === 'postgres' && !(await pgReachable(pgBaseUrl)) ? undefined : k)),
);
for (const kind of kinds)
  if (!available.includes(kind)) results[kind] = { error: `PostgreSQL not reachable at ${pgBaseUrl}` };
if (available.includes('postgres')) await dropStaleSchemas(pgBaseUrl);

for (const kind of available.filter((k): k is Kind => k !== undefined)) {
  const r: Results = (results[kind] = {});
  const target = await createTarget(kind, 'portal', dir, pgBaseUrl);
  const db = openDatabase(target.url);
  const servers: Server[] = [];
  try {
    // R9: an account gets at most 10 sign-in codes an hour, so each virtual user signs in as many members in turn.
    const loadCount = sizes.virtualUsers * MEMBERS_PER_VIRTUAL_USER;
    log(`${kind}: seeding ${loadCount + 2} registered members`);
    const members = await seedMembers(db, loadCount + 2 + (skip.has('uploads') ? 0 : UPLOAD_MEMBERS));
    const [pageMember, changeMember] = members.slice(loadCount);
    const uploadMembers = members.slice(loadCount + 2);
    const loadMembers = members.slice(0, loadCount);
    // R35: with the oidc phase, the OpenID Provider is served (production needs its keys) and its token endpoint
    // measured; the idle RSS then includes the provider.
    const env = {
      ...productionEnv(target.url, sinks, threads),
      ...(skip.has('oidc') ? {} : oidcBenchEnv(JSON.stringify(generateSigningKeys()))),
    };
    // R27: the same members' passkeys, in a software authenticator of this client.
    const authenticator = new SoftAuthenticator(new URL(env.PUBLIC_URL!).origin);
    const credentials = skip.has('passkey')
      ? []
      : await seedPasskeys(db, loadMembers, authenticator, new URL(env.PUBLIC_URL!).hostname);
    const portal = await startPortal(env, join(dir, `${kind}-portal.log`));
    servers.push(portal);

    // 5. Memory idle: after the start, a signed-in page or two, and a pause.
    const page = await signedIn(portal.port, sinks, pageMember!);
    const cookie = { cookie: page.cookieHeader(), 'x-forwarded-for': '192.0.2.10' };
    for (let i = 0; i < 5; i++) await page.get('/area');
    await sleep(sizes.idleSettleSeconds * 1000);
    r.rssIdleMb = Math.round(rssMb(portal.pid) * 10) / 10;

    // References are measured just before and just after what is compared with them, and averaged (noisy machine).
    const ceiling = () =>
      phase(`${kind}: argon2id ceiling (${sizes.ceilingLoops} loops, ${sizes.ceilingSeconds} s)`, () =>
        hashCeiling(sizes.ceilingSeconds, sizes.ceilingLoops),
      );
    r.ceiling = await ceiling();
    if (!skip.has('signin')) {
      r.signIn = await phase(`${kind}: sign-ins, ${loadMembers.length} virtual users, ${sizes.signInSeconds} s`, () =>
        signInLoad({
          ports: [portal.port],
          pids: [portal.pid],
          mail: sinks,
          members: loadMembers,
          virtualUsers: sizes.virtualUsers,
          seconds: sizes.signInSeconds,
          warmupSeconds: sizes.warmupSeconds,
        }),
      );
      r.ceiling = averaged(r.ceiling, await ceiling(), 'verificationsPerSecond');
    }
    if (!skip.has('passkey')) {
      r.passkeySignIn = await phase(
        `${kind}: passkey sign-ins, ${sizes.virtualUsers} virtual users, ${sizes.signInSeconds} s`,
        () =>
          passkeySignInLoad({
            ports: [portal.port],
            pids: [portal.pid],
            authenticator,
            credentials,
            virtualUsers: sizes.virtualUsers,
            seconds: sizes.signInSeconds,
            warmupSeconds: sizes.warmupSeconds,
          }),
      );
    }
    if (!skip.has('page')) {
      const load = { connections: sizes.pageConnections, seconds: sizes.pageSeconds };
      const bareRoute = () =>
        phase(`${kind}: bare Fastify route`, () =>
          pageLoad({ ports: [bare.port], pids: [bare.pid], path: '/', ...load }),
        );
      r.bare = await bareRoute();
      const rss = sampleRss([portal.pid]);
      r.area = await phase(`${kind}: GET /area at full speed`, () =>
        pageLoad({ ports: [portal.port], pids: [portal.pid], path: '/area', headers: cookie, ...load }),
      );
      r.rssLoadMb = Math.round(rss.stop() * 10) / 10;
      const peak = (r.area as { requestsPerSecond?: number }).requestsPerSecond;
      if (peak)
        r.area80 = await phase(`${kind}: GET /area at 80% of peak (${Math.round(peak * 0.8)}/s)`, () =>
          pageLoad({ ports: [portal.port], path: '/area', headers: cookie, ...load, rate: peak * 0.8 }),
        );
      r.bare = averaged(r.bare, await bareRoute(), 'requestsPerSecond');
    }
    if (!skip.has('password')) {
      r.passwordChange = await phase(`${kind}: password change with a 20-entry history`, () =>
        passwordChange({ port: portal.port, db, mail: sinks, member: changeMember!, runs: sizes.historyRuns }),
      );
    }
    if (!skip.has('requests')) {
      r.requestListing = await phase(`${kind}: API listing of ${sizes.apiRequests} requests by cursor`, async () => {
        const key = await seedRequests(db, members, sizes.apiRequests, env.ENCRYPTION_KEY!);
        return requestListing({
          port: portal.port,
          pid: portal.pid,
          key,
          expected: sizes.apiRequests,
          pageSize: sizes.apiPageSize,
        });
      });
    }
    if (!skip.has('uploads')) {
      // A fixed rate, the same on both databases: /area's p99 alone and with the uploads is read at equal demand.
      const rate = UPLOAD_AREA_RATE;
      r.uploads = await phase(`${kind}: 10 MB uploads, alone and 20 at once beside GET /area at ${rate}/s`, async () =>
        uploadRun({
          port: portal.port,
          pid: portal.pid,
          browsers: await Promise.all(uploadMembers.map((m) => signedIn(portal.port, sinks, m))),
          uploaders: 20,
          areaHeaders: cookie,
          rate,
          seconds: sizes.pageSeconds,
          connections: sizes.pageConnections,
        }),
      );
    }
    if (!skip.has('oidc')) {
      r.oidcRefresh = await phase(
        `${kind}: OpenID token endpoint, refresh grants, ${sizes.oidcVirtualUsers} apps, ${sizes.oidcSeconds} s`,
        () =>
          refreshLoad({
            port: portal.port,
            pid: portal.pid,
            env,
            db,
            members,
            virtualUsers: sizes.oidcVirtualUsers,
            seconds: sizes.oidcSeconds,
            warmupSeconds: sizes.warmupSeconds,
          }),
      );
      r.ceiling = averaged(r.ceiling, await ceiling(), 'verificationsPerSecond');
    }
    // 6. Scale out: a second node on the same PostgreSQL, the client round-robin across both.
    if (kind === 'postgres' && !skip.has('scale')) {
      const second = await startPortal(env, join(dir, `${kind}-portal-2.log`));
      servers.push(second);
      const ports = [portal.port, second.port];
      const pids = [portal.pid, second.pid];
      r.scale2 = {
        signIn: await phase(`${kind}: sign-ins on 2 nodes`, () =>
          signInLoad({
            ports,
            pids,
            mail: sinks,
            members: loadMembers,
            virtualUsers: sizes.virtualUsers,
            seconds: sizes.signInSeconds,
            warmupSeconds: sizes.warmupSeconds,
          }),
        ),
        area: await phase(`${kind}: GET /area on 2 nodes`, () =>
          pageLoad({
            ports,
            pids,
            path: '/area',
            headers: cookie,
            connections: sizes.pageConnections,
            seconds: sizes.pageSeconds,
          }),
        ),
      };
    }
    await sleep(sizes.idleSettleSeconds * 1000);
    r.rssAfterLoadMb = Math.round(rssMb(portal.pid) * 10) / 10;
  } catch (err) {
    failures++;
    log(`${kind} FAILED: ${(err as Error).stack ?? err}`);
    r.error = (err as Error).message;
  } finally {
    for (const s of servers) await s.stop();
    await db.close();
    await target.drop();
  }
}
await bare.stop();

// 4. Import, last: the longest phase, in a database of its own per engine.
if (!skip.has('import')) {
  const feed = join(dir, 'feed.csv');
  log(`writing a ${sizes.importRows}-row feed`);
  await writeFeed(feed, sizes.importRows);
  for (const kind of available.filter((k): k is Kind => k !== undefined)) {
    const target = await createTarget(kind, 'import', dir, pgBaseUrl);
    try {
      (results[kind] as Results).import = await phase(`${kind}: import ${sizes.importRows} rows`, () =>
        importRun({
          file: feed,
          rows: sizes.importRows,
          env: productionEnv(target.url, sinks, threads),
          logFile: join(dir, `${kind}-import.log`),
        }),
      );
    } finally {
      await target.drop();
    }
  }
  rmSync(feed, { force: true });
}
// R34: the provider directory, in a database of its own per engine.
if (!skip.has('directory')) {
  const feed = join(dir, 'providers.csv');
  log(`writing a ${sizes.directoryRows}-provider directory feed`);
  await writeProviderFeed(feed, sizes.directoryRows);
  for (const kind of available.filter((k): k is Kind => k !== undefined)) {
    const target = await createTarget(kind, 'directory', dir, pgBaseUrl);
    try {
      (results[kind] as Results).directory = await phase(`${kind}: directory, ${sizes.directoryRows} providers`, () =>
        directoryRun({
          feed,
          rows: sizes.directoryRows,
          env: productionEnv(target.url, sinks, threads),
          logFile: join(dir, `${kind}-directory.log`),
          connections: sizes.directoryConnections,
          seconds: sizes.directorySeconds,
          phase: (name, fn) => phase(`${kind}: ${name}`, fn),
        }),
      );
    } finally {
      await target.drop();
    }
  }
  rmSync(feed, { force: true });
}
await sinks.close();

results.runtimeSeconds = Math.round((performance.now() - began) / 1000);
// BENCH_BEFORE=path/to/an/earlier/latest.json puts that run's figures next to this one's.
const before = process.env.BENCH_BEFORE
  ? (JSON.parse(readFileSync(process.env.BENCH_BEFORE, 'utf8')) as Results)
  : undefined;
const table = markdown(results, before);
const out = process.env.BENCH_OUT ?? join(ROOT, 'bench', 'results');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, quick ? 'quick.json' : 'latest.json'), JSON.stringify(results, null, 2) + '\n');
if (!quick) writeFileSync(join(out, 'latest.md'), table);
console.log('\n' + table);
if (failures || process.env.BENCH_CPU_PROF === '1')
  log(`${failures} phase(s) failed; server logs and profiles kept in ${dir}`);
else rmSync(dir, { recursive: true, force: true });
process.exit(failures ? 1 : 0);
