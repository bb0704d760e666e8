import type { Readable } from 'node:stream';
import fastifySwagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { Ajv, type ErrorObject } from 'ajv';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import type { FieldError } from '../../domain/result.js';
import type { ImportReport } from '../../feed/feed.import.js';
import type { Db } from '../../infra/db/database.js';
import type { Courier } from '../../infra/outbox/courier.js';
import {
  addressKey,
  bucket,
  hit,
  secondsUntilWindowEnds,
  take,
  type Limit,
} from '../../infra/rate-limit/rate-limit.js';
import { authenticateApiKey, hasScope, type ApiScope, type AuthenticatedKey } from '../../identity/api-keys.js';
import {
  bulkUpsertMembers,
  registrationStatus,
  upsertMember,
  upsertPolicy,
  type IntegrationDeps,
} from './integration.flow.js';
import {
  BulkSummary,
  MemberBody,
  MemberLine,
  MemberParams,
  MemberResult,
  PolicyBody,
  PolicyParams,
  PolicyResult,
  Problem,
  ProviderBody,
  ProviderParams,
  ProviderResult,
  problemResponses,
  RegistrationStatus,
} from './integration.schemas.js';
import { parseProvider } from '../../domain/provider.js';
import { retireProvider, upsertProvider } from '../../infra/directory/providers.repository.js';
import { requestsApiRoutes } from './requests.api.routes.js';
import { handleApiError, ruleErrors, schemaErrors, sendProblem } from './problem.js';
import { documentRoutes } from './documents.api.js';
import type { UploadPacer } from '../../infra/files/upload-pacer.js';

// R24: the integration API for the insurer's core system, JSON under /api/v1. A request authenticates with an API
// key in `Authorization: Bearer mak_…`, never with a cookie: these routes read no member cookie, set none, and are
// exempt from the cookie-based CSRF check (route config csrf: false), which protects cookie-authenticated forms.

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The scope an integration API route requires (R24); routes without one need no key. */
    apiScope?: ApiScope;
  }
  interface FastifyRequest {
    apiKey: AuthenticatedKey | null;
  }
}

export interface IntegrationOptions {
  config: Config;
  db: Db;
  clock: Clock;
  courier: Courier;
  kickOutbox?: (() => void) | undefined;
  /** The node's upload pace (R31, PRODUCT §5): the files of the requests and documents API are read at it. */
  uploadPacer?: UploadPacer | undefined;
}

export const API_PREFIX = '/api/v1';
/** Single-record routes: a member is well under 8 KB of JSON; anything far larger is refused unread (413). */
const SMALL_BODY = 64 * 1024;
/** The bulk stream: bounded by the body, read line by line, never held whole. */
/** R24: calls refused for a missing, unknown or revoked key, from one client address (key guessing). */
export const API_AUTH_FAILURES_PER_IP = { windowMs: 60 * 60_000, max: 100 } as const satisfies Limit;

export const BULK_LIMITS = { maxBytes: 200 * 1024 * 1024, maxLineBytes: 64 * 1024 };
/** Length of the per-key rate-limit window; each key's own rate is per this window. */
const KEY_WINDOW_MS = 60_000;
/** At most this many per-line errors in a bulk answer; the counts cover them all. */
const MAX_ERRORS_IN_ANSWER = 1000;
const REALM = 'Bearer realm="member-area"';
const NDJSON_TYPES = ['application/x-ndjson', 'application/jsonl'];

function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer +(\S+) *$/i.exec(header);
  // A header in another scheme is a key presented wrongly, not a missing one.
  return match ? match[1] : header === '' ? '' : 'malformed';
}

function actorOf(request: FastifyRequest): string {
  return request.apiKey ? `api-key:${request.apiKey.id}` : 'api';
}

