import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ManualClock } from '../../src/clock.js';
import { defaultBrand } from '../../src/config.js';
import type { Db } from '../../src/infra/db/database.js';
import { smsWebhookTransport } from '../../src/infra/outbox/channels/sms-webhook.js';
import { SMTP_TIMEOUTS, smtpTransport } from '../../src/infra/outbox/channels/smtp.js';
import type { Transport } from '../../src/infra/outbox/channels/transport.js';
import { createCourier } from '../../src/infra/outbox/courier.js';
import { createDispatcher, type Dispatcher } from '../../src/infra/outbox/dispatcher.js';
import { enrolmentEmail } from '../../src/infra/outbox/templates/enrolment.js';
import { describeEachDatabase, freshDatabase } from '../helpers/databases.js';
import { startSmsReceiver, type SmsReceiver } from '../helpers/sms-receiver.js';
import { startSmtpReceiver, type SmtpFault } from '../helpers/smtp-receiver.js';
import { faultsSkip } from './faults.js';
import { developmentSecretBox } from '../../src/infra/crypto/secret-box.js';

// Issue 9, faults (R25): the real SMTP server and SMS gateway of the test helpers fail for a while — connections
// refused, dropped after the greeting, messages refused with a temporary error, HTTP 500s, requests never answered —
// while two nodes drain the same outbox. Time moves only through the manual clock. Once the far side is back every
// message is delivered, none twice, none lost, and each failure cost exactly one recorded attempt.

const EMAILS = 14;
const SMS = 12;

describeEachDatabase('delivery under faults (issue 9, R25)', (kind) => {
  let db: Db;
  const clock = new ManualClock(new Date('2026-11-27T10:00:00.000Z'));
  const courier = createCourier({
    clock,
    brand: defaultBrand,
    publicUrl: 'http://localhost:3000',
    box: developmentSecretBox(),
  });

  before(async () => {
    if (!faultsSkip) db = await freshDatabase(kind);
  });
  after(() => db?.close());

  const outbox = (channel: 'email' | 'sms') =>
    db.kysely.selectFrom('outbox').selectAll().where('channel', '=', channel).orderBy('id').execute();

  /** Two nodes drain together, the clock jumps past any back-off, until nothing is pending (or rounds run out). */
  async function deliverAll(
    nodes: Dispatcher[],
    phases: (() => void)[],
    pendingFaults: () => boolean,
    channel: 'email' | 'sms',
  ): Promise<number> {
    let rounds = 0;
    for (; rounds < 40; rounds++) {
      if (!pendingFaults()) phases.shift()?.();
      await Promise.all(nodes.map((n) => n.drain()));
      const left = (await outbox(channel)).filter((m) => m.status !== 'sent');
      if (left.length === 0 && phases.length === 0) break;
      assert.ok(
        left.every((m) => m.status === 'pending'),
        'nothing gives up while the far side comes back',
      );
      clock.advanceMinutes(61);
    }
    return rounds;
  }

  test(
    `mail server refusing, dropping and temp-failing: ${EMAILS} emails delivered once each`,
    { timeout: 60_000, skip: faultsSkip },
    async () => {
      const smtp = await startSmtpReceiver();
      const transports: Transport[] = [];
      const node = () => {
        const email = smtpTransport(smtp.url, 'Brand <no-reply@example.test>', {
          ...SMTP_TIMEOUTS,
          greetingTimeout: 2_000,
        });
        transports.push(email);
        return createDispatcher({
          db,
          clock,
          box: developmentSecretBox(),
          transports: { email, sms: email },
          batchSize: 7,
        });
      };
      try {
        const expected = new Set<string>();
        for (let i = 0; i < EMAILS; i++) {
          const to = `member${i}@example.test`;
          expected.add(to);
          await db.kysely.transaction().execute((trx) =>
            courier.email(trx, to, i % 2 ? 'es' : 'en', enrolmentEmail, {
              firstName: `M${i}`,
              memberNumber: `MN-${i}`,
              policyNumber: 'P-1',
            }),
          );
        }
        const faultPlan: [number, SmtpFault][] = [
          [12, 'refuse'],
          [8, 'drop'],
          [8, 'tempfail'],
        ];
        const pending = () =>
          smtp.faults() < faultPlan.slice(0, faultPlan.length - phases.length).reduce((s, [n]) => s + n, 0);
        const phases = faultPlan.map(
          ([n, f]) =>
            () =>
              smtp.failNext(n, f),
        );
        await deliverAll([node(), node()], phases, pending, 'email');

        const injected = faultPlan.reduce((s, [n]) => s + n, 0);
        assert.equal(smtp.faults(), injected, 'every planned fault happened');
        const received = smtp.messages.map((m) => (Array.isArray(m.to) ? m.to[0] : m.to)?.text ?? '');
        assert.equal(received.length, EMAILS, 'none twice, none lost');
        assert.deepEqual(new Set(received), expected);
        const rows = await outbox('email');
        assert.ok(rows.every((r) => r.status === 'sent' && r.locked_by === null));
        assert.equal(
          rows.reduce((s, r) => s + r.attempts, 0),
          EMAILS + injected,
          'each fault cost one recorded attempt',
        );
        console.log(`[${kind}] email: ${EMAILS} messages, ${injected} SMTP faults, ${EMAILS} delivered once`);
      } finally {
        for (const t of transports) await t.close?.();
        await smtp.close();
      }
    },
  );

  test(
    `SMS gateway answering 500, hanging, then 503: ${SMS} SMS delivered once each`,
    { timeout: 60_000, skip: faultsSkip },
    async () => {
      const gateway: SmsReceiver = await startSmsReceiver({ honourIdempotencyKey: true });
      // The real timeout is 15 s; here 1 s so a hanging gateway costs little. On a busy machine even an accepted POST
      // may take longer than that: the gateway then sees the retry's Idempotency-Key and does not send it again.
      const node = () => {
        const sms = smsWebhookTransport(gateway.url, 1_000);
        return createDispatcher({
          db,
          clock,
          box: developmentSecretBox(),
          transports: { email: sms, sms },
          batchSize: 5,
        });
      };
      try {
        const expected = new Set<string>();
        for (let i = 0; i < SMS; i++) {
          const to = `+3460000${String(i).padStart(4, '0')}`;
          expected.add(to);
          await courier.sms(db.kysely, to, 'es', 'signin-code', `Código ${i}`);
        }
        const plan: [number, number | 'hang'][] = [
          [10, 500],
          [4, 'hang'],
          [6, 503],
        ];
        const phases = plan.map(
          ([n, f]) =>
            () =>
              gateway.failNext(n, f),
        );
        const pending = () =>
          gateway.faults() < plan.slice(0, plan.length - phases.length).reduce((s, [n]) => s + n, 0);
        await deliverAll([node(), node()], phases, pending, 'sms');

        const injected = plan.reduce((s, [n]) => s + n, 0);
        assert.equal(gateway.faults(), injected);
        assert.equal(gateway.messages.length, SMS, 'none twice, none lost');
        assert.deepEqual(new Set(gateway.messages.map((m) => m.to)), expected);
        const rows = await outbox('sms');
        assert.ok(rows.every((r) => r.status === 'sent'));
        assert.equal(
          rows.reduce((s, r) => s + r.attempts, 0),
          SMS + injected + gateway.repeats(),
          'each fault (or slow answer) cost one recorded attempt',
        );
        console.log(
          `[${kind}] sms: ${SMS} messages, ${injected} gateway faults, ${gateway.repeats()} repeats dropped by key, ${SMS} delivered once`,
        );
      } finally {
        await gateway.close();
      }
    },
  );
});
