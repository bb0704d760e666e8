import { AsyncLocalStorage } from 'node:async_hooks';
import { createHmac } from 'node:crypto';
import type { Kysely } from 'kysely';
import Negotiator from 'negotiator';
import Provider, {
  interactionPolicy,
  type AdapterPayload,
  type ClientInstance,
  type KoaContextLike,
} from 'oidc-provider';
import { render } from 'preact-render-to-string';
import type { VNode } from 'preact';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import { findOidcClient, findOidcClientMetadata, OIDC_SCOPES } from '../../identity/oidc-clients.js';
import { hashToken } from '../../infra/crypto/tokens.js';
import type { Database } from '../../infra/db/tables.js';
import { DEFAULT_LANG, isLang, LANGS, translator, type Lang } from '../../infra/i18n/i18n.js';
import { oidcAdapterFactory } from '../../infra/oidc/oidc-adapter.js';
import type { OidcSettings } from '../../infra/oidc/signing-keys.js';
import type { PageContext } from '../../infra/web/page-context.js';
import { baseAccountId, minorClaims, parseOidcAccountId } from './oidc.acting.js';
import { activeAccount, ACR_PHISHING_RESISTANT, ACR_TWO_FACTOR, SCOPE_CLAIMS } from './oidc.claims.js';
import { LogoutPage, OidcMessagePage } from './oidc.views.js';

// R35: the portal's OpenID Provider (oidc-provider, OpenID certified). Only the authorization code flow with PKCE
// S256 for every client (RFC 9700 §2.1.1), exact redirect URIs, `iss` in every authorization response (RFC 9207),
// PAR (RFC 9126) available, no implicit flow, no password grant; pairwise subjects per client; short access tokens;
// refresh tokens rotate and a reused one revokes its grant; introspection, revocation and RP-initiated logout.

/** Where the provider's endpoints live under the portal (discovery stays at the issuer's /.well-known). */
export const OIDC_PREFIX = '/oidc';
export const INTERACTION_PREFIX = `${OIDC_PREFIX}/interaction/`;

export const OIDC_TTL = {
  /** Five minutes: an access token is a bearer credential; apps refresh. */
  AccessToken: 5 * 60,
  AuthorizationCode: 60,
  IdToken: 5 * 60,
  /** Long enough to sign in with both steps (and wait for a code). */
  Interaction: 15 * 60,
  /** An app's access kept (offline_access) between uses; rotation keeps it alive while used. */
  RefreshToken: 30 * 24 * 3600,
  Grant: 365 * 24 * 3600,
};

export interface ProviderDeps {
  config: Config;
  oidc: OidcSettings;
  db: Kysely<Database>;
  clock: Clock;
  /** The portal's session cookie name: an RP-initiated logout ends the portal session too. */
  portalSessionCookie: string;
}

/** The member's language for a page the provider draws: their choice (cookie), else the browser's. */
function langOf(ctx: KoaContextLike, cookieName: string): Lang {
  const cookie = new RegExp(`(?:^|;\\s*)${cookieName}=(es|en)(?:;|$)`).exec(ctx.get('cookie'))?.[1];
  if (isLang(cookie)) return cookie;
  const negotiated = new Negotiator({ headers: { 'accept-language': ctx.get('accept-language') } }).language([
    ...LANGS,
  ]);
  return isLang(negotiated) ? negotiated : DEFAULT_LANG;
}

/**
 * A page drawn inside the provider (errors, logout): the portal's layout, no CSRF token of ours (the provider's
 * forms carry their own), and a CSP whose form-action also allows where that form's answer goes.
 */
function sendProviderPage(
  ctx: KoaContextLike,
  deps: ProviderDeps,
  view: (page: PageContext) => VNode,
  formTargets: string[] = [],
): void {
  const lang = langOf(ctx, deps.config.secureCookies ? '__Host-lang' : 'lang');
  const page: PageContext = {
    lang,
    t: translator(lang),
    brand: deps.config.brand,
    path: '/',
    year: deps.clock.now().getUTCFullYear(),
    csrfToken: () => '',
  };
  if (formTargets.length) ctx.set('content-security-policy', cspWithFormTargets(ctx, formTargets));
  ctx.set('cache-control', 'no-store');
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = '<!doctype html>' + render(view(page));
}

/**
 * Chromium applies form-action to every redirect after a form is sent: a form whose answer redirects to an app
 * needs that app's origin there (and only there: other pages keep form-action 'self').
 */
