import type { Transport } from './transport.js';

/**
 * Development only: the message is not sent anywhere; it stays in the outbox, marked as delivered to the
 * development mailbox, and /dev/mailbox shows it.
 */
export const devMailboxTransport: Transport = {
  name: 'dev-mailbox',
  keepsBodies: true,
  async send() {},
};
