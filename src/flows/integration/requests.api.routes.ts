import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Ajv } from 'ajv';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import { refusalOf } from '../../domain/error-codes.js';
import { MAX_FILE_BYTES } from '../../domain/request-files.js';
import type { RequestStatus, TransitionFields } from '../../domain/request-status.js';
import type { FieldError } from '../../domain/result.js';
import { recordDataAccess, recordDataAccesses } from '../../infra/audit/data-access.js';
import type { Db } from '../../infra/db/database.js';
import type { Database } from '../../infra/db/tables.js';
import { sendAttachment } from '../../infra/files/download.js';
import { openFile } from '../../infra/files/files.repository.js';
import { receiveFile } from '../../infra/files/upload.js';
import type { Courier } from '../../infra/outbox/courier.js';
import { inStoreLane, type UploadPacer } from '../../infra/files/upload-pacer.js';
import { queueStatusEmails } from '../../infra/requests/request-notices.js';
import {
  putAuthorizationLetter,
  requestTimeline,
  transitionInTransaction,
} from '../../infra/requests/requests.repository.js';
import { callHash, claimIdempotencyKey, IDEMPOTENCY_KEY, saveIdempotentAnswer } from './idempotency.repository.js';
import { PROBLEM_CONTENT_TYPE, PROBLEMS, problemBody, ruleErrors, sendProblem, type ProblemKind } from './problem.js';
import { problemResponses } from './integration.schemas.js';
import {
  apiEvent,
  findRequestFile,
  listRequestsPage,
  loadRequest,
  type LoadedRequest,
} from './requests.api.repository.js';
import {
  DEFAULT_PAGE,
  LetterResult,
  MAX_PAGE,
  RequestDetail,
  RequestFileParams,
  RequestIdParams,
  RequestListQuery,
  RequestPage,
  StatusChange,
} from './requests.api.schemas.js';

// R31: the core system's side of requests. It reads them (oldest first, by cursor), downloads their files, moves them
// along R31's graph and puts an approved authorization's letter. Every read of a request or file is recorded as a
// data access by the API key's name (R36: the member sees "the insurer's systems" looked); every status change emails
// the people who follow the request (request-notices.ts) in the change's own transaction.

export interface RequestsApiOptions {
  config: Config;
  db: Db;
  clock: Clock;
  courier: Courier;
  kickOutbox?: (() => void) | undefined;
  /** The node's upload pace (R31, PRODUCT §5). */
  uploadPacer?: UploadPacer | undefined;
  /** The API's strict validator (integration.routes.ts), for the letter route's path parameters. */
  ajv: Ajv;
}

/** The largest id a row has (both engines' `integer`); a larger one names nothing, and must not reach the query. */
const MAX_ID = 2_147_483_647;
const CURSOR_PREFIX = 'r1.';
/** An opaque cursor: the last id of the page, so a request sent meanwhile never makes a page skip or repeat one. */
export const encodeCursor = (id: number): string => Buffer.from(`${CURSOR_PREFIX}${id}`).toString('base64url');
export function decodeCursor(cursor: string): number | undefined {
  const text = Buffer.from(cursor, 'base64url').toString();
  const m = /^r1\.([1-9][0-9]{0,9})$/.exec(text);
  return m && Number(m[1]) <= MAX_ID && encodeCursor(Number(m[1])) === cursor ? Number(m[1]) : undefined;
}

/** A path id (the schema allowed 1-10 digits), or 0 when it is past any row's id: then nothing is found. */
const pathId = (raw: string): number => (Number(raw) <= MAX_ID ? Number(raw) : 0);

const apiItem = ({ patientMemberId: _patient, ...item }: LoadedRequest) => item;

