import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Ajv } from 'ajv';
import { todayIn } from '../../domain/calendar.js';
import {
  DOCUMENT_FILE_FIELD,
  DOCUMENT_KINDS,
  EXTERNAL_ID_PATTERN,
  MAX_DOCUMENT_BYTES,
  MAX_TITLE_LENGTH,
  parseDocumentFields,
} from '../../domain/document.js';
import type { FieldError } from '../../domain/result.js';
import {
  documentRecipients,
  findMemberOwner,
  findPolicyOwner,
  putDocument,
  withdrawDocument,
  type DocumentOwner,
} from '../../infra/documents/documents.repository.js';
import { drainFile, receiveFile, type ReceivedFile } from '../../infra/files/upload.js';
import { inStoreLane } from '../../infra/files/upload-pacer.js';
import type { IntegrationOptions } from './integration.routes.js';
import { problemResponses } from './integration.schemas.js';
import { newDocumentEmail } from './documents.emails.js';
import { ruleErrors, sendProblem } from './problem.js';

// R32: the core system puts a member's or a policy's documents, one PDF each, as multipart/form-data with the
// fields `title_es`, `title_en`, `kind`, `date` and the PDF as `file`; the same id again replaces it, DELETE
// withdraws it. The PDF is streamed through receiveFile (judged by its bytes, at most 20 MB held, sealed, R29) and
// stored with the document in one transaction; the account(s) that see it are emailed that a document arrived.

const DocumentPath = (owner: 'memberNumber' | 'policyNumber') =>
  Type.Object(
    {
      [owner]: Type.String({ minLength: 1, maxLength: 40 }),
      externalId: Type.String({
        minLength: 1,
        maxLength: 100,
        description: 'The core system’s id of the document: letters, digits, `.`, `_` and `-`.',
      }),
    },
    { additionalProperties: false },
  );

/** The multipart body, for the OpenAPI document; the parts are checked one by one as they stream in. */
const DocumentForm = Type.Object(
  {
    title_es: Type.String({ minLength: 1, maxLength: MAX_TITLE_LENGTH, description: 'The title in Spanish.' }),
    title_en: Type.String({ minLength: 1, maxLength: MAX_TITLE_LENGTH, description: 'The title in English.' }),
    kind: Type.Union(
      DOCUMENT_KINDS.map((k) => Type.Literal(k)),
      { description: 'Groups the document in the member’s list.' },
    ),
    date: Type.String({ format: 'date', description: 'The document’s date, YYYY-MM-DD.' }),
    file: Type.String({
      format: 'binary',
      contentMediaType: 'application/pdf',
      description: 'The PDF, at most 20 MB, judged by its bytes.',
    }),
  },
  { additionalProperties: false },
);

const DocumentResult = Type.Object({
  external_id: Type.String(),
  result: Type.Union([Type.Literal('created'), Type.Literal('replaced')]),
  size: Type.Integer({ description: 'Bytes of the PDF kept.' }),
  sha256: Type.String({ description: 'SHA-256 of the PDF kept, hex: compare it with what you sent.' }),
});

/** One file, four fields; a few more parts are read only to be named as unknown. */
const MULTIPART_LIMITS = {
  // One byte over the cap: busboy cuts a longer file short and marks it truncated (receiveFile: file_too_large).
  fileSize: MAX_DOCUMENT_BYTES + 1,
  files: 2,
  fields: 12,
  fieldSize: 4 * 1024,
  fieldNameSize: 100,
  parts: 14,
  headerPairs: 20,
};

type DocumentRequest = FastifyRequest;
const pathOf = (request: FastifyRequest) => request.params as Record<string, string>;

/** The form as it streamed in: the fields, the file received (or refused), and what was wrong with the parts. */
interface ReadForm {
  fields: Record<string, string>;
  file: ReceivedFile | undefined;
  errors: FieldError[];
  tooLarge: boolean;
}

