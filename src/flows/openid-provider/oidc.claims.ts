import type { Kysely } from 'kysely';
import type { Database } from '../../infra/db/tables.js';

// R35: what an app may learn about a member, by scope. Never health data: no requests, claims, files or providers.

/** The claims each scope releases (oidc-provider masks the rest). */
export const SCOPE_CLAIMS = {
  // How the member proved who they are travels with every ID token (R35), not only when an app asks for it.
  // `act` (RFC 8693 §4.1): only when a guardian acts for a minor (R14), naming the guardian.
  openid: ['sub', 'acr', 'amr', 'auth_time', 'act'],
  profile: ['name', 'given_name', 'family_name', 'birthdate', 'locale'],
  email: ['email', 'email_verified'],
  phone: ['phone_number', 'phone_number_verified'],
  membership: ['member_number', 'policies'],
} as const;

export interface MembershipPolicy {
  number: string;
  product: string;
  status: 'active' | 'cancelled';
  /** The policy's end date (YYYY-MM-DD), null while it runs open-ended. */
  valid_until: string | null;
}

/** The claims read from the member's records (name, birth date, number, policies): only these need a second read. */
const RECORD_CLAIMS = new Set<string>(
  [...SCOPE_CLAIMS.profile, ...SCOPE_CLAIMS.membership].filter((c) => c !== 'locale'),
);

/**
 * Whether a token's claims need the member's records: its scopes (`profile`, `membership`) or a claim asked for by
 * name (OIDC Core §5.5). A refresh for `openid offline_access` needs only the account (is it still active?).
 */
export function needsRecords(scope: string, requested?: Record<string, unknown>): boolean {
  const scopes = scope.split(' ');
  if (scopes.includes('profile') || scopes.includes('membership')) return true;
  return Object.keys(requested ?? {}).some((claim) => RECORD_CLAIMS.has(claim));
}

export interface OidcAccount {
  /** The account's claims for a token or userinfo; the records are read only when `scope` needs them. */
  claims(scope: string, requested?: Record<string, unknown>): Promise<Record<string, unknown>>;
}

/**
 * An active account, or undefined (a disabled or unknown account gets no tokens and no userinfo): one statement.
 * Its claims come from a second read, made only when the scopes ask for the records.
 */
export async function activeAccount(db: Kysely<Database>, accountId: string): Promise<OidcAccount | undefined> {
  if (!/^\d{1,12}$/.test(accountId)) return undefined;
  const account = await db
    .selectFrom('accounts')
    .select(['id', 'email', 'email_verified_at', 'mobile', 'mobile_verified_at', 'language', 'status'])
    .where('id', '=', Number(accountId))
    .executeTakeFirst();
  if (!account || account.status !== 'active') return undefined;
  const contact = {
    sub: accountId,
    locale: account.language,
    email: account.email,
    email_verified: account.email_verified_at !== null,
    ...(account.mobile
      ? { phone_number: account.mobile, phone_number_verified: account.mobile_verified_at !== null }
      : {}),
  };
  return {
    async claims(scope, requested) {
      if (!needsRecords(scope, requested)) return contact;
      const records = await db
        .selectFrom('members')
        .innerJoin('policies', 'policies.id', 'members.policy_id')
        .select([
          'members.member_number',
          'members.first_name',
          'members.last_name',
          'members.date_of_birth',
          'policies.policy_number',
          'policies.product',
          'policies.status',
          'policies.end_date',
        ])
        .where('members.account_id', '=', account.id)
        .orderBy('members.id')
        .execute();
      const own = records[0];
      const policies: MembershipPolicy[] = records.map((r) => ({
        number: r.policy_number,
        product: r.product,
        status: r.status,
        valid_until: r.end_date,
      }));
      return {
        ...contact,
        ...(own
          ? {
              name: `${own.first_name} ${own.last_name}`,
              given_name: own.first_name,
              family_name: own.last_name,
              birthdate: own.date_of_birth,
              member_number: own.member_number,
            }
          : {}),
        policies,
      };
    },
  };
}

/** R35: how the member proved who they are, from the second factor the portal session records (RFC 8176 amr). */
export function authenticationContext(secondFactor: string): { acr: string; amr: string[] } {
  switch (secondFactor) {
    case 'passkey':
      return { acr: ACR_PHISHING_RESISTANT, amr: ['hwk', 'user'] };
    case 'sms':
      return { acr: ACR_TWO_FACTOR, amr: ['pwd', 'sms', 'mfa'] };
    default:
      // An emailed code or link, or an authenticator app's code: a one-time password after the password.
      return { acr: ACR_TWO_FACTOR, amr: ['pwd', 'otp', 'mfa'] };
  }
}

/** A password and a one-time code (email, SMS or app). */
export const ACR_TWO_FACTOR = 'urn:member-area:acr:2fa';
/** A passkey: bound to the portal's origin, so a look-alike site cannot relay it. */
export const ACR_PHISHING_RESISTANT = 'urn:member-area:acr:phr';
