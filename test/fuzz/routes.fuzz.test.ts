import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { todayIn } from '../../src/domain/calendar.js';
import { demoFeedCsv, nif } from '../../src/feed/demo-feed.js';
import { importFeed } from '../../src/feed/feed.import.js';
import { memberWithAccount, signedIn, TEST_PASSWORD } from '../helpers/fixture.js';
import { BrowserAgent } from '../helpers/browser-agent.js';
import { describeEachDatabase } from '../helpers/databases.js';
import { assertNoHalfWrittenRows } from '../helpers/integrity.js';
import { setup, type TestContext } from '../helpers/setup.js';
import { anyText, checkAsync } from './fuzz.js';

// Issue 9, fuzzing: every route the app registers gets random requests (random keys, huge values, Unicode, nested
// `a[b]`, repeated keys, prototype keys, JSON where a form is expected, wrong or missing content types, empty
// bodies), anonymous, with a valid CSRF token, signed in, and in the middle of a registration. Whatever comes in:
// never a 5xx, never a stack trace or an internal path in the body, never a half-written row.

interface Route {
  method: string;
  url: string;
}

/** The app's routes, read from Fastify's own route tree (so a route added later is fuzzed without editing this). */
export function registeredRoutes(app: FastifyInstance): Route[] {
  const stack: string[] = [];
  const routes: Route[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([│├└─\s]*)(\S.*?)(?: \(([A-Z, ]+)\))?$/u.exec(line);
    if (!m) continue;
    const depth = Math.floor((m[1] ?? '').length / 4);
    stack.length = depth;
    stack[depth] = m[2] ?? '';
    const url = stack.join('').replace(/\/{2,}/g, '/');
    for (const method of (m[3] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      if (method !== 'HEAD') routes.push({ method, url });
    }
  }
  return routes;
}

const FIELDS = [
  'member_number',
  'birth_date',
  'policy_number',
  'altcha',
  'address_line',
  'postal_code',
  'city',
  'province',
  'email',
  'mobile',
  'document_type',
  'document_number',
  'password',
  'password_confirmation',
  'username',
  'next',
  'channel',
  'code',
  'member',
  'current_password',
  'remove_password',
  'new_password',
  'new_password_confirmation',
  'value',
  'lang',
  '_csrf',
];
const TRICKY_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'a[b]',
  'email[a]',
  'email[]',
  '[]',
  '',
  'member[toString]',
];
const PLAUSIBLE = [
  'AS1001',
  'as-10.01',
  'POL-100200',
  'pol 100200',
  '01/01/1980',
  '1980-01-01',
  '12345678Z',
  nif(50123456),
  'NIF',
  'NIE',
  'PASSPORT',
  'email',
  'sms',
  'totp',
  '123456',
  '28009',
  '+34612345678',
  'a@b.es',
  TEST_PASSWORD,
  '/area',
  '//evil.example',
  'es',
  'en',
];

const anyKey = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...FIELDS) },
  fc.constantFrom(...TRICKY_KEYS),
  anyText(20),
  fc.constantFrom(...FIELDS).map((f) => `${f}[x]`),
);
/** Keys biased to the fields the route's own form (or links) carry, so repeats and odd types reach real handlers. */
const keyFor = (own: readonly string[]) =>
  own.length ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...own) }, { weight: 2, arbitrary: anyKey }) : anyKey;
const value = fc.oneof(
  { weight: 4, arbitrary: anyText(60) },
  { weight: 3, arbitrary: fc.constantFrom(...PLAUSIBLE) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1_000, max: 80_000 }).map((n) => 'Ab1'.repeat(Math.ceil(n / 3)).slice(0, n)),
  },
  { weight: 1, arbitrary: fc.constantFrom('%', '%zz', '%E0%A4%A', '%00', '\u0000', '\ud800', '=&=&', '+', '%2B') },
);

/** Percent-encodes like a browser, or (sometimes) not at all so the parser sees raw bytes. */
function encode(s: string, raw: boolean): string {
  if (raw) return s;
  try {
    return encodeURIComponent(s);
  } catch {
    return s;
  }
}

