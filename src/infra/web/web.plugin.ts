import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyStatic from '@fastify/static';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import helmet from 'helmet';
import Negotiator from 'negotiator';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import { DEFAULT_LANG, isLang, LANGS, translator, type Lang, type MessageKey, type Translate } from '../i18n/i18n.js';
import { ErrorPage } from './error-page.js';
import { faviconIco, faviconSvg } from './favicon.js';
import { DEFAULT_LOGO_PATH } from './layout.js';
import type { PageContext } from './page-context.js';
import { REPLY_STATUS, sendErrorPage, sendPage } from './view.js';
import { noScriptToken } from '../captcha/captcha.js';

/** The headers a (request-independent) connect middleware sets, collected by running it once against a recorder. */
function headersSetBy(
  middleware: (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void,
): [string, string | number | readonly string[]][] {
  const headers = new Map<string, string | number | readonly string[]>();
  const recorder = {
    setHeader: (name: string, value: string | number | readonly string[]) => headers.set(name.toLowerCase(), value),
    removeHeader: (name: string) => headers.delete(name.toLowerCase()),
    getHeader: (name: string) => headers.get(name.toLowerCase()),
  };
  let failed: unknown;
  middleware(
    { method: 'GET', url: '/', headers: {} } as IncomingMessage,
    recorder as unknown as ServerResponse,
    (err) => (failed = err),
  );
  if (failed) throw failed;
  return [...headers];
}

/** R27: the scripts of a page with a passkey ceremony, in order (the library, then ours). */
export const WEBAUTHN_SCRIPT = '/assets/webauthn.js';
export const PASSKEY_SCRIPTS = [WEBAUTHN_SCRIPT, '/assets/passkey.js'];

declare module 'fastify' {
  interface FastifyRequest {
    lang: Lang;
    t: Translate;
    pageContext(): PageContext;
  }
  interface FastifyContextConfig {
    /** Set to false on routes that authenticate otherwise (the JSON API with its keys). */
    csrf?: boolean;
  }
}

export interface WebOptions {
  config: Config;
  clock: Clock;
  publicDir: string;
}

const ONE_YEAR_S = 365 * 24 * 3600;

function chooseLang(request: FastifyRequest, cookieName: string): { lang: Lang; chosen: boolean } {
  const query = request.query as Record<string, unknown> | undefined;
  if (query && isLang(query.lang)) return { lang: query.lang, chosen: true };
  const cookie = request.cookies[cookieName];
  if (isLang(cookie)) return { lang: cookie, chosen: false };
  const header = request.headers['accept-language'] ?? '';
  let lang = header.length <= 200 ? negotiatedLangs.get(header) : undefined;
  if (!lang) {
    const negotiated = new Negotiator({ headers: { 'accept-language': header } }).language([...LANGS]);
    lang = isLang(negotiated) ? negotiated : DEFAULT_LANG;
    // A browser sends the same header on every request, and browsers send a few dozen different ones (issue 32).
    if (header.length <= 200) {
      if (negotiatedLangs.size >= 500) negotiatedLangs.delete(negotiatedLangs.keys().next().value!);
      negotiatedLangs.set(header, lang);
    }
  }
  return { lang, chosen: false };
}
const negotiatedLangs = new Map<string, Lang>();

/** Error codes of a database that cannot be reached right now (network, restart, overload, SQLite lock). */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  // PostgreSQL: connection exceptions (08xxx), shutting down or starting up (57P01–57P03), too many connections.
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  'SQLITE_BUSY',
]);

/** True when the error means the database is unreachable for now (503, try again), not that our code failed (500). */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
  // pg reports a dropped or refused connection with these messages and no code.
  return /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection terminated unexpectedly)/.test(
    err.message,
  );
}

