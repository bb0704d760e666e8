import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import proxyAddr from '@fastify/proxy-addr';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import { devMailboxRoutes } from './flows/dev-mailbox/dev-mailbox.routes.js';
import { healthRoutes } from './flows/health/health.routes.js';
import { homeRoutes } from './flows/home/home.routes.js';
import { areaRoutes } from './flows/account/area.routes.js';
import { certificateRoutes } from './flows/account/certificate.routes.js';
import { documentsRoutes } from './flows/account/documents.routes.js';
import { awarenessRoutes } from './flows/awareness/awareness.routes.js';
import { backOffice } from './flows/backoffice/backoffice.plugin.js';
import { contactRoutes } from './flows/account/contact.routes.js';
import { securityRoutes } from './flows/account/security.routes.js';
import { requestsRoutes } from './flows/requests/requests.routes.js';
import { dataRoutes } from './flows/account/data.routes.js';
import { helpRoutes } from './flows/help/help.routes.js';
import { directoryRoutes } from './flows/directory/directory.routes.js';
import { legalRoutes } from './flows/legal/legal.routes.js';
import { integrationRoutes } from './flows/integration/integration.routes.js';
import { passwordChangeRoutes } from './flows/account/password-change.routes.js';
import { recoveryRoutes } from './flows/recovery/recovery.routes.js';
import { registrationRoutes } from './flows/registration/registration.routes.js';
import { signInRoutes } from './flows/sign-in/sign-in.routes.js';
import { verifyRoutes } from './flows/verify/verify.routes.js';
import { clientMetadataChecker } from './flows/openid-provider/oidc.provider.js';
import { oidcPlugin } from './flows/openid-provider/oidc.routes.js';
import { connectedAppsRoutes } from './flows/openid-provider/connected-apps.routes.js';
import { createSessions, type SessionRow } from './infra/session/session.js';
import type { UploadPacer } from './infra/files/upload-pacer.js';
import { withSessionCache, type SessionCache } from './infra/session/session-cache.js';
import { createCaptcha } from './infra/captcha/captcha.js';
import { captchaRoutes } from './infra/captcha/captcha.routes.js';
import type { Db } from './infra/db/database.js';
import type { Courier } from './infra/outbox/courier.js';
import { statusClass, type Metrics } from './infra/metrics/metrics.js';
import { metricsRoutes } from './infra/metrics/metrics.routes.js';
import { loggerOptions, OneLinePerRequest } from './infra/web/logging.js';
import { defaultPublicDir, web } from './infra/web/web.plugin.js';
import { auditPlugin } from './infra/audit/audit.plugin.js';
import { joinReturningMemberAfterSignIn } from './flows/registration/registration.flow.js';

/**
 * One method and path the application answers, as registered (the abuse suite walks them all: CSRF, sessions, headers).
 */
export interface RegisteredRoute {
  method: string;
  url: string;
  /** False only where a route opted out of the form CSRF check (config.csrf === false). */
  csrf: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    registeredRoutes: readonly RegisteredRoute[];
  }
}

/** Everything the application needs from outside; tests pass a manual clock and an in-memory database. */
export interface AppDeps {
  config: Config;
  db: Db;
  clock: Clock;
  courier: Courier;
  /** This instance's Prometheus registry and series (never the global default registry). */
  metrics: Metrics;
  /** Asks the outbox worker to run soon after a commit that queued messages. */
  kickOutbox?: () => void;
  logger?: FastifyServerOptions['logger'];
  /** True once the node is shutting down: readiness answers 503 (issue 18). */
  draining?: () => boolean;
  /**
   * Issue 32: this node's cache of live sessions (session-cache.ts); without it every signed-in request reads its
   * session row. On PostgreSQL it must be fed by `listenForSessionChanges`, or other nodes' changes go unseen.
   */
  sessionCache?: SessionCache<SessionRow>;
  /**
   * R31, PRODUCT §5: the node's upload pace (upload-pacer.ts), shared by every form and API route that takes files;
   * without it files are read as fast as they arrive (the tests' apps).
   */
  uploadPacer?: UploadPacer;
}

// A request id from the trusted proxy (nginx's $request_id, say) is kept so its logs and ours line up; anything
// else, or anything from an untrusted peer, gets a fresh UUID.
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{8,64}$/;

