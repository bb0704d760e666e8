import { Type, type Static, type TSchema } from 'typebox';

// R24: the JSON API's shapes, written once as JSON Schema (TypeBox): Fastify validates requests with them, the
// OpenAPI document is generated from them, and the NDJSON bulk stream validates each line with the same schema.
// They check the shape only (types, required fields, no unknown fields, lengths); the values are then judged by
// the feed's own rules (parseFeedRow), so a member is accepted by the API exactly when the CSV import would.

/** The feed's longest accepted field (feed-row.ts), enforced here too so oversized values never reach the rules. */
const MAX_FIELD = 200;

const text = (description: string, maxLength = MAX_FIELD) => Type.String({ maxLength, description });
const optionalText = (description: string, maxLength = MAX_FIELD) =>
  Type.Optional(Type.Unsafe<string | null>({ type: ['string', 'null'], maxLength, description }));
const oneOf = <T extends string>(values: readonly T[], description: string) =>
  Type.Unsafe<T>({ type: 'string', enum: [...values], description });

const policyFields = {
  policy_status: oneOf(['active', 'cancelled'], 'Policy status.'),
  scheme: oneOf(['local', 'international', 'expatriate'], 'Policy scheme; only local members register here (R2).'),
  product: text('Product name, at most 120 characters.', 120),
  policy_start: text('Start date, YYYY-MM-DD.', 10),
  policy_end: optionalText('End date, YYYY-MM-DD, not before the start; null or absent when open-ended.', 10),
};

const memberFields = {
  policy_number: text('The policy the member is on; upper-cased and stripped of spaces, hyphens and dots.', 40),
  ...policyFields,
  role: oneOf(['holder', 'dependent'], 'The member’s role on the policy.'),
  first_name: text('First name, at most 100 characters.', 100),
  last_name: text('Last names, at most 100 characters.', 100),
  date_of_birth: text('Date of birth, YYYY-MM-DD, not in the future.', 10),
  document_type: Type.Optional(
    Type.Unsafe<'NIF' | 'NIE' | 'PASSPORT' | null>({
      type: ['string', 'null'],
      enum: ['NIF', 'NIE', 'PASSPORT', null],
      description: 'Identity document type, when known.',
    }),
  ),
  document_number: optionalText('Identity document number (a NIF or NIE must carry its check letter).', 40),
  email: optionalText(
    'Email address; a new adult member of an active local policy with one gets the enrolment email (R19).',
  ),
  mobile: optionalText('Mobile number, Spanish or international with its country code.', 40),
  address_line: optionalText('Postal address line.'),
  postal_code: optionalText('Postal code (five digits of a Spanish province when the country is ES).', 10),
  city: optionalText('City.', 100),
  province: optionalText('Province.', 100),
  country: text('ISO 3166-1 alpha-2 country code.', 2),
  language: oneOf(['es', 'en'], 'The member’s language, for emails.'),
  guardian_member_numbers: Type.Optional(
    Type.Array(Type.String({ maxLength: 40, pattern: '^[^;]*$' }), {
      maxItems: 10,
      description: 'For a minor: member numbers of the legal guardians, members of the same policy (R14).',
    }),
  ),
};

/** PUT /policies/{policyNumber}: a policy's fields (the policy columns of a feed row). */
export const PolicyBody = Type.Object(policyFields, { additionalProperties: false, title: 'Policy' });
export type PolicyBody = Static<typeof PolicyBody>;

/** PUT /members/{memberNumber}: a feed row without its member number (which the path gives). */
export const MemberBody = Type.Object(memberFields, { additionalProperties: false, title: 'Member' });
export type MemberBody = Static<typeof MemberBody>;

/** One line of the bulk NDJSON stream: a whole feed row. */
export const MemberLine = Type.Object(
  { member_number: text('Member number; upper-cased and stripped of spaces, hyphens and dots.', 40), ...memberFields },
  { additionalProperties: false, title: 'Member line' },
);
export type MemberLine = Static<typeof MemberLine>;

export const PolicyParams = Type.Object(
  { policyNumber: Type.String({ minLength: 1, maxLength: 40 }) },
  { additionalProperties: false },
);
export const MemberParams = Type.Object(
  { memberNumber: Type.String({ minLength: 1, maxLength: 40 }) },
  { additionalProperties: false },
);

