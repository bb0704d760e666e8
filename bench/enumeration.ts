import { performance } from 'node:perf_hooks';
import { nif } from '../src/feed/demo-feed.js';
import { dummyVerify } from '../src/infra/crypto/password-hash.js';
import { hashToken, randomToken } from '../src/infra/crypto/tokens.js';
import { memberWithAccount } from '../test/helpers/fixture.js';
import { databaseKinds } from '../test/helpers/databases.js';
import { setup, type TestContext } from '../test/helpers/setup.js';

// `npm run bench:enumeration`: the wall-time difference between an existing and a missing account on the three
// doors an attacker could probe (R1, R7, R11; ASVS 6.3.8). The abuse suite proves the same statements and the same
// argon2id work on both paths; this measures what is left: in-process requests (app.inject, no network), pairs
// interleaved with the order alternating, so drift and noise fall on both sides alike. Figures go to docs/security.md.

const PAIRS = Number(process.env.ENUM_PAIRS ?? 200);

type Probe = (ctx: TestContext, existing: boolean) => Promise<number>;

const timed = async (fn: () => Promise<unknown>) => {
  const start = performance.now();
  await fn();
  return performance.now() - start;
};

const form = { 'content-type': 'application/x-www-form-urlencoded' };

/** A CSRF cookie and token for posting. */
async function csrf(ctx: TestContext): Promise<{ cookies: Record<string, string>; token: string }> {
  const page = await ctx.app.inject('/sign-in');
  const cookies = Object.fromEntries(page.cookies.map((c) => [c.name, c.value]));
  return { cookies, token: /name="_csrf" value="([^"]+)"/.exec(page.body)![1]! };
}

function probes(username: string, memberNumber: string): Record<string, Probe> {
  return {
    'sign-in, wrong password vs unknown document (POST /sign-in)': async (ctx, existing) => {
      await ctx.db.kysely.deleteFrom('rate_limits').execute();
      const { cookies, token } = await csrf(ctx);
      const payload = new URLSearchParams({
        _csrf: token,
        username: existing ? username : nif(99_999_902),
        password: 'Wrong1234',
      }).toString();
      return timed(() => ctx.app.inject({ method: 'POST', url: '/sign-in', cookies, headers: form, payload }));
    },
    'recovery, send step (POST /recovery/send)': async (ctx, existing) => {
      await ctx.db.kysely.deleteFrom('rate_limits').execute();
      const { cookies, token } = await csrf(ctx);
      // The screen-1 flow (document + captcha) made directly, as the flow store would: only the send is timed.
      const browser = randomToken();
      const now = ctx.clock.now();
      await ctx.db.kysely
        .insertInto('flows')
        .values({
          id: randomToken(16),
          kind: 'recovery',
          state: 'confirm',
          browser_hash: hashToken(browser),
          account_id: null,
          member_id: null,
          data: JSON.stringify({ username: existing ? username : nif(99_999_903) }),
          attempts: 0,
          expires_at: new Date(now.getTime() + 600_000).toISOString(),
          created_at: now.toISOString(),
          updated_at: now.toISOString(),
        })
        .execute();
      return timed(() =>
        ctx.app.inject({
          method: 'POST',
          url: '/recovery/send',
          cookies: { ...cookies, recovery: browser },
          headers: form,
          payload: `_csrf=${encodeURIComponent(token)}`,
        }),
      );
    },
    'registration step 1, wrong birth date vs unknown member number (POST /register)': async (ctx, existing) => {
      await ctx.db.kysely.deleteFrom('rate_limits').execute();
      const { cookies, token } = await csrf(ctx);
      const payload = new URLSearchParams({
        _csrf: token,
        member_number: existing ? memberNumber : 'HM99999',
        birth_date: '02/02/1990',
        policy_number: 'HP1',
      }).toString();
      return timed(() => ctx.app.inject({ method: 'POST', url: '/register', cookies, headers: form, payload }));
    },
  };
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};
const ms = (x: number) => x.toFixed(2);

const rows: string[] = [];
// ENUM_DB=sqlite,postgres to choose; by default every database the test helpers reach.
const kinds = process.env.ENUM_DB ? (process.env.ENUM_DB.split(',') as typeof databaseKinds) : databaseKinds;
for (const kind of kinds) {
  const ctx = await setup(kind);
  try {
    const m = await memberWithAccount(ctx, { n: 1 });
    await dummyVerify('warm-up, as the server does at start');
    for (const [name, probe] of Object.entries(probes(m.username, m.memberNumber))) {
      for (let i = 0; i < 10; i++) await probe(ctx, i % 2 === 0); // warm-up
      const known: number[] = [];
      const unknown: number[] = [];
      const diffs: number[] = [];
      for (let i = 0; i < PAIRS; i++) {
        const first = i % 2 === 0;
        const a = await probe(ctx, first);
        const b = await probe(ctx, !first);
        const [k, u] = first ? [a, b] : [b, a];
        known.push(k);
        unknown.push(u);
        diffs.push(u - k);
      }
      rows.push(
        `| ${name} | ${kind} | ${ms(quantile(known, 0.5))} | ${ms(quantile(unknown, 0.5))} | ${ms(quantile(diffs, 0.5))} | ${ms(quantile(diffs, 0.25))} … ${ms(quantile(diffs, 0.75))} |`,
      );
    }
  } finally {
    await ctx.close();
  }
}
console.log(
  `\n${PAIRS} interleaved pairs per row, in-process (app.inject), ${new Date().toISOString().slice(0, 16)} UTC\n`,
);
console.log(
  '| Probe | Database | existing: median ms | missing: median ms | paired difference (missing − existing): median ms | interquartile range ms |',
);
console.log('|---|---|---|---|---|---|');
for (const row of rows) console.log(row);
