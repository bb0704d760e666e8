import { resolve } from 'node:path';
import { mainTicks } from './main-thread.js';

// Issue 32: two or more builds of the portal compared in one process, on a machine too busy for whole-bench runs to
// tell them apart. Each build (a checkout with its own `dist/`, built with tsconfig.bench.json) gets its own test app
// and members (a returning member on their own browser, email preferred); the builds take turns, A B C then C B A, and
// each turn measures the main thread's CPU (from /proc, so the argon2id threads are left out) per full two-step
// sign-in through `inject` and per signed-in `GET /area`. No HTTP client competes for the cores.
//
//   node dist/bench/ab-inprocess.js sqlite|postgres DIR_A,DIR_B[,…] [rounds]   (MEMBERS=40 sign-ins a turn)

/* eslint-disable @typescript-eslint/no-explicit-any */
type Any = any;

const kind = process.argv[2] ?? 'sqlite';
const dirs = (process.argv[3] ?? '').split(',').filter(Boolean);
const rounds = Number(process.argv[4] ?? 6);
const members = Number(process.env.MEMBERS ?? 40);
const pages = 1500;
if (dirs.length === 0) throw new Error('usage: ab-inprocess.js sqlite|postgres DIR_A,DIR_B[,…] [rounds]');

interface Variant {
  dir: string;
  ctx: Any;
  TEST_PASSWORD: string;
  people: { m: Any; agent: Any }[];
  signIn: number[];
  area: number[];
}

let address = 1;
const variants: Variant[] = [];
for (const [i, dir] of dirs.entries()) {
  const dist = resolve(dir, 'dist');
  const { setup } = await import(`${dist}/test/helpers/setup.js`);
  const { BrowserAgent } = await import(`${dist}/test/helpers/browser-agent.js`);
  const { memberWithAccount, TEST_PASSWORD } = await import(`${dist}/test/helpers/fixture.js`);
  const ctx = await setup(kind, { env: { TRUST_PROXY: 'true' } });
  const people = [];
  for (let k = 0; k < members; k++) {
    const m = await memberWithAccount(ctx, { n: 700_000 + i * 1000 + k, language: 'es', preferredChannel: 'email' });
    const ip = `10.9.${address >> 8}.${address++ & 255}`;
    people.push({ m, agent: new BrowserAgent(ctx.app, { 'x-forwarded-for': ip }) });
  }
  variants.push({ dir, ctx, TEST_PASSWORD, people, signIn: [], area: [] });
}

async function lastCode(ctx: Any, email: string): Promise<string> {
  const row = await ctx.db.kysely
    .selectFrom('outbox')
    .select(['body_text'])
    .where('recipient', '=', email)
    .where('template', '=', 'signin-code')
    .orderBy('id', 'desc')
    .executeTakeFirstOrThrow();
  return /\b(\d{6})\b/.exec(ctx.secretBox.open(row.body_text))![1]!;
}

/** Both steps as a browser walks them: the channel page only where the password step did not send the code. */
async function signIn(v: Variant, { m, agent }: { m: Any; agent: Any }, signOut = true): Promise<void> {
  await agent.get('/sign-in');
  const password = await agent.post('/sign-in', { username: m.username, password: v.TEST_PASSWORD });
  if (password.headers.location !== '/sign-in/verify?sent=1') {
    await agent.get('/sign-in/verify');
    const sent = await agent.post('/sign-in/verify/send', { channel: 'email' });
    if (sent.headers.location !== '/sign-in/verify?sent=1') throw new Error(`send: ${sent.statusCode}`);
  }
  await agent.get('/sign-in/verify?sent=1');
  const done = await agent.post('/sign-in/verify/code', { code: await lastCode(v.ctx, m.email) });
  if (done.headers.location !== '/area') throw new Error(`code: ${done.statusCode} ${done.headers.location}`);
  if (signOut) await agent.post('/sign-out', {});
}

/** R9's hourly limits start again: the test clock an hour on, the counters gone. */
async function nextHour(v: Variant): Promise<void> {
  v.ctx.clock.advanceMinutes(61);
  await v.ctx.db.kysely.deleteFrom('rate_limits').execute();
}

async function turn(v: Variant): Promise<{ signInMs: number; areaMs: number }> {
  await nextHour(v);
  const t0 = mainTicks();
  for (const person of v.people) await signIn(v, person);
  const t1 = mainTicks();
  await nextHour(v);
  const first = v.people[0]!;
  await signIn(v, first, false);
  for (let k = 0; k < 100; k++) await first.agent.get('/area');
  const t2 = mainTicks();
  for (let k = 0; k < pages; k++) {
    const res = await first.agent.get('/area');
    if (res.statusCode !== 200) throw new Error(`GET /area: ${res.statusCode}`);
  }
  const t3 = mainTicks();
  await first.agent.post('/sign-out', {});
  return { signInMs: ((t1 - t0) * 10) / v.people.length, areaMs: ((t3 - t2) * 10) / pages };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
for (const v of variants) await turn(v); // warm-up
for (let r = 0; r < rounds; r++) {
  for (const v of r % 2 ? [...variants].reverse() : variants) {
    const t = await turn(v);
    v.signIn.push(t.signInMs);
    v.area.push(t.areaMs);
    console.error(`round ${r} ${v.dir}: ${JSON.stringify(t)}`);
  }
}
for (const v of variants) {
  const { dir, signIn: signIns, area } = v;
  const summary = { kind, dir, signInMainMs: median(signIns), areaMainMs: median(area), signIns, area };
  console.log(JSON.stringify(summary));
}
for (const v of variants) await v.ctx.close();
process.exit(0);
