import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

// Runs `member-area <args>` as a user would (bin/member-area.js, a process of its own) with only PATH and `env`.

const run = promisify(execFile);
const bin = new URL('../../../bin/member-area.js', import.meta.url).pathname;

export async function cli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], {
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