const outcome = oneOf(
  ['created', 'updated', 'unchanged'],
  'What the request changed; a repeated request answers `unchanged`.',
);

export const PolicyResult = Type.Object({ policy_number: Type.String(), result: outcome });
export const MemberResult = Type.Object({
  member_number: Type.String(),
  result: outcome,
  policy_result: outcome,
  enrolment_email_queued: Type.Boolean({ description: 'True when this request queued the enrolment email (R19).' }),
  joined_account: Type.Boolean({ description: 'True when the new record joined the account of a returning member.' }),
});

export const RegistrationStatus = Type.Object({
  member_number: Type.String(),
  registered: Type.Boolean({
    description:
      'Whether the member record is linked to an account; false too while the member has closed it (R36: blocked).',
  }),
  account_status: Type.Unsafe<'active' | 'locked' | 'disabled' | null>({
    type: ['string', 'null'],
    enum: ['active', 'locked', 'disabled', null],
    description: 'The account’s status; null when not registered.',
  }),
});

const RowProblem = Type.Object({
  line: Type.Integer(),
  field: Type.String(),
  code: Type.String(),
  params: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()]))),
});

export const BulkSummary = Type.Object({
  lines: Type.Integer({ description: 'Lines read (blank lines aside).' }),
  inserted: Type.Integer(),
  updated: Type.Integer(),
  unchanged: Type.Integer(),
  skipped: Type.Integer({ description: 'Lines refused; each is reported in `errors` (up to `errors_reported`).' }),
  policies_inserted: Type.Integer(),
  policies_updated: Type.Integer(),
  joined_accounts: Type.Integer(),
  enrolment_emails: Type.Integer(),
  errors_reported: Type.Integer(),
  errors_omitted: Type.Integer({ description: 'Errors beyond the first reported ones.' }),
  errors: Type.Array(RowProblem),
  stream_error: Type.Optional(RowProblem),
});

/** RFC 9457 problem details, with `errors` naming each bad value by JSON pointer (or path parameter). */
export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.Optional(Type.String()),
    instance: Type.Optional(Type.String()),
    errors: Type.Optional(
      Type.Array(
        Type.Object({
          pointer: Type.Optional(Type.String({ description: 'JSON pointer into the request body.' })),
          parameter: Type.Optional(Type.String({ description: 'Path parameter.' })),
          code: Type.String(),
          detail: Type.Optional(Type.String()),
          params: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()]))),
        }),
      ),
    ),
    summary: Type.Optional(BulkSummary),
  },
  { $id: 'Problem', title: 'Problem details (RFC 9457)' },
);

/** The error answers every route may give, for the OpenAPI document. */
export function problemResponses(...statuses: number[]): Record<number, TSchema> {
  const responses: Record<number, TSchema> = {};
  for (const status of statuses) responses[status] = Type.Ref('Problem');
  return responses;
}

// R34: a provider of the directory, the columns of its feed; the values are then judged by parseProvider.
const textList = (description: string, maxItems: number, maxLength: number) =>
  Type.Array(Type.String({ maxLength, pattern: '^[^;]*$' }), { maxItems, description });

/** PUT /providers/{providerId}: a provider feed row without its id (which the path gives). */
export const ProviderBody = Type.Object(
  {
    name: text('Name, at most 200 characters.'),
    kind: oneOf(['doctor', 'clinic', 'hospital', 'lab', 'dentist'], 'What kind of provider.'),
    specialties: textList('Specialties; at least one for a doctor.', 20, 100),
    address_line: text('Street address.'),
    postal_code: text('Spanish postal code, five digits.', 10),
    city: text('City.', 100),
    province: text('Province.', 100),
    phone: text('Phone number, as dialled (digits, an optional leading +).', 30),
    latitude: Type.Number({ minimum: -90, maximum: 90, description: 'Latitude, WGS 84.' }),
    longitude: Type.Number({ minimum: -180, maximum: 180, description: 'Longitude, WGS 84.' }),
    networks: textList('The products whose members this provider serves; at least one.', 20, 120),
    languages: textList('Languages spoken, ISO 639-1 codes.', 20, 10),
  },
  { additionalProperties: false, title: 'Provider' },
);
export type ProviderBody = Static<typeof ProviderBody>;

export const ProviderParams = Type.Object(
  { providerId: Type.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
);
export const ProviderResult = Type.Object({ provider_id: Type.String(), result: outcome });