type Body =
  | { kind: 'form'; pairs: [string, string][]; raw: boolean; contentType: string; repeat: boolean }
  | { kind: 'json'; json: unknown; contentType: string }
  | { kind: 'text'; text: string; contentType: string | undefined }
  | { kind: 'none' };

const trickyJsonValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: value },
  fc.jsonValue({ maxDepth: 3 }),
  fc.constant({ toString: 1 }),
  fc.constant({ toString: 'x', valueOf: 'y' }),
  fc.array(value, { maxLength: 3 }),
);

const bodyFor = (key: fc.Arbitrary<string>): fc.Arbitrary<Body> =>
  fc.oneof(
    {
      weight: 5,
      arbitrary: fc.record({
        kind: fc.constant('form' as const),
        pairs: fc.array(fc.tuple(key, value), { maxLength: 8 }),
        raw: fc.boolean(),
        repeat: fc.boolean(),
        contentType: fc.constantFrom(
          'application/x-www-form-urlencoded',
          'application/x-www-form-urlencoded; charset=latin1',
          'application/x-www-form-urlencoded; charset=utf-16',
        ),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('json' as const),
        json: fc.oneof(fc.dictionary(key, trickyJsonValue, { maxKeys: 6 }), fc.jsonValue({ maxDepth: 2 })),
        contentType: fc.constantFrom('application/json', 'application/json; charset=utf-8'),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('text' as const),
        text: fc.oneof(
          anyText(200),
          fc.constantFrom(
            '{',
            '{"a":',
            '[]',
            'null',
            '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--',
            '<?xml version="1.0"?><a/>',
          ),
        ),
        contentType: fc.constantFrom(
          undefined,
          'text/plain',
          'application/json',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
          'application/xml',
          'application/octet-stream',
          'garbage',
          '',
        ),
      }),
    },
    { weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) },
  );

type Who = 'anonymous' | 'csrf' | 'member' | 'registering';

/** Who sends it: mostly the person a route is for (signed in for /area, mid-registration for /register). */
const whoFor = (url: string) =>
  url.startsWith('/area') || url.startsWith('/sign-out')
    ? fc.constantFrom<Who>('member', 'member', 'member', 'anonymous', 'csrf')
    : url.startsWith('/register')
      ? fc.constantFrom<Who>('registering', 'registering', 'csrf', 'anonymous')
      : fc.constantFrom<Who>('anonymous', 'csrf', 'csrf', 'member', 'registering');

const request = (routes: Route[], fieldsOf: (url: string) => string[]) =>
  fc.constantFrom(...routes).chain((route) => {
    const key = keyFor(fieldsOf(route.url));
    return fc.record({
      route: fc.constant(route),
      // Mostly the route's own method; now and then one it does not answer to.
      method: fc.oneof(
        { weight: 9, arbitrary: fc.constant(null) },
        { weight: 1, arbitrary: fc.constantFrom('PUT', 'DELETE', 'PATCH', 'POST', 'GET') },
      ),
      params: fc.array(
        fc.oneof(
          anyText(30),
          fc.constantFrom(
            ...TRICKY_KEYS,
            '1',
            '0',
            '-1',
            '1e3',
            '0x10',
            '99999999999999999999',
            'AS1001',
            '..',
            '%2e%2e',
            'x'.repeat(300),
          ),
        ),
        { minLength: 3, maxLength: 3 },
      ),
      query: fc.oneof(
        { weight: 2, arbitrary: fc.constant(null) },
        {
          weight: 1,
          arbitrary: fc.array(
            fc.tuple(
              key,
              value.filter((v) => v.length < 2000),
            ),
            { maxLength: 4 },
          ),
        },
      ),
      repeatQuery: fc.boolean(),
      body: bodyFor(key),
      who: whoFor(route.url),
    });
  });

