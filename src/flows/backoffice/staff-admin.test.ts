import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { BrowserAgent } from '../../../test/helpers/browser-agent.js';
import { describeEachDatabase } from '../../../test/helpers/databases.js';
import { setup, type TestContext } from '../../../test/helpers/setup.js';
import { createStaff, setPasswordFromLink, signedInStaff, signInStaff, totpCode } from '../../../test/helpers/staff.js';
import { generate } from 'otplib';
import { ANONYMOUS_REFUSALS_AUDITED } from './staff-guard.js';
import { disableStaff } from './staff.repository.js';

// R23: every back-office route checks the role on the server; administrators manage staff users; every action is
// confirmed first and audited with the staff member as actor (R22).

/** Every route the app has, as "METHOD /path", read from Fastify's own route tree (so a new route cannot be missed). */
function allRoutes(app: FastifyInstance): string[] {
  const out: string[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([│ ]*)[├└]── (.+?) \(([^)]+)\)$/.exec(line) ?? /^([│ ]*)[├└]── (.+?)$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    stack.push(m[2]!);
    const path = stack.join('').replace(/^\/?/, '/');
    for (const method of (m[3] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s && s !== 'HEAD'))
      out.push(`${method} ${path}`);
  }
  return out;
}

/** The back-office routes anyone may call: the sign-in pages and sign-out. */
const PUBLIC = new Set([
  'GET /backoffice/sign-in',
  'POST /backoffice/sign-in',
  'GET /backoffice/sign-in/verify',
  'POST /backoffice/sign-in/verify',
  // R27: a passkey instead of the app's code, in the same sign-in (its flow cookie is the credential so far).
  'POST /backoffice/sign-in/verify/passkey/options',
  'POST /backoffice/sign-in/verify/passkey',
  'POST /backoffice/sign-out',
  // The emailed link to choose a password (issue 15): its token is the credential.
  'GET /backoffice/password/set/:token',
  'GET /backoffice/password/set',
  'POST /backoffice/password/set',
]);