export function cspWithFormTargets(ctx: { res: { getHeader(name: string): unknown } }, targets: string[]): string {
  const current = String(ctx.res.getHeader('content-security-policy') ?? '');
  const sources = [...new Set(targets.map(formSource).filter((s): s is string => Boolean(s)))];
  return current.replace(/form-action 'self'/, `form-action 'self' ${sources.join(' ')}`.trim());
}

/** A CSP source for a redirect URI: its origin (https, http loopback) or its private-use scheme (`es.app:`). */
function formSource(uri: string): string | undefined {
  try {
    const url = new URL(uri);
    if (url.protocol === 'https:' || url.protocol === 'http:') return url.origin;
    return /^[a-z][a-z0-9+.-]*:$/.test(url.protocol) ? url.protocol : undefined;
  } catch {
    return undefined;
  }
}

/** Builds the configured provider; nothing is mounted (oidc.routes.tsx does that). */
export function createProvider(deps: ProviderDeps): Provider {
  const { config, oidc, db, clock } = deps;
  const secure = config.secureCookies;
  // Signs the provider's cookies; every node derives the same key from SECRET_KEY.
  const cookieKey = createHmac('sha256', config.secretKey).update('oidc-provider cookies').digest('base64url');
  const cookieOptions = { httpOnly: true, sameSite: 'lax', secure, signed: true };
  const pairwise = (clientId: string, subject: string) =>
    createHmac('sha256', oidc.pairwiseSalt).update(`${clientId}\n${subject}`).digest('base64url');

  const clients = clientCache((id) => findOidcClientMetadata(db, id), clock);

  const provider = new Provider(config.publicUrl, {
    adapter: oidcAdapterFactory({
      db,
      clock,
      box: config.secretBox,
      findClient: (id) => (tokenEndpoints.getStore() ? clients.find(id) : findOidcClientMetadata(db, id)),
      requestMemo: () => tokenEndpoints.getStore(),
    }),
    clients: [],
    jwks: { keys: oidc.jwks.keys.map((k) => ({ ...k })) },
    cookies: {
      keys: [cookieKey],
      long: cookieOptions,
      short: cookieOptions,
      names: {
        session: secure ? '__Host-oidc-session' : 'oidc-session',
        interaction: 'oidc-interaction',
        resume: 'oidc-resume',
      },
    },
    async findAccount(ctx: KoaContextLike, id: string) {
      const ref = parseOidcAccountId(id);
      if (!ref) return undefined;
      if (ref.minorMemberId === undefined) {
        const account = await activeAccount(db, id);
        if (!account) return undefined;
        return {
          accountId: id,
          claims: (_use: string, scope: string, requested?: Record<string, unknown>) =>
            account.claims(scope, requested),
        };
      }
      // R35, R14: a guardian acting for a minor, while R14 still allows it (the 18th birthday ends it: no token,
      // no refresh, no userinfo). `act` names the guardian by their own pairwise subject for this app (RFC 8693).
      const claims = await minorClaims(db, clock, config.timeZone, {
        accountId: ref.accountId,
        minorMemberId: ref.minorMemberId,
      });
      if (!claims) return undefined;
      const client = ctx.oidc.client;
      const act = client ? { sub: pairwise(client.clientId, String(ref.accountId)) } : undefined;
      return { accountId: id, claims: async () => ({ sub: id, ...claims, ...(act ? { act } : {}) }) };
    },
    // The access token carries the actor too (introspection shows it).
    async extraTokenClaims(_ctx: unknown, token: { accountId?: string; clientId?: string }) {
      const ref = token.accountId ? parseOidcAccountId(token.accountId) : undefined;
      if (ref?.minorMemberId === undefined || !token.clientId) return undefined;
      return { act: { sub: pairwise(token.clientId, String(ref.accountId)) } };
    },
    claims: { ...SCOPE_CLAIMS, sid: null },
    scopes: [...OIDC_SCOPES],
    acrValues: [ACR_TWO_FACTOR, ACR_PHISHING_RESISTANT],
    responseTypes: ['code'],
    pkce: { required: () => true },
    clientAuthMethods: ['client_secret_basic', 'none'],
    clientDefaults: {
      grant_types: ['authorization_code'],
      response_types: ['code'],
      id_token_signed_response_alg: oidc.jwks.keys[0]!.alg,
      subject_type: 'pairwise',
      token_endpoint_auth_method: 'client_secret_basic',
    },
    enabledJWA: {
      idTokenSigningAlgValues: ['ES256', 'RS256'],
      userinfoSigningAlgValues: ['ES256', 'RS256'],
      requestObjectSigningAlgValues: ['ES256', 'RS256'],
      introspectionSigningAlgValues: ['ES256', 'RS256'],
      authorizationSigningAlgValues: ['ES256', 'RS256'],
    },
    subjectTypes: ['pairwise'],
    // The same member, a different and stable `sub` per client (not per host): two apps cannot join their records.
    // A minor's subject is theirs whichever guardian acts: keyed by the member record, not by the guardian's account.
    pairwiseIdentifier(_ctx: unknown, accountId: string, client: ClientInstance) {
      const minor = parseOidcAccountId(accountId)?.minorMemberId;
      return pairwise(client.clientId, minor === undefined ? accountId : `member:${minor}`);
    },
    ttl: OIDC_TTL_CONFIG(config),
    rotateRefreshToken: true,
    features: {
      devInteractions: { enabled: false },
      // A client introspects or revokes only its own tokens: a partner holding another app's leaked token learns
      // nothing of it (whose it is, which scopes) and cannot end it.
      // An app acting for a minor learns at once when R14 no longer lets it (the 18th birthday, a guardian link
      // removed): its access token is then inactive, like userinfo and refresh already refuse it.
      introspection: {
        enabled: true,
        allowedPolicy: async (
          _ctx: unknown,
          client: { clientId: string },
          token: { clientId?: string; accountId?: string },
        ) => token.clientId === client.clientId && (await mayStillAct(deps, token.accountId)),
      },
      revocation: {
        enabled: true,
        allowedPolicy: async (_ctx: unknown, client: { clientId: string }, token: { clientId?: string }) =>
          token.clientId === client.clientId,
      },
      userinfo: { enabled: true },
      pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: false },
      rpMetadataChoices: { enabled: false },
      // Back-Channel Logout 1.0: logout tokens to the apps that registered an address (oidc.backchannel.ts).
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx: KoaContextLike, form: string) {
          const client = ctx.oidc.client;
          sendProviderPage(
            ctx,
            deps,
            (page) => <LogoutPage ctx={page} app={client?.clientName ?? page.t('oidc.anApp')} form={form} />,
            [...(client?.postLogoutRedirectUris ?? [])],
          );
        },
        async postLogoutSuccessSource(ctx: KoaContextLike) {
          sendProviderPage(ctx, deps, (page) => (
            <OidcMessagePage ctx={page} title="oidc.logout.done.title" body="oidc.logout.done.body" />
          ));
        },
      },
    },
    interactions: {
      url: (_ctx: unknown, interaction: { uid: string }) => `${INTERACTION_PREFIX}${interaction.uid}`,
      policy: interactionPolicyWithPortalSession(deps),
    },
    routes: {
      authorization: `${OIDC_PREFIX}/auth`,
      token: `${OIDC_PREFIX}/token`,
      userinfo: `${OIDC_PREFIX}/me`,
      jwks: `${OIDC_PREFIX}/jwks`,
      introspection: `${OIDC_PREFIX}/token/introspection`,
      revocation: `${OIDC_PREFIX}/token/revocation`,
      end_session: `${OIDC_PREFIX}/session/end`,
      pushed_authorization_request: `${OIDC_PREFIX}/request`,
      code_verification: `${OIDC_PREFIX}/device`,
      device_authorization: `${OIDC_PREFIX}/device/auth`,
      backchannel_authentication: `${OIDC_PREFIX}/backchannel`,
      registration: `${OIDC_PREFIX}/reg`,
      challenge: `${OIDC_PREFIX}/challenge`,
      credential: `${OIDC_PREFIX}/credential`,
    },
    // First-party apps (the insurer's own) skip the consent page: their grant is made here for what they ask.
    async loadExistingGrant(ctx: KoaContextLike & { oidc: { result?: { consent?: { grantId?: string } } } }) {
      const session = ctx.oidc.session as { accountId?: string; grantIdFor(clientId: string): string | undefined };
      const client = ctx.oidc.client!;
      const grantId = ctx.oidc.result?.consent?.grantId ?? session.grantIdFor(client.clientId);
      const existing = grantId ? await provider.Grant.find(grantId) : undefined;
      const registered = await findOidcClient(db, client.clientId);
      if (!registered?.firstParty || !session.accountId) return existing;
      const grant = existing ?? new provider.Grant({ accountId: session.accountId, clientId: client.clientId });
      const allowed = new Set((client.scope ?? '').split(' '));
      const requested = String(ctx.oidc.params?.scope ?? '')
        .split(' ')
        .filter((s) => allowed.has(s));
      grant.addOIDCScope(requested.join(' '));
      await grant.save();
      return grant;
    },
    async renderError(ctx: KoaContextLike, out: { error: string }) {
      sendProviderPage(ctx, deps, (page) => (
        <OidcMessagePage ctx={page} title="oidc.error.title" body="oidc.error.body" code={out.error} />
      ));
    },
    // Outgoing requests (back-channel logout) keep oidc-provider's SSRF guard, which refuses private and loopback
    // addresses; outside production a loopback address is let through, for development and the tests' relying party.
    fetch: (url: URL | string, options: RequestInit & { dispatcher?: unknown }) => {
      if (config.env !== 'production' && ['localhost', '127.0.0.1', '[::1]'].includes(new URL(url).hostname))
        delete options.dispatcher;
      return globalThis.fetch(url, options);
    },
    clientBasedCORS(_ctx: unknown, origin: string, client: ClientInstance) {
      // Only a public client (a single-page app) calls the token endpoint from a browser, from its own origin.
      if (origin === 'null' || client.clientAuthMethod !== 'none') return false;
      return client.redirectUris.some((uri) => URL.parse(uri)?.origin === origin);
    },
  });

  // Behind the TLS proxy the issuer is https; the provider must know the request came that way to set Secure
  // cookies (oidc.routes.tsx tells it, from PUBLIC_URL, never from a header a client could send).
  provider.proxy = true;

  // The token endpoints (token, introspection, revocation) and userinfo read clients through the node's cache.
  // A token's grant is read with the token (oidc-adapter.ts), kept for this request only.
  provider.use((ctx, next) => (TOKEN_ENDPOINTS.has(ctx.path) ? tokenEndpoints.run(new Map(), next) : next()));

  // Client secrets are kept as their SHA-256 (identity/oidc-clients.ts): what a client sends in HTTP Basic is hashed
  // before the provider compares it (in constant time) with the stored hash. Only HTTP Basic carries secrets here.
  provider.use(async (ctx, next) => {
    const header = ctx.get('authorization');
    const basic = /^Basic ([A-Za-z0-9+/=]{1,2000})$/i.exec(header);
    if (basic) {
      const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) {
        const secret = decodeFormComponent(decoded.slice(colon + 1));
        const hashed = `${decoded.slice(0, colon)}:${hashToken(secret)}`;
        ctx.req.headers.authorization = `Basic ${Buffer.from(hashed, 'utf8').toString('base64')}`;
      }
    }
    await next();
  });

  // RP-initiated logout ends the portal's own session in that browser too: signing out of the app means out.
  provider.on('end_session.success', (...args: unknown[]) => {
    const ctx = args[0] as KoaContextLike;
    const token = new RegExp(`(?:^|;\\s*)${deps.portalSessionCookie}=([^;]{1,100})`).exec(ctx.get('cookie'))?.[1];
    if (!token) return;
    void db
      .updateTable('sessions')
      .set({ ended_at: clock.now().toISOString() })
      .where('token_hash', '=', hashToken(decodeURIComponent(token)))
      .where('ended_at', 'is', null)
      .execute()
      .catch(() => {});
  });
  return provider;
}