export function requestIdFor(trustProxy: string | boolean): (req: IncomingMessage) => string {
  // The same rule Fastify applies to X-Forwarded-For: `true` trusts every peer, a list trusts those addresses.
  const trusted =
    typeof trustProxy === 'string' ? proxyAddr.compile(trustProxy.split(',').map((s) => s.trim())) : () => trustProxy;
  return (req) => {
    const incoming = req.headers['x-request-id'];
    const peer = req.socket.remoteAddress;
    if (typeof incoming === 'string' && SAFE_REQUEST_ID.test(incoming) && peer && trusted(peer, 0)) return incoming;
    return randomUUID();
  };
}

/** Builds the Fastify instance with every flow registered; nothing is started or listened on. */
export async function buildApp(appDeps: AppDeps): Promise<FastifyInstance> {
  // Every write of the app goes through the session cache's plugin, which forgets what a write could change.
  const deps = appDeps.sessionCache ? { ...appDeps, db: withSessionCache(appDeps.db, appDeps.sessionCache) } : appDeps;
  const app = Fastify({
    logger: deps.logger ?? loggerOptions(deps.config),
    trustProxy: deps.config.trustProxy,
    genReqId: requestIdFor(deps.config.trustProxy),
    bodyLimit: 1024 * 1024,
    routerOptions: { maxParamLength: 200 },
    // One line per request, not Fastify's two ("incoming request" and "request completed").
    logController: new OneLinePerRequest(),
  });
  // Every route, as registered: a security check that must hold on every route is tested against this list, so
  // a route added later cannot be forgotten.
  const routes: RegisteredRoute[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat())
      routes.push({ method, url: route.url, csrf: route.config?.csrf !== false });
  });
  app.decorate('registeredRoutes', routes);
  // Every response names its request id (also in every log line and audit event of the request) for support.
  // (Hooks that wait for nothing take a callback: an async one costs a promise per request, issue 32.)
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
  // Rates and latencies per route pattern (`/sign-in/link/:token`, never the URL itself) and status class.
  app.addHook('onResponse', (request, reply, done) => {
    const labels = {
      method: request.method,
      // A path served outside Fastify's router (the OpenID Provider, mounted with middie) names its own pattern.
      route: request.routeOptions.url ?? (request.raw as { routeLabel?: string }).routeLabel ?? 'unmatched',
      status_class: statusClass(reply.statusCode),
    };
    deps.metrics.httpRequests.inc(labels);
    deps.metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
    done();
  });
  // Issue 32: a request that ended sessions (or switched member, or changed an account's status) answers once every
  // node has forgotten them (session-cache.ts), so the member's next request is refused on any node.
  const sessionCache = deps.sessionCache;
  if (sessionCache) {
    const seen = new WeakMap<object, number>();
    app.addHook('onRequest', (request, _reply, done) => {
      seen.set(request, sessionCache.changes);
      done();
    });
    app.addHook('onSend', (request, _reply, payload, done) => {
      if (seen.get(request) === sessionCache.changes) return done(null, payload);
      sessionCache.settle().then(
        () => done(null, payload),
        () => done(null, payload),
      );
    });
  }
  await app.register(web, { config: deps.config, clock: deps.clock, publicDir: defaultPublicDir });
  await app.register(auditPlugin, { db: deps.db.kysely, clock: deps.clock });
  await app.register(healthRoutes, { db: deps.db, draining: deps.draining });
  await app.register(homeRoutes);
  const captcha = createCaptcha({ db: deps.db.kysely, clock: deps.clock, hmacKey: deps.config.secretKey });
  await app.register(captchaRoutes, { captcha, maxAge: deps.config.env === 'production' ? '1h' : 0 });
  await app.register(registrationRoutes, {
    config: deps.config,
    db: deps.db,
    clock: deps.clock,
    courier: deps.courier,
    captcha,
    kickOutbox: deps.kickOutbox,
  });
  const sessions = createSessions({
    clock: deps.clock,
    config: deps.config,
    ...(deps.sessionCache ? { cache: deps.sessionCache } : {}),
  });
  // Sign-in's hooks: what other slices do once a member has signed in (issue 19: flows never import each other).
  const afterSignIn = [joinReturningMemberAfterSignIn(deps.clock, deps.config.secureCookies)];
  await app.register(signInRoutes, {
    config: deps.config,
    db: deps.db,
    clock: deps.clock,
    courier: deps.courier,
    captcha,
    sessions,
    metrics: deps.metrics,
    kickOutbox: deps.kickOutbox,
    afterSignIn,
  });
  await app.register(recoveryRoutes, {
    config: deps.config,
    db: deps.db,
    clock: deps.clock,
    courier: deps.courier,
    captcha,
    sessions,
    kickOutbox: deps.kickOutbox,
  });
  await app.register(helpRoutes);
  await app.register(directoryRoutes, { db: deps.db, sessions });
  await app.register(legalRoutes, { config: deps.config, now: () => deps.clock.now() });
  app.decorateRequest('memberSession', null);
  await app.register(areaRoutes, { config: deps.config, db: deps.db, clock: deps.clock, sessions });
  // R32: the certificate of insurance (private) and its public verification address.
  await app.register(certificateRoutes, { config: deps.config, db: deps.db, clock: deps.clock, sessions });
  await app.register(documentsRoutes, { config: deps.config, db: deps.db, clock: deps.clock, sessions });
  await app.register(verifyRoutes, { config: deps.config, db: deps.db, clock: deps.clock });
  await app.register(passwordChangeRoutes, {
    db: deps.db,
    clock: deps.clock,
    courier: deps.courier,
    sessions,
    kickOutbox: deps.kickOutbox,
  });
  // Private-area slices (R13–R16) register here.
  await app.register(contactRoutes, {
    config: deps.config,
    db: deps.db,
    clock: deps.clock,
    courier: deps.courier,
    sessions,
    kickOutbox: deps.kickOutbox,
  });
  await app.register(securityRoutes, {
    config: deps.config,
    db: deps.db,
    clock: deps.clock,
    courier: deps.courier,
    sessions,
    kickOutbox: deps.kickOutbox,
  });
  // R31: the member's reimbursements and authorizations (/area/requests).
  await app.register(requestsRoutes, {
    config: deps.config,
    db: deps.db,
    clock: deps.clock,
    courier: deps.courier,
    sessions,
    kickOutbox: deps.kickOutbox,
    uploadPacer: deps.uploadPacer,
  });
  // R36: /area/data, the member's copy of their data, who looked at it, and closing the account.
  await app.register(dataRoutes, {
    config: deps.config,
    db: deps.db,
    clock: deps.clock,
    courier: deps.courier,
    sessions,
    kickOutbox: deps.kickOutbox,
  });
  // R28: "this wasn't me" (the new-device email's link and the security page's button).
  await app.register(awarenessRoutes, {
    config: deps.config,
    db: deps.db,
    clock: deps.clock,
    courier: deps.courier,
    sessions,
    kickOutbox: deps.kickOutbox,
  });
  // R35: the portal as an OpenID Provider (served when it has signing keys: always outside production).
  if (deps.config.oidc)
    await app.register(oidcPlugin, {
      config: deps.config,
      oidc: deps.config.oidc,
      db: deps.db,
      clock: deps.clock,
      sessions,
    });
  // R35: the member's connected apps (on the security page's link), whether or not this node serves the provider.
  await app.register(connectedAppsRoutes, { config: deps.config, db: deps.db, clock: deps.clock, sessions });
  // R23 back office: staff sign-in, app.requireStaff(role) for every back-office slice registered after it.
  await app.register(backOffice, {
    config: deps.config,
    db: deps.db,
    clock: deps.clock,
    courier: deps.courier,
    kickOutbox: deps.kickOutbox,
    // R35: an agent ending a member's sessions (or disabling, or changing the username) tells their apps too.
    providerLogout: sessions.announceProviderLogout,
    checkOidcClientMetadata: deps.config.oidc
      ? clientMetadataChecker({ config: deps.config, oidc: deps.config.oidc, db: deps.db.kysely, clock: deps.clock })
      : undefined,
  });
  await app.register(integrationRoutes, {
    config: deps.config,
    db: deps.db,
    clock: deps.clock,
    courier: deps.courier,
    kickOutbox: deps.kickOutbox,
    uploadPacer: deps.uploadPacer,
  });
  if (deps.config.metricsToken)
    await app.register(metricsRoutes, { metrics: deps.metrics, token: deps.config.metricsToken });
  if (deps.config.devMailbox)
    await app.register(devMailboxRoutes, {
      db: deps.db,
      box: deps.config.secretBox,
      publicUrl: deps.config.publicUrl,
      port: deps.config.port,
      brand: deps.config.brand,
    });
  return app;
}
