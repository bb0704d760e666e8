import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import { hashToken, randomToken } from '../crypto/tokens.js';
import { compiledQuery } from '../db/compiled-query.js';
import type { Database } from '../db/tables.js';
import type { SessionCache } from './session-cache.js';

/**
 * R35: told before the OpenID Provider's rows of an account end (the provider's back-channel logout listens): on
 * sign-out (its provider sessions), on ending every session, or when the member disconnects one app.
 */
export type ProviderLogout = (
  db: Kysely<Database>,
  accountId: number,
  /** `subject`: only the grants of this provider account id (an app acting for the member, or for one minor). */
  what: { reason: 'sign-out' | 'all' | 'app'; clientId?: string; subject?: string },
) => Promise<void>;

/** A signed-in member's session as the routes see it. */
export interface MemberSession {
  id: number;
  accountId: number;
  actingMemberId: number | null;
  secondFactor: string;
  createdAt: string;
}

export type SessionLookup = { status: 'active'; session: MemberSession } | { status: 'none' } | { status: 'expired' };

/** Every signed-in request runs this: compiled once (compiled-query.ts). */
const sessionByToken = compiledQuery((db, p: { hash: string }) =>
  db
    .selectFrom('sessions')
    .innerJoin('accounts', 'accounts.id', 'sessions.account_id')
    .selectAll('sessions')
    .select('accounts.status as account_status')
    .where('sessions.token_hash', '=', p.hash),
);

/** A session row with its account's status, as read (and kept by the session cache). */
export type SessionRow = Awaited<ReturnType<typeof sessionByToken>>[number];

// R8: how often last use is written back; an idle deadline a minute late is harmless, a write per request is not.
const TOUCH_EVERY_MS = 60_000;

/**
 * R8 sessions: an opaque 256-bit token in a cookie (HttpOnly, SameSite=Lax, Secure and __Host- outside plain-http
 * localhost), stored only as its hash, with an idle and an absolute deadline, ended on the server at sign-out.
 */
