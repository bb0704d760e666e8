import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { after, afterEach, before, beforeEach, test } from 'node:test';
import { sql } from 'kysely';
import { ManualClock } from '../../clock.js';
import { defaultBrand } from '../../config.js';
import { describeEachDatabase, freshDatabase } from '../../../test/helpers/databases.js';
import { startSmsReceiver } from '../../../test/helpers/sms-receiver.js';
import { startSmtpReceiver } from '../../../test/helpers/smtp-receiver.js';
import type { Db } from '../db/database.js';
import type { OutboxMessage } from '../db/tables.js';
import { smsWebhookTransport } from './channels/sms-webhook.js';
import { SMTP_TIMEOUTS, smtpTransport } from './channels/smtp.js';
import { emailLogoPng } from '../web/brand-logo.js';
import sharp from 'sharp';
import { SEND_CONCURRENCY, type Transport } from './channels/transport.js';
import { createCourier } from './courier.js';
import {
  AcceptedNotRecorded,
  backoffMs,
  createDispatcher,
  DEFAULT_LEASE_MS,
  type DispatcherOptions,
} from './dispatcher.js';
import { claimDueMessages, markFailedAttempt, markSent } from './outbox.repository.js';
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs } from 'kysely';
import { enrolmentEmail } from './templates/enrolment.js';
import { developmentSecretBox } from '../crypto/secret-box.js';

// PRODUCT R25: email (HTML + text) and SMS go through a transactional outbox — written in the transaction of the
// change that causes them, sent by a worker with retries and back-off, never lost while the mail server or SMS
// gateway is down, never sent twice when several nodes run. Time only moves through the ManualClock.

const START = '2026-11-27T10:00:00.000Z';
const FROM = 'Brand <no-reply@example.test>';
const iso = (d: Date) => d.toISOString();

/** A transport that records what it is asked to send, and can be told to fail. */
function recordingTransport(name = 'recording') {
  const sent: OutboxMessage[] = [];
  let failure: Error | null = null;
  const transport: Transport = {
    name,
    async send(message) {
      if (failure) throw failure;
      sent.push(message);
    },
  };
  return { transport, sent, calls: () => sent.length, failWith: (err: Error | null) => (failure = err) };
}

/** A transport whose target can change, like a mail server that comes back on a new address. */
function switchableTransport(initial: Transport) {
  let current = initial;
  const transport: Transport = {
    get name() {
      return current.name;
    },
    send: (m) => current.send(m),
  };
  return { transport, switchTo: (t: Transport) => (current = t) };
}

/** The URL of a local port nothing listens on any more: an SMTP server that is down. */
async function deadSmtpUrl(): Promise<string> {
  const r = await startSmtpReceiver();
  await r.close();
  return r.url;
}

