import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BrowserAgent } from '../../../test/helpers/browser-agent.js';
import { describeEachDatabase } from '../../../test/helpers/databases.js';
import { memberWithAccount } from '../../../test/helpers/fixture.js';
import { setup, type TestContext } from '../../../test/helpers/setup.js';

// Issue 10, R22: one id per request, in the response header, in every log line of the request and in every audit
// event it writes, so support can follow a member's report from the page to the logs and the audit trail.

describeEachDatabase('request id', (kind) => {
  let ctx: TestContext;
  const lines: Record<string, unknown>[] = [];
  before(async () => {
    ctx = await setup(kind, {
      env: { TRUST_PROXY: '10.0.0.7' },
      logger: {
        level: 'info',
        stream: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
      },
    });
  });
  after(() => ctx.close());

  test('the X-Request-Id header equals the audit row request_id and tags every log line of the request', async () => {
    const member = await memberWithAccount(ctx, { n: 1, password: 'Primavera2030' });
    const agent = new BrowserAgent(ctx.app);
    await agent.get('/sign-in');
    lines.length = 0;
    const res = await agent.post('/sign-in', { username: member.username, password: 'not-the-password' });
    assert.equal(res.statusCode, 401);
    const id = String(res.headers['x-request-id']);
    assert.match(id, /^[0-9a-f-]{36}$/);
    const audit = await ctx.db.kysely
      .selectFrom('audit_events')
      .select(['event', 'request_id'])
      .where('event', '=', 'signin.password')
      .execute();
    assert.deepEqual(audit, [{ event: 'signin.password', request_id: id }]);
    assert.equal(lines.filter((l) => l.msg === 'request completed').length, 1, 'one line for the request (issue 25)');
    for (const line of lines) assert.equal(line.reqId, id);
  });

  test('an incoming X-Request-Id is kept only from the trusted proxy, and only when it is a short safe token', async () => {
    const fromProxy = { 'x-request-id': 'nginx-4f1c2a9e0b7d' };
    const kept = await ctx.app.inject({ url: '/sign-in', headers: fromProxy, remoteAddress: '10.0.0.7' });
    assert.equal(kept.headers['x-request-id'], 'nginx-4f1c2a9e0b7d');
    const direct = await ctx.app.inject({ url: '/sign-in', headers: fromProxy, remoteAddress: '203.0.113.9' });
    assert.notEqual(direct.headers['x-request-id'], 'nginx-4f1c2a9e0b7d');
    for (const bad of [
      'short',
      'x'.repeat(65),
      'id with spaces 1234',
      'id\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9',
      '<script>1234',
    ]) {
      const res = await ctx.app.inject({
        url: '/sign-in',
        headers: { 'x-request-id': bad },
        remoteAddress: '10.0.0.7',
      });
      assert.match(String(res.headers['x-request-id']), /^[0-9a-f-]{36}$/, bad);
    }
  });
});

test('every route builds its audit context from the request (request id included)', async () => {
  // A route that wrote audit events without the request's context would leave request_id empty.
  const ctx = await setup('sqlite');
  try {
    const member = await memberWithAccount(ctx, { n: 2, password: 'Primavera2030' });
    const agent = new BrowserAgent(ctx.app);
    await agent.post('/sign-in', { username: member.username, password: 'Primavera2030' });
    await agent.get('/sign-in/verify');
    await agent.post('/sign-in/verify/send', { channel: 'email' });
    await agent.post('/sign-in/verify/code', { code: '000000' });
    await agent.post('/recovery', { username: member.username });
    // The feed import is not a request: it is the one event without a request id.
    const rows = await ctx.db.kysely
      .selectFrom('audit_events')
      .select(['event', 'request_id'])
      .where('event', '!=', 'feed.import')
      .execute();
    assert.ok(rows.length >= 3);
    for (const r of rows) assert.match(String(r.request_id), /^[0-9a-f-]{36}$/, r.event);
  } finally {
    await ctx.close();
  }
});
