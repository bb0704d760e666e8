import middie from '@fastify/middie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type Provider from 'oidc-provider';
import type { InteractionDetails } from 'oidc-provider';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import { findOidcClient } from '../../identity/oidc-clients.js';
import type { Db } from '../../infra/db/database.js';
import { oidcAdapterFactory } from '../../infra/oidc/oidc-adapter.js';
import type { OidcSettings } from '../../infra/oidc/signing-keys.js';
import type { Sessions } from '../../infra/session/session.js';
import { sendPage } from '../../infra/web/view.js';
import { formText } from '../../infra/web/form.js';
import type { MemberSession } from '../../infra/session/session.js';
import { actableMinors, baseAccountId, oidcAccountId, parseOidcAccountId } from './oidc.acting.js';
import { backchannelLogout } from './oidc.backchannel.js';
import { authenticationContext } from './oidc.claims.js';
import { createProvider, cspWithFormTargets, INTERACTION_PREFIX, OIDC_PREFIX, OIDC_TTL } from './oidc.provider.js';
import { ActForPage, ConsentPage, ContinuePage, OidcMessagePage } from './oidc.views.js';

// R35: the provider mounted under the portal (@fastify/middie hands it the raw request before Fastify parses a
// body), and the interaction pages in the portal's own routes: the portal's sign-in (R7, R27, with R9's throttle and
// R28's new-device email) then, per app and scope, the consent page.

export interface OidcRoutesOptions {
  config: Config;
  oidc: OidcSettings;
  db: Db;
  clock: Clock;
  sessions: Sessions;
}

const DISCOVERY = '/.well-known/openid-configuration';

/** Whether a path is the provider's (not one of the portal's interaction pages). */
function providerPath(url: string): boolean {
  const path = url.split('?')[0] ?? '';
  return path === DISCOVERY || (path.startsWith(`${OIDC_PREFIX}/`) && !path.startsWith(INTERACTION_PREFIX));
}

const PROVIDER_ROUTES = new Set([
  DISCOVERY,
  `${OIDC_PREFIX}/auth`,
  `${OIDC_PREFIX}/token`,
  `${OIDC_PREFIX}/me`,
  `${OIDC_PREFIX}/jwks`,
  `${OIDC_PREFIX}/token/introspection`,
  `${OIDC_PREFIX}/token/revocation`,
  `${OIDC_PREFIX}/session/end`,
  `${OIDC_PREFIX}/session/end/confirm`,
  `${OIDC_PREFIX}/session/end/success`,
  `${OIDC_PREFIX}/request`,
]);

/** The metrics' route label of a provider path: its endpoint, `/oidc/auth/:uid` for a resume, else `/oidc/*`. */
export function providerRouteLabel(url: string): string {
  const path = url.split('?')[0] ?? '';
  if (PROVIDER_ROUTES.has(path)) return path;
  if (/^\/oidc\/auth\/[^/]+$/.test(path)) return `${OIDC_PREFIX}/auth/:uid`;
  return `${OIDC_PREFIX}/*`;
}