/**
 * The endpoints that act only on what a client already holds: a code, a refresh or an access token, each a row of
 * `oidc_payloads`. A client's revocation deletes all its rows in the same transaction (revokeOidcClient), so a node
 * that still has the revoked client in its cache finds no token to act on, and a token is refused on every node at
 * once. The authorization endpoint, which creates a client's first row, always reads the client afresh: no node can
 * start a new sign-in for a revoked client. Clients are never edited, only created and revoked.
 */
const TOKEN_ENDPOINTS = new Set([
  `${OIDC_PREFIX}/token`,
  `${OIDC_PREFIX}/token/introspection`,
  `${OIDC_PREFIX}/token/revocation`,
  `${OIDC_PREFIX}/me`,
]);
const tokenEndpoints = new AsyncLocalStorage<Map<string, AdapterPayload>>();
const CLIENT_CACHE_MS = 60_000;
const CLIENT_CACHE_SIZE = 500;

/** R35, PRODUCT §5: a token refresh reads its client from memory (a statement fewer); unknown ids are not kept. */
function clientCache(
  load: (id: string) => Promise<Record<string, unknown> | undefined>,
  clock: Clock,
): { find(id: string): Promise<Record<string, unknown> | undefined> } {
  const kept = new Map<string, { metadata: Record<string, unknown>; until: number }>();
  return {
    async find(id) {
      const now = clock.now().getTime();
      const hit = kept.get(id);
      if (hit && hit.until > now) return structuredClone(hit.metadata);
      const metadata = await load(id);
      kept.delete(id);
      if (metadata) {
        if (kept.size >= CLIENT_CACHE_SIZE) kept.delete(kept.keys().next().value!);
        kept.set(id, { metadata, until: now + CLIENT_CACHE_MS });
      }
      return metadata && structuredClone(metadata);
    },
  };
}

