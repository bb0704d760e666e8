import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { systemClock } from '../../src/clock.js';
import { findNginx } from '../../src/cluster.js';
import { defaultBrand } from '../../src/config.js';
import { todayIn } from '../../src/domain/calendar.js';
import { demoMembers, nif, syntheticFeed } from '../../src/feed/demo-feed.js';
import { importFeed } from '../../src/feed/feed.import.js';
import type { CaptchaChallenge } from '../../src/infra/captcha/captcha.js';
import { openDatabase } from '../../src/infra/db/database.js';
import { SEND_CONCURRENCY } from '../../src/infra/outbox/channels/transport.js';
import { createCourier } from '../../src/infra/outbox/courier.js';
import { BrowserAgent } from '../helpers/browser-agent.js';
import { solveCaptcha } from '../helpers/captcha.js';
import { databaseKinds, postgresTestUrl } from '../helpers/databases.js';
import { httpTarget } from '../helpers/http-target.js';
import { makePdf, multipartBody } from '../helpers/pdf.js';
import { startSmtpReceiver } from '../helpers/smtp-receiver.js';
import { developmentSecretBox } from '../../src/infra/crypto/secret-box.js';

// Issue 10: `member-area cluster` — two portal processes sharing PostgreSQL behind nginx, each with its outbox
// worker — driven over real HTTP. Registration, sign-in (R7), sessions (R8), throttling and locks (R9) and the
// outbox (R25) must not care which node a request lands on, nor that a node stops (SIGTERM) or dies (SIGKILL).

const nginx = findNginx();
const havePostgres = databaseKinds.includes('postgres');
const missing = [!nginx && 'nginx (apt-get install nginx-light)', !havePostgres && 'PostgreSQL']
  .filter(Boolean)
  .join(' and ');
if (missing && process.env.CI) throw new Error(`the cluster test needs ${missing}, and CI must run it`);

const CLI = new URL('../../src/cli.js', import.meta.url).pathname;
const PASSWORD = 'Cluster2030segura';
const LEASE_SECONDS = 3;

interface Node {
  url: string;
  pid: number;
}

