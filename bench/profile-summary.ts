import { readFileSync } from 'node:fs';

// Where a server's CPU went, from a V8 CPU profile written with BENCH_CPU_PROF=1 (issue 20): self time of every
// sample outside start-up, in buckets a reader can act on. Run: node dist/bench/profile-summary.js FILE.cpuprofile

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const BUCKETS: [string, (stack: string[]) => boolean][] = [
  ['SQLite statements (better-sqlite3)', (s) => /sqlite-driver|better-sqlite3/.test(s[0]!)],
  ['Kysely (building, compiling, executing)', (s) => /node_modules\/kysely/.test(s[0]!)],
  [
    'Writing the response (socket, headers)',
    (s) =>
      /^(writev|writeBuffer|writeLatin1String|writeUtf8String) /.test(s[0]!) ||
      /_http_outgoing|_http_server|stream_base_commons/.test(s[0]!),
  ],
  ['CSRF token (the sign-out form)', (s) => s.some((f) => /csrf/.test(f))],
  ['Cookies', (s) => s.some((f) => /@fastify\/cookie|node_modules\/cookie\//.test(f))],
  ['i18n', (s) => s.some((f) => /i18n\.js/.test(f))],
  ['Metrics', (s) => s.some((f) => /prom-client|metrics\.js/.test(f))],
  [
    'Preact rendering (views, layout)',
    (s) => s.some((f) => /preact-render-to-string|preact\/jsx|views\.js|layout\.js/.test(f)),
  ],
  [
    'Session and member queries (our code)',
    (s) => s.some((f) => /session\.js|member-selector\.js|compiled-query\.js|guard\.js/.test(f)),
  ],
  ['Fastify (routing, hooks, reply)', (s) => s.some((f) => /node_modules\/(fastify|find-my-way|avvio)/.test(f))],
  ['Garbage collection', (s) => /garbage collector/.test(s[0]!)],
  ['Node HTTP parsing and the rest', () => true],
];

export function summarise(profile: Profile): { activeMs: number; buckets: [string, number][] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stack = (id: number | undefined) => {
    const frames: string[] = [];
    for (; id !== undefined; id = parent.get(id)) {
      const f = byId.get(id)!.callFrame;
      frames.push(`${f.functionName} ${f.url}`);
    }
    return frames;
  };
  const sums = new Map(BUCKETS.map(([name]) => [name, 0]));
  let active = 0;
  profile.samples.forEach((sample, i) => {
    const leaf = byId.get(sample)!.callFrame.functionName;
    if (leaf === '(idle)' || leaf === '(program)') return;
    const frames = stack(sample);
    // Start-up (module loading, migrations) is not a request's cost.
    if (
      frames.some((f) => /node:internal\/modules|compileSourceTextModule|migrate/.test(f)) &&
      !frames.some((f) => /fastify\/lib\/route/.test(f))
    )
      return;
    const d = profile.timeDeltas[i] ?? 0;
    active += d;
    const bucket = BUCKETS.find(([, match]) => match(frames))![0];
    sums.set(bucket, sums.get(bucket)! + d);
  });
  return { activeMs: active / 1000, buckets: [...sums].map(([name, us]) => [name, active ? us / active : 0]) };
}

if (process.argv[2]) {
  const { activeMs, buckets } = summarise(JSON.parse(readFileSync(process.argv[2], 'utf8')) as Profile);
  console.log(`CPU outside start-up: ${activeMs.toFixed(0)} ms\n\n| Where | Share |\n|---|---|`);
  for (const [name, share] of buckets) console.log(`| ${name} | ${(share * 100).toFixed(1)}% |`);
}