function summaryOf(report: ImportReport) {
  const errors = report.problems.slice(0, MAX_ERRORS_IN_ANSWER);
  return {
    lines: report.rows,
    inserted: report.inserted,
    updated: report.updated,
    unchanged: report.unchanged,
    skipped: report.skipped,
    policies_inserted: report.policiesInserted,
    policies_updated: report.policiesUpdated,
    joined_accounts: report.joinedAccounts,
    enrolment_emails: report.enrolmentEmails,
    errors_reported: errors.length,
    errors_omitted: report.problemCount - errors.length,
    errors,
    ...(report.fileError ? { stream_error: report.fileError } : {}),
  };
}

/** The integration API under /api/v1 (R24), with its OpenAPI 3.1 document at /api/v1/openapi.json. */
export async function integrationRoutes(parent: FastifyInstance, opts: IntegrationOptions): Promise<void> {
  await parent.register(
    async (apiRoot) => {
      // Anything under /api/ is for machines: an unknown version or path is a problem, never an HTML page.
      apiRoot.setNotFoundHandler((_request, reply) => sendProblem(reply, 'not-found'));
      apiRoot.setErrorHandler(handleApiError);
      await apiRoot.register(api, { ...opts, prefix: API_PREFIX.slice('/api'.length) });
    },
    { prefix: '/api' },
  );
}

