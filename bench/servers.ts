import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../src/cluster.js';
import { startSmsReceiver } from '../test/helpers/sms-receiver.js';
import { startSmtpReceiver } from '../test/helpers/smtp-receiver.js';

// Processes the benchmark starts: the portal as in production, a bare Fastify route to compare with, and the
// mail and SMS sinks the portal delivers to.

export const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'src', 'cli.js');
const BARE = join(import.meta.dirname, 'bare-server.js');

/** A /proc/PID/status field in kB (VmRSS, VmHWM); undefined once the process is gone. */
export function procStatusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

export const rssMb = (pid: number) => (procStatusKb(pid, 'VmRSS') ?? 0) / 1024;

/**
 * CPU seconds (user + system) a process has used so far, every thread, or only its main thread (the event loop, whose
 * thread id is the process id); Linux clock ticks are 1/100 s.
 */
function cpuSeconds(pid: number, mainThread = false): number {
  try {
    const stat = readFileSync(mainThread ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** CPU seconds every process on the machine has used so far (/proc/stat: all but idle and iowait). */
function machineBusySeconds(): number {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = ticks;
  return (user + nice + system + irq + softirq + steal) / 100;
}

export interface CpuUse {
  /** CPU seconds of the server processes, of this (the client's) process, and of everything else on the machine. */
  server: number;
  /** Of `server`: the servers' main threads (the event loop; the rest is the thread pool, argon2id's, and V8's). */
  serverMain: number;
  client: number;
  others: number;
  /** Cores the other processes kept busy on average: the machine's noise during the measurement. */
  otherCores: number;
}

/** CPU used from now until stop(), by the given server processes, by this process, and by the rest of the machine. */
export function cpuMeter(pids: number[]): { stop(): CpuUse } {
  const servers = () => pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const mains = () => pids.reduce((sum, pid) => sum + cpuSeconds(pid, true), 0);
  const serverStart = servers();
  const mainStart = mains();
  const clientStart = process.cpuUsage();
  const machineStart = machineBusySeconds();
  const started = performance.now();
  return {
    stop() {
      const c = process.cpuUsage(clientStart);
      const server = servers() - serverStart;
      const client = (c.user + c.system) / 1e6;
      const others = Math.max(0, machineBusySeconds() - machineStart - server - client);
      return {
        server,
        serverMain: mains() - mainStart,
        client,
        others,
        otherCores: Math.round((others / ((performance.now() - started) / 1000)) * 100) / 100,
      };
    },
  };
}

/** Samples processes' RSS every `everyMs` until stopped; returns the highest any one of them reached, in MB. */
export function sampleRss(pids: number[], everyMs = 200): { stop(): number } {
  let max = 0;
  const take = () => (max = Math.max(max, ...pids.map(rssMb)));
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return max;
    },
  };
}

export interface Sinks {
  smtpUrl: string;
  smsUrl: string;
  /**
   * The first sign-in code mailed to `email` after message number `after`, with its number. Read from the SMTP sink
   * as a member reads their inbox: the outbox keeps no readable code (R29: sealed, and blanked once sent).
   */
  signInCode(email: string, after: number): Promise<{ id: number; code: string }>;
  /** The number of the last message received so far: codes asked for after it are new (a later phase reuses emails). */
  cursor(): number;
  close(): Promise<void>;
}

/** The SMTP and SMS receivers from the test helpers; received messages are dropped every second (memory stays flat). */
export async function startSinks(): Promise<Sinks> {
  const smtp = await startSmtpReceiver();
  const sms = await startSmsReceiver();
  let received = 0;
  let scanned = 0;
  const codes = new Map<string, { id: number; code: string }[]>();
  const scan = () => {
    for (; scanned < smtp.messages.length; scanned++) {
      const mail = smtp.messages[scanned]!;
      received++;
      const to = (Array.isArray(mail.to) ? mail.to[0] : mail.to)?.value[0]?.address;
      const code = mail.text?.includes('/sign-in/link/') ? /\b(\d{6})\b/.exec(mail.text)?.[1] : undefined;
      if (!to || !code) continue;
      const list = codes.get(to) ?? [];
      list.push({ id: received, code });
      codes.set(to, list.slice(-5));
    }
  };
  const timer = setInterval(() => {
    scan();
    smtp.messages.length = 0;
    scanned = 0;
    sms.messages.length = 0;
  }, 1000);
  return {
    smtpUrl: smtp.url,
    smsUrl: sms.url,
    cursor() {
      scan();
      return received;
    },
    async signInCode(email, after) {
      // Up to a minute: after a load phase the outbox may still be sending its backlog (the code waits its turn).
      for (let attempt = 0; attempt < 6000; attempt++) {
        scan();
        const found = codes.get(email)?.find((c) => c.id > after);
        if (found) return found;
        await sleep(10);
      }
      throw new Error(`no sign-in code reached ${email}`);
    },
    async close() {
      clearInterval(timer);
      await Promise.all([smtp.close(), sms.close()]);
    },
  };
}

export interface Server {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

async function waitReady(port: number, child: ChildProcess, path: string, logFile: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      const res = await fetch(`http://127.0.0.1:${port}${path}`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`server on port ${port} did not become ready (exit ${child.exitCode}); see ${logFile}`);
}

function stopper(child: ChildProcess): () => Promise<void> {
  return async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
}

async function launch(
  args: string[],
  env: Record<string, string>,
  readyPath: string,
  logFile: string,
): Promise<Server> {
  const port = await freePort();
  // BENCH_CPU_PROF=1: each server writes a V8 CPU profile (open it in Chrome DevTools) into the run's directory.
  if (process.env.BENCH_CPU_PROF === '1') args = ['--cpu-prof', `--cpu-prof-dir=${dirname(logFile)}`, ...args];
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  await waitReady(port, child, readyPath, logFile);
  return { port, pid: child.pid!, stop: stopper(child) };
}

/** The environment a production node runs with, pointed at the local sinks and the given database. */
export function productionEnv(databaseUrl: string, sinks: Sinks, threads: number): Record<string, string> {
  return {
    NODE_ENV: 'production',
    PUBLIC_URL: 'https://bench.localhost',
    SMTP_URL: sinks.smtpUrl,
    SMS_WEBHOOK_URL: sinks.smsUrl,
    SECRET_KEY: 'bench-secret-key-0123456789abcdefghijklmnop',
    ENCRYPTION_KEY: 'be'.repeat(32),
    TRUST_PROXY: 'loopback',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    UV_THREADPOOL_SIZE: String(threads),
  };
}

/** `node dist/src/cli.js serve`, as in production. */
export function startPortal(env: Record<string, string>, logFile: string): Promise<Server> {
  return launch([CLI, 'serve'], env, '/readyz', logFile);
}

/** A Fastify process with a single GET / returning a small HTML page: the ceiling for any page. */
export function startBare(threads: number, logFile: string): Promise<Server> {
  return launch([BARE], { NODE_ENV: 'production', UV_THREADPOOL_SIZE: String(threads) }, '/', logFile);
}

/** Runs a command under /usr/bin/time -v when present (peak RSS from its report), else polls /proc VmHWM. */
export async function runMeasured(
  args: string[],
  env: Record<string, string>,
  logFile: string,
): Promise<{ code: number; seconds: number; peakRssMb: number; output: string }> {
  let timeV = false;
  try {
    readFileSync('/usr/bin/time');
    timeV = true;
  } catch {
    // no GNU time on this machine
  }
  const [cmd, ...rest] = timeV ? ['/usr/bin/time', '-v', process.execPath, ...args] : [process.execPath, ...args];
  const started = performance.now();
  const child = spawn(cmd!, rest, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  let hwm = 0;
  const poll = setInterval(() => (hwm = Math.max(hwm, procStatusKb(child.pid!, 'VmHWM') ?? 0)), 250);
  const code = await new Promise<number>((resolve) => child.once('exit', (c) => resolve(c ?? 1)));
  clearInterval(poll);
  const seconds = (performance.now() - started) / 1000;
  createWriteStream(logFile, { flags: 'a' }).end(output);
  const reported = /Maximum resident set size \(kbytes\): (\d+)/.exec(output);
  return { code, seconds, peakRssMb: (reported ? Number(reported[1]) : hwm) / 1024, output };
}
