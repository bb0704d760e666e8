import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../db/database.js';
import type { MemberSession, Sessions } from './session.js';

declare module 'fastify' {
  interface FastifyRequest {
    memberSession: MemberSession | null;
  }
}

/**
 * A preHandler for private pages (R8): without a live session the member goes to the sign-in page, told when the
 * session ran out, with this page as the return address; private pages are never cached.
 */
export function requireMember(sessions: Sessions, db: Db) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const found = await sessions.load(db.kysely, request);
    reply.header('cache-control', 'no-store');
    if (found.status === 'active') {
      request.memberSession = found.session;
      return;
    }
    if (found.status === 'expired') sessions.end(db.kysely, request, reply).catch(() => {});
    const next = request.method === 'GET' ? `&next=${encodeURIComponent(request.url)}` : '';
    return reply.redirect(`/sign-in?${found.status === 'expired' ? 'expired=1' : ''}${next}`, 303);
  };
}
