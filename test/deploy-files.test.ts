import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { validate } from 'dockerfile-utils';
import { parse } from 'yaml';
import { findNginx } from '../src/cluster.js';

// Issue 18: the Dockerfile and compose.yaml cannot be built or run on the project's machines (no image can be
// pulled), so their promises are checked here: a multi-stage build, production dependencies only, a non-root user,
// HOST=0.0.0.0, a health check on /readyz; compose's two nodes on PostgreSQL behind nginx with a mail catcher, the
// secrets required, a stop grace above the portal's shutdown deadline; and nginx's own syntax check of its file.
// `npm run cluster` (test/cluster/) is the twin that runs for real.

const ROOT = join(import.meta.dirname, '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

test('Dockerfile: two stages, production dependencies only, non-root, listening beyond loopback, health on /readyz', () => {
  const lines = read('Dockerfile')
    .split('\n')
    .map((l) => l.trim());
  const stages = lines.filter((l) => l.startsWith('FROM '));
  assert.equal(stages.length, 2, 'build, then run');
  const final = lines.slice(lines.lastIndexOf(stages.at(-1)!));
  assert.ok(final.includes('USER node'), 'the final stage runs as the unprivileged node user');
  assert.ok(
    final.some((l) => /HOST=0\.0\.0\.0/.test(l)),
    'HOST=0.0.0.0 in the image',
  );
  assert.ok(final.some((l) => /NODE_ENV=production/.test(l)));
  assert.ok(
    final.some((l) => l.includes('/readyz')) && final.some((l) => l.startsWith('HEALTHCHECK')),
    'a health check on /readyz',
  );
  assert.ok(
    lines.some((l) => /npm prune --omit=dev/.test(l)),
    'dev dependencies pruned before they reach the final stage',
  );
  assert.ok(final.includes('CMD ["node", "bin/member-area.js", "serve"]'));
  assert.ok(
    final.some((l) => l.includes('process.env.PORT')),
    'the health check follows PORT when an operator changes it',
  );
  for (const l of lines.filter((x) => x.startsWith('COPY ') && !x.includes('--from='))) {
    const sources = l
      .replace(/^COPY (--\S+ )*/, '')
      .split(/\s+/)
      .slice(0, -1);
    for (const source of sources) assert.ok(existsSync(join(ROOT, source)), `${source} exists`);
  }
  assert.match(read('.dockerignore'), /^node_modules$/m);
});

test('Dockerfile: a Dockerfile linter (dockerfile-utils, the one VS Code uses) finds nothing, and does find faults', () => {
  // No image can be built here; the linter checks every instruction and its arguments as Docker reads them.
  assert.deepEqual(
    validate(read('Dockerfile')).map((d) => `${d.range.start.line + 1}: ${d.message}`),
    [],
  );
  assert.deepEqual(
    validate('FROM node:22\nEXPOSE web\nRUNN true\n').map((d) => d.message),
    ['Invalid containerPort: web', 'Unknown instruction: RUNN'],
    'the linter is live',
  );
});

test('compose.yaml: two nodes on PostgreSQL behind nginx, a mail catcher, secrets required, graceful stops', () => {
  const compose = parse(read('compose.yaml')) as { services: Record<string, Record<string, unknown>> };
  const { services } = compose;
  for (const name of ['db', 'node1', 'node2', 'nginx', 'mail']) assert.ok(services[name], name);
  for (const name of ['node1', 'node2']) {
    const node = services[name]!;
    assert.equal(node.build, '.');
    const env = node.environment as Record<string, string>;
    assert.equal(env.NODE_ENV, 'production');
    assert.match(env.DATABASE_URL!, /^postgres:\/\/[^@]+@db:5432\//);
    assert.match(env.SMTP_URL!, /^smtp:\/\/mail:/);
    assert.match(env.SECRET_KEY!, /:\?/, 'SECRET_KEY must be set');
    assert.match(env.ENCRYPTION_KEY!, /:\?/, 'ENCRYPTION_KEY must be set');
    assert.ok(
      Number.parseInt(String(node.stop_grace_period)) > 30,
      "more than the portal's 30-second shutdown deadline",
    );
    assert.deepEqual(node.depends_on, { db: { condition: 'service_healthy' } });
  }
  assert.ok((services.nginx!.volumes as string[]).some((v) => v.startsWith('./deploy/compose/nginx.conf:')));
  assert.ok(existsSync(join(ROOT, 'deploy', 'compose', 'nginx.conf')));
});

test(
  "compose's nginx.conf passes nginx -t",
  { skip: !findNginx() && !process.env.CI && 'nginx is not installed' },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'nginx-'));
    // The compose service names resolve only inside compose; here they stand for two local ports.
    // So do the container's log streams: nginx -t opens them, and a test runner's pipes are no /dev/stdout.
    const conf = read('deploy/compose/nginx.conf')
      .replace('node1:3000', '127.0.0.1:3001')
      .replace('node2:3000', '127.0.0.1:3002')
      .replace('/dev/stdout', join(dir, 'access.log'));
    writeFileSync(join(dir, 'nginx.conf'), conf);
    const r = spawnSync(findNginx()!, ['-t', '-c', join(dir, 'nginx.conf'), '-p', dir, '-e', join(dir, 'error.log')], {
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  },
);
