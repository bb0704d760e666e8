import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import semver from 'semver';

// Issue 25 item 12: the README promises Node 20.19 and later, so `npm ci` on a new machine must install nothing
// that declares it needs a newer Node (npm prints an EBADENGINE warning for each, and such a package may use an API
// Node 20 lacks). The oldest version of each supported line must satisfy every locked package's `engines.node`.

const ROOT = join(import.meta.dirname, '..', '..');
const read = (path: string) => JSON.parse(readFileSync(join(ROOT, path), 'utf8')) as Record<string, unknown>;

interface LockedPackage {
  engines?: { node?: string } | string[];
  os?: string[];
  cpu?: string[];
}

/** npm installs a package with `os`/`cpu` lists only on a platform they name (sharp's prebuilt binaries). */
const installsHere = (pkg: LockedPackage) =>
  (!pkg.os || pkg.os.includes(process.platform)) && (!pkg.cpu || pkg.cpu.includes(process.arch));

test('every locked package runs on the oldest Node of each line package.json supports', () => {
  const range = (read('package.json').engines as { node: string }).node;
  const oldest = ['20.19.0', '22.13.0', '24.0.0'];
  for (const version of oldest) assert.ok(semver.satisfies(version, range), `${version} is within ${range}`);
  const packages = read('package-lock.json').packages as Record<string, LockedPackage>;
  const refused = Object.entries(packages).flatMap(([path, pkg]) => {
    const wants = !pkg.engines || Array.isArray(pkg.engines) ? undefined : pkg.engines.node;
    if (!path || !wants || !installsHere(pkg)) return [];
    return oldest
      .filter((v) => !semver.satisfies(v, wants, { includePrerelease: true }))
      .map((v) => `${path} (${wants}) refuses ${v}`);
  });
  assert.deepEqual(refused, []);
});