test(
  'the portal as two nodes on PostgreSQL behind nginx',
  { skip: missing ? `needs ${missing}` : false, timeout: 300_000 },
  async (t) => {
    const started = performance.now();
    const stages: string[] = [];
    const mark = (stage: string) => stages.push(`${stage} ${((performance.now() - started) / 1000).toFixed(1)}s`);
    const smtp = await startSmtpReceiver();
    const base = await postgresTestUrl();
    const schema = `cluster_${process.pid}_${Date.now()}`;
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    const databaseUrl = `${base}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    const db = openDatabase(databaseUrl, { poolSize: 2 });

    const nodes: Record<string, Node> = {};
    let proxy = '';
    const output: string[] = [];
    const cluster: ChildProcess = spawn(process.execPath, [CLI, 'cluster'], {
      env: {
        PATH: process.env.PATH ?? '',
        DATABASE_URL: databaseUrl,
        SMTP_URL: smtp.url,
        PORT: '0',
        LOG_LEVEL: 'warn',
        OUTBOX_POLL_MS: '100',
        OUTBOX_LEASE_SECONDS: String(LEASE_SECONDS),
        ...(nginx ? { NGINX_BIN: nginx } : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let pending = '';
    const collect = (chunk: Buffer) => {
      const lines = (pending + chunk.toString('utf8')).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        output.push(line);
        const node = /^cluster: node (\w) (http:\/\/\S+) pid (\d+)/.exec(line);
        if (node) nodes[node[1]!] = { url: node[2]!, pid: Number(node[3]) };
        const ready = /^cluster: ready (http:\/\/\S+)/.exec(line);
        if (ready) proxy = ready[1]!;
      }
    };
    cluster.stdout!.on('data', collect);
    cluster.stderr!.on('data', collect);
    const until = async (what: string, ok: () => boolean | Promise<boolean>, ms = 90_000): Promise<void> => {
      const deadline = Date.now() + ms;
      while (!(await ok())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${output.join('\n')}`);
        await sleep(50);
      }
    };

    t.after(async () => {
      if (cluster.exitCode === null) {
        const exited = new Promise((resolve) => cluster.once('exit', resolve));
        cluster.kill('SIGINT');
        await exited;
      }
      await db.close();
      await admin.query(`drop schema if exists ${schema} cascade`);
      await admin.end();
      await smtp.close();
    });

    // Generous for a loaded machine; about 5 s on a quiet one.
    await until('the cluster to be ready', () => proxy !== '' && Boolean(nodes.A && nodes.B), 90_000);
    mark('ready');
    const A = nodes.A!.url;
    const B = nodes.B!.url;
    const outboxSettled = async () =>
      (await db.kysely.selectFrom('outbox').select('id').where('status', '=', 'pending').execute()).length === 0;
    const mailsTo = (to: string) => smtp.messages.filter((m) => m.to && JSON.stringify(m.to).includes(to));

    const viaProxy = await Promise.all([1, 2, 3, 4].map(() => fetch(`${proxy}/healthz`)));
    for (const r of viaProxy) assert.equal(r.status, 200);

    // The cluster loaded the demo feed once (migrated once, imported once): the enrolment emails go out once.
    const today = todayIn('Europe/Madrid', new Date());
    const lucia = demoMembers(today).find((m) => m.memberNumber === 'AS1001')!;
    const [y, mo, d] = lucia.birthDate.split('-');

    // R1–R5: a member registers, step by step, alternating nodes (the flow lives in the shared database).
    const target = httpTarget(A);
    const agent = new BrowserAgent(target);
    assert.equal((await agent.get('/register')).statusCode, 200);
    target.baseUrl = B;
    assert.equal(
      (
        await agent.post('/register', {
          member_number: lucia.memberNumber,
          birth_date: `${d}/${mo}/${y}`,
          policy_number: lucia.policyNumber,
        })
      ).statusCode,
      303,
    );
    target.baseUrl = A;
    await agent.get('/register/details');
    const details = {
      address_line: 'Calle de Alcalá 120',
      postal_code: '28009',
      city: 'Madrid',
      province: 'Madrid',
      email: 'lucia.garcia@example.com',
      mobile: '612 345 678',
      document_type: 'NIF',
      document_number: nif(50123456),
    };
    assert.equal((await agent.post('/register/details', details)).statusCode, 303);
    target.baseUrl = proxy;
    await agent.get('/register/password');
    const done = await agent.post('/register/password', { password: PASSWORD, password_confirmation: PASSWORD });
    assert.equal(done.statusCode, 303, done.body.slice(0, 500));
    assert.equal(done.headers.location, '/register/done');

    mark('registered');
    // R7: signs in through node B; the code B queued is accepted by node A.
    target.baseUrl = B;
    assert.equal((await agent.post('/sign-in', { username: nif(50123456), password: PASSWORD })).statusCode, 303);
    await agent.get('/sign-in/verify');
    assert.equal((await agent.post('/sign-in/verify/send', { channel: 'email' })).statusCode, 303);
    await until('the sign-in code email', () =>
      mailsTo('lucia.garcia@example.com').some(
        (m) => /\b\d{6}\b/.test(m.text ?? '') && /código|code/i.test(m.subject ?? ''),
      ),
    );
    const codeMail = mailsTo('lucia.garcia@example.com')
      .filter((m) => /\b\d{6}\b/.test(m.text ?? ''))
      .at(-1)!;
    const code = /\b(\d{6})\b/.exec(codeMail.text ?? '')![1]!;
    target.baseUrl = A;
    const signedIn = await agent.post('/sign-in/verify/code', { code });
    assert.equal(signedIn.headers.location, '/area', signedIn.body.slice(0, 300));

    // R8: one session, valid on every node and through the proxy.
    for (const url of [A, B, proxy, proxy]) {
      target.baseUrl = url;
      const area = await agent.get('/area');
      assert.equal(area.statusCode, 200, `the session works on ${url}`);
      assert.ok(area.headers['x-request-id'], 'every response names its request id');
    }

    mark('signed in');
    // R31 through the proxy: a member's 4 MB prescription reaches a node and is stored (the proxy takes bodies up to
    // the forms' own limits on the routes that take files, and passes them on as they come); anywhere else a body over
    // 1 MB stops at the proxy.
    target.baseUrl = proxy;
    const newAuthorization = '/area/requests/new/authorization';
    const formPage = (await agent.get(newAuthorization)).body;
    const hidden = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(formPage)?.[1] ?? '';
    const small = await makePdf('Volante: resonancia magnética de rodilla');
    const eof = small.lastIndexOf('%%EOF');
    const prescription = Buffer.concat([
      small.subarray(0, eof),
      Buffer.alloc(4 * 1024 * 1024, 0x20),
      small.subarray(eof),
    ]);
    const upload = multipartBody([
      { name: '_csrf', value: hidden('_csrf') },
      { name: 'form_token', value: hidden('form_token') },
      { name: 'patient', value: lucia.memberNumber },
      { name: 'category', value: 'imaging' },
      { name: 'prescription', value: 'Resonancia magnética de rodilla' },
      { name: 'prescribing_doctor', value: 'Dra. Ruiz' },
      { name: 'preferred_provider', value: '' },
      { name: 'files', filename: 'volante.pdf', type: 'application/pdf', bytes: prescription },
    ]);
    const uploaded = await target.inject({
      method: 'POST',
      url: newAuthorization,
      cookies: agent.cookies,
      headers: upload.headers,
      payload: upload.payload,
    });
    assert.equal(uploaded.statusCode, 303, uploaded.body.slice(0, 300));
    assert.match(String(uploaded.headers.location), /^\/area\/requests\/AUT-\d{4}-\d{6}\?sent=1$/);
    const stored = await db.kysely.selectFrom('files').select('id').where('size', '=', prescription.length).execute();
    assert.equal(stored.length, 1, 'the file, whole, once');
    const oversized = await target.inject({
      method: 'POST',
      url: '/sign-in',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `username=${'a'.repeat(2 * 1024 * 1024)}`,
    });
    assert.equal(oversized.statusCode, 413, 'the proxy keeps its 1 MB limit elsewhere');
    mark('a file through the proxy');
    // R9: the failure count and the lock are shared. Five failures alternating nodes, then the other node asks for
    // the captcha; five more (with captchas) lock the username, and the lock holds on the other node.
    const attacker = httpTarget(A);
    const intruder = new BrowserAgent(attacker);
    const victim = nif(12345678);
    for (let i = 0; i < 5; i++) {
      attacker.baseUrl = i % 2 ? B : A;
      assert.equal((await intruder.post('/sign-in', { username: victim, password: `wrong-${i}` })).statusCode, 401);
    }
    attacker.baseUrl = B;
    assert.equal(
      (await intruder.post('/sign-in', { username: victim, password: 'wrong-5' })).statusCode,
      400,
      'node B knows of the failures on node A: captcha',
    );
    for (let i = 5; i < 10; i++) {
      attacker.baseUrl = A;
      const challenge = (await intruder.get('/captcha/challenge')).json() as CaptchaChallenge;
      attacker.baseUrl = B; // a challenge from node A is accepted on node B (SECRET_KEY shared)
      const res = await intruder.post('/sign-in', {
        username: victim,
        password: `wrong-${i}`,
        altcha: await solveCaptcha(challenge),
      });
      assert.equal(res.statusCode, 401, `failure ${i + 1}`);
    }
    attacker.baseUrl = A;
    assert.equal(
      (await intruder.post('/sign-in', { username: victim, password: 'anything' })).statusCode,
      429,
      'locked via node B, refused on node A',
    );

    mark('locked');
    // R25: stopping a node gracefully (SIGTERM) with a batch queued: it finishes what it claimed, the other node
    // sends the rest, nothing is lost and nothing is sent twice; the session lives on.
    const importBatch = async (offset: number) => {
      const lines = [...syntheticFeed(offset + 24, today)];
      const csv = lines[0]! + lines.slice(1 + offset).join('');
      const report = await importFeed(
        {
          db,
          clock: systemClock,
          courier: createCourier({
            clock: systemClock,
            brand: defaultBrand,
            publicUrl: proxy,
            box: developmentSecretBox(),
          }),
          timeZone: 'Europe/Madrid',
        },
        Readable.from([csv]),
      );
      return report.enrolmentEmails;
    };
    const firstBatch = await importBatch(0);
    assert.ok(firstBatch >= 10);
    const stoppedA = nodes.A!.pid;
    process.kill(stoppedA, 'SIGTERM');
    target.baseUrl = proxy;
    assert.equal((await agent.get('/area')).statusCode, 200, 'through nginx while node A stops');
    target.baseUrl = B;
    assert.equal((await agent.get('/area')).statusCode, 200);
    await until('node A to start again', () => nodes.A!.pid !== stoppedA);
    await until('the first batch to be sent', outboxSettled);

    mark('SIGTERM batch sent');
    // SIGKILL mid-batch: what the dead node had claimed waits for its lease, then the other node sends it.
    const secondBatch = await importBatch(24);
    await until(
      'a node to start sending',
      () => smtp.messages.some((m) => /member(2[4-9]|3\d|4[0-7])@/.test(JSON.stringify(m.to))),
      30_000,
    );
    const killedB = nodes.B!.pid;
    process.kill(killedB, 'SIGKILL');
    target.baseUrl = proxy;
    assert.equal((await agent.get('/area')).statusCode, 200, 'through nginx after node B died');
    target.baseUrl = A;
    assert.equal((await agent.get('/area')).statusCode, 200);
    await until('node B to start again', () => nodes.B!.pid !== killedB);
    target.baseUrl = B;
    assert.equal((await agent.get('/area')).statusCode, 200, 'the restarted node B knows the session');
    await until('the second batch to be sent', outboxSettled, (LEASE_SECONDS + 90) * 1000);
    mark('SIGKILL batch sent');

    // Every queued email left exactly once, counted by message at the SMTP server. A message the killed node had
    // handed to the server but not yet marked sent is sent again after the lease (at-least-once); it keeps its
    // Message-ID, so the copy is recognisable. A node sends SEND_CONCURRENCY messages at once, so at most that many
    // were in flight when it died, all of the batch it was sending: the gracefully stopped node resent nothing.
    const sent = await db.kysely
      .selectFrom('outbox')
      .select(['id', 'recipient'])
      .where('channel', '=', 'email')
      .where('status', '=', 'sent')
      .execute();
    assert.equal(
      sent.length,
      (await db.kysely.selectFrom('outbox').select('id').where('channel', '=', 'email').execute()).length,
      'every email was sent',
    );
    const byId = new Map<string, number>();
    for (const m of smtp.messages) byId.set(m.messageId ?? '', (byId.get(m.messageId ?? '') ?? 0) + 1);
    assert.equal(byId.size, sent.length, 'every outbox email arrived');
    const resent = [...byId].filter(([, n]) => n > 1).map(([id]) => id);
    const twice = resent.length;
    assert.ok(twice <= SEND_CONCURRENCY, `${twice} messages arrived twice`);
    for (const id of resent) {
      const to = JSON.stringify(smtp.messages.find((m) => m.messageId === id)?.to);
      assert.match(to, /member(2[4-9]|3\d|4[0-7])@/, 'only a message of the batch sending when the node was killed');
    }
    assert.ok(firstBatch + secondBatch + 2 <= sent.length);
    t.diagnostic(`${sent.length} emails, ${twice} resent after SIGKILL; ${stages.join(', ')}`);
  },
);