async function api(plain: FastifyInstance, opts: IntegrationOptions): Promise<void> {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  const { db, clock } = opts;
  const deps: IntegrationDeps = { db, clock, courier: opts.courier, timeZone: opts.config.timeZone };

  // Strict JSON Schema: no type coercion, no silently dropped fields, every error reported. Fastify's default Ajv
  // coerces "12" into 12 and removes unknown properties, which would accept what the API must refuse.
  const ajv = new Ajv({
    allErrors: true,
    coerceTypes: false,
    removeAdditional: false,
    useDefaults: false,
    strict: true,
  });
  app.setValidatorCompiler(({ schema }) => ajv.compile(schema));
  app.setErrorHandler(handleApiError);
  app.setNotFoundHandler((_request, reply) => sendProblem(reply, 'not-found'));
  // JSON only (the bulk scope reads NDJSON); anything else is 415 before it is read.
  app.removeContentTypeParser('text/plain');
  app.addSchema(Problem);

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Member area integration API',
        version: '1.0.0',
        description:
          'How the insurer’s core system feeds the member area (R24): upsert policies and members one by one or in bulk ' +
          '(NDJSON), and read a member’s registration status. Members carry the fields of the CSV member feed and are ' +
          'validated by the same rules. Errors are RFC 9457 problem details (application/problem+json).',
      },
      servers: [{ url: opts.config.publicUrl }],
      components: {
        securitySchemes: {
          apiKey: {
            type: 'http',
            scheme: 'bearer',
            description:
              'An API key (`mak_…`) created with `member-area api-key create`, sent as `Authorization: Bearer mak_…`.',
          },
        },
      },
      security: [{ apiKey: [] }],
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
    },
  });

  app.decorateRequest('apiKey', null);

  // API answers can carry personal data: never cached (R8).
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('cache-control', 'no-store');
    return payload;
  });

  // Authentication, scope and per-key rate limit, before any body is read: an unknown caller cannot make the
  // server parse anything, let alone a 200 MB stream.
  app.addHook('onRequest', async (request, reply) => {
    const scope = request.routeOptions.config.apiScope;
    if (!scope) return;
    const route = `${request.method} ${request.routeOptions.url ?? ''}`;
    // R9: every key presented is counted against the address before it is looked up, and given back when it is
    // good, so a burst of guesses gets no more lookups than the limit.
    const limit = API_AUTH_FAILURES_PER_IP;
    const slot = await take(db.kysely, clock, bucket('api-auth-fail-ip', addressKey(request.ip)), limit.windowMs);
    const auth: Awaited<ReturnType<typeof authenticateApiKey>> =
      slot.count > limit.max
        ? { ok: false, reason: 'unknown' }
        : await authenticateApiKey(db.kysely, clock, bearerToken(request.headers.authorization));
    if (auth.ok) await slot.release();
    if (!auth.ok) {
      const failures = slot.count;
      // Past the limit only the first refusal of the window is audited, so a flood cannot flood the audit log.
      if (failures <= limit.max + 1) {
        await request.audit('api.refused', 'refused', {
          actor: auth.keyId ? `api-key:${auth.keyId}` : null,
          details: { reason: failures > limit.max ? 'rate_limited_address' : auth.reason, route },
        });
      }
      if (failures > limit.max) {
        reply.header('retry-after', String(secondsUntilWindowEnds(clock, limit.windowMs)));
        return sendProblem(reply, 'rate-limited', {
          detail: 'Too many requests without a valid API key from this address.',
        });
      }
      reply.header('www-authenticate', auth.reason === 'missing' ? REALM : `${REALM}, error="invalid_token"`);
      // One answer for unknown, revoked and malformed keys: the caller learns nothing about which keys exist.
      return sendProblem(reply, 'unauthenticated', {
        detail:
          auth.reason === 'missing' ? 'Send an API key as `Authorization: Bearer mak_…`.' : 'The API key is not valid.',
      });
    }
    const key = auth.key;
    if (!hasScope(key, scope)) {
      await request.audit('api.refused', 'refused', {
        actor: `api-key:${key.id}`,
        details: { reason: 'scope', scope, route },
      });
      reply.header('www-authenticate', `${REALM}, error="insufficient_scope", scope="${scope}"`);
      return sendProblem(reply, 'insufficient-scope', { detail: `This request needs the scope ${scope}.` });
    }
    const used = await hit(db.kysely, clock, bucket('api-key', String(key.id)), KEY_WINDOW_MS);
    if (used > key.ratePerMinute) {
      if (used === key.ratePerMinute + 1) {
        await request.audit('api.refused', 'refused', {
          actor: `api-key:${key.id}`,
          details: { reason: 'rate_limited', route },
        });
      }
      reply.header('retry-after', String(secondsUntilWindowEnds(clock, KEY_WINDOW_MS)));
      return sendProblem(reply, 'rate-limited', {
        detail: `This key may make ${key.ratePerMinute} requests a minute.`,
      });
    }
    request.apiKey = key;
  });

  app.get('/openapi.json', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('application/json').send(app.swagger()),
  );

  app.put(
    '/policies/:policyNumber',
    {
      bodyLimit: SMALL_BODY,
      config: { csrf: false, apiScope: 'members:write' },
      schema: {
        summary: 'Create or update a policy',
        description:
          'Idempotent: the same body twice answers `unchanged` the second time. Needs the scope members:write.',
        tags: ['policies'],
        params: PolicyParams,
        body: PolicyBody,
        response: { 200: PolicyResult, 201: PolicyResult, ...problemResponses(400, 401, 403, 413, 415, 422, 429) },
      },
    },
    async (request, reply) => {
      const result = await upsertPolicy(
        deps,
        request.params.policyNumber,
        request.body,
        actorOf(request),
        request.auditContext(),
      );
      if (!result.ok) {
        return sendProblem(reply, 'invalid-values', {
          errors: ruleErrors(result.errors, { field: 'policy_number', parameter: 'policyNumber' }),
        });
      }
      const { policyNumber, result: outcome } = result.value;
      if (outcome === 'created')
        reply.code(201).header('location', `${API_PREFIX}/policies/${encodeURIComponent(policyNumber)}`);
      return { policy_number: policyNumber, result: outcome };
    },
  );

  app.put(
    '/members/:memberNumber',
    {
      bodyLimit: SMALL_BODY,
      config: { csrf: false, apiScope: 'members:write' },
      schema: {
        summary: 'Create or update a member (and the policy it is on)',
        description:
          'The fields of a CSV feed row, validated by the same rules; an optional field left out is stored empty. A new adult ' +
          'member of an active local policy with an email gets the enrolment email (R19). Idempotent: the same body twice ' +
          'answers `unchanged` and sends nothing. Needs the scope members:write.',
        tags: ['members'],
        params: MemberParams,
        body: MemberBody,
        response: { 200: MemberResult, 201: MemberResult, ...problemResponses(400, 401, 403, 413, 415, 422, 429) },
      },
    },
    async (request, reply) => {
      const result = await upsertMember(
        deps,
        request.params.memberNumber,
        request.body,
        actorOf(request),
        request.auditContext(),
      );
      if (!result.ok) {
        return sendProblem(reply, 'invalid-values', {
          errors: ruleErrors(result.errors, { field: 'member_number', parameter: 'memberNumber' }),
        });
      }
      const m = result.value;
      if (m.enrolmentEmailQueued) opts.kickOutbox?.();
      if (m.result === 'created')
        reply.code(201).header('location', `${API_PREFIX}/members/${encodeURIComponent(m.memberNumber)}`);
      return {
        member_number: m.memberNumber,
        result: m.result,
        policy_result: m.policyResult,
        enrolment_email_queued: m.enrolmentEmailQueued,
        joined_account: m.joinedAccount,
      };
    },
  );

  // R34: the provider directory, one provider at a time (the CSV feed is `member-area providers import`).
  app.put(
    '/providers/:providerId',
    {
      bodyLimit: SMALL_BODY,
      config: { csrf: false, apiScope: 'providers:write' },
      schema: {
        summary: 'Create or update a provider of the directory',
        description:
          'The columns of the provider feed, validated by the same rules. A retired provider put again comes back. ' +
          'Idempotent: the same body twice answers `unchanged`. Needs the scope providers:write.',
        tags: ['providers'],
        params: ProviderParams,
        body: ProviderBody,
        response: { 200: ProviderResult, 201: ProviderResult, ...problemResponses(400, 401, 403, 413, 415, 422, 429) },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const parsed = parseProvider({
        provider_id: request.params.providerId,
        name: b.name,
        kind: b.kind,
        specialties: b.specialties.join(';'),
        address_line: b.address_line,
        postal_code: b.postal_code,
        city: b.city,
        province: b.province,
        phone: b.phone,
        latitude: String(b.latitude),
        longitude: String(b.longitude),
        networks: b.networks.join(';'),
        languages: b.languages.join(';'),
      });
      if (!parsed.ok)
        return sendProblem(reply, 'invalid-values', {
          errors: ruleErrors(parsed.errors, { field: 'provider_id', parameter: 'providerId' }),
        });
      const outcome = await deps.db.kysely
        .transaction()
        .execute((trx) => upsertProvider(trx, parsed.value, deps.clock.now().toISOString()));
      const result = outcome === 'inserted' ? ('created' as const) : outcome;
      if (result === 'created')
        reply.code(201).header('location', `${API_PREFIX}/providers/${encodeURIComponent(parsed.value.providerId)}`);
      return { provider_id: parsed.value.providerId, result };
    },
  );

  app.delete(
    '/providers/:providerId',
    {
      config: { csrf: false, apiScope: 'providers:write' },
      schema: {
        summary: 'Retire a provider from the directory',
        description: 'The provider leaves every search at once. Needs the scope providers:write.',
        tags: ['providers'],
        params: ProviderParams,
        response: { 204: Type.Null(), ...problemResponses(401, 403, 404, 429) },
      },
    },
    async (request, reply) => {
      const done = await retireProvider(deps.db.kysely, request.params.providerId, deps.clock.now().toISOString());
      if (!done) return sendProblem(reply, 'not-found', { detail: 'There is no such provider in the directory.' });
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/members/:memberNumber/registration',
    {
      config: { apiScope: 'members:read' },
      schema: {
        summary: 'Whether a member has registered',
        description:
          'Only whether the member record has an account and that account’s status. Needs the scope members:read.',
        tags: ['members'],
        params: MemberParams,
        response: { 200: RegistrationStatus, ...problemResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request, reply) => {
      const status = await registrationStatus(db, clock, request.params.memberNumber);
      if (!status) return sendProblem(reply, 'not-found', { detail: 'No member has this number.' });
      return {
        member_number: status.memberNumber,
        registered: status.registered,
        account_status: status.accountStatus,
      };
    },
  );

  // Named options only: `opts` carries this scope's own prefix, which would be applied twice.
  await app.register(requestsApiRoutes, {
    config: opts.config,
    db,
    clock,
    courier: opts.courier,
    kickOutbox: opts.kickOutbox,
    uploadPacer: opts.uploadPacer,
    ajv,
  });

  await app.register(async (bulkScope) =>
    bulkRoute(bulkScope.withTypeProvider<TypeBoxTypeProvider>(), opts, deps, ajv),
  );
  // R32: documents, in their own scope (the only one reading multipart/form-data).
  await app.register(documentRoutes, {
    config: opts.config,
    db,
    clock,
    courier: opts.courier,
    kickOutbox: opts.kickOutbox,
    uploadPacer: opts.uploadPacer,
    ajv,
  });
}

/** The bulk route lives in its own scope: the only one that reads NDJSON, and the only one with a large body limit. */
async function bulkRoute(
  app: FastifyInstance,
  opts: IntegrationOptions,
  deps: IntegrationDeps,
  ajv: Ajv,
): Promise<void> {
  const validateLine = ajv.compile(MemberLine);
  const checkLine = (value: unknown): FieldError[] => {
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      return [{ field: 'row', code: 'not_an_object' }];
    if (validateLine(value)) return [];
    return schemaErrors(validateLine.errors as ErrorObject[], 'body').map((e) => {
      // Name the line's field as the CSV report names its column.
      const first = (e.pointer ?? '').split('/')[1];
      const field = first ? first.replace(/~1/g, '/').replace(/~0/g, '~') : 'row';
      return { field, code: e.code, ...(e.params ? { params: e.params } : {}) };
    });
  };

  app.removeAllContentTypeParsers();
  // The body is handed over as the stream itself, to be read line by line with backpressure (never buffered whole).
  app.addContentTypeParser(NDJSON_TYPES, (request, payload, done) => {
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > BULK_LIMITS.maxBytes) {
      done(
        Object.assign(new Error('body too large'), { statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' }),
        undefined,
      );
      return;
    }
    done(null, payload);
  });

  app.post(
    '/members/bulk',
    {
      config: { csrf: false, apiScope: 'members:write' },
      schema: {
        summary: 'Create or update many members from an NDJSON stream',
        description:
          'One member per line (`application/x-ndjson`), each with the fields of a CSV feed row including `member_number`, ' +
          `validated by the same rules. Good lines are applied even when others are bad; the answer counts them and lists ` +
          `the first ${MAX_ERRORS_IN_ANSWER} errors by line, field and code. Bodies up to 200 MB are read as a stream; a line ` +
          'may be at most 64 KB. Needs the scope members:write.',
        tags: ['members'],
        consumes: NDJSON_TYPES,
        body: MemberLine,
        response: { 200: BulkSummary, ...problemResponses(401, 403, 413, 415, 429) },
      },
      // The body schema above documents each line for the OpenAPI document; the lines are checked one by one in the
      // handler, since the body itself is a stream.
      validatorCompiler: ({ httpPart, schema }) => (httpPart === 'body' ? () => true : ajv.compile(schema)),
    },
    async (request, reply) => {
      const report = await bulkUpsertMembers(
        deps,
        request.body as unknown as Readable,
        BULK_LIMITS,
        checkLine,
        actorOf(request),
        request.auditContext(),
      );
      if (report.enrolmentEmails > 0) opts.kickOutbox?.();
      const summary = summaryOf(report);
      if (report.fileError?.code === 'too_large') {
        reply.header('connection', 'close');
        return sendProblem(reply, 'too-large', {
          detail: 'The stream passed 200 MB; the lines before the limit were applied.',
          summary,
        });
      }
      return reply.send(summary);
    },
  );
}