/**
 * The provider's session never outlives the portal's (R8, R35): besides oidc-provider's own login checks, an
 * authorization request needs a live portal session in this browser for the same account. A portal session that
 * idled out, reached its absolute deadline or was ended (sign-out, end all sessions, account closure) sends the
 * member through the portal's sign-in again, even for an app that would otherwise get its code at once.
 */
function interactionPolicyWithPortalSession(deps: ProviderDeps) {
  const { Check, base } = interactionPolicy;
  const policy = base();
  const login = policy.get('login')!;
  const portalSession = new Check('portal_session', 'the portal session has ended', async (ctx) => {
    if (ctx.oidc.result?.login) return Check.NO_NEED_TO_PROMPT;
    const accountId = ctx.oidc.session?.accountId;
    if (!accountId) return Check.REQUEST_PROMPT;
    const live = await portalSessionAccount(deps, ctx.get('cookie'));
    return live === baseAccountId(accountId) ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT;
  });
  login.checks.splice(1, 0, portalSession);
  return policy;
}

/** The account of the live portal session the browser's cookie names, if any (read only: no idle touch here). */
export async function portalSessionAccount(deps: ProviderDeps, cookieHeader: string): Promise<string | undefined> {
  const raw = new RegExp(`(?:^|;\\s*)${deps.portalSessionCookie}=([^;]{1,300})`).exec(cookieHeader)?.[1];
  if (!raw) return undefined;
  let token: string;
  try {
    token = decodeURIComponent(raw);
  } catch {
    return undefined;
  }
  if (token.length > 100) return undefined;
  const now = deps.clock.now().toISOString();
  const row = await deps.db
    .selectFrom('sessions')
    .innerJoin('accounts', 'accounts.id', 'sessions.account_id')
    .select('sessions.account_id')
    .where('sessions.token_hash', '=', hashToken(token))
    .where('sessions.ended_at', 'is', null)
    .where('sessions.idle_expires_at', '>', now)
    .where('sessions.absolute_expires_at', '>', now)
    .where('accounts.status', '=', 'active')
    .executeTakeFirst();
  return row ? String(row.account_id) : undefined;
}

