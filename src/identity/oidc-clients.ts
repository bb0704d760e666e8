import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import { ok, type FieldError, type Result } from '../domain/result.js';
import { recordAudit, type AuditContext } from '../infra/audit/audit.repository.js';
import { hashToken, randomToken } from '../infra/crypto/tokens.js';
import type { Database } from '../infra/db/tables.js';

// R35: the relying parties registered with the portal's OpenID Provider. A confidential client's secret is printed
// once and kept only as its SHA-256 (like API keys, R24): the provider is handed the hash as the "secret" and the
// token endpoint hashes what the client sends before comparing (oidc.provider.ts), so a copy of the table cannot
// authenticate as the client. Creation and revocation are audited (R22); revocation ends the client's grants and
// tokens at once.

/** The scopes a client may be allowed (R35). */
export const OIDC_SCOPES = ['openid', 'profile', 'email', 'phone', 'membership', 'offline_access'] as const;
export type OidcScope = (typeof OIDC_SCOPES)[number];
const isOidcScope = (s: string): s is OidcScope => (OIDC_SCOPES as readonly string[]).includes(s);

export interface NewOidcClient {
  name: string;
  redirectUris: string[];
  postLogoutRedirectUris?: string[];
  scopes: string[];
  firstParty: boolean;
  /** A public client (a mobile app, a single-page app) has no secret and relies on PKCE alone. */
  public: boolean;
  /** Who registers it, as the audit names actors (`cli`, `staff:12`). */
  createdBy: string;
  /** Where the provider POSTs logout tokens (Back-Channel Logout 1.0): https, or http on the loopback. */
  backchannelLogoutUri?: string;
  /** The app's logo: https only. */
  logoUri?: string;
}

export interface OidcClientSummary {
  clientId: string;
  name: string;
  redirectUris: string[];
  scopes: string[];
  firstParty: boolean;
  public: boolean;
  createdBy: string;
  createdAt: string;
  revokedAt: string | null;
  backchannelLogoutUri: string | null;
  logoUri: string | null;
}

const MAX_URIS = 10;

/**
 * A redirect URI the provider may send a code to (exact match, RFC 9700 §2.1): https, http only on the loopback
 * (RFC 8252 §7.3), or a private-use scheme of a native app named after a domain (`es.salud.app:/cb`, §7.1); never
 * a fragment, never credentials.
 */
export function redirectUriAllowed(text: string): boolean {
  if (text.length > 500 || /\s/.test(text)) return false;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  if (url.hash || url.username || url.password || text.includes('#')) return false;
  if (url.protocol === 'https:') return url.hostname !== '';
  if (url.protocol === 'http:') return ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  return /^[a-z][a-z0-9+-]*(\.[a-z0-9+-]+)+:$/.test(url.protocol);
}

/** A server-to-server address (back-channel logout): https, or http on the loopback; no fragment, no credentials. */
export function webUriAllowed(text: string, httpsOnly = false): boolean {
  if (text.length > 500 || /\s/.test(text) || text.includes('#')) return false;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  if (url.protocol === 'https:') return url.hostname !== '';
  return !httpsOnly && url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}

/** Checks a new client's fields; errors name the CLI options (`name`, `redirect_uri`, `scopes`). */
export function validateNewOidcClient(input: NewOidcClient): Result<{
  name: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  scopes: OidcScope[];
  backchannelLogoutUri: string | null;
  logoUri: string | null;
}> {
  const errors: FieldError[] = [];
  const name = input.name.trim().replace(/\s+/g, ' ');
  if (name === '') errors.push({ field: 'name', code: 'required' });
  else if (name.length > 100) errors.push({ field: 'name', code: 'too_long', params: { max: 100 } });
  else if (/\p{Cc}/u.test(name)) errors.push({ field: 'name', code: 'invalid_characters' });
  const uris = (field: string, list: string[], required: boolean) => {
    if (required && list.length === 0) errors.push({ field, code: 'required' });
    if (list.length > MAX_URIS) errors.push({ field, code: 'too_long', params: { max: MAX_URIS } });
    for (const uri of list) if (!redirectUriAllowed(uri)) errors.push({ field, code: 'redirect_uri_invalid' });
    return [...new Set(list)];
  };
  const redirectUris = uris('redirect_uri', input.redirectUris, true);
  const postLogoutRedirectUris = uris('post_logout_redirect_uri', input.postLogoutRedirectUris ?? [], false);
  const scopes: OidcScope[] = [];
  for (const raw of input.scopes) {
    const scope = raw.trim();
    if (!isOidcScope(scope))
      errors.push({ field: 'scopes', code: 'not_allowed', params: { allowed: OIDC_SCOPES.join('|') } });
    else if (!scopes.includes(scope)) scopes.push(scope);
  }
  if (!scopes.includes('openid')) errors.push({ field: 'scopes', code: 'required', params: { scope: 'openid' } });
  const backchannelLogoutUri = input.backchannelLogoutUri?.trim() || null;
  if (backchannelLogoutUri && !webUriAllowed(backchannelLogoutUri))
    errors.push({ field: 'backchannel_logout_uri', code: 'backchannel_uri_invalid' });
  const logoUri = input.logoUri?.trim() || null;
  if (logoUri && !webUriAllowed(logoUri, true)) errors.push({ field: 'logo_uri', code: 'logo_uri_invalid' });
  return errors.length
    ? { ok: false, errors }
    : ok({ name, redirectUris, postLogoutRedirectUris, scopes, backchannelLogoutUri, logoUri });
}

