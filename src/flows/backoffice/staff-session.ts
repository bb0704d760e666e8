import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import { hashToken, randomToken } from '../../infra/crypto/tokens.js';
import type { Database, StaffUser } from '../../infra/db/tables.js';

/** The signed-in staff member as routes see it (`request.staff`). */
export interface StaffPrincipal {
  id: number;
  username: string;
  displayName: string;
  role: StaffUser['role'];
  sessionId: number;
  /** A generated password is still in use: only /backoffice/password opens until the person chooses their own. */
  mustChangePassword: boolean;
}

export type StaffSessionLookup =
  { status: 'active'; staff: StaffPrincipal } | { status: 'none' } | { status: 'expired' };

/** Every back-office URL lives under this path. */
export const BACKOFFICE_PATH = '/backoffice';

// Last use is written back at most this often; an idle deadline up to a minute late is harmless.
const TOUCH_EVERY_MS = 60_000;

/**
 * R23 staff sessions, mirroring the members' (R8) but apart from them: an opaque 256-bit token stored only as its
 * hash in staff_sessions, in a cookie of its own name (a member's page reads only `session`, so a staff token is
 * never a member's session, nor the other way), never seen by scripts (HttpOnly), never sent on a request started by
 * another site (SameSite=Strict), and outside plain-http localhost __Host- (ASVS 3.3.3: Secure, Path=/ and no
 * Domain, so no sibling host or path can set or shadow it). Short idle and absolute deadlines; ended on the server.
 * A disabled staff user's session stops working at once, whatever its deadlines.
 */
export function createStaffSessions(deps: { clock: Clock; config: Config }) {
  const { clock, config } = deps;
  const cookie = config.secureCookies ? '__Host-staff_session' : 'staff_session';
  const idleMs = config.staffSession.idleMinutes * 60_000;
  const absoluteMs = config.staffSession.absoluteHours * 3_600_000;
  const cookieOptions = {
    path: '/',
    httpOnly: true,
    sameSite: 'strict' as const,
    secure: config.secureCookies,
  };
  const tokenOf = (request: FastifyRequest) => {
    const token = request.cookies[cookie];
    return token && token.length <= 100 ? token : undefined;
  };

  return {
    cookie,
    /** Starts a session with a fresh token, never one the browser brought (no fixation), and sets the cookie. */
    async start(db: Kysely<Database>, reply: FastifyReply, staffId: number): Promise<void> {
      const token = randomToken();
      const now = clock.now();
      await db
        .insertInto('staff_sessions')
        .values({
          token_hash: hashToken(token),
          staff_user_id: staffId,
          ip: reply.request.ip.slice(0, 64),
          user_agent: reply.request.headers['user-agent']?.slice(0, 400) ?? null,
          created_at: now.toISOString(),
          last_seen_at: now.toISOString(),
          idle_expires_at: new Date(now.getTime() + idleMs).toISOString(),
          absolute_expires_at: new Date(now.getTime() + absoluteMs).toISOString(),
          ended_at: null,
        })
        .execute();
      reply.setCookie(cookie, token, cookieOptions);
    },

    /** The staff member whose live session this request's cookie names, if any. */
    async load(db: Kysely<Database>, request: FastifyRequest): Promise<StaffSessionLookup> {
      const token = tokenOf(request);
      if (!token) return { status: 'none' };
      const row = await db
        .selectFrom('staff_sessions')
        .innerJoin('staff_users', 'staff_users.id', 'staff_sessions.staff_user_id')
        .select([
          'staff_sessions.id as session_id',
          'staff_sessions.ended_at',
          'staff_sessions.last_seen_at',
          'staff_sessions.idle_expires_at',
          'staff_sessions.absolute_expires_at',
          'staff_users.id',
          'staff_users.username',
          'staff_users.display_name',
          'staff_users.role',
          'staff_users.status',
          'staff_users.password_must_change',
        ])
        .where('staff_sessions.token_hash', '=', hashToken(token))
        .executeTakeFirst();
      if (!row) return { status: 'none' };
      if (row.ended_at) return { status: 'expired' };
      const now = clock.now();
      const nowIso = now.toISOString();
      if (row.idle_expires_at <= nowIso || row.absolute_expires_at <= nowIso || row.status !== 'active') {
        await db
          .updateTable('staff_sessions')
          .set({ ended_at: nowIso })
          .where('id', '=', row.session_id)
          .where('ended_at', 'is', null)
          .execute();
        return { status: 'expired' };
      }
      if (now.getTime() - new Date(row.last_seen_at).getTime() >= TOUCH_EVERY_MS) {
        // The idle deadline moves, never past the absolute one.
        const idle = Math.min(now.getTime() + idleMs, new Date(row.absolute_expires_at).getTime());
        await db
          .updateTable('staff_sessions')
          .set({ last_seen_at: nowIso, idle_expires_at: new Date(idle).toISOString() })
          .where('id', '=', row.session_id)
          .execute();
      }
      return {
        status: 'active',
        staff: {
          id: row.id,
          username: row.username,
          displayName: row.display_name,
          role: row.role,
          sessionId: row.session_id,
          mustChangePassword: Number(row.password_must_change) === 1,
        },
      };
    },

    /** Ends this browser's staff session on the server and clears the cookie. */
    async end(db: Kysely<Database>, request: FastifyRequest, reply: FastifyReply): Promise<void> {
      const token = tokenOf(request);
      if (token)
        await db
          .updateTable('staff_sessions')
          .set({ ended_at: clock.now().toISOString() })
          .where('token_hash', '=', hashToken(token))
          .where('ended_at', 'is', null)
          .execute();
      reply.clearCookie(cookie, cookieOptions);
    },
  };
}

export type StaffSessions = ReturnType<typeof createStaffSessions>;
