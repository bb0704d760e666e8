import { createRequire } from 'node:module';
import { resolve } from 'node:path';

// Issue 32: the statements one two-step sign-in of a returning member sends, request by request, as the A/B of
// ab-inprocess.ts walks it (the password step sends the code to the preferred email). Two counts per request:
// the statements Kysely sends (the test suite's QueryLog, "kind table"), and the driver's round trips, which
// also count BEGIN and COMMIT (better-sqlite3's statement runs; `pg` client queries). Each build (a checkout with
// its own `dist/`, built with tsconfig.bench.json) in turn, first on a new browser, then on the member's own.
//
//   node dist/bench/statements.js sqlite|postgres DIR_A[,DIR_B…] [--list]

/* eslint-disable @typescript-eslint/no-explicit-any */
type Any = any;

const kind = process.argv[2] ?? 'sqlite';
const dirs = (process.argv[3] ?? '.').split(',').filter(Boolean);
const list = process.argv.includes('--list');

let trips = 0;
let patched = false;
/** Counts the driver's round trips: every better-sqlite3 statement run and every `pg` query. */
function patchDrivers(dist: string): void {
  if (patched) return;
  patched = true;
  const require = createRequire(`${dist}/`);
  const Sqlite = require('better-sqlite3');
  const probe = new Sqlite(':memory:');
  const statement = Object.getPrototypeOf(probe.prepare('select 1'));
  probe.close();
  for (const method of ['run', 'all', 'get', 'iterate'] as const) {
    const original = statement[method];
    statement[method] = function (this: unknown, ...args: unknown[]) {
      trips++;
      return original.apply(this, args);
    };
  }
  const pg = require('pg');
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: unknown, ...args: unknown[]) {
    trips++;
    return query.apply(this, args);
  };
}

for (const [i, dir] of dirs.entries()) {
  const dist = resolve(dir, 'dist');
  patchDrivers(dist);
  const { setup } = await import(`${dist}/test/helpers/setup.js`);
  const { BrowserAgent } = await import(`${dist}/test/helpers/browser-agent.js`);
  const { memberWithAccount, TEST_PASSWORD } = await import(`${dist}/test/helpers/fixture.js`);
  const { QueryLog } = await import(`${dist}/test/helpers/query-log.js`);
  const log = new QueryLog();
  const ctx = await setup(kind, { env: { TRUST_PROXY: 'true' }, kyselyPlugins: [log] });
  const m = await memberWithAccount(ctx, { n: 710_000 + i, language: 'es', preferredChannel: 'email' });
  const agent = new BrowserAgent(ctx.app, { 'x-forwarded-for': `10.8.0.${i + 1}` });

  const lastCode = async (): Promise<string> => {
    const row = await ctx.db.kysely
      .selectFrom('outbox')
      .select(['body_text'])
      .where('recipient', '=', m.email)
      .where('template', '=', 'signin-code')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    return /\b(\d{6})\b/.exec(ctx.secretBox.open(row.body_text))![1]!;
  };

  const steps: { step: string; statements: string[]; trips: number }[] = [];
  const request = async (step: string, send: () => Promise<Any>) => {
    log.take();
    const before = trips;
    const res = await send();
    steps.push({
      step: `${step} → ${res.statusCode} ${res.headers.location ?? ''}`,
      statements: log.take(),
      trips: trips - before,
    });
    return res;
  };

  for (const browser of ['new browser', 'own browser']) {
    steps.length = 0;
    await ctx.db.kysely.deleteFrom('rate_limits').execute();
    await request('GET /sign-in', () => agent.get('/sign-in'));
    const password = await request('POST /sign-in', () =>
      agent.post('/sign-in', { username: m.username, password: TEST_PASSWORD }),
    );
    if (password.headers.location !== '/sign-in/verify?sent=1') throw new Error('the code was not sent at once');
    await request('GET /sign-in/verify?sent=1', () => agent.get('/sign-in/verify?sent=1'));
    const code = await lastCode();
    const done = await request('POST /sign-in/verify/code', () => agent.post('/sign-in/verify/code', { code }));
    if (done.headers.location !== '/area') throw new Error(`code: ${done.statusCode}`);
    await agent.post('/sign-out', {});
    ctx.clock.advanceMinutes(1);
    const statements = steps.reduce((n, s) => n + s.statements.length, 0);
    const roundTrips = steps.reduce((n, s) => n + s.trips, 0);
    console.log(`${kind} ${dir} (${browser}): ${statements} statements, ${roundTrips} driver round trips`);
    for (const s of steps) {
      console.log(`  ${s.step}: ${s.statements.length} statements, ${s.trips} round trips`);
      if (list) for (const q of s.statements) console.log(`      ${q}`);
    }
  }
  await ctx.close();
}
process.exit(0);
