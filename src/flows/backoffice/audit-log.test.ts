import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { describeEachDatabase } from '../../../test/helpers/databases.js';
import { setup, type TestContext } from '../../../test/helpers/setup.js';
import { signedInStaff } from '../../../test/helpers/staff.js';
import { recordAudit } from '../../infra/audit/audit.repository.js';
import type { BrowserAgent } from '../../../test/helpers/browser-agent.js';
import { csvCell, parseAuditQuery } from './audit-log.repository.js';

// R22, R23: administrators read the whole audit log with filters (time, actor, subject, event type), newest first,
// a page at a time, and export the same selection as CSV: streamed, and safe to open in a spreadsheet.

test('CSV cells: formula starters get an apostrophe; commas, quotes and line breaks are quoted', () => {
  assert.equal(csvCell('=1+1'), "'=1+1");
  assert.equal(csvCell('+34 600'), "'+34 600");
  assert.equal(csvCell('-2'), "'-2");
  assert.equal(csvCell('@SUM(A1)'), "'@SUM(A1)");
  assert.equal(csvCell('\tx'), "'\tx");
  assert.equal(csvCell('\rx'), `"'\rx"`);
  assert.equal(csvCell('a,b'), '"a,b"');
  assert.equal(csvCell('say "hi"'), '"say ""hi"""');
  assert.equal(csvCell('=HYPERLINK("http://x","y")'), `"'=HYPERLINK(""http://x"",""y"")"`);
  assert.equal(csvCell(null), '');
  assert.equal(csvCell(12), '12');
  assert.equal(csvCell('plain'), 'plain');
});

