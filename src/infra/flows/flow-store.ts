import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Clock } from '../../clock.js';
import { hashToken, randomToken } from '../crypto/tokens.js';
import { compiledQuery } from '../db/compiled-query.js';
import type { Database, FlowTable } from '../db/tables.js';

/**
 * Multi-step flows are rows with a state, an expiry and their data (STYLE habit 2). A flow is bound to the
 * browser that started it: the browser holds a random token in a cookie and the row stores only its hash, so
 * a flow id seen elsewhere (a log, a link) cannot be continued from another browser (R6, R7).
 */
/** The sign-in's flow kind: a new password ends the account's pending sign-ins (account/password-history.ts). */
export const SIGN_IN_FLOW = 'sign-in';

export interface Flow<D> {
  id: string;
  kind: string;
  state: string;
  accountId: number | null;
  memberId: number | null;
  data: D;
  attempts: number;
  expiresAt: string;
}

export type FlowLookup<D> = { status: 'active'; flow: Flow<D> } | { status: 'missing' } | { status: 'expired' };

export interface FlowStoreOptions {
  kind: string;
  ttlMs: number;
  cookieName: string;
  secureCookies: boolean;
}

function toFlow<D>(row: Selectable<FlowTable>): Flow<D> {
  return {
    id: row.id,
    kind: row.kind,
    state: row.state,
    accountId: row.account_id,
    memberId: row.member_id,
    data: JSON.parse(row.data) as D,
    attempts: row.attempts,
    expiresAt: row.expires_at,
  };
}

export interface FlowStore<D> {
  /** Starts a flow in this browser, replacing any earlier flow of the same kind it had. */
  start(
    db: Kysely<Database>,
    reply: FastifyReply,
    init: { state: string; accountId?: number | null; memberId?: number | null; data: D },
  ): Promise<Flow<D>>;
  /** The browser's current flow of this kind, if any and not expired. */
  load(db: Kysely<Database>, request: FastifyRequest): Promise<FlowLookup<D>>;
  /**
   * Moves a flow from one state to another, only if it is still in `from` and not expired: one atomic update, so
   * two tabs or a replayed form cannot both take the same step.
   */
  advance(
    db: Kysely<Database>,
    flow: Flow<D>,
    from: string | readonly string[],
    to: string,
    data?: D,
    patch?: { accountId?: number | null; attempts?: number },
  ): Promise<boolean>;
  /**
   * Replaces the data of a flow still as the caller read it (same state, same attempt count), counting one attempt:
   * a compare-and-set, so of two requests holding the same reading only one succeeds (a challenge used once, R27).
   * On success `flow` holds the new data and count.
   */
  swap(db: Kysely<Database>, flow: Flow<D>, data: D): Promise<boolean>;
  /**
   * Ends a flow at its last step, only if it is still in `from` and not expired: one atomic delete, so of two requests
   * finishing the same flow only one does (true for it). Its cookie is cleared by `end` with `finished`.
   */
  finish(db: Kysely<Database>, flow: Flow<D>, from: string | readonly string[]): Promise<boolean>;
  /** Deletes the browser's flow of this kind and clears its cookie (`finished`: the flow is gone, the cookie only). */
  end(db: Kysely<Database>, request: FastifyRequest, reply: FastifyReply, finished?: boolean): Promise<void>;
  /** The browser-binding token of this request, if it has one (to match links that must open in the same browser). */
  browserHash(request: FastifyRequest): string | undefined;
}

/** Every page of every flow reads its flow first: compiled once (compiled-query.ts). */
const flowOfBrowser = compiledQuery((db, p: { hash: string; kind: string }) =>
  db.selectFrom('flows').selectAll().where('browser_hash', '=', p.hash).where('kind', '=', p.kind),
);

export function createFlowStore<D>(clock: Clock, options: FlowStoreOptions): FlowStore<D> {
  const { kind, ttlMs, cookieName, secureCookies } = options;
  // R8, ASVS 3.3.3: __Host- (Secure, Path=/, no Domain) outside plain-http localhost, the back office's flows too.
  const name = secureCookies ? `__Host-${cookieName}` : cookieName;

  const browserHash = (request: FastifyRequest) => {
    const token = request.cookies[name];
    return token && token.length <= 100 ? hashToken(token) : undefined;
  };

  return {
    browserHash,
    async start(db, reply, init) {
      const token = randomToken();
      const now = clock.now();
      const request = reply.request;
      const previous = browserHash(request);
      if (previous)
        await db.deleteFrom('flows').where('browser_hash', '=', previous).where('kind', '=', kind).execute();
      const row = {
        id: randomUUID(),
        kind,
        state: init.state,
        browser_hash: hashToken(token),
        account_id: init.accountId ?? null,
        member_id: init.memberId ?? null,
        data: JSON.stringify(init.data),
        attempts: 0,
        expires_at: new Date(now.getTime() + ttlMs).toISOString(),
        created_at: now.toISOString(),
        updated_at: now.toISOString(),
      } satisfies Insertable<FlowTable>;
      await db.insertInto('flows').values(row).execute();
      // The flow cookie lives as long as the flow; HttpOnly, SameSite=Lax, Secure and __Host- outside localhost (R8).
      reply.setCookie(name, token, {
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        secure: secureCookies,
        maxAge: Math.ceil(ttlMs / 1000),
      });
      return toFlow<D>(row);
    },
    async load(db, request) {
      const hash = browserHash(request);
      if (!hash) return { status: 'missing' };
      const [row] = await flowOfBrowser(db, { hash, kind });
      if (!row) return { status: 'missing' };
      if (row.expires_at <= clock.now().toISOString()) return { status: 'expired' };
      return { status: 'active', flow: toFlow<D>(row) };
    },
    async advance(db, flow, from, to, data, patch) {
      const states = typeof from === 'string' ? [from] : [...from];
      const now = clock.now().toISOString();
      const result = await db
        .updateTable('flows')
        .set({
          state: to,
          updated_at: now,
          ...(data !== undefined ? { data: JSON.stringify(data) } : {}),
          ...(patch?.accountId !== undefined ? { account_id: patch.accountId } : {}),
          ...(patch?.attempts !== undefined ? { attempts: patch.attempts } : {}),
        })
        .where('id', '=', flow.id)
        .where('state', 'in', states)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      const moved = Number(result.numUpdatedRows) === 1;
      if (moved) {
        flow.state = to;
        if (data !== undefined) flow.data = data;
      }
      return moved;
    },
    async swap(db, flow, data) {
      const now = clock.now().toISOString();
      const result = await db
        .updateTable('flows')
        .set({ data: JSON.stringify(data), attempts: flow.attempts + 1, updated_at: now })
        .where('id', '=', flow.id)
        .where('state', '=', flow.state)
        .where('attempts', '=', flow.attempts)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) return false;
      flow.data = data;
      flow.attempts += 1;
      return true;
    },
    async finish(db, flow, from) {
      const states = typeof from === 'string' ? [from] : [...from];
      const result = await db
        .deleteFrom('flows')
        .where('id', '=', flow.id)
        .where('state', 'in', states)
        .where('expires_at', '>', clock.now().toISOString())
        .executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },
    async end(db, request, reply, finished = false) {
      const hash = browserHash(request);
      if (hash && !finished)
        await db.deleteFrom('flows').where('browser_hash', '=', hash).where('kind', '=', kind).execute();
      reply.clearCookie(name, { path: '/', httpOnly: true, sameSite: 'lax', secure: secureCookies });
    },
  };
}
