import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

// `npm run bench`. libuv reads UV_THREADPOOL_SIZE once, when its pool first starts, which the module loader may
// already have done; so the benchmark runs in a child started with it set to the core count (as the portal is).
const threads = String(Number(process.env.BENCH_THREADS) || availableParallelism());
if (process.env.UV_THREADPOOL_SIZE !== threads) {
  const child = spawnSync(process.execPath, [...process.execArgv, process.argv[1]!, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, UV_THREADPOOL_SIZE: threads },
  });
  process.exit(child.status ?? 1);
}
await import('./bench.js');