test('CSV cells stay text in Spanish Excel, which splits at ";" and ignores our quotes (issue 15)', () => {
  assert.equal(csvCell('Mozilla;=1+1'), "Mozilla;'=1+1");
  assert.equal(csvCell('a; "+SUM(A1)'), `"a; ""'+SUM(A1)"`);
  // A whole exported line, read the way a spreadsheet with ";" as its list separator reads it.
  const line = ['2026-11-27T10:00:00Z', 'signin.password', 'Mozilla;=HYPERLINK("http://x";"y")', 'x,@cmd', 'a;\t-2+3']
    .map(csvCell)
    .join(',');
  for (const cell of line.split(';'))
    assert.doesNotMatch(cell.replace(/^[\s"]+/, ''), /^[=+\-@\t\r]/, `a cell Spanish Excel would run: ${cell}`);
  for (const cell of line.split(','))
    assert.doesNotMatch(cell.replace(/^[\s"]+/, ''), /^[=+\-@\t\r]/, `a cell a comma reader would run: ${cell}`);
});

test('audit filters: days and minutes in UTC; impossible dates and oversized text are field errors', () => {
  const ok = parseAuditQuery({ from: '2026-11-27', to: '2026-11-27 10:30', actor: ' staff:ana ' });
  assert.deepEqual(ok.errors, []);
  assert.deepEqual(ok.filters, {
    from: '2026-11-27T00:00:00.000Z',
    to: '2026-11-27T10:31:00.000Z',
    actor: 'staff:ana',
  });
  assert.equal(parseAuditQuery({ to: '2026-11-27' }).filters.to, '2026-11-28T00:00:00.000Z');
  const bad = parseAuditQuery({ from: '2026-02-30', to: 'yesterday', event: 'x'.repeat(300) });
  assert.deepEqual(bad.errors.map((e) => e.field).sort(), ['event', 'from', 'to']);
  assert.deepEqual(parseAuditQuery({ from: ['a', 'b'] }).filters, {}, 'a repeated parameter is ignored, not a 500');
});

describeEachDatabase('audit log for administrators (R22, R23)', (kind) => {
  let ctx: TestContext;
  let admin: BrowserAgent;
  let adminName: string;
  const at = (iso: string) => ({ now: () => new Date(iso) });

  before(async () => {
    ctx = await setup(kind);
    const signed = await signedInStaff(ctx, 'admin');
    admin = signed.agent;
    adminName = signed.staff.username;
    const db = ctx.db.kysely;
    await recordAudit(
      db,
      at('2026-10-01T08:00:00.000Z'),
      { ip: '10.0.0.1' },
      {
        event: 'signin.password',
        outcome: 'failure',
        actor: '12345678Z',
        subject: '12345678Z',
        details: { reason: 'wrong_password' },
      },
    );
    await recordAudit(
      db,
      at('2026-10-02T09:00:00.000Z'),
      { ip: '10.0.0.2' },
      { event: 'signin.success', outcome: 'success', actor: '12345678Z', subject: '12345678Z' },
    );
    await recordAudit(
      db,
      at('2026-10-03T10:00:00.000Z'),
      {},
      {
        event: 'staff.disabled',
        outcome: 'success',
        actor: 'staff:ana',
        subject: 'staff:luis',
        details: { reason: '=HYPERLINK("http://evil","x")' },
      },
    );
    // Values an attacker controls (a typed username, a user agent) that a spreadsheet would run as formulas.
    await recordAudit(
      db,
      at('2026-10-04T11:00:00.000Z'),
      { userAgent: '@SUM(1+1)*cmd' },
      {
        event: 'signin.password',
        outcome: 'failure',
        actor: "=cmd|' /C calc'!A0",
        subject: '+34600000000',
        details: { reason: '-1' },
      },
    );
  });
  after(() => ctx.close());

  const ids = (body: string) => [...body.matchAll(/data-event-id="(\d+)"/g)].map((m) => Number(m[1]));
  const eventsOf = (body: string) => [...body.matchAll(/<td><code>([^<]+)<\/code><\/td>/g)].map((m) => m[1]);

  test('newest first, and each filter narrows the list', async () => {
    const all = await admin.get('/backoffice/audit');
    assert.equal(all.statusCode, 200);
    const list = ids(all.body);
    assert.ok(list.length >= 4);
    const times = await ctx.db.kysely
      .selectFrom('audit_events')
      .select(['id', 'occurred_at'])
      .where('id', 'in', list)
      .execute();
    const timeOf = new Map(times.map((r) => [r.id, r.occurred_at]));
    const shown = list.map((id) => timeOf.get(id)!);
    assert.deepEqual(shown, [...shown].sort().reverse(), 'newest first by time');

    const byTime = await admin.get('/backoffice/audit?from=2026-10-02&to=2026-10-03');
    assert.deepEqual(eventsOf(byTime.body), ['staff.disabled', 'signin.success']);
    const byMinute = await admin.get(
      `/backoffice/audit?from=${encodeURIComponent('2026-10-02 09:00')}&to=${encodeURIComponent('2026-10-02 09:00')}`,
    );
    assert.deepEqual(eventsOf(byMinute.body), ['signin.success']);
    const byActor = await admin.get('/backoffice/audit?actor=staff%3Aana');
    assert.deepEqual(eventsOf(byActor.body), ['staff.disabled']);
    const bySubject = await admin.get('/backoffice/audit?subject=12345678Z');
    assert.deepEqual(eventsOf(bySubject.body), ['signin.success', 'signin.password']);
    const byEvent = await admin.get('/backoffice/audit?event=signin.password&to=2026-10-31');
    assert.deepEqual(eventsOf(byEvent.body), ['signin.password', 'signin.password']);
    const byPrefix = await admin.get('/backoffice/audit?event=signin.*&to=2026-10-31');
    assert.deepEqual(eventsOf(byPrefix.body), ['signin.password', 'signin.success', 'signin.password']);
    const wildcard = await admin.get('/backoffice/audit?event=%25*');
    assert.equal(eventsOf(wildcard.body).length, 0, 'a % typed in the filter is text, not a wildcard');
    const combined = await admin.get('/backoffice/audit?subject=12345678Z&event=signin.success&from=2026-10-01');
    assert.deepEqual(eventsOf(combined.body), ['signin.success']);
    const bad = await admin.get('/backoffice/audit?from=31%2F12%2F2026');
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /id="from-error"/);
  });

  test('pages of 50 by keyset, newest first, even when many events share a time', async () => {
    const clock = at('2026-09-01T00:00:00.000Z');
    for (let i = 0; i < 120; i++)
      await recordAudit(
        ctx.db.kysely,
        clock,
        {},
        { event: 'paging.test', outcome: 'info', actor: 'pager', details: { i } },
      );
    const first = await admin.get('/backoffice/audit?event=paging.test');
    const page1 = ids(first.body);
    assert.equal(page1.length, 50);
    const next = /href="([^"]*before=[^"]+)"/.exec(first.body)?.[1]?.replace(/&amp;/g, '&');
    assert.ok(next);
    const second = await admin.get(next);
    const page2 = ids(second.body);
    assert.equal(page2.length, 50);
    const third = await admin.get(/href="([^"]*before=[^"]+)"/.exec(second.body)![1]!.replace(/&amp;/g, '&'));
    const page3 = ids(third.body);
    assert.equal(page3.length, 20);
    const seen = [...page1, ...page2, ...page3];
    assert.equal(new Set(seen).size, 120, 'no event twice, none missed');
    assert.deepEqual(
      seen,
      [...seen].sort((a, b) => b - a),
    );
    assert.doesNotMatch(third.body, /rel="next"/);
    assert.equal(
      (await admin.get('/backoffice/audit?before=garbage')).statusCode,
      200,
      'a bad cursor is the first page',
    );
  });

  test('CSV export: the filtered selection, streamed across batches, injection-safe, and itself audited', async () => {
    const res = await admin.get('/backoffice/audit.csv?to=2026-10-31');
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/csv/);
    assert.match(String(res.headers['content-disposition']), /^attachment; filename="audit-[\d-]+\.csv"$/);
    const rows = parse(res.body, { columns: true }) as Record<string, string>[];
    assert.equal(rows.length, 124, 'the 4 events and the 120 paging events before November');
    const evil = rows.find((r) => r.event === 'signin.password' && r.outcome === 'failure' && r.user_agent !== '')!;
    assert.equal(evil.actor, "'=cmd|' /C calc'!A0");
    assert.equal(evil.subject, "'+34600000000");
    assert.equal(evil.user_agent, "'@SUM(1+1)*cmd");
    const disabled = rows.find((r) => r.event === 'staff.disabled')!;
    assert.equal(
      disabled.details,
      '{"reason":"=HYPERLINK(\\"http://evil\\",\\"x\\")"}',
      'JSON details start with { and are kept',
    );
    // Nothing in the file starts a cell with a formula character.
    for (const r of rows) for (const v of Object.values(r)) assert.doesNotMatch(v, /^[=+\-@\t\r]/);

    const filtered = parse((await admin.get('/backoffice/audit.csv?actor=staff%3Aana')).body, {
      columns: true,
    }) as Record<string, string>[];
    assert.deepEqual(
      filtered.map((r) => r.event),
      ['staff.disabled'],
    );
    const exported = await ctx.db.kysely
      .selectFrom('audit_events')
      .selectAll()
      .where('event', '=', 'backoffice.audit_exported')
      .execute();
    assert.equal(exported.length, 2);
    assert.ok(exported.every((e) => e.actor === `staff:${adminName}`));
    assert.equal((await admin.get('/backoffice/audit.csv?from=nonsense')).statusCode, 400);
  });

  test('a large export is read in batches: every row once, newest first', async () => {
    const clock = at('2026-08-01T00:00:00.000Z');
    const rows = Array.from({ length: 1100 }, (_, i) => ({
      occurred_at: clock.now().toISOString(),
      event: 'bulk.test',
      outcome: 'info' as const,
      actor: 'bulk',
      details: JSON.stringify({ i }),
    }));
    for (let i = 0; i < rows.length; i += 200)
      await ctx.db.kysely
        .insertInto('audit_events')
        .values(rows.slice(i, i + 200))
        .execute();
    const csv = parse((await admin.get('/backoffice/audit.csv?event=bulk.test')).body, { columns: true }) as Record<
      string,
      string
    >[];
    assert.equal(csv.length, 1100);
    const order = csv.map((r) => (JSON.parse(r.details!) as { i: number }).i);
    assert.equal(new Set(order).size, 1100);
    assert.deepEqual(
      order,
      [...order].sort((a, b) => b - a),
    );
  });
});
