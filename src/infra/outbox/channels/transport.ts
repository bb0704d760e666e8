import type { OutboxMessage } from '../../db/tables.js';

/** Sends one message; throws when the far side did not accept it (the dispatcher then retries later). */
export interface Transport {
  readonly name: string;
  /** The development mailbox only: messages are read from the outbox itself, so sending must not blank them (R29). */
  readonly keepsBodies?: boolean;
  send(message: OutboxMessage): Promise<void>;
  close?(): Promise<void>;
}

/**
 * Messages one node sends at the same time (the dispatcher): one slow mail server round trip no longer queues the rest.
 */
export const SEND_CONCURRENCY = 5;
