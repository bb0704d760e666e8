import type { OutboxMessage } from '../../db/tables.js';

/** Sends one message; throws when the far side did not accept it (the dispatcher then retries later). */
export interface Transport {
  readonly name: string;
  send(message: OutboxMessage): Promise<void>;
  close?(): Promise<void>;
}
