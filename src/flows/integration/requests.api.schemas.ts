import { Type, type Static } from 'typebox';
import { REQUEST_STATUSES } from '../../domain/request-status.js';

// R31: the shapes of the requests API (JSON Schema through TypeBox): Fastify checks what comes in with them and the
// OpenAPI document is generated from them. Amounts are integers in euro cents (no float ever rounds money); dates are
// YYYY-MM-DD; instants ISO 8601 in UTC.

const nullable = <T extends string>(type: T, description: string) =>
  Type.Unsafe<unknown>({ type: [type, 'null'], description });
const status = (description: string) =>
  Type.Unsafe<string>({ type: 'string', enum: [...REQUEST_STATUSES], description });

export const RequestIdParams = Type.Object(
  { id: Type.String({ pattern: '^[1-9][0-9]{0,9}$', description: 'The request’s `id`.' }) },
  { additionalProperties: false },
);
export const RequestFileParams = Type.Object(
  {
    id: Type.String({ pattern: '^[1-9][0-9]{0,9}$', description: 'The request’s `id`.' }),
    fileId: Type.String({ pattern: '^[1-9][0-9]{0,9}$', description: 'The file’s `id`, from the request’s `files`.' }),
  },
  { additionalProperties: false },
);

export const MAX_PAGE = 500;
export const DEFAULT_PAGE = 100;

export const RequestListQuery = Type.Object(
  {
    status: Type.Optional(status('Only requests in this status.')),
    after: Type.Optional(
      Type.String({
        maxLength: 100,
        pattern: '^[A-Za-z0-9_-]+$',
        description: 'The `next_cursor` of the previous page; absent for the first page.',
      }),
    ),
    limit: Type.Optional(
      Type.String({
        pattern: '^[1-9][0-9]{0,2}$',
        description: `Requests per page, 1-${MAX_PAGE} (default ${DEFAULT_PAGE}).`,
      }),
    ),
  },
  { additionalProperties: false },
);

const FileItem = Type.Object({
  id: Type.Integer(),
  name: Type.String({ description: 'The file’s safe display name.' }),
  content_type: Type.String({ enum: ['application/pdf', 'image/jpeg', 'image/png'] }),
  size: Type.Integer({ description: 'Bytes.' }),
  sha256: Type.String({ description: 'SHA-256 of the bytes `GET …/files/{file_id}` gives, in hex.' }),
  role: Type.String({
    enum: ['invoice', 'prescription', 'answer', 'letter'],
    description: 'What the file is: sent with the request, with an answer to needs_info, or the insurer’s letter.',
  }),
});

const requestFields = {
  id: Type.Integer(),
  type: Type.String({ enum: ['reimbursement', 'authorization'] }),
  reference: Type.String({ description: '`REE-2026-000123` or `AUT-2026-000045`: what the member sees.' }),
  status: status('Where the request is in R31’s graph.'),
  version: Type.Integer({ description: 'Send it back with a status change: a change made meanwhile wins (409).' }),
  member_number: Type.String({ description: 'The member whose account sent it (the patient, or their guardian).' }),
  policy_number: Type.String({ description: 'The patient’s policy.' }),
  patient_member_number: Type.String(),
  submitted_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
  service_date: nullable('string', 'Reimbursement: date of service, YYYY-MM-DD.'),
  provider: nullable('string', 'Reimbursement: who provided the service.'),
  concept: nullable('string', 'Reimbursement: the concept code from the insurer’s list.'),
  amount_claimed: nullable('integer', 'Reimbursement: the amount claimed, in euro cents.'),
  iban: nullable('string', 'Reimbursement: the IBAN to pay into (electronic form).'),
  category: nullable('string', 'Authorization: the category code from the insurer’s list.'),
  prescription: nullable('string', 'Authorization: what was prescribed.'),
  prescribing_doctor: nullable('string', 'Authorization: the prescribing doctor.'),
  preferred_provider: nullable('string', 'Authorization: the member’s preferred provider.'),
  amount_approved: nullable('integer', 'Euro cents approved.'),
  amount_paid: nullable('integer', 'Euro cents paid.'),
  paid_on: nullable('string', 'Payment date, YYYY-MM-DD.'),
  reason: nullable('string', 'Why it was rejected or partially approved.'),
  authorization_number: nullable('string', 'An approved authorization’s number.'),
  valid_from: nullable('string', 'An approved authorization’s first valid day.'),
  valid_until: nullable('string', 'An approved authorization’s last valid day.'),
  authorized_provider: nullable('string', 'The provider an approved authorization is for.'),
  files: Type.Array(FileItem),
};

export const RequestItem = Type.Object(requestFields, { title: 'Request' });

export const RequestDetail = Type.Object(
  {
    ...requestFields,
    timeline: Type.Array(
      Type.Object({
        status: status('The status this step moved to.'),
        at: Type.String({ format: 'date-time' }),
        by: Type.String({ enum: ['member', 'staff', 'core'] }),
        details: Type.Record(Type.String(), Type.Unsafe<unknown>({ type: ['string', 'integer'] }), {
          description:
            'What the step carried: `message` (needs_info), the member’s `answer`, `reason`, amounts, dates, numbers.',
        }),
      }),
      { description: 'Every step, oldest first.' },
    ),
  },
  { title: 'Request with its timeline' },
);

export const RequestPage = Type.Object({
  items: Type.Array(RequestItem),
  next_cursor: Type.Unsafe<string | null>({
    type: ['string', 'null'],
    description: 'Pass it as `after` for the next page; null on the last page.',
  }),
});

const maybeText = (description: string, maxLength = 2000) => Type.Optional(Type.String({ maxLength, description }));
const maybeDate = (description: string) =>
  Type.Optional(Type.String({ maxLength: 10, pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description }));
const maybeCents = (description: string) =>
  Type.Optional(Type.Integer({ minimum: -1_000_000_000, maximum: 1_000_000_000, description }));

export const StatusChange = Type.Object(
  {
    status: status('The new status; only R31’s transitions are allowed (409 otherwise).'),
    version: Type.Integer({
      minimum: 1,
      maximum: 2_000_000_000,
      description: 'The `version` read; another change made since answers 409.',
    }),
    reason: maybeText('rejected, partially_approved: why.'),
    message: maybeText('needs_info: what the member must send or answer.'),
    amount_approved: maybeCents(
      'approved (optional, the amount claimed by default) or partially_approved (required, less than claimed), reimbursements: euro cents.',
    ),
    amount_paid: maybeCents('paid: euro cents, at most the amount approved.'),
    paid_on: maybeDate('paid: YYYY-MM-DD, not in the future.'),
    authorization_number: maybeText('approved or partially_approved authorization: its number.', 100),
    valid_from: maybeDate('approved or partially_approved authorization: first valid day.'),
    valid_until: maybeDate('approved or partially_approved authorization: last valid day.'),
    provider: maybeText('approved or partially_approved authorization: the provider it is for.', 100),
  },
  { additionalProperties: false, title: 'Status change' },
);
export type StatusChange = Static<typeof StatusChange>;

export const LetterResult = Type.Object({
  file: FileItem,
  replaced: Type.Boolean({ description: 'Whether an earlier letter was replaced.' }),
});