/** Registers a client and audits it; returns its id and, for a confidential client, its secret, this once only. */
export async function createOidcClient(
  db: Kysely<Database>,
  clock: Clock,
  input: NewOidcClient,
  ctx: AuditContext = {},
  options: {
    /** The provider's validation of the client's metadata: a problem's description, or undefined when it is valid. */
    checkMetadata?: (metadata: Record<string, unknown>) => Promise<string | undefined>;
  } = {},
): Promise<Result<{ clientId: string; secret: string | undefined }>> {
  const valid = validateNewOidcClient(input);
  if (!valid.ok) return valid;
  const { name, redirectUris, postLogoutRedirectUris, scopes, backchannelLogoutUri, logoUri } = valid.value;
  const clientId = randomToken(16);
  const secret = input.public ? undefined : randomToken(32);
  // The provider's own rules too (oidc-provider's client validation): some combinations pass the checks above but
  // would make every authorization request of the client fail (a web client on http://localhost, https next to a
  // native app's scheme).
  if (options.checkMetadata) {
    const problem = await options.checkMetadata(
      oidcClientMetadata({
        clientId,
        name,
        secretHash: secret === undefined ? null : hashToken(secret),
        redirectUris,
        postLogoutRedirectUris,
        scopes,
        backchannelLogoutUri,
        logoUri,
      }),
    );
    if (problem)
      return {
        ok: false,
        errors: [{ field: 'redirect_uri', code: 'redirect_uri_combination', params: { detail: problem } }],
      };
  }
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('oidc_clients')
      .values({
        client_id: clientId,
        name,
        secret_hash: secret === undefined ? null : hashToken(secret),
        redirect_uris: JSON.stringify(redirectUris),
        post_logout_redirect_uris: JSON.stringify(postLogoutRedirectUris),
        scopes: scopes.join(' '),
        first_party: input.firstParty ? 1 : 0,
        created_by: input.createdBy,
        created_at: clock.now().toISOString(),
        backchannel_logout_uri: backchannelLogoutUri,
        logo_uri: logoUri,
      })
      .execute();
    await recordAudit(trx, clock, ctx, {
      event: 'oidc_client.created',
      outcome: 'success',
      actor: input.createdBy,
      subject: `oidc-client:${clientId}`,
      details: {
        name,
        scopes: scopes.join(' '),
        redirect_uris: redirectUris.join(' '),
        first_party: input.firstParty,
        public: input.public,
        ...(backchannelLogoutUri ? { backchannel_logout_uri: backchannelLogoutUri } : {}),
        ...(logoUri ? { logo_uri: logoUri } : {}),
      },
    });
  });
  return ok({ clientId, secret });
}

/** Every client, newest first, revoked ones included. */
export async function listOidcClients(db: Kysely<Database>): Promise<OidcClientSummary[]> {
  const rows = await db.selectFrom('oidc_clients').selectAll().orderBy('id', 'desc').execute();
  return rows.map((r) => ({
    clientId: r.client_id,
    name: r.name,
    redirectUris: JSON.parse(r.redirect_uris) as string[],
    scopes: r.scopes.split(' '),
    firstParty: Boolean(r.first_party),
    public: r.secret_hash === null,
    createdBy: r.created_by,
    createdAt: r.created_at,
    revokedAt: r.revoked_at,
    backchannelLogoutUri: r.backchannel_logout_uri,
    logoUri: r.logo_uri,
  }));
}

