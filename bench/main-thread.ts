import { readFileSync } from 'node:fs';

/** The main thread's CPU so far, in clock ticks (10 ms): utime + stime of the task whose id is the process id. */
export function mainTicks(): number {
  const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]);
}
