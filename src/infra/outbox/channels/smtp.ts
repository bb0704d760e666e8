import nodemailer from 'nodemailer';
import type { Transport } from './transport.js';

export interface SmtpTimeouts {
  connectionTimeout: number;
  greetingTimeout: number;
  socketTimeout: number;
}

// Timeouts stay well under the dispatcher's lease, so a message is never handed to a second node mid-send (R25).
export const SMTP_TIMEOUTS: Readonly<SmtpTimeouts> = Object.freeze({
  connectionTimeout: 15_000,
  greetingTimeout: 15_000,
  socketTimeout: 30_000,
});

/** Email over SMTP (`smtp://` or `smtps://`) with nodemailer. */
export function smtpTransport(
  smtpUrl: string,
  from: string,
  timeouts: Readonly<SmtpTimeouts> = SMTP_TIMEOUTS,
): Transport {
  // The connection options go in one object with the URL: nodemailer's second argument is defaults for each
  // *message*, so timeouts passed there are silently ignored (and its own socket timeout is 10 minutes).
  // One SMTP session per message (the dispatcher runs SEND_CONCURRENCY at once). nodemailer's pool would save the
  // connect and greeting per message, but it retries a message itself when a connection drops, out of the outbox's
  // sight (the fault tests count one recorded attempt per fault): left for a change that tests it (issue 20 note).
  const transporter = nodemailer.createTransport({ url: smtpUrl, ...timeouts });
  const domain = /@([A-Za-z0-9.-]+)/.exec(from)?.[1] ?? 'member-area.localhost';
  return {
    name: 'smtp',
    async send(message) {
      await transporter.sendMail({
        from,
        to: message.recipient,
        subject: message.subject ?? '',
        // One Message-ID per outbox row: if a node dies between the server's OK and marking the row sent, the copy
        // another node sends after the lease carries the same id, and mail systems can drop it as a duplicate.
        messageId: `<outbox.${message.id}.${Date.parse(message.created_at)}@${domain}>`,
        text: message.body_text,
        ...(message.body_html ? { html: message.body_html } : {}),
      });
    },
    async close() {
      transporter.close();
    },
  };
}