async function readForm(request: DocumentRequest, opts: IntegrationOptions): Promise<ReadForm | 'not-multipart'> {
  if (!request.isMultipart()) return 'not-multipart';
  const form: ReadForm = { fields: {}, file: undefined, errors: [], tooLarge: false };
  const seen = new Set<string>();
  for await (const part of request.parts()) {
    const name = part.fieldname;
    const repeated = seen.has(name);
    seen.add(name);
    if (part.type === 'file') {
      if (name !== DOCUMENT_FILE_FIELD || repeated || form.file) {
        // Drained, never kept: the parser must reach the next part.
        await drainFile(part.file, opts.uploadPacer);
        form.errors.push({ field: name, code: repeated ? 'too_many_files' : 'unknown_field' });
        continue;
      }
      const received = await receiveFile(part, opts.config.secretBox, DOCUMENT_FILE_FIELD, {
        maxBytes: MAX_DOCUMENT_BYTES,
        accept: ['application/pdf'],
        pacer: opts.uploadPacer,
      });
      if (received.ok) form.file = received.value;
      else
        for (const e of received.errors) {
          if (e.code === 'file_too_large') form.tooLarge = true;
          // PDF only here: an honest JPEG or PNG is told so, not that "PDF, JPEG or PNG" are accepted.
          form.errors.push(e.code === 'file_type_not_allowed' ? { field: e.field, code: 'file_not_pdf' } : e);
        }
      continue;
    }
    if (name === DOCUMENT_FILE_FIELD) {
      form.errors.push({ field: name, code: 'file_not_pdf' });
      continue;
    }
    if (repeated) {
      form.errors.push({ field: name, code: 'invalid' });
      continue;
    }
    if (part.valueTruncated) form.errors.push({ field: name, code: 'too_long', params: { max: MAX_TITLE_LENGTH } });
    form.fields[name] = typeof part.value === 'string' ? part.value : String(part.value);
  }
  return form;
}