export function createSessions(deps: { clock: Clock; config: Config; cache?: SessionCache<SessionRow> }) {
  const { clock, config, cache } = deps;
  const cookie = config.secureCookies ? '__Host-session' : 'session';
  const idleMs = config.session.idleMinutes * 60_000;
  const absoluteMs = config.session.absoluteHours * 3_600_000;
  const cookieOptions = { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: config.secureCookies };
  const providerLogoutListeners: ProviderLogout[] = [];
  const announceProviderLogout: ProviderLogout = async (db, accountId, what) => {
    for (const listener of providerLogoutListeners) await listener(db, accountId, what);
  };

  return {
    cookie,
    /** R35: the provider's back-channel logout registers here (oidc.routes.tsx). */
    onProviderLogout(listener: ProviderLogout): void {
      providerLogoutListeners.push(listener);
    },
    announceProviderLogout,
    /** Starts a session with a new token (never one the browser brought: no fixation) and sets the cookie. */
    async start(
      db: Kysely<Database>,
      reply: FastifyReply,
      accountId: number,
      secondFactor: string,
      actingMemberId: number | null,
    ): Promise<number> {
      const token = randomToken();
      const now = clock.now();
      const request = reply.request;
      const row = await db
        .insertInto('sessions')
        .values({
          token_hash: hashToken(token),
          account_id: accountId,
          acting_member_id: actingMemberId,
          second_factor: secondFactor,
          ip: request.ip,
          user_agent: request.headers['user-agent']?.slice(0, 400) ?? null,
          created_at: now.toISOString(),
          last_seen_at: now.toISOString(),
          idle_expires_at: new Date(now.getTime() + idleMs).toISOString(),
          absolute_expires_at: new Date(now.getTime() + absoluteMs).toISOString(),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      reply.setCookie(cookie, token, cookieOptions);
      return row.id;
    },

    /** The request's session, if its cookie names one that is neither ended nor past a deadline. */
    async load(db: Kysely<Database>, request: FastifyRequest): Promise<SessionLookup> {
      const token = request.cookies[cookie];
      if (!token || token.length > 100) return { status: 'none' };
      const hash = hashToken(token);
      const now = clock.now();
      const nowIso = now.toISOString();
      // Issue 32: a live session this node read lately, unchanged since on any node (session-cache.ts). Only a live
      // answer within both deadlines and with no sliding update due is taken from it; anything else reads the row.
      const kept = cache?.get(hash);
      if (
        kept &&
        kept.idle_expires_at > nowIso &&
        kept.absolute_expires_at > nowIso &&
        now.getTime() - new Date(kept.last_seen_at).getTime() < TOUCH_EVERY_MS
      )
        return { status: 'active', session: memberSession(kept) };
      const generation = cache?.generation ?? 0;
      const [row] = await sessionByToken(db, { hash });
      if (!row || row.ended_at) return { status: row ? 'expired' : 'none' };
      // A disabled account's sessions stop at once, whoever disabled it and however (ASVS 7.4.2).
      if (row.idle_expires_at <= nowIso || row.absolute_expires_at <= nowIso || row.account_status !== 'active') {
        await db
          .updateTable('sessions')
          .set({ ended_at: nowIso })
          .where('id', '=', row.id)
          .where('ended_at', 'is', null)
          .execute();
        return { status: 'expired' };
      }
      if (now.getTime() - new Date(row.last_seen_at).getTime() >= TOUCH_EVERY_MS) {
        const touched = {
          ...row,
          last_seen_at: nowIso,
          idle_expires_at: new Date(now.getTime() + idleMs).toISOString(),
        };
        await db
          .updateTable('sessions')
          .set({ last_seen_at: touched.last_seen_at, idle_expires_at: touched.idle_expires_at })
          .where('id', '=', row.id)
          .execute();
        cache?.put(hash, row.account_id, touched, generation);
      } else cache?.put(hash, row.account_id, row, generation);
      return { status: 'active', session: memberSession(row) };
    },

    /**
     * Ends this browser's session on the server and clears the cookie. A new sign-in replacing the session
     * (`replacing`) keeps the OpenID Provider's session: a sign-in request in flight (prompt=login, max_age) resumes
     * with it, and the provider asks for a live portal session of the same account anyway (oidc.provider.tsx).
     */
    async end(
      db: Kysely<Database>,
      request: FastifyRequest,
      reply: FastifyReply,
      options: { replacing?: boolean } = {},
    ): Promise<void> {
      const token = request.cookies[cookie];
      if (token && token.length <= 100) {
        const ended = await db
          .updateTable('sessions')
          .set({ ended_at: clock.now().toISOString() })
          .where('token_hash', '=', hashToken(token))
          .where('ended_at', 'is', null)
          .returning('account_id')
          .executeTakeFirst();
        // R35: signing out of the portal signs the member out of the OpenID Provider too, or the next person at a
        // shared browser would be signed in to the insurer's apps as this member without a prompt. (Their apps'
        // grants stay: an app the member connected keeps working on the member's own devices.)
        if (ended && !options.replacing) {
          await announceProviderLogout(db, ended.account_id, { reason: 'sign-out' });
          await db
            .deleteFrom('oidc_payloads')
            .where('model', '=', 'Session')
            .where('account_id', '=', String(ended.account_id))
            .execute();
        }
      }
      reply.clearCookie(cookie, cookieOptions);
    },

    /** Ends every session of an account, but the one given (R11, R12, R16), and its OpenID sessions and grants. */
    async endAll(db: Kysely<Database>, accountId: number, exceptSessionId?: number): Promise<void> {
      let q = db
        .updateTable('sessions')
        .set({ ended_at: clock.now().toISOString() })
        .where('account_id', '=', accountId)
        .where('ended_at', 'is', null);
      if (exceptSessionId !== undefined) q = q.where('id', '!=', exceptSessionId);
      await q.execute();
      await announceProviderLogout(db, accountId, { reason: 'all' });
      // R35: "sign out everywhere" (a password change or reset, "this wasn't me", customer service) reaches the
      // insurer's apps too: the provider's sessions, and every grant with its codes and refresh tokens, end at once.
      await db.deleteFrom('oidc_payloads').where('account_id', '=', String(accountId)).execute();
    },
  };
}

export type Sessions = ReturnType<typeof createSessions>;

function memberSession(row: SessionRow): MemberSession {
  return {
    id: row.id,
    accountId: row.account_id,
    actingMemberId: row.acting_member_id,
    secondFactor: row.second_factor,
    createdAt: row.created_at,
  };
}

/** Only same-site paths may be a return address after sign-in: never another site (no open redirect). */
export function safeNext(next: unknown): string | undefined {
  if (typeof next !== 'string' || next.length > 500) return undefined;
  if (!next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\') || /[\r\n\t]/.test(next))
    return undefined;
  try {
    const url = new URL(next, 'http://portal.invalid');
    if (url.host !== 'portal.invalid') return undefined;
    // Dot segments can collapse into a protocol-relative address (`/.//evil.example` → `//evil.example`): the result
    // is checked again, not only the input.
    const path = url.pathname + url.search;
    return path.startsWith('//') || path.startsWith('/\\') ? undefined : path;
  } catch {
    return undefined;
  }
}