describeEachDatabase('outbox dispatcher (R25)', (kind) => {
  let db: Db;
  let clock: ManualClock;
  let courier: ReturnType<typeof createCourier>;
  const unused = recordingTransport('unused');
  const dispatcher = (transports: Partial<DispatcherOptions['transports']>, extra: Partial<DispatcherOptions> = {}) =>
    createDispatcher({
      db,
      clock,
      box: developmentSecretBox(),
      transports: { email: transports.email ?? unused.transport, sms: transports.sms ?? unused.transport },
      ...extra,
    });
  const rows = () => db.kysely.selectFrom('outbox').selectAll().orderBy('id').execute();
  const row = async (id: number) =>
    db.kysely.selectFrom('outbox').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  before(async () => {
    db = await freshDatabase(kind);
  });
  after(async () => {
    await db.close();
  });
  beforeEach(async () => {
    await db.kysely.deleteFrom('outbox').execute();
    clock = new ManualClock(START);
    courier = createCourier({
      clock,
      brand: defaultBrand,
      publicUrl: 'https://members.example.test',
      box: developmentSecretBox(),
    });
    unused.sent.length = 0;
  });
  afterEach(() => {
    assert.equal(unused.calls(), 0, 'a message went to the wrong channel');
  });

  test('a slow mail server: a batch goes out SEND_CONCURRENCY at a time, each message once (issue 20)', async () => {
    let inFlight = 0;
    let most = 0;
    const sent: number[] = [];
    const slow: Transport = {
      name: 'slow',
      async send(message) {
        inFlight++;
        most = Math.max(most, inFlight);
        // A slow server: the send yields to the event loop a few times (no timer: tests never sleep).
        for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
        inFlight--;
        sent.push(message.id);
      },
    };
    for (let i = 0; i < 12; i++)
      await courier.email(db.kysely, `slow${i}@example.test`, 'es', enrolmentEmail, {
        firstName: 'A',
        memberNumber: `M-${i}`,
        policyNumber: 'P-1',
      });
    const report = await dispatcher({ email: slow }, { batchSize: 20 }).drain();
    assert.deepEqual(report, { sent: 12, retried: 0, failed: 0 });
    assert.equal(most, SEND_CONCURRENCY);
    assert.equal(new Set(sent).size, 12);
    assert.ok((await rows()).every((r) => r.status === 'sent' && r.locked_by === null));
  });

  test('a code waits behind no notice: after 300 enrolment emails, the sign-in code and the SMS go out first (issue 20, R7)', async () => {
    // A feed import queues an enrolment email per new member; a member signing in meanwhile waits for a code.
    await courier.emails(
      db.kysely,
      enrolmentEmail,
      Array.from({ length: 300 }, (_, i) => ({
        to: `new${i}@example.test`,
        lang: 'es' as const,
        params: { firstName: 'A', memberNumber: `M-${i}`, policyNumber: 'P-1' },
      })),
    );
    const codeEmail = {
      name: 'code-for-test',
      waitedFor: true,
      render: () => ({ subject: 'Your code', text: '123456', html: '<p>123456</p>' }),
    };
    await courier.email(db.kysely, 'waiting@example.test', 'es', codeEmail, {});
    await courier.sms(db.kysely, '+34600111222', 'es', 'signin-code-sms', 'Code 654321');
    const email = recordingTransport('email');
    const sms = recordingTransport('sms');
    await dispatcher({ email: email.transport, sms: sms.transport }, { batchSize: 5 }).runOnce();
    assert.equal(email.sent[0]?.recipient, 'waiting@example.test', 'the code goes in the first batch, first');
    assert.equal(sms.calls(), 1);
    assert.equal(email.calls(), 4, 'then notices fill the batch, oldest first');
    assert.deepEqual(
      email.sent.slice(1).map((m) => m.recipient),
      ['new0@example.test', 'new1@example.test', 'new2@example.test'],
    );
  });

  test('enrolment email round trip over real SMTP, in Spanish and English, HTML and text', async () => {
    const receiver = await startSmtpReceiver();
    const smtp = smtpTransport(receiver.url, FROM);
    try {
      await courier.email(db.kysely, 'ana@example.test', 'es', enrolmentEmail, {
        firstName: 'Ana',
        memberNumber: 'M-100234',
        policyNumber: 'P-778899',
      });
      await courier.email(db.kysely, 'john@example.test', 'en', enrolmentEmail, {
        firstName: 'John',
        memberNumber: 'M-200567',
        policyNumber: 'P-112233',
      });
      assert.equal(receiver.messages.length, 0, 'queuing must not send');

      const report = await dispatcher({ email: smtp }).drain();
      assert.deepEqual(report, { sent: 2, retried: 0, failed: 0 });
      assert.equal(receiver.messages.length, 2);

      const es = receiver.messages.find((m) => m.to && !Array.isArray(m.to) && m.to.text === 'ana@example.test');
      const en = receiver.messages.find((m) => m.to && !Array.isArray(m.to) && m.to.text === 'john@example.test');
      assert.ok(es && en, 'each member got their email');
      for (const mail of [es, en]) {
        assert.equal(mail.from?.value[0]?.address, 'no-reply@example.test');
        assert.equal(mail.from?.value[0]?.name, 'Brand');
        assert.equal(typeof mail.html, 'string', 'the email has an HTML part');
        assert.ok(mail.text, 'the email has a text part');
      }
      const esHtml = es.html as string;
      const enHtml = en.html as string;

      assert.equal(es.subject, `Bienvenido a ${defaultBrand.name}: regístrate en tu área privada`);
      assert.match(es.text!, /Hola, Ana:/);
      assert.match(es.text!, /Número de asegurado: M-100234/);
      assert.match(es.text!, /Número de póliza: P-778899/);
      assert.match(es.text!, /https:\/\/members\.example\.test\/register\?lang=es/);
      assert.doesNotMatch(es.text!, /Member number/);
      assert.match(esHtml, /<html lang="es">/);
      assert.match(esHtml, /<strong>M-100234<\/strong>/);
      assert.match(esHtml, /Número de asegurado/);

      assert.equal(en.subject, `Welcome to ${defaultBrand.name}: register for your private area`);
      assert.match(en.text!, /Hello John,/);
      assert.match(en.text!, /Member number: M-200567/);
      assert.match(en.text!, /Policy number: P-112233/);
      assert.doesNotMatch(en.text!, /Número de asegurado/);
      assert.match(enHtml, /<html lang="en">/);
      assert.match(enHtml, /<strong>M-200567<\/strong>/);
      assert.match(enHtml, /Member number/);

      const stored = await rows();
      assert.equal(stored.length, 2);
      for (const r of stored) {
        assert.equal(r.status, 'sent');
        assert.equal(r.transport, 'smtp');
        assert.equal(r.sent_at, START);
        assert.equal(r.attempts, 1);
        assert.equal(r.last_error, null);
        assert.equal(r.locked_by, null);
        assert.equal(r.locked_until, null);
      }
      assert.deepEqual(
        stored.map((r) => [r.channel, r.template, r.language]),
        [
          ['email', 'enrolment', 'es'],
          ['email', 'enrolment', 'en'],
        ],
      );

      assert.deepEqual(await dispatcher({ email: smtp }).drain(), { sent: 0, retried: 0, failed: 0 });
      assert.equal(receiver.messages.length, 2, 'a sent email is not sent again');
    } finally {
      await smtp.close?.();
      await receiver.close();
    }
  });

  test('the brand logo travels inside the email: one inline PNG under the Content-ID the header names (R37)', async () => {
    const receiver = await startSmtpReceiver();
    const logo = await emailLogoPng(defaultBrand);
    assert.ok(logo, 'the default brand has a logo to draw (its mark)');
    const smtp = smtpTransport(receiver.url, FROM, SMTP_TIMEOUTS, logo);
    const withLogo = createCourier({
      clock,
      brand: defaultBrand,
      publicUrl: 'https://members.example.test',
      box: developmentSecretBox(),
      logo: true,
    });
    const params = { firstName: 'Ana', memberNumber: 'M-100234', policyNumber: 'P-778899' };
    try {
      await withLogo.email(db.kysely, 'ana@example.test', 'es', enrolmentEmail, params);
      await courier.email(db.kysely, 'john@example.test', 'en', enrolmentEmail, params);
      assert.deepEqual(await dispatcher({ email: smtp }).drain(), { sent: 2, retried: 0, failed: 0 });
      const to = (address: string) =>
        receiver.messages.find((m) => m.to && !Array.isArray(m.to) && m.to.text === address)!;

      const mail = to('ana@example.test');
      assert.equal(mail.attachments.length, 1, 'one attachment: the logo');
      const [part] = mail.attachments;
      assert.equal(part!.contentType, 'image/png');
      assert.equal(part!.contentId, '<brand-logo@member-area>');
      assert.equal(part!.contentDisposition, 'inline', 'shown in the header, not listed as a file');
      assert.ok(part!.content.equals(logo), 'the bytes drawn at start');
      // mailparser, as a mail client does, puts the part named by cid: in the header's <img>: the names match.
      assert.ok(
        (mail.html as string).includes(`<img src="data:image/png;base64,${logo.toString('base64')}" alt height="32"`),
        "the header's image is the attached logo",
      );
      const size = await sharp(part!.content).metadata();
      assert.equal(size.format, 'png');
      assert.ok(size.width <= 320 && size.height === 64, `twice the 160x32 box (${size.width}x${size.height})`);

      // A courier that was told of no logo (it could not be drawn) names none, and no attachment rides along.
      const plain = to('john@example.test');
      assert.doesNotMatch(plain.html as string, /cid:/);
      assert.equal(plain.attachments.length, 0);
    } finally {
      await smtp.close?.();
      await receiver.close();
    }
  });

  test('SMS through the gateway webhook', async () => {
    const gateway = await startSmsReceiver();
    try {
      await courier.sms(db.kysely, '+34600111222', 'es', 'login-code', 'Tu código es 123456');
      const report = await dispatcher({ sms: smsWebhookTransport(gateway.url) }).drain();
      assert.deepEqual(report, { sent: 1, retried: 0, failed: 0 });
      assert.deepEqual(gateway.messages, [{ to: '+34600111222', text: 'Tu código es 123456' }]);
      const [r] = await rows();
      assert.equal(r?.status, 'sent');
      assert.equal(r?.transport, 'sms-webhook');
      assert.equal(r?.channel, 'sms');
      assert.equal(r?.sent_at, START);
    } finally {
      await gateway.close();
    }
  });

  test('a message queued in a transaction that rolls back is never queued nor sent', async () => {
    const rec = recordingTransport();
    await assert.rejects(
      db.kysely.transaction().execute(async (trx) => {
        await courier.email(trx, 'ana@example.test', 'es', enrolmentEmail, {
          firstName: 'Ana',
          memberNumber: 'M-1',
          policyNumber: 'P-1',
        });
        await courier.sms(trx, '+34600111222', 'es', 'login-code', 'Tu código es 123456');
        throw new Error('the change failed');
      }),
      /the change failed/,
    );
    assert.deepEqual(await rows(), []);
    assert.deepEqual(await dispatcher({ email: rec.transport, sms: rec.transport }).drain(), {
      sent: 0,
      retried: 0,
      failed: 0,
    });
    assert.equal(rec.calls(), 0);

    // The same change committed: the messages are there and go out (so the test above can tell the difference).
    await db.kysely.transaction().execute(async (trx) => {
      await courier.email(trx, 'ana@example.test', 'es', enrolmentEmail, {
        firstName: 'Ana',
        memberNumber: 'M-1',
        policyNumber: 'P-1',
      });
      await courier.sms(trx, '+34600111222', 'es', 'login-code', 'Tu código es 123456');
    });
    assert.equal((await dispatcher({ email: rec.transport, sms: rec.transport }).drain()).sent, 2);
    assert.equal(rec.calls(), 2);
  });

  if (kind === 'postgres') {
    test('a message is not sent before the transaction that queued it commits', async () => {
      const rec = recordingTransport();
      const d = dispatcher({ sms: rec.transport });
      await db.kysely.transaction().execute(async (trx) => {
        await courier.sms(trx, '+34600111222', 'es', 'login-code', 'Tu código es 123456');
        // Another connection, as another node would be: the uncommitted row is invisible to it.
        assert.deepEqual(await d.runOnce(), { sent: 0, retried: 0, failed: 0 });
      });
      assert.equal(rec.calls(), 0);
      assert.equal((await d.drain()).sent, 1);
      assert.equal(rec.calls(), 1);
    });
  }

  test('SMS gateway down: kept pending, retried after the back-off, then sent exactly once', async () => {
    const gateway = await startSmsReceiver();
    try {
      const d = dispatcher({ sms: smsWebhookTransport(gateway.url) });
      await courier.sms(db.kysely, '+34600111222', 'es', 'login-code', 'Tu código es 123456');
      gateway.failWith(503);

      assert.deepEqual(await d.runOnce(), { sent: 0, retried: 1, failed: 0 });
      let [r] = await rows();
      assert.ok(r);
      assert.equal(r.status, 'pending');
      assert.equal(r.attempts, 1);
      assert.match(r.last_error ?? '', /503/);
      assert.equal(backoffMs(1), 30_000);
      assert.equal(r.next_attempt_at, iso(new Date(Date.parse(START) + 30_000)));
      assert.equal(r.locked_by, null);
      assert.equal(r.sent_at, null);

      // The gateway is back, but the back-off has not elapsed: nothing is attempted yet.
      gateway.failWith(null);
      clock.advance(30_000 - 1);
      assert.deepEqual(await d.drain(), { sent: 0, retried: 0, failed: 0 });
      assert.equal(gateway.messages.length, 0);

      clock.advance(1);
      assert.deepEqual(await d.drain(), { sent: 1, retried: 0, failed: 0 });
      assert.deepEqual(gateway.messages, [{ to: '+34600111222', text: 'Tu código es 123456' }]);
      [r] = await rows();
      assert.equal(r?.status, 'sent');
      assert.equal(r?.attempts, 2);
      assert.equal(r?.last_error, null);
      assert.equal(r?.sent_at, clock.now().toISOString());

      clock.advanceMinutes(60);
      assert.deepEqual(await d.drain(), { sent: 0, retried: 0, failed: 0 });
      assert.equal(gateway.messages.length, 1, 'sent exactly once');
    } finally {
      await gateway.close();
    }
  });

  test('SMTP sessions are kept and reused: 30 emails go over at most SEND_CONCURRENCY connections (issue 20)', async () => {
    const receiver = await startSmtpReceiver();
    const smtp = smtpTransport(receiver.url, FROM);
    try {
      for (let i = 0; i < 30; i++)
        await courier.email(db.kysely, `m${i}@example.test`, 'es', enrolmentEmail, {
          firstName: 'Ana',
          memberNumber: `M-${i}`,
          policyNumber: 'P-1',
        });
      assert.deepEqual(await dispatcher({ email: smtp }).drain(), { sent: 30, retried: 0, failed: 0 });
      assert.equal(receiver.messages.length, 30);
      assert.ok(receiver.sessions() <= SEND_CONCURRENCY, `${receiver.sessions()} sessions for 30 emails`);
      // A session the server closes before the message is taken fails that send once; nodemailer does not send it
      // again behind the outbox's back (maxRequeues 0): the outbox records one attempt and retries after back-off.
      await courier.email(db.kysely, 'late@example.test', 'es', enrolmentEmail, {
        firstName: 'Ana',
        memberNumber: 'M-LATE',
        policyNumber: 'P-1',
      });
      receiver.failNext(1, 'drop');
      assert.deepEqual(await dispatcher({ email: smtp }).drain(), { sent: 0, retried: 1, failed: 0 });
      assert.equal(receiver.messages.length, 30);
      clock.advance(backoffMs(1));
      assert.deepEqual(await dispatcher({ email: smtp }).drain(), { sent: 1, retried: 0, failed: 0 });
      assert.equal(receiver.messages.length, 31);
    } finally {
      await smtp.close?.();
      await receiver.close();
    }
  });

  test('mail server down: the email is kept and retried until the server is back', async () => {
    const down = smtpTransport(await deadSmtpUrl(), FROM);
    const smtp = switchableTransport(down);
    const d = dispatcher({ email: smtp.transport });
    await courier.email(db.kysely, 'ana@example.test', 'es', enrolmentEmail, {
      firstName: 'Ana',
      memberNumber: 'M-100234',
      policyNumber: 'P-1',
    });

    assert.deepEqual(await d.drain(), { sent: 0, retried: 1, failed: 0 });
    let [r] = await rows();
    assert.equal(r?.status, 'pending');
    assert.equal(r?.attempts, 1);
    assert.ok(r?.last_error, 'the connection error is kept');
    assert.equal(r?.next_attempt_at, iso(new Date(Date.parse(START) + backoffMs(1))));

    // Still down at the next attempt: a second back-off, twice as long.
    clock.advance(backoffMs(1));
    assert.deepEqual(await d.drain(), { sent: 0, retried: 1, failed: 0 });
    [r] = await rows();
    assert.equal(r?.attempts, 2);
    assert.equal(r?.next_attempt_at, iso(new Date(clock.now().getTime() + backoffMs(2))));

    const receiver = await startSmtpReceiver();
    const up = smtpTransport(receiver.url, FROM);
    try {
      smtp.switchTo(up);
      assert.deepEqual(await d.drain(), { sent: 0, retried: 0, failed: 0 }, 'not before the back-off');
      assert.equal(receiver.messages.length, 0);
      clock.advance(backoffMs(2));
      assert.deepEqual(await d.drain(), { sent: 1, retried: 0, failed: 0 });
      assert.equal(receiver.messages.length, 1);
      assert.match(receiver.messages[0]?.text ?? '', /M-100234/);
      [r] = await rows();
      assert.equal(r?.status, 'sent');
      assert.equal(r?.transport, 'smtp');
      assert.equal(r?.attempts, 3);
    } finally {
      await up.close?.();
      await down.close?.();
      await receiver.close();
    }
  });

  test(
    'a mail server that accepts but never answers: the send times out (not hangs) and the email is retried',
    { timeout: 10_000 },
    async () => {
      // The timeout here is the SMTP client's own, shortened: the default ones end a stuck send within a minute (the
      // heartbeat keeps the claim meanwhile, issue 33).
      const sockets = new Set<Socket>();
      const silent = createServer((socket) => sockets.add(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const url = `smtp://127.0.0.1:${(silent.address() as AddressInfo).port}`;
      const smtp = smtpTransport(url, FROM, { ...SMTP_TIMEOUTS, greetingTimeout: 150 });
      try {
        assert.ok(
          Object.values(SMTP_TIMEOUTS).every((ms) => ms <= 60_000),
          'a stuck send ends within a minute',
        );
        await courier.email(db.kysely, 'ana@example.test', 'es', enrolmentEmail, {
          firstName: 'Ana',
          memberNumber: 'M-1',
          policyNumber: 'P-1',
        });
        assert.deepEqual(await dispatcher({ email: smtp }).runOnce(), { sent: 0, retried: 1, failed: 0 });
        const [r] = await rows();
        assert.equal(r?.status, 'pending');
        assert.equal(r?.locked_by, null, 'the lease is released, so the retry need not wait for it');
        assert.match(r?.last_error ?? '', /greeting/i);
      } finally {
        await smtp.close?.();
        for (const s of sockets) s.destroy();
        await new Promise((resolve) => silent.close(resolve));
      }
    },
  );

  test('after maxAttempts the message is marked failed and never retried again', async () => {
    const rec = recordingTransport();
    let attempts = 0;
    const failing: Transport = {
      name: 'failing',
      async send() {
        attempts++;
        throw new Error(`gateway refused (attempt ${attempts})`);
      },
    };
    const errors: unknown[] = [];
    const d = dispatcher(
      { sms: failing, email: rec.transport },
      { maxAttempts: 3, onError: (err) => errors.push(err) },
    );
    await courier.sms(db.kysely, '+34600111222', 'es', 'login-code', 'Tu código es 123456');

    assert.deepEqual(await d.drain(), { sent: 0, retried: 1, failed: 0 });
    for (const [n, report] of [
      [1, { sent: 0, retried: 1, failed: 0 }],
      [2, { sent: 0, retried: 0, failed: 1 }],
    ] as const) {
      clock.advance(backoffMs(n) - 1);
      assert.deepEqual(await d.drain(), { sent: 0, retried: 0, failed: 0 }, `no attempt before back-off ${n} ends`);
      assert.equal(attempts, n);
      clock.advance(1);
      assert.deepEqual(await d.drain(), report);
      assert.equal(attempts, n + 1);
    }

    const [r] = await rows();
    assert.equal(r?.status, 'failed');
    assert.equal(r?.attempts, 3);
    assert.equal(r?.last_error, 'gateway refused (attempt 3)');
    assert.equal(r?.sent_at, null);
    assert.equal(r?.locked_by, null);
    assert.equal(errors.length, 3);

    clock.advanceMinutes(24 * 60);
    assert.deepEqual(await d.drain(), { sent: 0, retried: 0, failed: 0 });
    assert.equal(attempts, 3, 'a failed message is not retried');
    assert.equal((await rows())[0]?.status, 'failed');
  });

  test('a transport that throws something other than an Error still counts as a failed attempt', async () => {
    const odd: Transport = {
      name: 'odd',
      send: () => Promise.reject(undefined),
    };
    await courier.sms(db.kysely, '+34600111222', 'es', 'login-code', 'Tu código es 123456');
    assert.deepEqual(await dispatcher({ sms: odd }).drain(), { sent: 0, retried: 1, failed: 0 });
    const [r] = await rows();
    assert.equal(r?.status, 'pending');
    assert.equal(r?.attempts, 1);
    assert.equal(r?.last_error, 'undefined');
    assert.equal(r?.locked_by, null);
  });

  // A livelock (nodes stealing each other's rows) would never end: the timeout turns it into a failure.
  test('several nodes draining at once send every message exactly once', { timeout: 20_000 }, async () => {
    const total = 50;
    for (let i = 0; i < total; i++)
      await courier.sms(db.kysely, `+346000000${String(i).padStart(2, '0')}`, 'es', 'notice', `message ${i}`);

    const deliveries: { id: number; worker: string }[] = [];
    const node = (worker: string) =>
      dispatcher(
        {
          sms: {
            name: 'counting',
            async send(m) {
              await new Promise((resolve) => setImmediate(resolve)); // yield, so the two nodes interleave
              deliveries.push({ id: m.id, worker });
            },
          },
        },
        { workerId: worker, batchSize: 5 },
      );
    const a = node('node-a');
    const b = node('node-b');

    const [ra, rb] = await Promise.all([a.drain(), b.drain()]);
    assert.equal(ra.sent + rb.sent, total);
    assert.equal(ra.retried + rb.retried + ra.failed + rb.failed, 0);

    const ids = deliveries.map((d) => d.id).sort((x, y) => x - y);
    assert.equal(new Set(ids).size, ids.length, `some message was sent twice: ${JSON.stringify(ids)}`);
    const stored = await rows();
    assert.deepEqual(
      ids,
      stored.map((r) => r.id),
    );
    assert.ok(stored.every((r) => r.status === 'sent' && r.attempts === 1 && r.transport === 'counting'));

    if (kind === 'postgres') {
      // SKIP LOCKED lets the two nodes claim different rows at the same time: both did part of the work.
      assert.ok(ra.sent > 0 && rb.sent > 0, `work split ${ra.sent}/${rb.sent}`);
    }
  });

  if (kind === 'postgres') {
    test(
      'a node claiming while another node is mid-claim takes other rows, without waiting',
      { timeout: 20_000 },
      async () => {
        for (let i = 0; i < 10; i++) await courier.sms(db.kysely, `+3460000000${i}`, 'es', 'notice', `message ${i}`);
        const now = clock.now().toISOString();
        const leaseUntil = new Date(clock.now().getTime() + 60_000).toISOString();
        const { a, b } = await db.kysely.transaction().execute(async (trx) => {
          // Node A's claim has locked its rows and not committed yet.
          const a = await claimDueMessages(trx, true, 'node-a', now, leaseUntil, 5);
          // Node B claims on another connection meanwhile. Without SKIP LOCKED it would wait on A's rows (and then
          // take them too); lock_timeout turns that wait into an error instead of a hang.
          const b = await db.kysely.connection().execute(async (conn) => {
            await sql`set lock_timeout = '2s'`.execute(conn);
            try {
              return await claimDueMessages(conn, true, 'node-b', now, leaseUntil, 5);
            } finally {
              await sql`reset lock_timeout`.execute(conn);
            }
          });
          return { a, b };
        });
        const all = (await rows()).map((r) => r.id);
        assert.deepEqual(
          a.map((m) => m.id),
          all.slice(0, 5),
        );
        assert.deepEqual(
          b.map((m) => m.id),
          all.slice(5, 10),
        );
        const owners = (await rows()).map((r) => r.locked_by);
        assert.deepEqual(owners, [...Array<string>(5).fill('node-a'), ...Array<string>(5).fill('node-b')]);
      },
    );
  }

  test("a crashed worker's lease holds its messages until it expires, then another node sends them once", async () => {
    const rec = recordingTransport();
    for (let i = 0; i < 3; i++) await courier.sms(db.kysely, `+3460000000${i}`, 'es', 'notice', `message ${i}`);
    const leaseMs = 5 * 60_000;
    const claimed = await claimDueMessages(
      db.kysely,
      db.dialect === 'postgres',
      'crashed-node',
      clock.now().toISOString(),
      new Date(clock.now().getTime() + leaseMs).toISOString(),
      10,
    );
    assert.equal(claimed.length, 3);
    assert.ok(claimed.every((m) => m.locked_by === 'crashed-node'));

    const survivor = dispatcher({ sms: rec.transport }, { workerId: 'survivor' });
    assert.deepEqual(await survivor.drain(), { sent: 0, retried: 0, failed: 0 });
    clock.advance(leaseMs);
    assert.deepEqual(await survivor.drain(), { sent: 0, retried: 0, failed: 0 }, 'the lease lasts until its end');
    assert.equal(rec.calls(), 0);

    clock.advance(1);
    assert.deepEqual(await survivor.drain(), { sent: 3, retried: 0, failed: 0 });
    assert.deepEqual(
      rec.sent.map((m) => m.id),
      claimed.map((m) => m.id),
    );
    assert.ok(rec.sent.every((m) => m.locked_by === 'survivor'));

    // The crashed node wakes up late: its stale lease no longer lets it change the rows.
    await markFailedAttempt(db.kysely, claimed[0]!.id, 'crashed-node', 'late failure', clock.now().toISOString());
    await markSent(db.kysely, claimed[1]!.id, 'crashed-node', 'late-transport', clock.now().toISOString());
    for (const m of claimed) {
      const r = await row(m.id);
      assert.equal(r.status, 'sent');
      assert.equal(r.transport, 'recording');
      assert.equal(r.attempts, 1);
      assert.equal(r.last_error, null);
    }

    clock.advanceMinutes(60);
    assert.deepEqual(await survivor.drain(), { sent: 0, retried: 0, failed: 0 });
    assert.equal(rec.calls(), 3, 'each message sent once');
  });

  test('a batch that outlasts half its lease gives the rest back instead of sending it late (issue 10)', async () => {
    for (let i = 0; i < 4; i++) await courier.sms(db.kysely, `+3460000001${i}`, 'es', 'notice', `slow ${i}`);
    const leaseMs = 60_000;
    // A slow gateway: each send takes 20 s of the lease.
    const slow: Transport = { name: 'slow', send: async () => void clock.advance(20_000) };
    const first = dispatcher({ sms: slow }, { workerId: 'slow-node', leaseMs });
    assert.deepEqual(
      await first.runOnce(),
      { sent: 2, retried: 0, failed: 0 },
      'two sends, then half the lease is gone',
    );
    const rest = (await rows()).filter((r) => r.status === 'pending');
    assert.equal(rest.length, 2);
    assert.ok(
      rest.every((r) => r.locked_by === null && r.locked_until === null),
      'released at once, not held until the lease ends',
    );
    const rec = recordingTransport();
    assert.deepEqual(await dispatcher({ sms: rec.transport }, { workerId: 'other-node' }).drain(), {
      sent: 2,
      retried: 0,
      failed: 0,
    });
    assert.deepEqual(
      rec.sent.map((m) => m.body_text),
      ['slow 2', 'slow 3'],
    );
  });

  test('a node that stops mid-batch sends the message in hand and gives the rest back at once (SIGTERM, issue 10)', async () => {
    for (let i = 0; i < 3; i++) await courier.sms(db.kysely, `+3460000002${i}`, 'es', 'notice', `batch ${i}`);
    let stopping: Promise<void> | undefined;
    const stopper: Transport = { name: 'stopper', send: async () => void (stopping ??= d.stop()) };
    const d = dispatcher({ sms: stopper }, { workerId: 'stopping-node' });
    assert.deepEqual(await d.runOnce(), { sent: 1, retried: 0, failed: 0 });
    await stopping;
    const rest = (await rows()).filter((r) => r.status === 'pending');
    assert.equal(rest.length, 2);
    assert.ok(
      rest.every((r) => r.locked_by === null),
      'no lease left to wait for',
    );
    const rec = recordingTransport();
    assert.deepEqual(await dispatcher({ sms: rec.transport }, { workerId: 'other-node' }).drain(), {
      sent: 2,
      retried: 0,
      failed: 0,
    });
  });

  test('stop() ends a drain in progress: nothing is claimed or sent once it has resolved', async () => {
    for (let i = 0; i < 3; i++) await courier.sms(db.kysely, `+3460000000${i}`, 'es', 'notice', `message ${i}`);
    const sent: number[] = [];
    let stopping: Promise<void> | undefined;
    let firstSend!: () => void;
    const firstSent = new Promise<void>((resolve) => (firstSend = resolve));
    const d = dispatcher(
      {
        sms: {
          name: 'recording',
          async send(m) {
            sent.push(m.id);
            stopping ??= d.stop(); // shutdown begins while the first message is being sent
            firstSend();
          },
        },
      },
      { batchSize: 1 },
    );
    d.start(3_600_000); // the poll never comes in this test: kick() starts the drain
    d.kick();
    await firstSent;
    await stopping;
    await d.stop(); // waits for any run still in progress
    assert.equal(sent.length, 1, 'no message sent after stop()');
    const stored = await rows();
    assert.deepEqual(
      stored.map((r) => r.status),
      ['sent', 'pending', 'pending'],
    );
    assert.deepEqual(
      stored.map((r) => r.locked_by),
      [null, null, null],
      'nothing left leased for the next node',
    );
  });

  test('issue 33: a killed node’s claims free up within one lease; a live node renews its own while it sends', async () => {
    for (let i = 0; i < 3; i++) await courier.sms(db.kysely, `+3460000003${i}`, 'es', 'code', `code ${i}`);
    // A node claims the codes with the default lease and is killed: it never renews them.
    const claimed = await claimDueMessages(
      db.kysely,
      db.dialect === 'postgres',
      'killed-node',
      clock.now().toISOString(),
      new Date(clock.now().getTime() + DEFAULT_LEASE_MS).toISOString(),
      10,
    );
    assert.equal(claimed.length, 3);
    const rec = recordingTransport();
    const survivor = dispatcher({ sms: rec.transport }, { workerId: 'survivor' });
    clock.advance(DEFAULT_LEASE_MS);
    assert.deepEqual(await survivor.drain(), { sent: 0, retried: 0, failed: 0 }, 'the lease lasts until its end');
    clock.advance(1);
    assert.deepEqual(await survivor.drain(), { sent: 3, retried: 0, failed: 0 }, `sent ${DEFAULT_LEASE_MS} ms later`);
    assert.ok(DEFAULT_LEASE_MS <= 30_000, 'a killed node delays a code by half a minute at most');

    // A live node whose mail server takes a minute keeps its claim all along, renewed by its heartbeat.
    await courier.sms(db.kysely, '+34600000039', 'es', 'code', 'slow code');
    let finish!: () => void;
    let started!: () => void;
    const inSend = new Promise<void>((resolve) => (started = resolve));
    const slow: Transport = {
      name: 'slow',
      send: () =>
        new Promise<void>((resolve) => {
          finish = resolve;
          started();
        }),
    };
    const live = dispatcher({ sms: slow }, { workerId: 'live-node', heartbeatMs: 5 });
    const run = live.runOnce();
    await inSend;
    for (let s = 0; s < 4; s++) {
      clock.advance(15_000);
      await new Promise((resolve) => setTimeout(resolve, 40)); // a few real heartbeats
      assert.deepEqual(
        await survivor.runOnce(),
        { sent: 0, retried: 0, failed: 0 },
        `still held after ${15 * (s + 1)} s`,
      );
    }
    finish();
    assert.deepEqual(await run, { sent: 1, retried: 0, failed: 0 });
    clock.advance(DEFAULT_LEASE_MS + 1);
    assert.deepEqual(await survivor.drain(), { sent: 0, retried: 0, failed: 0 });
    assert.equal(rec.calls(), 3, 'each code sent once');
  });

  test('issue 33: the record of a message the server accepted, lost to a database cut, is retried, not redelivered', async () => {
    await courier.sms(db.kysely, '+34600000040', 'es', 'code', 'code');
    // The next `failures` statements that mark a message sent lose their connection, as pg_terminate_backend does.
    let failures = 2;
    const cut: KyselyPlugin = {
      transformQuery(args: PluginTransformQueryArgs) {
        if (failures > 0 && args.node.kind === 'UpdateQueryNode' && JSON.stringify(args.node).includes('"sent_at"')) {
          failures--;
          throw new Error('Connection terminated unexpectedly');
        }
        return args.node;
      },
      transformResult: async (args: PluginTransformResultArgs) => args.result,
    };
    const rec = recordingTransport();
    const errors: unknown[] = [];
    const node = createDispatcher({
      db: { ...db, kysely: db.kysely.withPlugin(cut) },
      clock,
      box: developmentSecretBox(),
      transports: { email: unused.transport, sms: rec.transport },
      workerId: 'cut-node',
      onError: (err) => errors.push(err),
    });
    const other = dispatcher({ sms: rec.transport }, { workerId: 'other-node' });
    assert.deepEqual(await node.runOnce(), { sent: 1, retried: 0, failed: 0 }, 'accepted is sent, not failed');
    assert.ok(errors[0] instanceof AcceptedNotRecorded, 'logged as what it is');
    const [pending] = await rows();
    assert.equal(pending!.status, 'pending');
    assert.equal(pending!.locked_by, 'cut-node', 'still claimed');

    // Still cut at the next run: the claim is renewed, so past the first lease no other node takes it.
    clock.advance(15_000);
    await node.runOnce();
    clock.advance(15_000);
    assert.deepEqual(await other.drain(), { sent: 0, retried: 0, failed: 0 });
    // The database is back: the next run records it.
    await node.runOnce();
    const [sent] = await rows();
    assert.equal(sent!.status, 'sent');
    clock.advance(DEFAULT_LEASE_MS * 10);
    assert.deepEqual(await other.drain(), { sent: 0, retried: 0, failed: 0 });
    assert.equal(rec.calls(), 1, 'delivered once');
  });
});