/** A live client's name and whether it is the insurer's own (the consent page and loadExistingGrant ask). */
export async function findOidcClient(
  db: Kysely<Database>,
  clientId: string,
): Promise<{ name: string; firstParty: boolean; redirectUris: string[] } | undefined> {
  const row = await db
    .selectFrom('oidc_clients')
    .select(['name', 'first_party', 'redirect_uris'])
    .where('client_id', '=', clientId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return (
    row && {
      name: row.name,
      firstParty: Boolean(row.first_party),
      redirectUris: JSON.parse(row.redirect_uris) as string[],
    }
  );
}

/** A live client's metadata as oidc-provider reads it (the adapter's Client model); revoked clients do not exist. */
export async function findOidcClientMetadata(
  db: Kysely<Database>,
  clientId: string,
): Promise<Record<string, unknown> | undefined> {
  if (clientId.length > 64) return undefined;
  const row = await db
    .selectFrom('oidc_clients')
    .selectAll()
    .where('client_id', '=', clientId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (!row) return undefined;
  return oidcClientMetadata({
    clientId: row.client_id,
    name: row.name,
    secretHash: row.secret_hash,
    redirectUris: JSON.parse(row.redirect_uris) as string[],
    postLogoutRedirectUris: JSON.parse(row.post_logout_redirect_uris) as string[],
    scopes: row.scopes.split(' '),
    backchannelLogoutUri: row.backchannel_logout_uri,
    logoUri: row.logo_uri,
  });
}

/** A client's metadata as oidc-provider reads it, from its registered fields. */
export function oidcClientMetadata(c: {
  clientId: string;
  name: string;
  secretHash: string | null;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  scopes: string[];
  backchannelLogoutUri: string | null;
  logoUri: string | null;
}): Record<string, unknown> {
  return {
    client_id: c.clientId,
    client_name: c.name,
    ...(c.secretHash === null
      ? { token_endpoint_auth_method: 'none' }
      : { client_secret: c.secretHash, token_endpoint_auth_method: 'client_secret_basic' }),
    redirect_uris: c.redirectUris,
    post_logout_redirect_uris: c.postLogoutRedirectUris,
    // A native app's private-use scheme (RFC 8252) needs application_type native; the rest are web clients.
    application_type: c.redirectUris.every((u) => /^https?:/.test(u)) ? 'web' : 'native',
    grant_types: c.scopes.includes('offline_access') ? ['authorization_code', 'refresh_token'] : ['authorization_code'],
    response_types: ['code'],
    scope: c.scopes.join(' '),
    subject_type: 'pairwise',
    ...(c.backchannelLogoutUri
      ? { backchannel_logout_uri: c.backchannelLogoutUri, backchannel_logout_session_required: false }
      : {}),
    ...(c.logoUri ? { logo_uri: c.logoUri } : {}),
  };
}

/**
 * Revokes a client at once (R35): it can no longer authenticate or start a sign-in, and every grant, code and token
 * it holds is deleted in the same transaction. Audited (R22).
 */
export async function revokeOidcClient(
  db: Kysely<Database>,
  clock: Clock,
  clientId: string,
  revokedBy: string,
  ctx: AuditContext = {},
): Promise<{ ok: true } | { ok: false; reason: 'not_found' | 'already_revoked' }> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('oidc_clients')
      .select(['revoked_at'])
      .where('client_id', '=', clientId)
      .executeTakeFirst();
    if (!row) return { ok: false as const, reason: 'not_found' as const };
    const done = await trx
      .updateTable('oidc_clients')
      .set({ revoked_at: clock.now().toISOString(), revoked_by: revokedBy })
      .where('client_id', '=', clientId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (Number(done.numUpdatedRows) !== 1) return { ok: false as const, reason: 'already_revoked' as const };
    await trx.deleteFrom('oidc_payloads').where('client_id', '=', clientId).execute();
    await recordAudit(trx, clock, ctx, {
      event: 'oidc_client.revoked',
      outcome: 'success',
      actor: revokedBy,
      subject: `oidc-client:${clientId}`,
    });
    return { ok: true as const };
  });
}
