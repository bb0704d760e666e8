import type { ErrorObject } from 'ajv';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorCode } from '../../domain/error-codes.js';
import type { FieldError } from '../../domain/result.js';
import { translator } from '../../infra/i18n/i18n.js';

// R24: every error the JSON API gives is an RFC 9457 problem (application/problem+json), never an HTML page, a
// stack trace or a 500 for bad input. `type` names the kind of problem; `errors` points at each bad value by JSON
// pointer into the body (or by path parameter) with a stable code, so the core system can act on it.

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** The kinds of problem the API reports; `type` is `/api/v1/problems/<kind>`, documented in the README. */
export const PROBLEMS = {
  'malformed-json': { status: 400, title: 'The body is not valid JSON' },
  'invalid-request': { status: 400, title: 'The request does not match the schema' },
  unauthenticated: { status: 401, title: 'A valid API key is required' },
  'insufficient-scope': { status: 403, title: 'The API key lacks the scope this request needs' },
  'not-found': { status: 404, title: 'Not found' },
  conflict: { status: 409, title: 'The resource changed meanwhile or does not allow this now' },
  'too-large': { status: 413, title: 'The body is too large' },
  'unsupported-media-type': { status: 415, title: 'Unsupported content type' },
  'invalid-values': { status: 422, title: 'Some values break the feed rules' },
  'idempotency-key-reused': { status: 422, title: 'This Idempotency-Key was used for a different request' },
  'rate-limited': { status: 429, title: 'Too many requests for this API key' },
  'bad-request': { status: 400, title: 'Bad request' },
  'server-error': { status: 500, title: 'Internal error' },
} as const;
export type ProblemKind = keyof typeof PROBLEMS;

export interface ProblemError {
  pointer?: string;
  parameter?: string;
  code: ErrorCode;
  detail?: string;
  params?: Record<string, string | number>;
}

export interface ProblemExtras {
  detail?: string;
  errors?: ProblemError[];
  summary?: unknown;
}

/** A problem's body, for a path (`instance`); sendProblem sends it, an idempotent route also keeps it to replay. */
export function problemBody(kind: ProblemKind, url: string, extras: ProblemExtras = {}) {
  const { status, title } = PROBLEMS[kind];
  return { type: `/api/v1/problems/${kind}`, title, status, instance: url.split('?')[0], ...extras };
}

/** Sends a problem; the reply is never cached (R8: API answers may carry personal data). */
export function sendProblem(reply: FastifyReply, kind: ProblemKind, extras: ProblemExtras = {}): FastifyReply {
  return reply
    .code(PROBLEMS[kind].status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(problemBody(kind, reply.request.url, extras));
}

const en = translator('en');

/** An English sentence for a validation code, from the same catalog the CLI import report uses. */
export function describeCode(code: ErrorCode, params?: Record<string, string | number>): string {
  return en(`field.${code}`, params);
}

/** A JSON pointer segment (RFC 6901). */
export function pointerSegment(name: string): string {
  return name.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Turns schema (Ajv) errors into problem errors: one per bad value, by pointer, with a stable code. */
export function schemaErrors(errors: readonly ErrorObject[], context: string): ProblemError[] {
  return errors.map((e) => {
    let path = e.instancePath;
    // A keyword our schemas do not use yet is named 'invalid', with the validator's own sentence as its detail.
    let code: ErrorCode | undefined;
    let params: Record<string, string | number> | undefined;
    switch (e.keyword) {
      case 'required':
        path += `/${pointerSegment(String(e.params.missingProperty))}`;
        code = 'required';
        break;
      case 'additionalProperties':
        path += `/${pointerSegment(String(e.params.additionalProperty))}`;
        code = 'unknown_field';
        break;
      case 'type':
        code = 'wrong_type';
        params = { expected: ([] as string[]).concat(e.params.type as string | string[]).join('|') };
        break;
      case 'enum':
        code = 'not_allowed';
        params = { allowed: (e.params.allowedValues as unknown[]).filter((v) => v !== null).join('|') };
        break;
      case 'maxLength':
      case 'maxItems':
        code = 'too_long';
        params = { max: Number(e.params.limit) };
        break;
      case 'minLength':
        code = 'required';
        break;
      case 'pattern':
        code = 'invalid_characters';
        break;
    }
    const detail = code ? describeCode(code, params) : e.message;
    code ??= 'invalid';
    const where = context === 'params' ? { parameter: path.replace(/^\//, '') } : { pointer: path };
    return { ...where, code, ...(detail ? { detail } : {}), ...(params ? { params } : {}) };
  });
}

/** Turns the feed rules' field errors into problem errors; a field given in the path is named as its parameter. */
export function ruleErrors(
  errors: readonly FieldError[],
  pathField?: { field: string; parameter: string },
): ProblemError[] {
  return errors.map((e) => {
    const where =
      pathField && e.field === pathField.field
        ? { parameter: pathField.parameter }
        : { pointer: `/${pointerSegment(e.field)}` };
    const detail = describeCode(e.code, e.params);
    return { ...where, code: e.code, ...(detail ? { detail } : {}), ...(e.params ? { params: e.params } : {}) };
  });
}

/** The API's error handler: what went wrong, as a problem; a bug is logged and answered without internals. */
export function handleApiError(err: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (err.validation) {
    return sendProblem(reply, 'invalid-request', {
      errors: schemaErrors(err.validation as ErrorObject[], err.validationContext ?? 'body'),
    });
  }
  const code = err.code ?? '';
  if (
    code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
    code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ||
    err instanceof SyntaxError
  ) {
    request.log.info({ code }, 'api: malformed JSON');
    return sendProblem(reply, 'malformed-json', {
      detail: code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ? 'The body is empty.' : 'The body could not be parsed as JSON.',
    });
  }
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE' || err.statusCode === 413) {
    // The rest of an oversized body is not worth reading: close the connection once answered.
    reply.header('connection', 'close');
    return sendProblem(reply, 'too-large', { detail: 'The body exceeds this route’s limit.' });
  }
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || err.statusCode === 415) {
    return sendProblem(reply, 'unsupported-media-type', {
      detail: 'Send application/json (application/x-ndjson for the bulk route).',
    });
  }
  if (err.statusCode === 404) return sendProblem(reply, 'not-found');
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    request.log.info({ code, status: err.statusCode }, 'api: request refused');
    return sendProblem(reply, 'bad-request');
  }
  request.log.error({ err }, 'api: unhandled error');
  return sendProblem(reply, 'server-error', { detail: `Reference ${String(request.id)}.` });
}
