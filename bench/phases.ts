import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { syntheticFeed } from '../src/feed/demo-feed.js';
import { todayIn } from '../src/domain/calendar.js';
import { hashPassword, verifyPassword } from '../src/infra/crypto/password-hash.js';
import { isInHistory } from '../src/identity/password-history.js';
import type { Db } from '../src/infra/db/database.js';
import { Browser, httpRequest, passkeySignIn, signIn, StepTimes } from './client.js';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import type { SoftAuthenticator, SoftCredential } from '../test/helpers/soft-authenticator.js';
import { BENCH_PASSWORD, type PoolMember } from './database.js';
import { ROOT, cpuMeter, runMeasured, sampleRss, type Sinks } from './servers.js';

const ms = (ns: number) => Math.round(ns / 1e4) / 100;
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Distinct client addresses, so the per-address limits (R9) never see the same client twice in an hour. */
let addressCounter = 1;
export function nextAddress(): string {
  const n = addressCounter++;
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

/** Round robin across the given ports, one request at a time (a load balancer in front of the nodes). */
export function roundRobin(ports: number[]): () => number {
  let i = 0;
  return () => ports[i++ % ports.length]!;
}

// 1a. The ceiling: argon2id verifications per second with every core busy, in this process, on the thread pool.
export async function hashCeiling(
  seconds: number,
  loops: number,
): Promise<{
  verificationsPerSecond: number;
  loops: number;
  verifyMs: number;
  /** CPU per verification with every core verifying (this process's CPU over the count). */
  verifyCpuMs: number;
  otherCores: number;
}> {
  const stored = await hashPassword(BENCH_PASSWORD);
  const single: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    await verifyPassword(stored, BENCH_PASSWORD);
    single.push(performance.now() - t);
  }
  let done = 0;
  const cpu = cpuMeter([]);
  const started = performance.now();
  const end = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: loops }, async () => {
      while (performance.now() < end) {
        if (!(await verifyPassword(stored, BENCH_PASSWORD))) throw new Error('verification failed');
        done++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const used = cpu.stop();
  return {
    verificationsPerSecond: round(done / elapsed),
    loops,
    verifyMs: round(single.sort((a, b) => a - b)[1]!),
    verifyCpuMs: round((used.client * 1000) / done),
    otherCores: used.otherCores,
  };
}

// 1b. Full two-step sign-ins through HTTP, each virtual user with its own member.
export interface SignInResult {
  signInsPerSecond: number;
  completed: number;
  errors: number;
  firstError?: string;
  p50Ms: number;
  p99Ms: number;
  peakRssMb: number;
  /** CPU time per sign-in: the server processes', and this client's (HTTP, outbox reads, SMTP sink). */
  serverCpuMs: number;
  /** Of serverCpuMs, the servers' main threads (the event loop); the rest ran on other threads (argon2id's pool). */
  serverMainCpuMs: number;
  clientCpuMs: number;
  /** Cores other processes on the machine kept busy meanwhile (noise). */
  otherCores: number;
  /** Mean milliseconds per sign-in in each step (the two-step sign-in only). */
  steps?: Record<string, number>;
}

interface LoadWindow {
  ports: number[];
  pids: number[];
  virtualUsers: number;
  seconds: number;
  warmupSeconds: number;
}

/**
 * Virtual users signing in one after another until the window ends; `signInOnce(user, turn, browser)` is one
 * whole sign-in. Latencies are kept for the sign-ins inside the measured window (after the warm-up).
 */
async function signInLoop(
  opts: LoadWindow,
  signInOnce: (user: number, turn: number, browser: Browser) => Promise<void>,
): Promise<SignInResult> {
  const port = roundRobin(opts.ports);
  const startAt = performance.now() + opts.warmupSeconds * 1000;
  const endAt = startAt + opts.seconds * 1000;
  const latencies: number[] = [];
  let errors = 0;
  let all = 0;
  let firstError: string | undefined;
  const rss = sampleRss(opts.pids);
  const cpu = cpuMeter(opts.pids);
  await Promise.all(
    Array.from({ length: opts.virtualUsers }, async (_, user) => {
      for (let turn = 0; performance.now() < endAt; turn++) {
        const browser = new Browser(port, nextAddress());
        const t = performance.now();
        try {
          await signInOnce(user, turn, browser);
          const now = performance.now();
          all++;
          if (t >= startAt && now <= endAt) latencies.push(now - t);
        } catch (err) {
          errors++;
          firstError ??= (err as Error).message;
        }
      }
    }),
  );
  const used = cpu.stop();
  latencies.sort((a, b) => a - b);
  return {
    signInsPerSecond: round(latencies.length / opts.seconds, 2),
    completed: latencies.length,
    errors,
    ...(firstError ? { firstError } : {}),
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
    peakRssMb: round(rss.stop()),
    serverCpuMs: round((used.server * 1000) / all),
    serverMainCpuMs: round((used.serverMain * 1000) / all),
    clientCpuMs: round((used.client * 1000) / all),
    otherCores: used.otherCores,
  };
}

export async function signInLoad(opts: LoadWindow & { mail: Sinks; members: PoolMember[] }): Promise<SignInResult> {
  // Each virtual user signs in as its own members in turn (R9: 10 codes an hour per account).
  const mine = Array.from({ length: opts.virtualUsers }, (_, user) =>
    opts.members.filter((_, j) => j % opts.virtualUsers === user),
  );
  const lastCodes = new Map(opts.members.map((m) => [m.email, opts.mail.cursor()]));
  const steps = new StepTimes();
  const result = await signInLoop(opts, async (user, turn, browser) => {
    const member = mine[user]![turn % mine[user]!.length]!;
    await signIn(
      browser,
      member.username,
      BENCH_PASSWORD,
      async () => {
        const found = await opts.mail.signInCode(member.email, lastCodes.get(member.email)!);
        lastCodes.set(member.email, found.id);
        return found.code;
      },
      steps,
    );
  });
  return { ...result, steps: steps.means() };
}

// 1c. Sign-ins with a passkey alone (R27), each virtual user with its own members' passkeys, held by a software
// authenticator in this client (an ECDSA P-256 signature per sign-in, counted in the client's CPU).
export function passkeySignInLoad(
  opts: LoadWindow & { authenticator: SoftAuthenticator; credentials: SoftCredential[] },
): Promise<SignInResult> {
  const mine = Array.from({ length: opts.virtualUsers }, (_, user) =>
    opts.credentials.filter((_, j) => j % opts.virtualUsers === user),
  );
  return signInLoop(opts, (user, turn, browser) => {
    const credential = mine[user]![turn % mine[user]!.length]!;
    return passkeySignIn(browser, (options) =>
      opts.authenticator.get(options as PublicKeyCredentialRequestOptionsJSON, credential),
    );
  });
}

// 2. Requests per second for a page, with autocannon (keep-alive), across one or more nodes.
export interface PageResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  /** Server CPU per request, when the servers' pids are given. */
  serverCpuMs?: number;
  otherCores: number;
}

