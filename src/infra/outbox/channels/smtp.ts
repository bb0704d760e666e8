import nodemailer from 'nodemailer';
import type { Transport } from './transport.js';

/** Email over SMTP (`smtp://` or `smtps://`) with nodemailer. */
export function smtpTransport(smtpUrl: string, from: string): Transport {
  // Timeouts stay well under the dispatcher's lease, so a message is never handed to a second node mid-send (R25).
  const transporter = nodemailer.createTransport(smtpUrl, {
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 30_000,
  } as Parameters<typeof nodemailer.createTransport>[1]);
  return {
    name: 'smtp',
    async send(message) {
      await transporter.sendMail({
        from,
        to: message.recipient,
        subject: message.subject ?? '',
        text: message.body_text,
        ...(message.body_html ? { html: message.body_html } : {}),
      });
    },
    async close() {
      transporter.close();
    },
  };
}
