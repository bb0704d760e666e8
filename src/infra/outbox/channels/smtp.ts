import nodemailer from 'nodemailer';
import { EMAIL_LOGO_CID } from '../templates/email-layout.js';
import { SEND_CONCURRENCY, type Transport } from './transport.js';

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
  /** The brand's logo as a PNG (R37): attached inline to every HTML email whose header names it. */
  logo?: Buffer,
): Transport {
  // The connection options go in one object with the URL: nodemailer's second argument is defaults for each
  // *message*, so timeouts passed there are silently ignored (and its own socket timeout is 10 minutes).
  // Pooled SMTP sessions, as many as the dispatcher sends at once (issue 20): a message costs MAIL, RCPT and DATA,
  // not a connection, a greeting and a QUIT each (under load one session per message made the outbox the limit of
  // sign-ins: a code waited a second in the queue). maxRequeues 0: when a connection drops mid-message nodemailer
  // does not send it again by itself; the send fails, and the outbox records the attempt and retries it (R25). An
  // idle session is closed by our side after socketTimeout (30 s), well before a server drops it (RFC 5321 asks
  // servers to wait 5 minutes), so a code is not sent into a connection the server has already given up.
  const transporter = nodemailer.createTransport({
    url: smtpUrl,
    ...timeouts,
    pool: true,
    maxConnections: SEND_CONCURRENCY,
    maxRequeues: 0,
  });
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
        ...(logo && message.body_html?.includes(`cid:${EMAIL_LOGO_CID}`)
          ? { attachments: [{ cid: EMAIL_LOGO_CID, filename: 'logo.png', contentType: 'image/png', content: logo }] }
          : {}),
      });
    },
    async close() {
      transporter.close();
    },
  };
}