const STACK_OR_PATH =
  /\n\s+at\s|node_modules|\/dist\/|\bat [\w.<>]+ \(|file:\/\/|Error: |TypeError|ReferenceError|SqliteError|relation "/;

describeEachDatabase('every route with random requests (issue 9)', (kind) => {
  let ctx: TestContext;
  let routes: Route[];
  const sessions: Record<Exclude<Who, 'anonymous'>, { cookies: Record<string, string>; token: string } | undefined> = {
    csrf: undefined,
    member: undefined,
    registering: undefined,
  };
  let lucia: Record<string, string>;
  const stats = { requests: 0, statuses: new Map<number, number>() };
  const fields = new Map<string, Set<string>>();
  const addField = (url: string, name: string) => {
    if (!fields.has(url)) fields.set(url, new Set());
    fields.get(url)!.add(name);
  };
  const fieldsOf = (url: string) => [...(fields.get(url) ?? [])];

  const tokenOf = (res: LightMyRequestResponse) => /name="_csrf" value="([^"]+)"/.exec(res.body)?.[1];

  async function secretsFor(
    who: Exclude<Who, 'anonymous'>,
  ): Promise<{ cookies: Record<string, string>; token: string }> {
    let current = sessions[who];
    if (who === 'member' && current) {
      const alive = await ctx.app.inject({ method: 'GET', url: '/area', cookies: current.cookies });
      if (alive.statusCode !== 200) current = undefined;
    }
    if (who === 'registering' && current) {
      const step = await ctx.app.inject({ method: 'GET', url: '/register/details', cookies: current.cookies });
      if (step.statusCode !== 200) current = undefined;
    }
    if (!current) {
      let agent: BrowserAgent;
      if (who === 'member') {
        agent = await signedIn(ctx, { username: nif(70_000_001), email: 'member1@example.com' });
        await agent.get('/area/contact');
      } else {
        agent = new BrowserAgent(ctx.app);
        await agent.get('/register');
        if (who === 'registering') {
          assert.equal((await agent.post('/register', lucia)).headers.location, '/register/details');
          await agent.get('/register/details');
        }
      }
      const token = tokenOf(agent.last);
      assert.ok(token, `a CSRF token for ${who}`);
      current = { cookies: { ...agent.cookies }, token };
      sessions[who] = current;
    }
    return current;
  }

  before(async () => {
    ctx = await setup(kind, { env: { TRUST_PROXY: 'true' } });
    const today = todayIn('Europe/Madrid', ctx.clock.now());
    await importFeed(
      { db: ctx.db, clock: ctx.clock, courier: ctx.courier, timeZone: 'Europe/Madrid' },
      Readable.from([demoFeedCsv(today)]),
    );
    await memberWithAccount(ctx, { n: 1 });
    const m = await ctx.db.kysely
      .selectFrom('members')
      .select('date_of_birth')
      .where('member_number', '=', 'AS1001')
      .executeTakeFirstOrThrow();
    lucia = { member_number: 'AS1001', birth_date: m.date_of_birth, policy_number: 'POL-100200' };
    await ctx.app.ready();
    routes = registeredRoutes(ctx.app);
    // The fields each form posts and the query keys each link carries, read from the pages themselves.
    for (const who of ['csrf', 'member', 'registering'] as const) {
      const { cookies } = await secretsFor(who);
      for (const r of routes.filter((x) => x.method === 'GET' && !/[:*]/.test(x.url) && x.url !== '/register/done')) {
        const page = await ctx.app.inject({ method: 'GET', url: r.url, cookies });
        for (const [, action = '', inner = ''] of page.body.matchAll(
          /<form[^>]*action="([^"?]+)[^"]*"[^>]*>([\s\S]*?)<\/form>/g,
        )) {
          for (const [, name = ''] of inner.matchAll(/name="([^"]+)"/g)) addField(action, name);
        }
        for (const [, path = '', q = ''] of page.body.matchAll(/href="(\/[^"?#]*)\?([^"#]+)"/g)) {
          for (const pair of q.replace(/&amp;/g, '&').split('&'))
            addField(path, decodeURIComponent(pair.split('=')[0] ?? ''));
        }
      }
    }
  });
  after(async () => {
    console.log(
      `[${kind}] fields found: ${JSON.stringify(Object.fromEntries([...fields].map(([k, v]) => [k, [...v]])))}`,
    );
    console.log(
      `[${kind}] ${stats.requests} fuzzed requests over ${routes.length} routes; statuses ${JSON.stringify(Object.fromEntries([...stats.statuses].sort((a, b) => a[0] - b[0])))}`,
    );
    await ctx.close();
  });

  test('the route list covers every flow', () => {
    const urls = new Set(routes.map((r) => `${r.method} ${r.url}`));
    for (const expected of [
      'POST /register',
      'POST /register/details',
      'POST /register/password',
      'POST /sign-in',
      'POST /sign-in/verify/code',
      'POST /recovery/reset',
      'POST /area/contact/address',
      'POST /area/security/sessions/:id/end',
      'GET /help/:topic',
      'GET /readyz',
    ]) {
      assert.ok(urls.has(expected), `${expected} in ${[...urls].join(', ')}`);
    }
  });

  test('random requests to every route: never a 5xx, never internals, never a half-written row (R3, R4, R6)', async () => {
    await checkAsync(
      fc.asyncProperty(request(routes, fieldsOf), async (r) => {
        await ctx.db.kysely.deleteFrom('rate_limits').execute();
        const auth = r.who === 'anonymous' ? undefined : await secretsFor(r.who);
        let i = 0;
        const url = r.route.url.replace(/:[A-Za-z]+|\*/g, () => encode(r.params[i++ % 3] ?? '', false));
        // Repeated keys arrive as arrays: `a=1&a=2`.
        const queryPairs =
          r.query && r.repeatQuery
            ? [...r.query, ...r.query.map(([k, v]) => [k, v + '2'] as [string, string])]
            : r.query;
        const query = queryPairs
          ? '?' + queryPairs.map(([k, v]) => `${encode(k, false)}=${encode(v, false)}`).join('&')
          : '';
        const headers: Record<string, string> = {
          'x-forwarded-for': `10.9.${stats.requests % 250}.${(stats.requests >> 8) % 250}`,
        };
        let payload: string | undefined;
        const b = r.body;
        if (b.kind === 'form') {
          const given = b.repeat ? [...b.pairs, ...b.pairs.map(([k, v]) => [k, v + '2'] as [string, string])] : b.pairs;
          const pairs =
            auth && !given.some(([k]) => k === '_csrf') ? [['_csrf', auth.token] as [string, string], ...given] : given;
          payload = pairs.map(([k, v]) => `${encode(k, b.raw)}=${encode(v, b.raw)}`).join('&');
          headers['content-type'] = b.contentType;
        } else if (b.kind === 'json') {
          const json =
            auth && b.json && typeof b.json === 'object' && !Array.isArray(b.json)
              ? { _csrf: auth.token, ...b.json }
              : b.json;
          payload = JSON.stringify(json);
          headers['content-type'] = b.contentType;
        } else if (b.kind === 'text') {
          payload = b.text;
          if (b.contentType !== undefined) headers['content-type'] = b.contentType;
          if (auth) headers['x-csrf-token'] = auth.token;
        }
        const method = (r.method ?? r.route.method) as 'GET';
        const res = await ctx.app.inject({
          method,
          url: url + query,
          headers,
          cookies: auth?.cookies ?? {},
          ...(payload !== undefined && method !== 'GET' ? { payload } : {}),
        });
        stats.requests++;
        if (process.env.FUZZ_TRACE)
          console.log(`${method} ${url + query} as ${r.who} → ${res.statusCode}`.slice(0, 200));
        stats.statuses.set(res.statusCode, (stats.statuses.get(res.statusCode) ?? 0) + 1);
        const what = `${method} ${url + query} as ${r.who} → ${res.statusCode}`;
        assert.ok(res.statusCode < 500, `${what}\n${res.body.slice(0, 2000)}`);
        // A script served as a file (the WebAuthn library, R27) names errors in its own code: not a leak.
        if (!String(res.headers['content-type']).startsWith('text/javascript'))
          assert.doesNotMatch(res.body, STACK_OR_PATH, what);
        assert.ok(!res.body.includes(process.cwd()), what);
        await assertNoHalfWrittenRows(ctx.db, what);
      }),
      kind === 'sqlite' ? 400 : 100,
    );
  });
});