async function oidcRoutes(app: FastifyInstance, opts: OidcRoutesOptions): Promise<void> {
  const { config, db, sessions } = opts;
  const kysely = db.kysely;
  const provider = createProvider({
    config,
    oidc: opts.oidc,
    db: kysely,
    clock: opts.clock,
    portalSessionCookie: sessions.cookie,
  });
  const callback = provider.callback();
  sessions.onProviderLogout(
    backchannelLogout({
      provider,
      box: config.secretBox,
      onError: (clientId, error) =>
        app.log.warn({ client: clientId, err: (error as Error).message }, 'oidc back-channel logout failed'),
    }),
  );
  const issuer = new URL(config.publicUrl);
  const issuerProtocol = issuer.protocol.replace(':', '');

  await app.register(middie, { hook: 'onRequest' });
  app.use((req, res, next) => {
    if (!providerPath(req.url ?? '')) return next();
    // The request log has its line already; the metrics get the endpoint's pattern, never a uid or a query.
    (req as { routeLabel?: string }).routeLabel = providerRouteLabel(req.url ?? '');
    // The public face is PUBLIC_URL whatever the request says: the provider builds its endpoints' addresses (in
    // discovery, in redirects) from the request, and a client's Host or X-Forwarded-* must not choose them.
    req.headers['x-forwarded-proto'] = issuerProtocol;
    req.headers['x-forwarded-host'] = issuer.host;
    req.headers.host = issuer.host;
    callback(req, res);
  });

  const expired = (request: FastifyRequest, reply: FastifyReply) =>
    sendPage(
      reply,
      <OidcMessagePage ctx={request.pageContext()} title="oidc.expired.title" body="oidc.expired.body" />,
      'gone',
    );

  /** The interaction this browser is in, if it is the one in the URL and still live. */
  async function interaction(request: FastifyRequest<{ Params: { uid: string } }>, reply: FastifyReply) {
    try {
      const details = await provider.interactionDetails(request.raw, reply.raw);
      return details.uid === request.params.uid ? details : undefined;
    } catch {
      return undefined;
    }
  }

  // When each sign-in request first reached the portal (its clock), so that prompt=login and max_age accept only a
  // sign-in made after it: stored with the provider's rows (every node sees it), sealed, gone with the interaction.
  const starts = oidcAdapterFactory({
    db: kysely,
    clock: opts.clock,
    box: config.secretBox,
    findClient: async () => undefined,
  })('InteractionStart');
  async function startOf(uid: string): Promise<number> {
    const found = await starts.find(uid);
    if (typeof found?.at === 'number') return found.at;
    const at = opts.clock.now().getTime();
    await starts.upsert(uid, { at }, OIDC_TTL.Interaction);
    return at;
  }

  /**
   * R35: prompt=login, or a max_age the member's sign-in is older than, asks for a sign-in made during this
   * request, even while the portal session is live (OpenID Connect Core §3.1.2.1).
   */
  function needsFreshSignIn(details: InteractionDetails, createdAt: string, start: number): boolean {
    const signedInAt = Date.parse(createdAt);
    if (signedInAt >= start) return false;
    if (details.prompt.reasons.includes('login_prompt')) return true;
    const maxAge = details.params.max_age === undefined ? undefined : Number(details.params.max_age);
    return maxAge !== undefined && (opts.clock.now().getTime() - signedInAt) / 1000 > maxAge;
  }

  const appName = async (details: InteractionDetails, request: FastifyRequest) =>
    (await findOidcClient(kysely, details.params.client_id))?.name ?? request.t('oidc.anApp');

  app.get<{ Params: { uid: string } }>(`${INTERACTION_PREFIX}:uid`, async (request, reply) => {
    reply.header('cache-control', 'no-store');
    const details = await interaction(request, reply);
    if (!details) return expired(request, reply);
    const start = details.prompt.name === 'login' ? await startOf(details.uid) : 0;
    const found = await sessions.load(kysely, request);
    // The sign-in page says why: the portal session ended, or the app asks for a fresh sign-in.
    const signIn = (why?: 'expired' | 'reauth') =>
      reply.redirect(
        `/sign-in?next=${encodeURIComponent(`${INTERACTION_PREFIX}${details.uid}`)}${why ? `&${why}=1` : ''}`,
        303,
      );
    if (found.status !== 'active') return signIn(found.status === 'expired' ? 'expired' : undefined);
    const session = found.session;
    const accountId = String(session.accountId);

    if (details.prompt.name === 'login') {
      if (needsFreshSignIn(details, session.createdAt, start)) return signIn('reauth');
      // R14: a guardian says whom the app is for, themselves or one of the minors in their selector.
      const minors = await actableMinors(kysely, opts.clock, config.timeZone, session.accountId);
      if (minors.length) {
        const self = await ownName(session.accountId);
        return sendPage(
          reply,
          <ActForPage
            ctx={request.pageContext()}
            uid={details.uid}
            app={await appName(details, request)}
            self={self}
            minors={minors.map((m) => ({ id: m.id, name: `${m.firstName} ${m.lastName}` }))}
          />,
        );
      }
      return finishLogin(request, reply, details, session);
    }
    if (details.prompt.name !== 'consent' || baseAccountId(details.session?.accountId ?? '') !== accountId)
      return expired(request, reply);
    const client = await findOidcClient(kysely, details.params.client_id);
    if (!client) return expired(request, reply);
    const acting = parseOidcAccountId(details.session!.accountId)?.minorMemberId;
    const minor =
      acting === undefined
        ? undefined
        : (await actableMinors(kysely, opts.clock, config.timeZone, session.accountId)).find((m) => m.id === acting);
    if (acting !== undefined && !minor) return expired(request, reply);
    const scopes = (details.prompt.details.missingOIDCScope as string[] | undefined) ?? ['openid'];
    // The consent form's answer redirects to the app: its origin joins form-action for this page only.
    reply.header('content-security-policy', cspWithFormTargets({ res: reply.raw }, client.redirectUris));
    return sendPage(
      reply,
      <ConsentPage
        ctx={request.pageContext()}
        uid={details.uid}
        app={client.name}
        scopes={scopes}
        memberName={await ownName(session.accountId)}
        {...(minor ? { actingFor: `${minor.firstName} ${minor.lastName}` } : {})}
      />,
    );
  });

  /** The guardian's choice (R14): themselves, or a minor in their selector today; anything else is refused. */
  app.post<{ Params: { uid: string } }>(`${INTERACTION_PREFIX}:uid/login`, async (request, reply) => {
    const details = await interaction(request, reply);
    if (!details || details.prompt.name !== 'login') return expired(request, reply);
    const start = await startOf(details.uid);
    const found = await sessions.load(kysely, request);
    if (found.status !== 'active' || needsFreshSignIn(details, found.session.createdAt, start))
      return reply.redirect(`/sign-in?next=${encodeURIComponent(`${INTERACTION_PREFIX}${details.uid}`)}`, 303);
    const chosen = formText(request.body, 'for');
    if (chosen === 'self') return finishLogin(request, reply, details, found.session);
    const minors = await actableMinors(kysely, opts.clock, config.timeZone, found.session.accountId);
    const minor = minors.find((m) => String(m.id) === chosen);
    if (!minor) return reply.code(400).send();
    return finishLogin(request, reply, details, found.session, minor.id);
  });

  /** The member's own name (their first record), for the pages that say who is signed in. */
  async function ownName(accountId: number): Promise<string> {
    const member = await kysely
      .selectFrom('members')
      .select(['first_name', 'last_name'])
      .where('account_id', '=', accountId)
      .orderBy('id')
      .executeTakeFirst();
    return member ? `${member.first_name} ${member.last_name}` : '';
  }

  /** Tells the provider who signed in (and for whom), then moves on to the app. */
  async function finishLogin(
    request: FastifyRequest,
    reply: FastifyReply,
    details: InteractionDetails,
    session: MemberSession,
    minorMemberId?: number,
  ) {
    const { acr, amr } = authenticationContext(session.secondFactor);
    // auth_time on the provider's own clock: how long ago the member signed in, as the portal's clock says.
    const age = Math.max(0, opts.clock.now().getTime() - Date.parse(session.createdAt));
    const to = await provider.interactionResult(
      request.raw,
      reply.raw,
      {
        login: {
          accountId: oidcAccountId(session.accountId, minorMemberId),
          acr,
          amr,
          remember: false,
          ts: Math.floor((Date.now() - age) / 1000),
        },
      },
      { mergeWithLastSubmission: false },
    );
    await request.audit('oidc.signin', 'success', {
      accountId: session.accountId,
      details: {
        client: details.params.client_id,
        ...(minorMemberId === undefined ? {} : { actingForMember: minorMemberId }),
      },
    });
    // A page, not a redirect: this request may be the end of the sign-in form's redirects, and Chromium would
    // hold the app's address against that form's form-action 'self'. The Refresh header moves on by itself.
    reply.header('refresh', `0;url=${to}`);
    return sendPage(
      reply,
      <ContinuePage ctx={request.pageContext()} app={await appName(details, request)} href={to} />,
    );
  }

  app.post<{ Params: { uid: string } }>(`${INTERACTION_PREFIX}:uid/confirm`, async (request, reply) => {
    const details = await interaction(request, reply);
    const found = await sessions.load(kysely, request);
    if (
      !details ||
      details.prompt.name !== 'consent' ||
      found.status !== 'active' ||
      baseAccountId(details.session?.accountId ?? '') !== String(found.session.accountId)
    )
      return expired(request, reply);
    const clientId = details.params.client_id;
    const grant =
      (details.grantId ? await provider.Grant.find(details.grantId) : undefined) ??
      new provider.Grant({ accountId: details.session!.accountId, clientId });
    const missingScope = details.prompt.details.missingOIDCScope as string[] | undefined;
    const missingClaims = details.prompt.details.missingOIDCClaims as string[] | undefined;
    if (missingScope) grant.addOIDCScope(missingScope.join(' '));
    if (missingClaims) grant.addOIDCClaims(missingClaims);
    const grantId = await grant.save();
    await request.audit('oidc.consent', 'success', {
      accountId: found.session.accountId,
      details: { client: clientId, scopes: (missingScope ?? []).join(' ') },
    });
    const to = await provider.interactionResult(
      request.raw,
      reply.raw,
      { consent: details.grantId ? {} : { grantId } },
      { mergeWithLastSubmission: true },
    );
    return reply.redirect(to, 303);
  });

  app.post<{ Params: { uid: string } }>(`${INTERACTION_PREFIX}:uid/abort`, async (request, reply) => {
    const details = await interaction(request, reply);
    if (!details) return expired(request, reply);
    const found = await sessions.load(kysely, request);
    await request.audit('oidc.consent', 'refused', {
      accountId: found.status === 'active' ? found.session.accountId : null,
      details: { client: details.params.client_id },
    });
    const to = await provider.interactionResult(
      request.raw,
      reply.raw,
      { error: 'access_denied', error_description: 'the member did not allow it' },
      { mergeWithLastSubmission: false },
    );
    return reply.redirect(to, 303);
  });
}

/** Not encapsulated: the provider's middleware must see every request (its paths have no Fastify route). */
export const oidcPlugin = fp(oidcRoutes, { name: 'oidc', fastify: '5.x', dependencies: ['web'] });

export type { Provider };
