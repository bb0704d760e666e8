import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Account, Database } from '../infra/db/tables.js';

/**
 * What another slice does when a member has just signed in (both steps, or a passkey), before the new session
 * starts: flows never import each other (issue 19); app.ts hands sign-in the hooks of the slices that need one.
 */
export type AfterSignIn = (event: {
  db: Kysely<Database>;
  request: FastifyRequest;
  reply: FastifyReply;
  account: Account;
}) => Promise<void>;