describeEachDatabase('back-office guard and staff administration (R22, R23)', (kind) => {
  let ctx: TestContext;
  let guarded: string[];
  before(async () => {
    ctx = await setup(kind);
    guarded = allRoutes(ctx.app).filter((r) => r.split(' ')[1]!.startsWith('/backoffice') && !PUBLIC.has(r));
  });
  after(() => ctx.close());

  const url = (route: string, id: number) => route.split(' ')[1]!.replace(':id', String(id));
  const refusals = (reason: string) =>
    ctx.db.kysely
      .selectFrom('audit_events')
      .selectAll()
      .where('event', '=', 'backoffice.access')
      .where('outcome', '=', 'refused')
      .orderBy('id')
      .execute()
      .then((rows) => rows.filter((r) => r.details?.includes(`"reason":"${reason}"`)));
  const nextStep = () => ctx.clock.advance(30_000);

  test('the route list is what this slice registers', () => {
    for (const r of [
      'GET /backoffice',
      'GET /backoffice/staff',
      'POST /backoffice/staff/new',
      'POST /backoffice/staff/:id/disable',
      'GET /backoffice/audit',
      'GET /backoffice/audit.csv',
    ]) {
      assert.ok(guarded.includes(r), `${r} in ${guarded.join(', ')}`);
    }
  });

  test('without a staff session every back-office route is refused: GET to the sign-in page, other methods 401, all audited', async () => {
    const target = await createStaff(ctx, 'agent');
    const browser = new BrowserAgent(ctx.app);
    await browser.get('/backoffice/sign-in'); // a CSRF token, so the guard (not CSRF) is what refuses
    const before = (await refusals('no_session')).length;
    for (const route of guarded) {
      const [method] = route.split(' ');
      const path = url(route, target.id);
      const res =
        method === 'GET'
          ? await browser.get(path)
          : await browser.post(path, {
              confirmed: '1',
              reason: 'x',
              username: 'mallory',
              email: 'm@x.es',
              role: 'admin',
            });
      if (method === 'GET') {
        assert.equal(res.statusCode, 303, route);
        assert.equal(res.headers.location, `/backoffice/sign-in?next=${encodeURIComponent(path)}`, route);
      } else assert.equal(res.statusCode, 401, route);
    }
    assert.equal((await refusals('no_session')).length - before, guarded.length, 'each refusal is audited');
    const stillThere = await ctx.db.kysely
      .selectFrom('staff_users')
      .select('status')
      .where('id', '=', target.id)
      .executeTakeFirstOrThrow();
    assert.equal(stillThere.status, 'active');
    assert.equal(
      await ctx.db.kysely.selectFrom('staff_users').select('id').where('username', '=', 'mallory').executeTakeFirst(),
      undefined,
    );
  });

  test('a scripted flood without a session cannot fill the append-only audit: 100 rows per address an hour, one flood row, then none', async () => {
    ctx.clock.advance(3_600_000); // a fresh hour for the per-address count
    const from = (remoteAddress: string) => ctx.app.inject({ url: '/backoffice/staff', remoteAddress });
    const before = { refused: (await refusals('no_session')).length, flood: (await refusals('flood')).length };
    for (let i = 0; i < ANONYMOUS_REFUSALS_AUDITED + 20; i++)
      assert.equal((await from('203.0.113.50')).statusCode, 303);
    assert.equal((await refusals('no_session')).length - before.refused, ANONYMOUS_REFUSALS_AUDITED);
    const floodRows = (await refusals('flood')).slice(before.flood);
    assert.equal(floodRows.length, 1);
    assert.equal(floodRows[0]!.ip, '203.0.113.50');
    // Another address is still audited; and so is the flooding one, the next hour.
    assert.equal((await from('203.0.113.51')).statusCode, 303);
    assert.equal((await refusals('no_session')).length - before.refused, ANONYMOUS_REFUSALS_AUDITED + 1);
    ctx.clock.advance(3_600_000);
    await from('203.0.113.50');
    assert.equal((await refusals('no_session')).length - before.refused, ANONYMOUS_REFUSALS_AUDITED + 2);
  });

  test('an agent calling any administrator route gets 403, changes nothing, and is audited as the actor', async () => {
    const { agent, staff } = await signedInStaff(ctx, 'agent');
    const victim = await createStaff(ctx, 'admin');
    // The home page, their own password and passkeys and the member pages (R23, R27) are the agents' own; the rest is
    // for administrators.
    const adminRoutes = guarded.filter(
      (r) =>
        r !== 'GET /backoffice' &&
        !r.endsWith(' /backoffice/password') &&
        !r.split(' ')[1]!.startsWith('/backoffice/passkeys') &&
        !r.split(' ')[1]!.startsWith('/backoffice/members'),
    );
    assert.ok(adminRoutes.length >= 10);
    const before = (await refusals('role')).length;
    for (const route of adminRoutes) {
      const [method] = route.split(' ');
      const path = url(route, victim.id);
      const res =
        method === 'GET'
          ? await agent.get(path)
          : await agent.post(path, {
              confirmed: '1',
              reason: 'because',
              username: 'sneaky',
              email: 's@x.es',
              role: 'admin',
            });
      assert.equal(res.statusCode, 403, route);
    }
    const audited = (await refusals('role')).slice(before);
    assert.equal(audited.length, adminRoutes.length);
    assert.ok(audited.every((e) => e.actor === `staff:${staff.username}`));
    const v = await ctx.db.kysely
      .selectFrom('staff_users')
      .selectAll()
      .where('id', '=', victim.id)
      .executeTakeFirstOrThrow();
    assert.equal(v.status, 'active');
    assert.ok(v.totp_enabled_at);
    assert.equal(
      await ctx.db.kysely.selectFrom('staff_users').select('id').where('username', '=', 'sneaky').executeTakeFirst(),
      undefined,
    );
    // The agent's own pages still work, and the menu does not offer administrators' pages.
    const home = await agent.get('/backoffice');
    assert.equal(home.statusCode, 200);
    assert.doesNotMatch(home.body, /href="\/backoffice\/staff"/);
    nextStep();
  });

  test('an administrator creates a staff user: form, confirmation, no password shown (the owner chooses it from an emailed link); the new user enrols at first sign-in', async () => {
    const { agent, staff: admin } = await signedInStaff(ctx, 'admin');
    assert.match((await agent.get('/backoffice')).body, /href="\/backoffice\/staff"/);
    await agent.get('/backoffice/staff/new');
    const invalid = await agent.post('/backoffice/staff/new', { username: 'A', email: 'not-an-email', role: 'root' });
    assert.equal(invalid.statusCode, 400);
    assert.match(invalid.body, /id="error-summary"/);

    const fields = { username: 'Marta.Lopez', displayName: 'Marta López', email: 'marta@staff.example', role: 'agent' };
    const confirm = await agent.post('/backoffice/staff/new', fields);
    assert.equal(confirm.statusCode, 200);
    assert.match(confirm.body, /name="confirmed" value="1"/);
    assert.match(confirm.body, /marta\.lopez/);
    assert.equal(
      await ctx.db.kysely
        .selectFrom('staff_users')
        .select('id')
        .where('username', '=', 'marta.lopez')
        .executeTakeFirst(),
      undefined,
      'nothing before Confirm',
    );

    const created = await agent.post('/backoffice/staff/new', { ...fields, username: 'marta.lopez', confirmed: '1' });
    assert.equal(created.statusCode, 201);
    // Issue 15: the administrator sees no password; Marta is emailed a link to choose her own.
    assert.doesNotMatch(created.body, /data-password=/);
    assert.match(created.body, /marta@staff\.example/);
    const row = await ctx.db.kysely
      .selectFrom('staff_users')
      .selectAll()
      .where('username', '=', 'marta.lopez')
      .executeTakeFirstOrThrow();
    assert.equal(row.role, 'agent');
    assert.equal(row.totp_secret, null);
    assert.ok(row.password_hash.startsWith('$argon2id$'));
    const event = await ctx.db.kysely
      .selectFrom('audit_events')
      .selectAll()
      .where('event', '=', 'staff.created')
      .where('subject', '=', 'staff:marta.lopez')
      .executeTakeFirstOrThrow();
    assert.equal(event.actor, `staff:${admin.username}`);
    assert.match(event.details ?? '', /emailed_link/);

    const dup = await agent.post('/backoffice/staff/new', { ...fields, username: 'marta.lopez', confirmed: '1' });
    assert.equal(dup.statusCode, 409);

    // Marta chooses her password from the link, then her first sign-in goes through enrolment.
    const password = 'Marta2031Clave';
    await setPasswordFromLink(ctx, 'marta@staff.example', password);
    const marta = new BrowserAgent(ctx.app);
    await marta.post('/backoffice/sign-in', { username: 'marta.lopez', password });
    const secret = /data-secret="([A-Z2-7]+)"/.exec((await marta.get('/backoffice/sign-in/verify')).body)?.[1];
    assert.ok(secret);
    const done = await marta.post('/backoffice/sign-in/verify', {
      code: await generate({ secret, epoch: Math.floor(ctx.clock.now().getTime() / 1000) }),
    });
    assert.equal(done.headers.location, '/backoffice');
    nextStep();
  });

  test("disable (reason required) ends the person's sessions; re-enable lets them back; both audited with the reason", async () => {
    const { agent } = await signedInStaff(ctx, 'admin');
    const target = await createStaff(ctx, 'agent');
    const theirs = await signInStaff(ctx, target);
    const page = await agent.get(`/backoffice/staff/${target.id}/disable`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /name="reason"/);
    const noReason = await agent.post(`/backoffice/staff/${target.id}/disable`, { confirmed: '1', reason: '   ' });
    assert.equal(noReason.statusCode, 400);
    assert.match(noReason.body, /id="reason-error"/);
    const unconfirmed = await agent.post(`/backoffice/staff/${target.id}/disable`, { reason: 'left the company' });
    assert.equal(unconfirmed.statusCode, 200, 'without Confirm the page asks again');
    assert.equal((await theirs.get('/backoffice')).statusCode, 200);

    const done = await agent.post(`/backoffice/staff/${target.id}/disable`, {
      confirmed: '1',
      reason: 'left the company',
    });
    assert.equal(done.headers.location, '/backoffice/staff?done=disabled');
    assert.equal((await theirs.get('/backoffice')).statusCode, 303, 'their session ended');
    const disabled = await ctx.db.kysely
      .selectFrom('audit_events')
      .selectAll()
      .where('event', '=', 'staff.disabled')
      .where('subject', '=', `staff:${target.username}`)
      .executeTakeFirstOrThrow();
    assert.match(disabled.details ?? '', /left the company/);
    nextStep();
    assert.equal(
      (
        await new BrowserAgent(ctx.app).post('/backoffice/sign-in', {
          username: target.username,
          password: target.password,
        })
      ).statusCode,
      403,
    );

    assert.equal(
      (await agent.post(`/backoffice/staff/${target.id}/enable`, { confirmed: '1' })).headers.location,
      '/backoffice/staff?done=enabled',
    );
    assert.equal((await (await signInStaff(ctx, target)).get('/backoffice')).statusCode, 200);
    assert.equal((await agent.get('/backoffice/staff/999999/disable')).statusCode, 404);
    assert.equal((await agent.get('/backoffice/staff/abc/disable')).statusCode, 404);
    nextStep();
  });

  test('an administrator cannot disable or reset themselves, and the last active administrator is never disabled', async () => {
    const { agent, staff: me } = await signedInStaff(ctx, 'admin');
    assert.equal((await agent.get(`/backoffice/staff/${me.id}/disable`)).statusCode, 409);
    assert.equal(
      (await agent.post(`/backoffice/staff/${me.id}/disable`, { confirmed: '1', reason: 'oops' })).statusCode,
      409,
    );
    assert.equal(
      (await agent.post(`/backoffice/staff/${me.id}/reset-totp`, { confirmed: '1', reason: 'oops' })).statusCode,
      409,
    );
    assert.equal((await agent.get('/backoffice')).statusCode, 200);
    nextStep();

    const lone = await setup(kind);
    try {
      const only = await createStaff(lone, 'admin');
      const agentUser = await createStaff(lone, 'agent');
      const now = lone.clock.now().toISOString();
      assert.equal(await disableStaff(lone.db.kysely, only.id, now), 'last_admin');
      assert.equal(await disableStaff(lone.db.kysely, agentUser.id, now), 'disabled');
      const second = await createStaff(lone, 'admin');
      // Two administrators disabling each other at once: exactly one succeeds.
      const results = await Promise.all([
        disableStaff(lone.db.kysely, only.id, now),
        disableStaff(lone.db.kysely, second.id, now),
      ]);
      assert.deepEqual(results.slice().sort(), ['disabled', 'last_admin']);
    } finally {
      await lone.close();
    }
  });

  test('resetting a TOTP ends the sessions and cancels the password: only the owner, through the emailed link, enrols a new app (issue 15)', async () => {
    const { agent } = await signedInStaff(ctx, 'admin');
    const target = await createStaff(ctx, 'agent');
    const theirs = await signInStaff(ctx, target);
    assert.match((await agent.get(`/backoffice/staff/${target.id}/reset-totp`)).body, /name="confirmed" value="1"/);
    assert.equal(
      (await agent.post(`/backoffice/staff/${target.id}/reset-totp`, { confirmed: '1', reason: 'lost phone' })).headers
        .location,
      '/backoffice/staff?done=totp_reset',
    );
    assert.equal((await theirs.get('/backoffice')).statusCode, 303);
    nextStep();
    // Whoever knew the old password (an administrator who once reset it, say) cannot enrol an app with it.
    assert.equal(
      (
        await new BrowserAgent(ctx.app).post('/backoffice/sign-in', {
          username: target.username,
          password: target.password,
        })
      ).statusCode,
      401,
    );
    const password = 'Nuevo2031Movil';
    await setPasswordFromLink(ctx, `${target.username}@staff.example`, password);
    const again = new BrowserAgent(ctx.app);
    await again.post('/backoffice/sign-in', { username: target.username, password });
    const page = await again.get('/backoffice/sign-in/verify');
    assert.match(page.body, /data-secret=/, 'enrolment, not the old app');
    assert.equal(
      (await again.post('/backoffice/sign-in/verify', { code: await totpCode(ctx, target.secret!) })).statusCode,
      400,
      'the old app no longer works',
    );
    const event = await ctx.db.kysely
      .selectFrom('audit_events')
      .selectAll()
      .where('event', '=', 'staff.totp_reset')
      .where('subject', '=', `staff:${target.username}`)
      .executeTakeFirstOrThrow();
    assert.match(event.details ?? '', /lost phone/);
    nextStep();
  });

  test('a password reset (reason required) cancels the old one at once, ends the sessions, lifts a lock, and emails the owner a link (issue 15)', async () => {
    const { agent, staff: admin } = await signedInStaff(ctx, 'admin');
    const target = await createStaff(ctx, 'agent');
    const theirs = await signInStaff(ctx, target);
    for (let i = 0; i < 5; i++)
      await new BrowserAgent(ctx.app).post('/backoffice/sign-in', { username: target.username, password: `nope-${i}` });
    assert.equal(
      (
        await new BrowserAgent(ctx.app).post('/backoffice/sign-in', {
          username: target.username,
          password: target.password,
        })
      ).statusCode,
      429,
      'locked',
    );
    assert.match((await agent.get(`/backoffice/staff/${target.id}/reset-password`)).body, /name="reason"/);
    assert.equal(
      (await agent.post(`/backoffice/staff/${target.id}/reset-password`, { confirmed: '1' })).statusCode,
      400,
      'reason required',
    );
    const done = await agent.post(`/backoffice/staff/${target.id}/reset-password`, {
      confirmed: '1',
      reason: 'forgot it',
    });
    assert.equal(done.statusCode, 200);
    assert.doesNotMatch(done.body, /data-password=/, 'the administrator never sees a password');
    assert.equal((await theirs.get('/backoffice')).statusCode, 303, 'sessions ended');
    assert.equal(
      (
        await new BrowserAgent(ctx.app).post('/backoffice/sign-in', {
          username: target.username,
          password: target.password,
        })
      ).statusCode,
      401,
      'the old password no longer works, and the lock is lifted',
    );
    nextStep();
    const password = 'Olvido2031Clave';
    await setPasswordFromLink(ctx, `${target.username}@staff.example`, password);
    const back = await signInStaff(ctx, { ...target, password });
    assert.equal((await back.get('/backoffice')).statusCode, 200, "the owner's new one works, with the same app");
    const event = await ctx.db.kysely
      .selectFrom('audit_events')
      .selectAll()
      .where('event', '=', 'staff.password_reset')
      .where('subject', '=', `staff:${target.username}`)
      .executeTakeFirstOrThrow();
    assert.equal(event.actor, `staff:${admin.username}`);
    assert.ok(event.details?.includes('forgot it'));
    assert.equal(
      (await agent.post(`/backoffice/staff/${admin.id}/reset-password`, { confirmed: '1', reason: 'x' })).statusCode,
      409,
      'not on oneself',
    );
    nextStep();
  });
});