function errorKeys(
  err: FastifyError,
  request: FastifyRequest,
): { status: number; title: MessageKey; body: MessageKey } {
  if (isDatabaseUnavailable(err))
    return { status: REPLY_STATUS.unavailable, title: 'error.unavailable.title', body: 'error.unavailable.body' };
  const code = err.code ?? '';
  // R21: a form posted with no cookie at all comes from a browser that refuses them (the page that carried the form
  // set one): say that cookies are needed, not that the form expired.
  if (code.startsWith('FST_CSRF') && !request.headers.cookie)
    return { status: REPLY_STATUS.forbidden, title: 'error.cookies.title', body: 'error.cookies.body' };
  if (code.startsWith('FST_CSRF'))
    return { status: REPLY_STATUS.forbidden, title: 'error.csrf.title', body: 'error.csrf.body' };
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE' || err.statusCode === 413)
    return { status: REPLY_STATUS.tooLarge, title: 'error.tooLarge.title', body: 'error.tooLarge.body' };
  if (err.statusCode === 429)
    return { status: REPLY_STATUS.limited, title: 'error.rateLimited.title', body: 'error.rateLimited.body' };
  if (err.statusCode === 404)
    return { status: REPLY_STATUS.notFound, title: 'error.notFound.title', body: 'error.notFound.body' };
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500)
    return { status: err.statusCode, title: 'error.badRequest.title', body: 'error.badRequest.body' };
  return { status: 500, title: 'error.server.title', body: 'error.server.body' };
}

function brandCss(config: Config): string {
  const c = config.brand.colors;
  return `:root{--brand-primary:${c.primary};--brand-primary-text:${c.primaryText};--brand-accent:${c.accent}}\n`;
}

/**
 * The web base every flow stands on: cookies, form parsing, security headers with a CSP that allows no inline
 * script, CSRF protection on every state-changing request, static assets served locally, the member's language
 * (R20), and error pages that never leak internals.
 */