export async function requestsApiRoutes(plain: FastifyInstance, opts: RequestsApiOptions): Promise<void> {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  const { db, clock } = opts;
  const box = opts.config.secretBox;
  const timeZone = opts.config.timeZone;

  const client = (request: FastifyRequest) => request.apiKey!.name;
  const looked = (
    trx: Kysely<Database>,
    request: FastifyRequest,
    memberId: number,
    what: 'request' | 'file',
    ref: string,
  ) =>
    recordDataAccess(trx, clock, request.auditContext(), {
      memberId,
      what,
      ref,
      who: { by: 'api', client: client(request) },
    });
  const notFound = (reply: FastifyReply) => sendProblem(reply, 'not-found', { detail: 'There is no such request.' });

  app.get(
    '/requests',
    {
      config: { apiScope: 'requests:read' },
      schema: {
        summary: 'List requests, oldest first, a page at a time',
        description:
          'Reimbursement and authorization requests with their form fields and files (R31). Follow `next_cursor` as ' +
          '`after` until it is null: a request sent meanwhile appears on a later page, none is skipped or repeated. ' +
          'Every request listed is recorded as read by this key (the member can see it). Needs the scope requests:read.',
        tags: ['requests'],
        querystring: RequestListQuery,
        response: { 200: RequestPage, ...problemResponses(400, 401, 403, 429) },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const afterId = q.after === undefined ? 0 : decodeCursor(q.after);
      const limit = q.limit === undefined ? DEFAULT_PAGE : Number(q.limit);
      if (afterId === undefined || limit > MAX_PAGE) {
        return sendProblem(reply, 'invalid-request', {
          errors: [
            afterId === undefined
              ? { parameter: 'after', code: 'invalid', detail: 'Not a cursor this API gave.' }
              : { parameter: 'limit', code: 'too_long', params: { max: MAX_PAGE }, detail: `At most ${MAX_PAGE}.` },
          ],
        });
      }
      const page = await listRequestsPage(db.kysely, box, {
        status: q.status as RequestStatus | undefined,
        afterId,
        limit,
      });
      await recordDataAccesses(
        db.kysely,
        clock,
        request.auditContext(),
        page.items.map((item) => ({
          memberId: item.patientMemberId,
          what: 'request' as const,
          ref: item.reference,
          who: { by: 'api' as const, client: client(request) },
        })),
      );
      const last = page.items.at(-1);
      return { items: page.items.map(apiItem), next_cursor: page.more && last ? encodeCursor(last.id) : null };
    },
  );

  const detail = async (trx: Kysely<Database>, id: number) => {
    const item = await loadRequest(trx, box, id);
    if (!item) return undefined;
    const timeline = (await requestTimeline(trx, id)).map(apiEvent);
    return { item, body: { ...apiItem(item), timeline } };
  };

  app.get(
    '/requests/:id',
    {
      config: { apiScope: 'requests:read' },
      schema: {
        summary: 'One request, with its timeline',
        description: 'Recorded as read by this key (the member can see it). Needs the scope requests:read.',
        tags: ['requests'],
        params: RequestIdParams,
        response: { 200: RequestDetail, ...problemResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request, reply) => {
      const found = await detail(db.kysely, pathId(request.params.id));
      if (!found) return notFound(reply);
      await looked(db.kysely, request, found.item.patientMemberId, 'request', found.item.reference);
      return found.body;
    },
  );

  app.get(
    '/requests/:id/files/:fileId',
    {
      config: { apiScope: 'requests:read' },
      schema: {
        summary: 'A request’s file: its bytes',
        description:
          'The stored bytes (their SHA-256 is the file’s `sha256`), as an attachment with the stored type. Recorded as ' +
          'read by this key. Needs the scope requests:read.',
        tags: ['requests'],
        params: RequestFileParams,
        produces: ['application/pdf', 'image/jpeg', 'image/png'],
        response: {
          200: {
            description: 'The file’s bytes.',
            content: {
              'application/pdf': { schema: { type: 'string', format: 'binary' } },
              'image/jpeg': { schema: { type: 'string', format: 'binary' } },
              'image/png': { schema: { type: 'string', format: 'binary' } },
            },
          },
          ...problemResponses(400, 401, 403, 404, 429),
        },
      },
    },
    async (request, reply) => {
      const file = await findRequestFile(db.kysely, pathId(request.params.id), pathId(request.params.fileId));
      if (!file) return sendProblem(reply, 'not-found', { detail: 'The request has no such file.' });
      const bytes = openFile(box, file);
      await looked(db.kysely, request, file.patient_member_id, 'file', String(file.id));
      return sendAttachment(reply, file, bytes);
    },
  );

  app.post(
    '/requests/:id/status',
    {
      bodyLimit: 64 * 1024,
      config: { csrf: false, apiScope: 'requests:write' },
      schema: {
        summary: 'Move a request to its next status',
        description:
          'Only R31’s transitions: received → in_review; in_review → needs_info (`message`) | approved | ' +
          'partially_approved (`reason`) | rejected (`reason`); for reimbursements approved | partially_approved → paid ' +
          '(`amount_paid`, `paid_on`); an authorization’s approval carries `authorization_number`, `valid_from`, ' +
          '`valid_until` and `provider`. needs_info → in_review is the member’s answer, made in the area. Send the ' +
          '`version` you read: a change made since, or a transition not in the graph, answers 409. With an ' +
          '`Idempotency-Key` header the same call again answers the same (header `Idempotency-Replayed: true`), and ' +
          'the same key with another body answers 422. Each change emails the member (and a minor’s guardians) a ' +
          'notice with the reference only. Needs the scope requests:write.',
        tags: ['requests'],
        params: RequestIdParams,
        headers: {
          type: 'object',
          properties: {
            'idempotency-key': {
              type: 'string',
              description: 'Any 1-255 visible ASCII characters, unique per change (a UUID).',
            },
          },
        },
        body: StatusChange,
        response: { 200: RequestDetail, ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422, 429) },
      },
    },
    async (request, reply) => {
      const key = request.headers['idempotency-key'];
      if (key !== undefined && (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key)))
        return sendProblem(reply, 'bad-request', {
          detail: 'Idempotency-Key must be 1-255 visible ASCII characters.',
        });
      const id = pathId(request.params.id);
      const { status, version, ...fields } = request.body;
      const url = request.url;
      const apiKeyId = request.apiKey!.id;
      let emails = 0;
      const problem = (kind: ProblemKind, errors?: FieldError[]) => ({
        statusCode: PROBLEMS[kind].status as number,
        body: problemBody(kind, url, errors ? { errors: ruleErrors(errors) } : {}) as unknown,
      });
      const outcome = await db.kysely.transaction().execute(async (trx) => {
        if (key !== undefined) {
          const claim = await claimIdempotencyKey(trx, clock, apiKeyId, key, callHash('POST', url, request.body));
          if (claim.kind === 'mismatch') return { ...problem('idempotency-key-reused'), replayed: false };
          if (claim.kind === 'replay')
            return { statusCode: claim.statusCode, body: JSON.parse(claim.response) as unknown, replayed: true };
        }
        const moved = await transitionInTransaction(trx, clock, timeZone, {
          id,
          version,
          to: status as RequestStatus,
          fields: fields as TransitionFields,
          actor: { kind: 'core', keyName: request.apiKey!.name },
          afterChange: async (t, updated) => {
            emails = await queueStatusEmails(t, { clock, timeZone, courier: opts.courier }, updated);
            // Which request moved, not to what (STYLE habit 19): the status is the member's to see in the area.
            await request.audit(
              'request.status',
              'success',
              {
                actor: `api-key:${apiKeyId}`,
                memberId: updated.patient_member_id,
                details: { reference: updated.reference, version: updated.version },
              },
              t,
            );
          },
        });
        const answer = moved.ok
          ? { statusCode: 200, body: (await detail(trx, id))!.body as unknown }
          : problem(refusalKind(moved.errors), moved.errors);
        if (key !== undefined)
          await saveIdempotentAnswer(trx, apiKeyId, key, answer.statusCode, JSON.stringify(answer.body));
        return { ...answer, replayed: false };
      });
      if (emails > 0) opts.kickOutbox?.();
      // The answer is sent as the JSON text kept for replays, so a replay is byte for byte the first answer.
      const raw = reply as FastifyReply;
      if (outcome.replayed) raw.header('idempotency-replayed', 'true');
      return raw
        .code(outcome.statusCode)
        .type(outcome.statusCode >= 400 ? PROBLEM_CONTENT_TYPE : 'application/json')
        .send(JSON.stringify(outcome.body));
    },
  );

  await app.register(async (letterScope) => letterRoute(letterScope, opts));
}

/** R31: not found 404; a stale version or a transition outside the graph 409; bad values 422. */
function refusalKind(errors: readonly FieldError[]): ProblemKind {
  const refusal = refusalOf(errors);
  return refusal === 'notFound' ? 'not-found' : refusal === 'conflict' ? 'conflict' : 'invalid-values';
}

/** PUT …/letter reads multipart/form-data, so it lives in a scope of its own with the multipart parser. */
async function letterRoute(plain: FastifyInstance, opts: RequestsApiOptions): Promise<void> {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  const { db, clock } = opts;
  const box = opts.config.secretBox;
  if (!app.hasRequestDecorator('isMultipart')) {
    const { default: multipart } = await import('@fastify/multipart');
    // One file part and nothing else; one byte over the cap so that a longer file is cut and marked truncated.
    await app.register(multipart, {
      limits: { fileSize: MAX_FILE_BYTES + 1, files: 1, fields: 0, parts: 1 },
      throwFileSizeLimit: false,
    });
  }

  app.put(
    '/requests/:id/letter',
    {
      config: { csrf: false, apiScope: 'requests:write' },
      schema: {
        summary: 'Put an approved authorization’s letter (PDF)',
        description:
          '`multipart/form-data` with the PDF as the part `file` (at most 10 MB; judged by its bytes). Only for an ' +
          'authorization that is approved or partially approved (409 otherwise); a second letter replaces the first. ' +
          'Needs the scope requests:write.',
        tags: ['requests'],
        consumes: ['multipart/form-data'],
        params: RequestIdParams,
        body: {
          type: 'object',
          required: ['file'],
          properties: { file: { type: 'string', format: 'binary', description: 'The letter, a PDF.' } },
        },
        response: {
          200: LetterResult,
          201: LetterResult,
          ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422, 429),
        },
      },
      // The body schema documents the form for the OpenAPI document; the part is read and judged in the handler.
      validatorCompiler: ({ httpPart, schema }) => (httpPart === 'body' ? () => true : opts.ajv.compile(schema)),
    },
    async (request, reply) => {
      if (!request.isMultipart())
        return sendProblem(reply, 'unsupported-media-type', {
          detail: 'Send multipart/form-data with the part `file`.',
        });
      const id = pathId(request.params.id);
      let received: Awaited<ReturnType<typeof receiveFile>> | undefined;
      try {
        for await (const part of request.parts()) {
          if (part.type !== 'file' || part.fieldname !== 'file' || received !== undefined) {
            if (part.type === 'file') part.file.resume();
            return sendProblem(reply, 'invalid-request', {
              errors: [{ pointer: `/${part.fieldname}`, code: 'unknown_field', detail: 'Send only the part `file`.' }],
            });
          }
          received = await receiveFile(part, box, 'file', { pacer: opts.uploadPacer });
        }
      } catch (err) {
        // A body that breaks multipart itself: @fastify/multipart's limits (FST_…), or busboy's parse errors (no code).
        const { code = '', message = '' } = err as { code?: string; message?: string };
        if (
          code.startsWith('FST_') ||
          code === 'ERR_STREAM_PREMATURE_CLOSE' ||
          /multipart|malformed|unexpected end of form/i.test(message)
        )
          return sendProblem(reply, 'invalid-request', {
            errors: [{ pointer: '/file', code: 'invalid', detail: 'Send one part `file` and nothing else.' }],
          });
        throw err;
      }
      if (received === undefined)
        return sendProblem(reply, 'invalid-request', {
          errors: [{ pointer: '/file', code: 'required', detail: 'The part `file` is missing.' }],
        });
      if (!received.ok) {
        const tooLarge = received.errors.some((e) => e.code === 'file_too_large');
        return sendProblem(reply, tooLarge ? 'too-large' : 'invalid-values', { errors: ruleErrors(received.errors) });
      }
      if (received.value.content_type !== 'application/pdf')
        return sendProblem(reply, 'invalid-values', {
          errors: ruleErrors([{ field: 'file', code: 'file_type_not_allowed' }]),
        });
      const letter = received.value;
      // R31, PRODUCT §5: the node's store lane, one file-storing transaction at a time (upload-pacer.ts).
      const stored = await inStoreLane(opts.uploadPacer, () => putAuthorizationLetter(db.kysely, clock, id, letter));
      if (!stored.ok)
        return stored.code === 'request_not_found'
          ? sendProblem(reply, 'not-found', { detail: 'There is no such request.' })
          : sendProblem(reply, 'conflict', {
              detail: 'Only an approved or partially approved authorization takes a letter.',
            });
      await request.audit('request.letter', 'success', {
        actor: `api-key:${request.apiKey!.id}`,
        details: { request_id: id, file_id: stored.fileId },
      });
      const f = received.value;
      reply.code(stored.replaced ? 200 : 201);
      return {
        file: {
          id: stored.fileId,
          name: f.name,
          content_type: f.content_type,
          size: f.size,
          sha256: f.sha256,
          role: 'letter',
        },
        replaced: stored.replaced,
      };
    },
  );
}