export async function pageLoad(opts: {
  ports: number[];
  pids?: number[];
  path: string;
  headers?: Record<string, string>;
  connections: number;
  seconds: number;
  rate?: number;
}): Promise<PageResult> {
  const cpu = cpuMeter(opts.pids ?? []);
  const runs = await Promise.all(
    opts.ports.map((port) =>
      autocannon({
        url: `http://127.0.0.1:${port}${opts.path}`,
        connections: Math.max(1, Math.round(opts.connections / opts.ports.length)),
        duration: opts.seconds,
        headers: opts.headers ?? {},
        ...(opts.rate ? { overallRate: Math.max(1, Math.round(opts.rate / opts.ports.length)) } : {}),
      }),
    ),
  );
  const used = cpu.stop();
  const total = runs.reduce((s, r) => s + r.requests.total, 0);
  return {
    ...(opts.pids ? { serverCpuMs: round((used.server * 1000) / total, 3) } : {}),
    otherCores: used.otherCores,
    requestsPerSecond: round(runs.reduce((s, r) => s + r.requests.average, 0)),
    p50Ms: Math.max(...runs.map((r) => r.latency.p50)),
    p99Ms: Math.max(...runs.map((r) => r.latency.p99)),
    non2xx: runs.reduce((s, r) => s + r.non2xx, 0),
    errors: runs.reduce((s, r) => s + r.errors + r.timeouts, 0),
  };
}

/** A browser signed in to the portal, with its cookies (session, CSRF secret) ready to replay. */
export async function signedIn(port: number, mail: Sinks, member: PoolMember): Promise<Browser> {
  const browser = new Browser(() => port, nextAddress());
  const after = mail.cursor();
  await signIn(browser, member.username, BENCH_PASSWORD, async () => (await mail.signInCode(member.email, after)).code);
  const home = await browser.get('/area');
  if (home.status !== 200) throw new Error(`GET /area with a fresh session answered ${home.status}`);
  return browser;
}

// 3. Password change with a full 20-entry history (R4, R12): wall time against one verification, and the event loop.
export interface PasswordChangeResult {
  historyEntries: number;
  verifyMs: number;
  isInHistoryMs: number;
  ratio: number;
  eventLoopP99Ms: number;
  eventLoopMaxMs: number;
  httpChangeMs: number;
  httpStatus: number;
  serverPingP99Ms: number;
}

