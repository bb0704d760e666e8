import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../src/cluster.js';

// Issue 18: SIGTERM drains a node the way a load balancer needs: readiness answers 503 first, a request in flight
// still gets its whole answer, the process then exits 0; a request that never ends cannot hold it past the
// configured deadline. Real processes and real signals; the waits are the server's own timings, not guesses.

const CLI = join(import.meta.dirname, '..', '..', 'bin', 'member-area.js');

async function startNode(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; port: number; log: () => string; exited: Promise<number | null> }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'shutdown-'));
  const child = spawn(process.execPath, [CLI, 'serve'], {
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test', // JSON log lines, as production writes them (development prints them readable)
      DATABASE_URL: `sqlite:${join(dir, 'p.db')}`,
      DEMO_DATA: 'off',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      PORT: String(port),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  for (let i = 0; i < 150; i++) {
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) return { child, port, log: () => out, exited };
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error(`the node did not become ready:\n${out}`);
}

/** A POST whose body is sent in two halves: the request stays in flight until `finish` is called. */
function slowPost(port: number): { finish: () => void; response: Promise<number> } {
  const body = 'member_number=AS1&birth_date=01%2F01%2F1980&policy_number=P1&_csrf=x';
  const req = request({
    host: '127.0.0.1',
    port,
    method: 'POST',
    path: '/register',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) },
  });
  const response = new Promise<number>((resolve, reject) => {
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
  });
  req.write(body.slice(0, 10));
  return { finish: () => req.end(body.slice(10)), response };
}

test('SIGTERM: readiness 503 at once, the request in flight answered in full, then exit 0', async () => {
  const node = await startNode({ SHUTDOWN_DRAIN_SECONDS: '1', SHUTDOWN_TIMEOUT_SECONDS: '20' });
  const inFlight = slowPost(node.port);
  await sleep(100); // the request's headers and first bytes have reached the server
  node.child.kill('SIGTERM');
  let readiness = 0;
  for (let i = 0; i < 20 && readiness !== 503; i++) {
    readiness = await fetch(`http://127.0.0.1:${node.port}/readyz`).then(
      (r) => r.status,
      () => 0,
    );
    if (readiness !== 503) await sleep(25);
  }
  assert.equal(readiness, 503, 'the load balancer is told first');
  await sleep(1_200); // past the drain: the server has stopped accepting, the request is still open
  inFlight.finish();
  assert.equal(await inFlight.response, 403, 'a whole answer (the form had no cookie: the cookies page)');
  assert.equal(await node.exited, 0, node.log());
  assert.match(node.log(), /shutting down/);
  assert.match(node.log(), /"msg":"stopped"/);
});

test('SIGTERM with a request that never ends: the process still exits at the deadline', async () => {
  const node = await startNode({ SHUTDOWN_DRAIN_SECONDS: '0', SHUTDOWN_TIMEOUT_SECONDS: '1' });
  const stuck = slowPost(node.port);
  stuck.response.catch(() => {});
  await sleep(100);
  const sent = Date.now();
  node.child.kill('SIGTERM');
  assert.equal(await node.exited, 1, 'killed by the deadline, not hanging');
  assert.ok(Date.now() - sent < 5_000, `exited ${Date.now() - sent} ms after SIGTERM`);
  assert.match(node.log(), /killed by timeout/);
});

test('an uncaught error and an unhandled rejection are logged through the logger, with their stack, then the node stops', async () => {
  // A module loaded before the portal (node --import) fails on a signal the way a bug in a callback would: a throw
  // outside any request, or a promise nobody awaits.
  const dir = mkdtempSync(join(tmpdir(), 'crash-'));
  const crash = join(dir, 'crash.mjs');
  writeFileSync(
    crash,
    [
      "process.on('SIGWINCH', () => {",
      "  if (process.env.CRASH === 'reject') Promise.reject(new Error('rejected outside any request'));",
      "  else setImmediate(() => { throw new Error('thrown outside any request'); });",
      '});',
      '',
    ].join('\n'),
  );
  for (const [kind, message] of [
    ['throw', 'thrown outside any request'],
    ['reject', 'rejected outside any request'],
  ] as const) {
    const node = await startNode({ CRASH: kind, NODE_OPTIONS: `--import=${pathToFileURL(crash).href}` });
    node.child.kill('SIGWINCH'); // a signal close-with-grace leaves alone
    assert.equal(await node.exited, 1, `${kind}: the process ends with a failure code\n${node.log()}`);
    const entry = node
      .log()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: number; msg: string; err?: { message: string; stack: string } })
      .find((e) => e.msg === 'uncaught error: shutting down');
    assert.ok(entry, `${kind}: one structured log line\n${node.log()}`);
    assert.equal(entry.level, 50, 'at error level');
    assert.equal(entry.err?.message, message);
    assert.match(entry.err?.stack ?? '', /crash\.mjs/, 'with the stack that shows where');
  }
});