/** The document routes under /api/v1, in a scope of their own: the only one that reads multipart/form-data. */
export async function documentRoutes(plain: FastifyInstance, opts: IntegrationOptions & { ajv: Ajv }): Promise<void> {
  const app = plain;
  const { db, clock } = opts;
  app.removeAllContentTypeParsers();
  await app.register(fastifyMultipart, { limits: MULTIPART_LIMITS, throwFileSizeLimit: false });

  const actorOf = (request: FastifyRequest) => (request.apiKey ? `api-key:${request.apiKey.id}` : 'api');

  /** Which owner a path names; a malformed external id is refused before anything is read. */
  async function ownerOf(
    request: DocumentRequest,
    reply: FastifyReply,
    owner: 'member' | 'policy',
  ): Promise<DocumentOwner | FastifyReply> {
    const params = pathOf(request);
    if (!EXTERNAL_ID_PATTERN.test(params.externalId ?? '')) {
      reply.header('connection', 'close');
      return sendProblem(reply, 'invalid-values', {
        errors: [{ parameter: 'externalId', code: 'invalid_format', detail: 'Use letters, digits, ".", "_" and "-".' }],
      });
    }
    const found =
      owner === 'member'
        ? await findMemberOwner(db.kysely, params.memberNumber ?? '')
        : await findPolicyOwner(db.kysely, params.policyNumber ?? '');
    if (found) return found;
    // The body is not worth reading for an unknown owner: answered at once, the connection closed after.
    reply.header('connection', 'close');
    return sendProblem(reply, 'not-found', {
      detail: owner === 'member' ? 'No member has this number.' : 'No policy has this number.',
    });
  }

  const auditFields = (request: FastifyRequest, owner: DocumentOwner, externalId: string) => ({
    actor: actorOf(request),
    memberId: owner.kind === 'member' ? owner.memberId : null,
    subject: owner.kind === 'member' ? owner.memberNumber : owner.policyNumber,
    details: { external_id: externalId, owner: owner.kind },
  });

  async function put(request: DocumentRequest, reply: FastifyReply, ownerKind: 'member' | 'policy') {
    const owner = await ownerOf(request, reply, ownerKind);
    if (!('kind' in owner)) return owner;
    const externalId = pathOf(request).externalId!;
    const form = await readForm(request, opts);
    if (form === 'not-multipart')
      return sendProblem(reply, 'unsupported-media-type', {
        detail: 'Send the document as multipart/form-data: title_es, title_en, kind, date and the PDF as file.',
      });
    const parsed = parseDocumentFields(form.fields);
    const errors = [...form.errors, ...(parsed.ok ? [] : parsed.errors)];
    if (!form.file && !form.errors.some((e) => e.field === DOCUMENT_FILE_FIELD))
      errors.push({ field: DOCUMENT_FILE_FIELD, code: 'required' });
    if (errors.length > 0 || !parsed.ok || !form.file) {
      await request.audit('document.put', 'refused', {
        ...auditFields(request, owner, externalId),
        details: { external_id: externalId, owner: owner.kind, codes: errors.map((e) => e.code).join(',') },
      });
      return sendProblem(reply, form.tooLarge ? 'too-large' : 'invalid-values', {
        ...(form.tooLarge ? { detail: 'The PDF is larger than 20 MB.' } : {}),
        errors: ruleErrors(errors),
      });
    }
    const file = form.file;
    const fields = parsed.value;
    const now = clock.now();
    // R31, PRODUCT §5: the node's store lane, one file-storing transaction at a time (upload-pacer.ts).
    const { result, emailed } = await inStoreLane(opts.uploadPacer, () =>
      db.kysely.transaction().execute(async (trx) => {
        const stored = await putDocument(trx, owner, externalId, fields, file, now.toISOString());
        let emailed = 0;
        // R25: the emails are written with the document, in its transaction; only a new document is announced (a
        // replaced one is a correction of something the member was already told about).
        if (stored.result === 'created') {
          const recipients = await documentRecipients(trx, owner, todayIn(opts.config.timeZone, now));
          await opts.courier.emails(
            trx,
            newDocumentEmail,
            recipients.map((r) => ({ to: r.email, lang: r.language, params: {} })),
          );
          emailed = recipients.length;
        }
        await request.audit(
          'document.put',
          'success',
          {
            ...auditFields(request, owner, externalId),
            details: { external_id: externalId, owner: owner.kind, result: stored.result, emails: emailed },
          },
          trx,
        );
        return { result: stored.result, emailed };
      }),
    );
    if (emailed > 0) opts.kickOutbox?.();
    if (result === 'created') reply.code(201).header('location', request.url.split('?')[0]);
    return { external_id: externalId, result, size: file.size, sha256: file.sha256 };
  }

  async function remove(request: DocumentRequest, reply: FastifyReply, ownerKind: 'member' | 'policy') {
    const owner = await ownerOf(request, reply, ownerKind);
    if (!('kind' in owner)) return owner;
    const externalId = pathOf(request).externalId!;
    const done = await db.kysely.transaction().execute(async (trx) => {
      const gone = await withdrawDocument(trx, owner, externalId);
      if (gone) await request.audit('document.withdraw', 'success', auditFields(request, owner, externalId), trx);
      return gone;
    });
    if (!done) return sendProblem(reply, 'not-found', { detail: 'There is no such document.' });
    return reply.code(204).send(null);
  }

  const description = (whose: string) =>
    `multipart/form-data with the fields \`title_es\`, \`title_en\`, \`kind\`, \`date\` (YYYY-MM-DD) and the PDF as \`file\` ` +
    `(at most 20 MB, judged by its bytes: a PDF that is empty, cut short or not a PDF at all is refused). ${whose} ` +
    'The same external id again replaces the document (its old bytes are deleted); the members who see a new ' +
    'document are emailed that one arrived, never what it is. Needs the scope documents:write.';
  const putSchema = (owner: 'memberNumber' | 'policyNumber', summary: string, whose: string) => ({
    summary,
    description: description(whose),
    tags: ['documents'],
    consumes: ['multipart/form-data'],
    params: DocumentPath(owner),
    body: DocumentForm,
    response: {
      200: DocumentResult,
      201: DocumentResult,
      ...problemResponses(400, 401, 403, 404, 413, 415, 422, 429),
    },
  });
  const deleteSchema = (owner: 'memberNumber' | 'policyNumber', summary: string) => ({
    summary,
    description:
      'The document leaves the member’s list at once and its bytes are deleted. Needs the scope documents:write.',
    tags: ['documents'],
    params: DocumentPath(owner),
    response: { 204: Type.Null(), ...problemResponses(400, 401, 403, 404, 429) },
  });
  // The body schema above documents the form for the OpenAPI document; the parts are checked as they stream in.
  const validatorCompiler = ({ httpPart, schema }: { httpPart?: string; schema: object }) =>
    httpPart === 'body' ? () => true : opts.ajv.compile(schema);
  const config = { csrf: false, apiScope: 'documents:write' } as const;

  app.put(
    '/members/:memberNumber/documents/:externalId',
    {
      config,
      validatorCompiler,
      schema: putSchema(
        'memberNumber',
        'Put a member’s document',
        'The member sees it, and their guardians while the member is a minor.',
      ),
    },
    (request, reply) => put(request, reply, 'member'),
  );
  app.put(
    '/policies/:policyNumber/documents/:externalId',
    {
      config,
      validatorCompiler,
      schema: putSchema('policyNumber', 'Put a policy’s document', 'Every member of the policy sees it.'),
    },
    (request, reply) => put(request, reply, 'policy'),
  );
  app.delete(
    '/members/:memberNumber/documents/:externalId',
    { config, schema: deleteSchema('memberNumber', 'Withdraw a member’s document') },
    (request, reply) => remove(request, reply, 'member'),
  );
  app.delete(
    '/policies/:policyNumber/documents/:externalId',
    { config, schema: deleteSchema('policyNumber', 'Withdraw a policy’s document') },
    (request, reply) => remove(request, reply, 'policy'),
  );
}
