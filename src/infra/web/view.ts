import type { FastifyReply } from 'fastify';
import type { VNode } from 'preact';
import { render } from 'preact-render-to-string';

/**
 * What an answer tells its reader, and the HTTP status that says it: the one table every page's and small JSON
 * answer's status comes from (the API's problems have theirs in `flows/integration/problem.ts`). A route names the
 * outcome, never a number; an error code's kind of refusal (`domain/error-codes.ts`) is one of these outcomes.
 */
export const REPLY_STATUS = {
  /** The page as asked for. */
  shown: 200,
  /** Something was made, and the page shows it (once). */
  created: 201,
  /** The form's values are refused (field errors, a wrong or expired code): fix and send again. */
  invalid: 400,
  /** A password or credential was wrong where the page itself is the answer. */
  unauthenticated: 401,
  /** Not this person's, or not from this browser or role. */
  forbidden: 403,
  notFound: 404,
  /** Already done: a finished registration, a record someone else holds. */
  conflict: 409,
  /** A link used, voided or past its time. */
  gone: 410,
  /** The request is larger than the form or file may be. */
  tooLarge: 413,
  /** The request named a host this page does not answer to (the development mailbox against DNS rebinding). */
  misdirected: 421,
  /** A limit reached: wait, or solve the captcha (R9). */
  limited: 429,
  /** A dependency (the database) cannot answer now. */
  unavailable: 503,
} as const;
export type ReplyOutcome = keyof typeof REPLY_STATUS;

/** Renders a page component to HTML and sends it; views escape every value (Preact), so no template injects markup. */
export function sendPage(reply: FastifyReply, page: VNode, outcome: ReplyOutcome = 'shown'): FastifyReply {
  return sendHtml(reply, page, REPLY_STATUS[outcome]);
}

/** The error handler's page: it passes on the status Fastify or a plugin gave the error (405, 415, 500…). */
export function sendErrorPage(reply: FastifyReply, page: VNode, status: number): FastifyReply {
  return sendHtml(reply, page, status);
}

function sendHtml(reply: FastifyReply, page: VNode, status: number): FastifyReply {
  return reply
    .status(status)
    .type('text/html; charset=utf-8')
    .send('<!doctype html>' + render(page));
}
