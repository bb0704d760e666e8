import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { freePort } from '../src/cluster.js';
import { parseIdentityDocument } from '../src/domain/identity-document.js';
import { normaliseReference } from '../src/domain/reference-number.js';
import { BrowserAgent } from './helpers/browser-agent.js';
import { httpTarget } from './helpers/http-target.js';

// Issue 25 item 12: a newcomer's first minutes. `member-area serve` on an empty development database, as
// `npm start` runs it: the banner's demo members are written as the card writes them (R1) with a document that
// registration accepts (R3), and each registers in a browser with exactly what the banner says; the console shows
// one readable line per request; the brand's favicon answers.

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'bin', 'member-area.js');
const PASSWORD = 'Verano2031x';

const decode = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/** The values a browser would submit from a page's form as it was served (inputs and selected options). */
function formValues(html: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [tag] of html.matchAll(/<input\b[^>]*>/g)) {
    const name = /\bname="([^"]*)"/.exec(tag)?.[1];
    if (name && name !== '_csrf') values[name] = decode(/\bvalue="([^"]*)"/.exec(tag)?.[1] ?? '');
  }
  for (const [, name, options] of html.matchAll(/<select\b[^>]*\bname="([^"]*)"[^>]*>([\s\S]*?)<\/select>/g))
    values[name!] = decode(/<option value="([^"]*)" selected/.exec(options!)?.[1] ?? '');
  return values;
}

test('npm start on a new machine: the banner, registering each demo member with it, the log, the favicon', async () => {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'newcomer-'));
  const child = spawn(process.execPath, [CLI, 'serve'], {
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'development',
      DATABASE_URL: `sqlite:${join(dir, 'member-area.db')}`,
      HOST: '127.0.0.1',
      PORT: String(port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  try {
    for (let i = 0; i < 300 && !/Demo members/.test(out); i++) await sleep(100);
    const banner = out.split('\n');
    const start = banner.findIndex((l) => /Demo members/.test(l));
    assert.ok(start >= 0, out);
    const members = banner
      .slice(start + 1)
      .map((l) => /^ {4}(\S+) · (\d{4}-\d\d-\d\d) · (\S+) · (NIF|NIE) (\S+) {3}\(/.exec(l))
      .filter((m) => m !== null);
    assert.equal(members.length, 3, banner.slice(start).join('\n'));

    const base = `http://127.0.0.1:${port}`;
    const logFrom = out.length;
    for (const [, memberNumber, birthDate, policyNumber, type, number] of members) {
      // R1: the form the card shows (upper case, no spaces, hyphens or dots); R3: a document with its check letter.
      assert.equal(memberNumber, normaliseReference(memberNumber!));
      assert.equal(policyNumber, normaliseReference(policyNumber!));
      const document = parseIdentityDocument(type!, number!);
      assert.ok(document.ok, `${type} ${number} passes the check letter`);

      const agent = new BrowserAgent(httpTarget(base));
      assert.equal((await agent.get('/register')).statusCode, 200);
      const step1 = await agent.post('/register', {
        member_number: memberNumber!,
        birth_date: birthDate!,
        policy_number: policyNumber!,
      });
      assert.equal(step1.headers.location, '/register/details', `${memberNumber}: step 1`);
      const details = await agent.get('/register/details');
      const step2 = await agent.post('/register/details', {
        ...formValues(details.body),
        document_type: type!,
        document_number: number!,
      });
      assert.equal(step2.headers.location, '/register/password', `${memberNumber}: step 2\n${step2.body}`);
      await agent.get('/register/password');
      const step3 = await agent.post('/register/password', { password: PASSWORD, password_confirmation: PASSWORD });
      assert.equal(step3.headers.location, '/register/done', `${memberNumber}: step 3`);
      assert.equal((await agent.get('/register/done')).statusCode, 200);
    }

    // R37: the brand's favicon, linked from the pages and at /favicon.ico for whatever asks without reading them.
    const home = await fetch(`${base}/`);
    assert.match(await home.text(), /<link rel="icon" href="\/favicon.svg" type="image\/svg\+xml"\/>/);
    const svg = await fetch(`${base}/favicon.svg`);
    assert.equal(svg.status, 200);
    assert.equal(svg.headers.get('content-type'), 'image/svg+xml');
    assert.match(await svg.text(), /^<svg [^>]*>.*fill="#0b5394"/);
    const ico = await fetch(`${base}/favicon.ico`);
    assert.equal(ico.status, 200);
    assert.equal(ico.headers.get('content-type'), 'image/x-icon');
    const bytes = Buffer.from(await ico.arrayBuffer());
    assert.deepEqual([...bytes.subarray(0, 6)], [0, 0, 1, 0, 1, 0], 'an ICO with one image');
    assert.equal(bytes.subarray(22, 30).toString('latin1'), '\x89PNG\r\n\x1a\n', 'holding a PNG');

    // One readable line per request, no JSON, no "incoming request" line.
    await sleep(200);
    const log = out.slice(logFrom).split('\n').filter(Boolean);
    const requests = log.filter((l) => / (GET|POST) \//.test(l));
    for (const line of requests)
      assert.match(line, /^\d\d:\d\d:\d\d INFO {2}(GET|POST) \/\S* \d{3} [\d.]+ ms #\S+$/, line);
    const registerPosts = requests.filter((l) => / POST \/register /.test(l));
    assert.equal(registerPosts.length, 3, 'one line for each of the three step-1 posts');
    assert.equal(requests.filter((l) => / GET \/favicon.ico 200 /.test(l)).length, 1);
    assert.ok(
      log.every((l) => !l.startsWith('{')),
      'no JSON line in development',
    );
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
});

test('npm start compiles nothing when dist is up to date (tsc -b), and what changed when a source did', async () => {
  const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> })
    .scripts;
  assert.match(scripts.start!, /^npm run build && node bin\/member-area\.js serve$/);
  const [command, ...args] = scripts.build!.split(' ');
  assert.equal(command, 'tsc');
  // The project's own tsconfig.json (dist/.tsbuildinfo: a clean clone, or a removed dist, builds everything).
  const dir = mkdtempSync(join(tmpdir(), 'build-'));
  writeFileSync(join(dir, 'tsconfig.json'), readFileSync(join(ROOT, 'tsconfig.json')));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src', 'a.ts'), 'export const a: number = 1;\n');
  const build = (...extra: string[]) =>
    promisify(execFile)(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), ...args, ...extra], {
      cwd: dir,
    });
  await build();
  const out = join(dir, 'dist', 'src', 'a.js');
  const first = statSync(out).mtimeMs;
  const again = await build('--verbose');
  assert.match(again.stdout, /is up to date/, again.stdout);
  assert.equal(statSync(out).mtimeMs, first, 'nothing written');
  writeFileSync(join(dir, 'src', 'a.ts'), 'export const a: number = 2;\n');
  await build();
  assert.match(readFileSync(out, 'utf8'), /a = 2/);
});