/** Whether a token's account may still be used: an account acting for a minor only while R14 allows it. */
async function mayStillAct(deps: ProviderDeps, accountId: string | undefined): Promise<boolean> {
  const ref = accountId ? parseOidcAccountId(accountId) : undefined;
  if (ref?.minorMemberId === undefined) return true;
  const { db, clock, config } = deps;
  return (await minorClaims(db, clock, config.timeZone, ref as Required<typeof ref>)) !== undefined;
}

/** RFC 6749 §2.3.1: the id and secret in HTTP Basic are form-encoded first. */
function decodeFormComponent(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}

function OIDC_TTL_CONFIG(config: Config) {
  return {
    ...OIDC_TTL,
    // The provider's session lasts no longer than the portal's.
    Session: config.session.absoluteHours * 3600,
  };
}

/**
 * R35: oidc-provider's own validation of a client's metadata, for registration (CLI, back office): a problem's
 * description (the library's words), or undefined. Needs the provider's settings; without them (production without
 * OIDC_JWKS, where no client can sign anyone in anyway) nothing is checked.
 */
export function clientMetadataChecker(
  deps: Omit<ProviderDeps, 'portalSessionCookie'>,
): (metadata: Record<string, unknown>) => Promise<string | undefined> {
  let provider: Provider | undefined;
  return async (metadata) => {
    provider ??= createProvider({ ...deps, portalSessionCookie: 'session' });
    try {
      await provider.Client.validate(metadata);
      return undefined;
    } catch (err) {
      const e = err as { error_description?: string; message?: string };
      return (e.error_description ?? e.message ?? 'invalid client metadata').slice(0, 200);
    }
  };
}