const randomPassword = () => `Bq7${Math.random().toString(36).slice(2, 10)}Zx4`;

export async function passwordChange(opts: {
  port: number;
  db: Db;
  mail: Sinks;
  member: PoolMember;
  runs: number;
}): Promise<PasswordChangeResult> {
  const { db, member } = opts;
  const kysely = db.kysely;
  // 19 older passwords under the current one: the history holds 20, the policy's size.
  const older = await Promise.all(Array.from({ length: 19 }, () => hashPassword(randomPassword())));
  const now = new Date().toISOString();
  await kysely.deleteFrom('password_history').where('account_id', '=', member.accountId).execute();
  await kysely
    .insertInto('password_history')
    .values(older.map((h) => ({ account_id: member.accountId, password_hash: h, created_at: now })))
    .execute();
  const current = (
    await kysely
      .selectFrom('accounts')
      .select('password_hash')
      .where('id', '=', member.accountId)
      .executeTakeFirstOrThrow()
  ).password_hash;
  await kysely
    .insertInto('password_history')
    .values({ account_id: member.accountId, password_hash: current, created_at: now })
    .execute();
  const entries = (
    await kysely.selectFrom('password_history').select('id').where('account_id', '=', member.accountId).execute()
  ).length;

  const verifies: number[] = [];
  const checks: number[] = [];
  const delay = monitorEventLoopDelay({ resolution: 1 });
  for (let i = 0; i < opts.runs; i++) {
    let t = performance.now();
    await verifyPassword(current, randomPassword());
    verifies.push(performance.now() - t);
    delay.enable();
    t = performance.now();
    if (await isInHistory(kysely, member.accountId, randomPassword()))
      throw new Error('a random password was found in the history');
    checks.push(performance.now() - t);
    delay.disable();
  }
  verifies.sort((a, b) => a - b);
  checks.sort((a, b) => a - b);
  const verifyMs = percentile(verifies, 50);
  const isInHistoryMs = percentile(checks, 50);

  // The whole change through HTTP, while another client checks every 5 ms that the server still answers.
  const browser = await signedIn(opts.port, opts.mail, member);
  await browser.get('/area/security/password');
  const next = randomPassword();
  const pings: number[] = [];
  let changing = true;
  const pinger = (async () => {
    while (changing) {
      const t = performance.now();
      await httpRequest(opts.port, 'GET', '/healthz', {});
      pings.push(performance.now() - t);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  const t = performance.now();
  const res = await browser.post('/area/security/password', {
    current_password: BENCH_PASSWORD,
    password: next,
    password_confirmation: next,
  });
  const httpChangeMs = performance.now() - t;
  changing = false;
  await pinger;
  pings.sort((a, b) => a - b);
  // Put the bench password back, so the member stays usable (history check and all).
  await kysely.updateTable('accounts').set({ password_hash: current }).where('id', '=', member.accountId).execute();
  return {
    historyEntries: entries,
    verifyMs: round(verifyMs),
    isInHistoryMs: round(isInHistoryMs),
    ratio: round(isInHistoryMs / verifyMs, 2),
    eventLoopP99Ms: ms(delay.percentile(99)),
    eventLoopMaxMs: ms(delay.max),
    httpChangeMs: round(httpChangeMs),
    httpStatus: res.status,
    serverPingP99Ms: round(percentile(pings, 99)),
  };
}

// 4. Import of a generated feed by the CLI, in a process of its own (peak RSS from /usr/bin/time -v).
export async function writeFeed(file: string, rows: number): Promise<void> {
  await pipeline(Readable.from(syntheticFeed(rows, todayIn('Europe/Madrid', new Date()))), createWriteStream(file));
}

export interface ImportResult {
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  peakRssMb: number;
  summary: string;
}

export async function importRun(opts: {
  file: string;
  rows: number;
  env: Record<string, string>;
  logFile: string;
}): Promise<ImportResult> {
  const run = await runMeasured([`${ROOT}/dist/src/cli.js`, 'import', opts.file], opts.env, opts.logFile);
  const summary = /^Imported .*$/m.exec(run.output)?.[0] ?? '';
  if (run.code !== 0 || !summary.startsWith(`Imported ${opts.rows} rows: ${opts.rows} new`)) {
    throw new Error(`import exited ${run.code}: ${summary || run.output.slice(-500)}`);
  }
  return {
    rows: opts.rows,
    seconds: round(run.seconds),
    rowsPerSecond: Math.round(opts.rows / run.seconds),
    peakRssMb: round(run.peakRssMb),
    summary,
  };
}