async function webPlugin(app: FastifyInstance, opts: WebOptions): Promise<void> {
  const { config, clock } = opts;
  const secure = config.secureCookies;
  // Every cookie of ours is host-only and Secure outside plain-http localhost (R8, ASVS 3.3.3), the language one too.
  const langCookie = secure ? '__Host-lang' : 'lang';
  // A brand logo on another https origin (the insurer's CDN) is the one image source besides our own.
  const logoOrigin = config.brand.logoUrl?.startsWith('https://') ? new URL(config.brand.logoUrl).origin : undefined;

  await app.register(fastifyCookie);
  await app.register(fastifyFormbody, { bodyLimit: 64 * 1024 });
  // Security headers from helmet, built once: @fastify/helmet built the whole middleware again on every request,
  // re-parsing the CSP (6% of a signed-in page's CPU, issue 8). The headers are the same for every response.
  const securityHeaders = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', ...(logoOrigin ? [logoOrigin] : [])],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        ...(secure ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    // HSTS only where the portal is served over https; on plain-http localhost it would break development.
    strictTransportSecurity: config.env === 'production' ? { maxAge: ONE_YEAR_S, includeSubDomains: true } : false,
    // No page of ours needs to tell another site where the member came from; reset links live in URLs (R11).
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginEmbedderPolicy: false,
  });
  // The headers are the same for every response, so helmet runs once, here, and each response gets its result: running
  // its thirteen middlewares per request was 3% of a signed-in page's CPU (issue 20).
  const fixedHeaders = headersSetBy(securityHeaders);
  app.addHook('onRequest', (_request, reply, done) => {
    for (const [name, value] of fixedHeaders) reply.raw.setHeader(name, value);
    done();
  });
  await app.register(fastifyCsrf, {
    cookieKey: secure ? '__Host-csrf' : 'csrf',
    cookieOpts: { path: '/', httpOnly: true, sameSite: 'lax', secure },
    sessionPlugin: '@fastify/cookie',
  });
  await app.register(fastifyStatic, {
    root: opts.publicDir,
    prefix: '/assets/',
    decorateReply: false,
    maxAge: config.env === 'production' ? '1h' : 0,
  });

  const css = brandCss(config);
  // R27: the WebAuthn browser library, from our own origin (no CDN; CSP script-src 'self'), read once.
  const webauthn = await readFile(
    join(
      dirname(createRequire(import.meta.url).resolve('@simplewebauthn/browser')),
      '..',
      'dist',
      'bundle',
      'index.umd.min.js',
    ),
    'utf8',
  );
  app.get(WEBAUTHN_SCRIPT, async (_req, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=300').send(webauthn),
  );
  app.get('/assets/brand.css', async (_req, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=300').send(css),
  );
  // R37: the brand's favicon, drawn once from its colours; /favicon.ico for whatever asks without reading the page.
  const icon = { svg: faviconSvg(config.brand.colors), ico: faviconIco(config.brand.colors) };
  app.get('/favicon.svg', async (_req, reply) =>
    reply.type('image/svg+xml').header('cache-control', 'public, max-age=3600').send(icon.svg),
  );
  // R37: the header's logo when the brand file names none: the same mark, from the same colours.
  app.get(DEFAULT_LOGO_PATH, async (_req, reply) =>
    reply.type('image/svg+xml').header('cache-control', 'public, max-age=3600').send(icon.svg),
  );
  app.get('/favicon.ico', async (_req, reply) =>
    reply.type('image/x-icon').header('cache-control', 'public, max-age=3600').send(icon.ico),
  );

  app.decorateRequest('lang', DEFAULT_LANG);
  app.decorateRequest('t', null as unknown as Translate);
  app.decorateRequest('pageContext', function (this: FastifyRequest): PageContext {
    // Fastify's reply is needed for the CSRF cookie; routes call pageContext() through the reply-aware helper below.
    throw new Error(`pageContext() used before the web plugin set it up (${this.url})`);
  });

  app.addHook('onRequest', (request, reply, done) => {
    // R24: the JSON API authenticates by key; it neither reads nor sets any cookie, the language one included.
    if (request.url.startsWith('/api/')) {
      request.lang = DEFAULT_LANG;
      request.t = translator(DEFAULT_LANG);
      return done();
    }
    const { lang, chosen } = chooseLang(request, langCookie);
    request.lang = lang;
    request.t = translator(lang);
    if (chosen && request.cookies[langCookie] !== lang) {
      reply.setCookie(langCookie, lang, { path: '/', maxAge: ONE_YEAR_S, sameSite: 'lax', secure, httpOnly: true });
    }
    let token: string | undefined;
    const path = request.url.split('?')[0] ?? '/';
    request.pageContext = () => ({
      lang: request.lang,
      t: request.t,
      brand: config.brand,
      path,
      year: clock.now().getUTCFullYear(),
      signedIn: Boolean((request as { memberSession?: unknown }).memberSession),
      csrfToken: () => (token ??= reply.generateCsrf()),
      captchaNoScript: () => noScriptToken(config.secretKey, clock.now()),
    });
    done();
  });

  // CSRF on every state-changing request (the body is parsed by now, so the token may come from the form).
  app.addHook('preHandler', (request, reply, done) => {
    const method = request.method;
    if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS' || request.routeOptions.config.csrf === false)
      return done();
    app.csrfProtection(request, reply, done);
  });

  // Pages carrying forms or personal data must not be kept by browsers or proxies (R8).
  app.addHook('onSend', (_request, reply, payload, done) => {
    const type = String(reply.getHeader('content-type') ?? '');
    if (type.startsWith('text/html') && !reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    done(null, payload);
  });

  app.setNotFoundHandler((request, reply) =>
    sendPage(
      reply,
      ErrorPage({ ctx: request.pageContext(), titleKey: 'error.notFound.title', bodyKey: 'error.notFound.body' }),
      'notFound',
    ),
  );

  app.setErrorHandler((err: FastifyError, request, reply: FastifyReply) => {
    const keys = errorKeys(err, request);
    if (keys.status === 503) {
      // The database is away (issue 9): say so and when to retry; the pool reconnects by itself.
      request.log.warn({ err }, 'database unavailable');
      reply.header('retry-after', '30');
    } else if (keys.status >= 500) request.log.error({ err }, 'unhandled error');
    else request.log.info({ code: err.code, status: keys.status }, 'request refused');
    // A failure before the onRequest hook ran (a malformed URL, say) still gets a page in a language.
    if (!request.t) {
      request.lang = DEFAULT_LANG;
      request.t = translator(DEFAULT_LANG);
    }
    let ctx: PageContext;
    try {
      ctx = request.pageContext();
    } catch {
      ctx = {
        lang: request.lang,
        t: request.t,
        brand: config.brand,
        path: '/',
        year: clock.now().getUTCFullYear(),
        csrfToken: () => '',
      };
    }
    return sendErrorPage(
      reply,
      ErrorPage({
        ctx,
        titleKey: keys.title,
        bodyKey: keys.body,
        ...(keys.status >= 500 ? { reference: String(request.id) } : {}),
        ...(keys.title === 'error.cookies.title'
          ? { help: { href: '/help/browsers', label: 'help.browsers.title' as const } }
          : {}),
      }),
      keys.status,
    );
  });
}

export const web = fp(webPlugin, { name: 'web', fastify: '5.x' });

export { defaultPublicDir } from './public-dir.js';
