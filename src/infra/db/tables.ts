import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

// Timestamps are ISO-8601 UTC strings on both engines (timestamptz on PostgreSQL, read back as ISO text);
// calendar dates (birth dates, policy dates) are 'YYYY-MM-DD' strings, never JS Dates, so no time zone shifts them.
export type Timestamp = string;
export type CivilDate = string;

export interface PolicyTable {
  id: Generated<number>;
  policy_number: string;
  status: 'active' | 'cancelled';
  scheme: 'local' | 'international' | 'expatriate';
  product: string;
  start_date: CivilDate;
  end_date: CivilDate | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface MemberTable {
  id: Generated<number>;
  member_number: string;
  policy_id: number;
  role: 'holder' | 'dependent';
  first_name: string;
  last_name: string;
  date_of_birth: CivilDate;
  document_type: 'NIF' | 'NIE' | 'PASSPORT' | null;
  document_number: string | null;
  email: string | null;
  mobile: string | null;
  address_line: string | null;
  postal_code: string | null;
  city: string | null;
  province: string | null;
  country: string;
  language: 'es' | 'en';
  /** The account this record belongs to (R5: one account per person, across policies). */
  account_id: number | null;
  /**
   * R23: folded "surnames first name" (domain/search-text.ts), the agents' sort key; null only before migration 0005.
   */
  search_name: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** R23: one row per folded word of a member's name, for prefix search by any word (written with the member). */
export interface MemberSearchTermTable {
  term: string;
  member_id: number;
}

export interface GuardianLinkTable {
  minor_member_id: number;
  guardian_member_id: number;
  created_at: Timestamp;
}

export interface AccountTable {
  id: Generated<number>;
  /** The normalised identity document (R3). */
  username: string;
  document_type: 'NIF' | 'NIE' | 'PASSPORT';
  password_hash: string;
  email: string;
  mobile: string | null;
  /** R3: the postal address the member confirmed (the insurer's record keeps its own). */
  address_line: string | null;
  postal_code: string | null;
  city: string | null;
  province: string | null;
  country: string | null;
  email_verified_at: Timestamp | null;
  mobile_verified_at: Timestamp | null;
  preferred_channel: 'email' | 'sms' | 'totp' | null;
  totp_secret: string | null;
  totp_enabled_at: Timestamp | null;
  /** The last authenticator time step accepted: an app code is single use too (R7). */
  totp_last_step: number | null;
  language: 'es' | 'en';
  /** 'closed' (R36): the member closed the account; blocked until reopened or purged after the retention. */
  status: 'active' | 'disabled' | 'closed';
  /** R36: when the member closed it; null unless status is 'closed'. */
  closed_at: Generated<Timestamp | null>;
  /** R9: a temporary lock; never permanent. */
  locked_until: Timestamp | null;
  failed_logins: Generated<number>;
  password_changed_at: Timestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface PasswordHistoryTable {
  id: Generated<number>;
  account_id: number;
  password_hash: string;
  created_at: Timestamp;
}

/** A multi-step flow (registration, sign-in, recovery, contact change) stored as a state machine that expires. */
export interface FlowTable {
  id: string;
  kind: string;
  state: string;
  /** Hash of the browser-binding cookie: a flow only continues in the browser that started it (R6, R7). */
  browser_hash: string;
  account_id: number | null;
  member_id: number | null;
  data: string;
  attempts: Generated<number>;
  expires_at: Timestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** Single-use secrets (codes, links): only their hash is stored (R7, R11). */
export interface OneTimeTokenTable {
  id: Generated<number>;
  purpose: string;
  token_hash: string;
  account_id: number | null;
  flow_id: string | null;
  channel: string | null;
  destination: string | null;
  attempts: Generated<number>;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  voided_at: Timestamp | null;
  created_at: Timestamp;
}

export interface SessionTable {
  id: Generated<number>;
  token_hash: string;
  account_id: number;
  /** R14: the member whose area is shown (self or one of the guardian's minors). */
  acting_member_id: number | null;
  second_factor: string;
  ip: string | null;
  user_agent: string | null;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  idle_expires_at: Timestamp;
  absolute_expires_at: Timestamp;
  ended_at: Timestamp | null;
}

export interface OutboxTable {
  id: Generated<number>;
  channel: 'email' | 'sms';
  recipient: string;
  template: string;
  language: 'es' | 'en';
  subject: string | null;
  body_text: string;
  body_html: string | null;
  status: 'pending' | 'sent' | 'failed';
  /** 0: someone is waiting for it on a page (a code, a link); 1: notices. Claimed in (lane, id) order. */
  lane: Generated<number>;
  transport: string | null;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  locked_until: Timestamp | null;
  locked_by: string | null;
  last_error: string | null;
  created_at: Timestamp;
  sent_at: Timestamp | null;
}

export interface AuditEventTable {
  id: Generated<number>;
  occurred_at: Timestamp;
  event: string;
  outcome: 'success' | 'failure' | 'refused' | 'info';
  actor: string | null;
  subject: string | null;
  account_id: number | null;
  member_id: number | null;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  details: string | null;
}

/** Fixed-window counters shared by every node (R6, R9). */
export interface RateLimitTable {
  bucket: string;
  window_start: Timestamp;
  count: number;
  expires_at: Timestamp;
}

/** R10: captcha solutions already used (single use). */
export interface CaptchaSolutionTable {
  challenge_hash: string;
  expires_at: Timestamp;
}

/** R23: a customer-service person (agent) or administrator; separate from members' accounts. */
export interface StaffUserTable {
  id: Generated<number>;
  username: string;
  display_name: string;
  email: string;
  role: 'agent' | 'admin';
  password_hash: string;
  /** Set once the person's authenticator app is enrolled (or by the CLI for the first administrator). */
  totp_secret: string | null;
  totp_enabled_at: Timestamp | null;
  /** The last time step accepted: a code is single use (as for members, R7). */
  totp_last_step: number | null;
  status: 'active' | 'disabled';
  failed_logins: Generated<number>;
  /** A temporary lock after repeated failures; never permanent. */
  locked_until: Timestamp | null;
  last_sign_in_at: Timestamp | null;
  /** 1 after a generated password (the CLI's first administrator): the owner sets their own before anything else. */
  password_must_change: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** R27: a passkey (WebAuthn credential) of a member or a staff user: its public key and counter, no secret. */
export interface PasskeyTable {
  id: Generated<number>;
  account_id: number | null;
  staff_id: number | null;
  /** base64url, as the authenticator returns it. */
  credential_id: string;
  /** base64url of the COSE public key. */
  public_key: string;
  /** The signature counter last seen: one that does not go up (when it is used at all) is a cloned authenticator. */
  counter: number;
  /** JSON array of the transports the browser reported (usb, internal, hybrid…). */
  transports: string;
  name: string;
  /** 'singleDevice' or 'multiDevice' (synced), as the authenticator reports it. */
  device_type: string;
  backed_up: number;
  created_at: Timestamp;
  last_used_at: Timestamp | null;
}

/** A notice a member gets once (R19: the enrolment email, from the import to a new adult or on the 18th birthday). */
export interface MemberNoticeTable {
  id: Generated<number>;
  member_id: number;
  kind: 'adult-enrolment';
  created_at: Timestamp;
}

/** A staff user's earlier passwords (R4's history of 20, as for members). */
export interface StaffPasswordHistoryTable {
  id: Generated<number>;
  staff_user_id: number;
  password_hash: string;
  created_at: Timestamp;
}

/** A single-use link that lets a staff user set their own password; only the token's hash is stored. */
export interface StaffPasswordLinkTable {
  id: Generated<number>;
  staff_user_id: number;
  token_hash: string;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  voided_at: Timestamp | null;
  created_at: Timestamp;
}

/** A staff session: only the token's hash is stored; idle and absolute deadlines (R23, as R8 for members). */
export interface StaffSessionTable {
  id: Generated<number>;
  token_hash: string;
  staff_user_id: number;
  ip: string | null;
  user_agent: string | null;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  idle_expires_at: Timestamp;
  absolute_expires_at: Timestamp;
  ended_at: Timestamp | null;
}

/** R24: an integration API key; only its SHA-256 hash is stored. */
export interface ApiKeyTable {
  id: Generated<number>;
  name: string;
  key_hash: string;
  /** The key's prefix and first characters, enough to recognise it in a list, never enough to use it. */
  key_hint: string;
  /** Space-separated scopes, e.g. `members:write members:read`. */
  scopes: string;
  rate_per_minute: number;
  created_by: string;
  created_at: Timestamp;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
  revoked_by: string | null;
}

/** R28: a browser an account has signed in from; only the hash of its device cookie is kept (R29). */
export interface KnownDeviceTable {
  account_id: number;
  device_hash: string;
  first_seen_at: Timestamp;
  last_seen_at: Timestamp;
}

/** R32, R33: a verification address's token, kept as its SHA-256; what it vouches for is read live. */
export interface VerificationTokenTable {
  id: Generated<number>;
  token_hash: string;
  kind: 'certificate' | 'card';
  member_id: number;
  policy_id: number;
  issued_at: Timestamp;
}

/** R34: a doctor, clinic, hospital, lab or dentist of the directory (fed by CSV or the API). */
export interface ProviderTable {
  id: Generated<number>;
  provider_id: string;
  name: string;
  kind: 'doctor' | 'clinic' | 'hospital' | 'lab' | 'dentist';
  /** `;`-separated, as fed; one row each in `provider_specialties` too. */
  specialties: string;
  address_line: string;
  postal_code: string;
  city: string;
  province: string;
  phone: string;
  latitude: number;
  longitude: number;
  /** `;`-separated products that cover the provider; one row each in `provider_networks` too. */
  networks: string;
  /** `;`-separated language codes. */
  languages: string;
  /** What the text search indexes: name, specialties, city, province, postal code. */
  search_doc: string;
  /** What the place search indexes: city, province, postal code. */
  place_doc: string;
  /** Set when a full import no longer lists it; a retired provider is never shown. */
  retired_at: Timestamp | null;
  updated_at: Timestamp;
}

export interface ProviderSpecialtyTable {
  provider_id: number;
  specialty: string;
}

export interface ProviderNetworkTable {
  provider_id: number;
  product: string;
}

/** R36: the reason an agent gave to open a member's record, held for that staff session and member until expires_at. */
export interface StaffAccessGrantTable {
  staff_session_id: number;
  member_id: number;
  reason: string;
  granted_at: Timestamp;
  expires_at: Timestamp;
}

export interface Database {
  staff_access_grants: StaffAccessGrantTable;
  providers: ProviderTable;
  provider_specialties: ProviderSpecialtyTable;
  provider_networks: ProviderNetworkTable;
  policies: PolicyTable;
  members: MemberTable;
  member_search_terms: MemberSearchTermTable;
  guardian_links: GuardianLinkTable;
  accounts: AccountTable;
  password_history: PasswordHistoryTable;
  flows: FlowTable;
  one_time_tokens: OneTimeTokenTable;
  sessions: SessionTable;
  outbox: OutboxTable;
  audit_events: AuditEventTable;
  rate_limits: RateLimitTable;
  captcha_solutions: CaptchaSolutionTable;
  staff_users: StaffUserTable;
  staff_sessions: StaffSessionTable;
  staff_password_history: StaffPasswordHistoryTable;
  staff_password_links: StaffPasswordLinkTable;
  member_notices: MemberNoticeTable;
  passkeys: PasskeyTable;
  api_keys: ApiKeyTable;
  known_devices: KnownDeviceTable;
  verification_tokens: VerificationTokenTable;
  files: FileTable;
  request_sequences: RequestSequenceTable;
  requests: RequestTable;
  request_events: RequestEventTable;
  request_files: RequestFileTable;
  idempotency_keys: IdempotencyKeyTable;
  oidc_payloads: OidcPayloadTable;
  oidc_clients: OidcClientTable;
  documents: DocumentTable;
}

/** R31: a stored file, sealed under ENCRYPTION_KEY (R29); sha256 is of the kept bytes (images after re-encoding). */
export interface FileTable {
  id: Generated<number>;
  /** Safe display name (src/domain/file-name.ts). */
  name: string;
  content_type: 'application/pdf' | 'image/jpeg' | 'image/png';
  size: number;
  sha256: string;
  /** The kept bytes sealed by SecretBox.sealBytes. */
  sealed: Buffer;
  /** Who uploaded it; null for the insurer's own files (an authorization letter). */
  account_id: number | null;
  created_at: Timestamp;
}

/** R31: the last reference number given per prefix (REE, AUT) and year. */
export interface RequestSequenceTable {
  prefix: string;
  year: number;
  last: number;
}

/** R31: a reimbursement or authorization request. Amounts in cents. */
export interface RequestTable {
  id: Generated<number>;
  type: 'reimbursement' | 'authorization';
  reference: string;
  /** The account that sent it (the member or a guardian, R14). */
  account_id: number;
  /** The member whose account sent it. */
  member_id: number;
  patient_member_id: number;
  status: 'received' | 'in_review' | 'needs_info' | 'approved' | 'partially_approved' | 'rejected' | 'paid';
  /** Incremented by every transition; a change names the version it read (compare-and-set). */
  version: number;
  /** The form's one-time token: unique per account, so a form sent twice makes one request. */
  form_token: string;
  service_date: CivilDate | null;
  provider: string | null;
  concept: string | null;
  amount_claimed: number | null;
  /** The IBAN sealed (R29); iban_masked is what lists show. */
  iban_sealed: string | null;
  iban_masked: string | null;
  category: string | null;
  prescription: string | null;
  prescribing_doctor: string | null;
  preferred_provider: string | null;
  amount_approved: number | null;
  amount_paid: number | null;
  paid_on: CivilDate | null;
  reason: string | null;
  authorization_number: string | null;
  valid_from: CivilDate | null;
  valid_until: CivilDate | null;
  authorized_provider: string | null;
  submitted_at: Timestamp;
  updated_at: Timestamp;
}

/** R31: one step of a request's timeline; details is JSON (the message, reason, amounts of that step). */
export interface RequestEventTable {
  id: Generated<number>;
  request_id: number;
  status: RequestTable['status'];
  actor: 'member' | 'staff' | 'core';
  actor_id: string | null;
  details: string;
  at: Timestamp;
}

/** R31: a file of a request: the invoices or prescriptions sent with it, an answer's files, the approval letter. */
export interface RequestFileTable {
  request_id: number;
  file_id: number;
  role: 'invoice' | 'prescription' | 'answer' | 'letter';
  event_id: number | null;
}

/** R31: an API call made under an Idempotency-Key, and the answer it got (replayed to the same call again). */
export interface IdempotencyKeyTable {
  api_key_id: number;
  idempotency_key: string;
  /** SHA-256 of the method, path and canonical JSON body. */
  request_hash: string;
  status_code: number;
  /** The answer's JSON body. */
  response: string;
  created_at: Timestamp;
}

/** R32: a document the core system put for a member or a whole policy; its PDF is a row of `files`. */
export interface DocumentTable {
  id: Generated<number>;
  /** `member:<members.id>` or `policy:<policies.id>`: with external_id, what "the same id again" means. */
  owner_key: string;
  external_id: string;
  member_id: number | null;
  policy_id: number | null;
  kind: 'conditions' | 'receipt' | 'tax_certificate' | 'letter' | 'other';
  title_es: string;
  title_en: string;
  document_date: CivilDate;
  file_id: number;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type StoredFile = Selectable<FileTable>;
export type Request = Selectable<RequestTable>;
export type RequestEvent = Selectable<RequestEventTable>;

export type Policy = Selectable<PolicyTable>;
export type Member = Selectable<MemberTable>;
export type NewMember = Insertable<MemberTable>;
export type MemberUpdate = Updateable<MemberTable>;
export type Account = Selectable<AccountTable>;
export type OutboxMessage = Selectable<OutboxTable>;
export type StaffUser = Selectable<StaffUserTable>;
export type ApiKey = Selectable<ApiKeyTable>;
export type Passkey = Selectable<PasskeyTable>;

/** R35: one stored oidc-provider model instance; the id only as its SHA-256, the payload sealed (R29). */
export interface OidcPayloadTable {
  model: string;
  id_hash: string;
  /** JSON of the payload, sealed with the SecretBox. */
  payload: string;
  grant_id: string | null;
  uid_hash: string | null;
  account_id: string | null;
  client_id: string | null;
  expires_at: Timestamp | null;
  consumed_at: Timestamp | null;
}

/** R35: a registered relying party. */
export interface OidcClientTable {
  id: Generated<number>;
  client_id: string;
  name: string;
  /** SHA-256 of a confidential client's secret; null for a public client (PKCE alone). */
  secret_hash: string | null;
  /** JSON array of exact redirect URIs. */
  redirect_uris: string;
  post_logout_redirect_uris: string;
  /** Space-separated scopes the client may ask for. */
  scopes: string;
  /** 1: the insurer's own app, which skips the consent page; 0: a partner's. */
  first_party: number;
  created_by: string;
  created_at: Timestamp;
  revoked_at: Timestamp | null;
  revoked_by: string | null;
  /** OpenID Connect Back-Channel Logout 1.0: where logout tokens are POSTed (migration 0022); null: none. */
  backchannel_logout_uri: string | null;
  /** The app's logo, https only (migration 0022). */
  logo_uri: string | null;
}
