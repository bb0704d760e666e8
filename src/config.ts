import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecretBox, DEVELOPMENT_KEY, parseKey, type SecretBox } from './infra/crypto/secret-box.js';
import { z } from 'zod';
import { DEMO_LEGAL } from './demo-legal.js';
import { dialable } from './domain/phone.js';
import { developmentOidcSettings, parseSigningKeys, type OidcSettings } from './infra/oidc/signing-keys.js';
import { REQUEST_OPTION_ID } from './domain/request-lists.js';
import { brandContrastProblems } from './domain/contrast.js';
import { readWalletConfig, type WalletConfig } from './infra/wallet/wallet-config.js';

/**
 * Every address a brand file links to is https:// on a named host (issue 25): a `javascript:` or `data:` link in a
 * page's href would run in our origin, and plain http would let a network hand the member another page.
 */
const httpsUrl = z
  .string()
  .max(500)
  .pipe(z.url({ protocol: /^https$/, hostname: z.regexes.domain, error: 'must be an https:// address' }));

/**
 * The brand's logo, only ever rendered through <img> (an SVG there runs no script and loads nothing: the browser's
 * image mode) and left out of emails when inline: a path on the portal (/assets/…, never `//` or `/\`, which
 * browsers read as another host), an https:// address (allowed in the CSP's img-src) or a PNG, JPEG, WebP or SVG
 * data URI (percent-encoded or base64, RFC 2397). Any other type is refused rather than argued about.
 */
const logoUrl = z
  .string()
  .max(500)
  .refine(
    (v) =>
      /^\/(?![/\\])[^\s\\]*$/.test(v) ||
      httpsUrl.safeParse(v).success ||
      /^data:image\/(png|jpeg|webp|svg\+xml)(;base64)?,\S+$/.test(v),
    'must be a path starting with /, an https:// address or a PNG, JPEG, WebP or SVG data:image URI',
  );

/** A legal text of the brand (R30): the insurer's page elsewhere, or the text itself in both languages. */
const legalText = z.union([
  z.object({ url: httpsUrl }).strict(),
  z.object({ es: z.string().min(20).max(50_000), en: z.string().min(20).max(50_000) }).strict(),
]);
export type LegalText = z.infer<typeof legalText>;

/** The insurer's brand: everything a white-label deployment changes without touching code. */
/** A support phone (R17, R18), shown as written and dialled through a tel: link: it must be a valid number. */
const phoneNumber = z
  .string()
  .max(40)
  .refine((phone) => dialable(phone) !== undefined, 'must be a phone number: with its country code, or a Spanish one');

/** R31: one entry of the insurer's list of concepts or categories: a stored id and its label in both languages. */
const requestOptions = z
  .array(
    z
      .object({
        id: z.string().regex(REQUEST_OPTION_ID),
        es: z.string().min(1).max(100),
        en: z.string().min(1).max(100),
      })
      .strict(),
  )
  .min(1)
  .max(50)
  .refine((list) => new Set(list.map((o) => o.id)).size === list.length, 'ids must be unique');

export const brandSchema = z
  .object({
    name: z.string().min(1).max(80),
    productName: z.object({ es: z.string().min(1).max(80), en: z.string().min(1).max(80) }),
    logoUrl: logoUrl.optional(),
    colors: z.object({
      primary: z.string().regex(/^#[0-9a-fA-F]{6}$/),
      primaryText: z.string().regex(/^#[0-9a-fA-F]{6}$/),
      accent: z.string().regex(/^#[0-9a-fA-F]{6}$/),
    }),
    supportEmail: z.email(),
    supportPhone: phoneNumber.optional(),
    // R33: the 24-hour assistance line printed on the card (tap to call).
    emergencyPhone: phoneNumber.optional(),
    // R17: international and expatriate members are served elsewhere.
    internationalContact: z.object({
      email: z.email(),
      phone: phoneNumber.optional(),
      url: httpsUrl.optional(),
    }),
    // R30: the insurer's legal texts, each its address (https) or its text in both languages (paragraphs separated
    // by a blank line); production requires all four in a brand file.
    legal: z
      .object({
        privacy: legalText,
        legalNotice: legalText,
        cookies: legalText,
        accessibility: legalText,
      })
      .strict()
      .optional(),
    // R30, RFC 9116: where researchers report a vulnerability (mailto: or https:), for /.well-known/security.txt.
    securityContact: z
      .string()
      .max(300)
      .refine(
        (v) => /^mailto:[^\s@:/?#]+@[^\s@/?#]+$/.test(v) || httpsUrl.safeParse(v).success,
        'must be a mailto: or https:// address',
      )
      .optional(),
    // R31: the insurer's concepts (reimbursements) and categories (authorizations); defaults in domain/request-lists.
    requests: z
      .object({ concepts: requestOptions.optional(), categories: requestOptions.optional() })
      .strict()
      .optional(),
  })
  .strict();
export type Brand = z.infer<typeof brandSchema>;

export const defaultBrand: Brand = Object.freeze({
  name: 'Salud Ejemplo',
  productName: { es: 'Área Privada de Asegurado', en: 'Private Member Area' },
  colors: { primary: '#0b5394', primaryText: '#ffffff', accent: '#0a7d5a' },
  supportEmail: 'atencion.cliente@salud-ejemplo.example',
  supportPhone: '+34 900 000 000',
  emergencyPhone: '+34 900 000 112',
  internationalContact: { email: 'international@salud-ejemplo.example', phone: '+34 900 000 001' },
  legal: DEMO_LEGAL,
  securityContact: 'mailto:seguridad@salud-ejemplo.example',
});

const intFrom = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: intFrom(0, 65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  DATABASE_URL: z
    .string()
    .regex(/^(sqlite:.+|postgres(ql)?:\/\/.+)$/, 'must be sqlite:PATH or postgres://…')
    .default('sqlite:./data/member-area.db'),
  SMTP_URL: z.url({ protocol: /^smtps?$/ }).optional(),
  MAIL_FROM: z.string().min(3).max(200).optional(),
  SMS_WEBHOOK_URL: z.url({ protocol: /^https?$/ }).optional(),
  // Development conveniences; production refuses them (see checkProduction).
  DEV_MAILBOX: z.enum(['on', 'off']).optional(),
  DEMO_DATA: z.enum(['on', 'off']).optional(),
  BRAND_FILE: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TRUST_PROXY: z.string().max(500).optional(),
  SESSION_IDLE_MINUTES: intFrom(1, 24 * 60).default(15),
  SESSION_ABSOLUTE_HOURS: intFrom(1, 24 * 7).default(8),
  STAFF_SESSION_IDLE_MINUTES: intFrom(1, 8 * 60).default(15),
  STAFF_SESSION_ABSOLUTE_HOURS: intFrom(1, 24).default(8),
  OUTBOX_POLL_MS: intFrom(50, 60_000).default(1000),
  // How long a claim on a message lasts unless its node renews it (every quarter of it while sending): the bound on
  // how long a killed node's messages wait before another node sends them (issue 33).
  OUTBOX_LEASE_SECONDS: intFrom(2, 3600).default(20),
  TIME_ZONE: z.string().default('Europe/Madrid'),
  // R36: how long a closed account stays blocked (reopenable by customer service) before the purge removes it.
  CLOSED_ACCOUNT_RETENTION_DAYS: intFrom(1, 3650).default(90),
  // Issue 18: on SIGTERM readiness answers 503 for SHUTDOWN_DRAIN_SECONDS (the proxy stops sending), then in-flight
  // requests finish; after SHUTDOWN_TIMEOUT_SECONDS in all the process ends regardless.
  SHUTDOWN_DRAIN_SECONDS: intFrom(0, 120).optional(),
  SHUTDOWN_TIMEOUT_SECONDS: intFrom(1, 600).default(30),
  // The JavaScript heap of `member-area import` (its worker thread): peak memory stays bounded whatever the feed's
  // size.
  IMPORT_HEAP_MB: intFrom(32, 16_384).default(96),
  // Keys HMACs that every node must agree on (captcha challenges). Production requires it.
  SECRET_KEY: z.string().min(32, 'must be at least 32 characters').max(256).optional(),
  // R29: the key that seals authenticator secrets and unsent messages (AES-256-GCM): 32 bytes as 64 hex digits or
  // base64. Production requires it; keys being rotated out stay in ENCRYPTION_KEYS_PREVIOUS (comma-separated).
  ENCRYPTION_KEY: z.string().max(100).optional(),
  ENCRYPTION_KEYS_PREVIOUS: z.string().max(2000).optional(),
  // R35: the OpenID Provider's signing keys, a JWK Set of private keys (EC P-256 for ES256 or RSA for RS256) as JSON;
  // the first key signs, the others still verify (rotation). Unset in production: the provider is not served.
  OIDC_JWKS: z.string().max(50_000).optional(),
  // R35: keys the pairwise subject identifiers (sub per client); changing it gives every member new identifiers.
  OIDC_PAIRWISE_SALT: z.string().min(32, 'must be at least 32 characters').max(256).optional(),
  // Bearer token for GET /metrics (Prometheus); the route does not exist while it is unset.
  METRICS_TOKEN: z
    .string()
    .min(24, 'must be at least 24 characters')
    .max(256)
    .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
    .optional(),
  // R33: Apple Wallet (PEM files) and Google Wallet (the service account's JSON key file); each wallet's button shows
  // only when all its variables are set.
  APPLE_PASS_TYPE_ID: z.string().max(200).optional(),
  APPLE_TEAM_ID: z.string().max(20).optional(),
  APPLE_PASS_CERT: z.string().max(1000).optional(),
  APPLE_PASS_KEY: z.string().max(1000).optional(),
  APPLE_WWDR_CERT: z.string().max(1000).optional(),
  GOOGLE_WALLET_ISSUER_ID: z.string().max(40).optional(),
  GOOGLE_WALLET_SERVICE_ACCOUNT: z.string().max(1000).optional(),
});

export interface Config {
  readonly env: 'development' | 'production' | 'test';
  readonly port: number;
  readonly host: string;
  readonly publicUrl: string;
  readonly databaseUrl: string;
  readonly smtpUrl: string | undefined;
  readonly mailFrom: string;
  readonly smsWebhookUrl: string | undefined;
  /** The development mailbox page (/dev/mailbox); mail and SMS with no transport land there. */
  readonly devMailbox: boolean;
  readonly demoData: boolean;
  readonly brand: Brand;
  readonly logLevel: string;
  readonly trustProxy: string | boolean;
  readonly session: { readonly idleMinutes: number; readonly absoluteHours: number };
  /** Back-office sessions (R23): short, and set apart from members'. */
  readonly staffSession: { readonly idleMinutes: number; readonly absoluteHours: number };
  readonly outboxPollMs: number;
  readonly outboxLeaseMs: number;
  readonly timeZone: string;
  /** R36: days a closed account is kept blocked before the purge job removes it. */
  readonly closedAccountRetentionDays: number;
  /**
   * SIGTERM: readiness 503 for `drainMs`, then in-flight requests finish; the process ends by `timeoutMs` regardless.
   */
  readonly shutdown: { readonly drainMs: number; readonly timeoutMs: number };
  /** The JavaScript heap, in MB, of the CLI's feed import (run in a worker thread with that limit). */
  readonly importHeapMb: number;
  /** Cookies carry `Secure` and the `__Host-` prefix unless we serve plain http on localhost (R8). */
  readonly secureCookies: boolean;
  /** HMAC key shared by every node; a random one per process in development when unset. */
  readonly secretKey: string;
  /** Bearer token that opens GET /metrics; undefined: no metrics endpoint. */
  readonly metricsToken: string | undefined;
  /** R29: seals and opens secrets at rest under ENCRYPTION_KEY (a fixed, public key in development and tests). */
  readonly secretBox: SecretBox;
  /** R35: the OpenID Provider's keys and pairwise salt; undefined: not served (production without keys). */
  readonly oidc: OidcSettings | undefined;
  /** R33: the wallets' keys; a wallet is undefined unless configured. */
  readonly wallet: WalletConfig;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function readBrand(path: string | undefined): Brand {
  if (!path) return defaultBrand;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError([`BRAND_FILE: cannot read ${path} as JSON (${(err as Error).message})`]);
  }
  const parsed = brandSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `BRAND_FILE ${i.path.join('.')}: ${i.message}`));
  }
  // R37: a brand whose text colours fail WCAG AA would make every page unreadable for some members; refuse it.
  const contrast = brandContrastProblems(parsed.data.colors);
  if (contrast.length > 0) throw new ConfigError(contrast.map((p) => `BRAND_FILE ${p}`));
  return parsed.data;
}

/** Whether the server would listen only on this machine. */
function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function isLocalhost(url: URL): boolean {
  return ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}

/** Every environment variable the configuration reads (.env.example documents each). */
export const ENV_VARIABLES: readonly string[] = Object.keys(envSchema.shape);

/** Reads the environment once into a frozen, typed object; any malformed value stops the start. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings count as unset, the way .env files and shells leave them.
  const cleaned = Object.fromEntries(Object.keys(envSchema.shape).map((k) => [k, env[k] === '' ? undefined : env[k]]));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  const publicUrl = (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  const url = new URL(publicUrl);
  const devMailbox = production ? e.DEV_MAILBOX === 'on' : e.DEV_MAILBOX !== 'off';
  const brand = readBrand(e.BRAND_FILE);
  try {
    new Intl.DateTimeFormat('en', { timeZone: e.TIME_ZONE });
  } catch {
    throw new ConfigError([`TIME_ZONE: unknown time zone ${e.TIME_ZONE}`]);
  }

  const problems: string[] = [];
  // The drain is part of the shutdown's time: as long as the deadline, requests in flight would get none (issue 18).
  const drainSeconds = e.SHUTDOWN_DRAIN_SECONDS ?? (production ? 5 : 0);
  if (drainSeconds >= e.SHUTDOWN_TIMEOUT_SECONDS)
    problems.push(
      `SHUTDOWN_DRAIN_SECONDS: must be shorter than SHUTDOWN_TIMEOUT_SECONDS (${e.SHUTDOWN_TIMEOUT_SECONDS})`,
    );
  if (production) {
    if (!e.PUBLIC_URL || url.protocol !== 'https:') problems.push('PUBLIC_URL: production needs an https:// address');
    if (!e.SMTP_URL) problems.push('SMTP_URL: production needs a mail server');
    if (devMailbox) problems.push('DEV_MAILBOX: the development mailbox cannot run in production');
    if (e.DEMO_DATA === 'on') problems.push('DEMO_DATA: demo data cannot be loaded in production');
    // Codes travel in the webhook's body: only over TLS, unless the gateway relay runs on this machine.
    if (
      e.SMS_WEBHOOK_URL &&
      new URL(e.SMS_WEBHOOK_URL).protocol === 'http:' &&
      !isLocalhost(new URL(e.SMS_WEBHOOK_URL))
    ) {
      problems.push('SMS_WEBHOOK_URL: production needs https:// (plain http only to a relay on this machine)');
    }
    // A live node renews its claims every quarter of the lease: a lease that short could lapse over a few slow
    // database round trips, and a slow send be handed to a second node.
    if (e.OUTBOX_LEASE_SECONDS < 10) problems.push('OUTBOX_LEASE_SECONDS: production needs at least 10 seconds');
    if (!e.SECRET_KEY) problems.push('SECRET_KEY: production needs a shared secret of at least 32 characters');
    if (e.BRAND_FILE && !brand.legal)
      problems.push(
        'BRAND_FILE: production needs the legal texts (legal.privacy, legalNotice, cookies, accessibility: R30)',
      );
    if (!e.ENCRYPTION_KEY)
      problems.push(
        'ENCRYPTION_KEY: production needs a key of 32 random bytes (64 hex digits or base64) to seal secrets at rest',
      );
    // `true` would believe X-Forwarded-For from anyone who reaches the node: per-address limits (R9) and the audit's
    // addresses would be the attacker's to choose.
    if (e.TRUST_PROXY === 'true')
      problems.push('TRUST_PROXY: production needs the proxy addresses (or loopback), not true');
  }
  if (e.METRICS_TOKEN && e.METRICS_TOKEN === e.SECRET_KEY)
    problems.push('METRICS_TOKEN: must not be the same as SECRET_KEY');
  // The development mailbox shows every code and link: only to this machine, unless someone asks for more in words.
  if (devMailbox && e.DEV_MAILBOX !== 'on' && !isLoopbackHost(e.HOST)) {
    problems.push(
      `DEV_MAILBOX: the development mailbox shows every code and link sent; it stays off the network (HOST=${e.HOST}) unless DEV_MAILBOX=on, or configure SMTP_URL and set DEV_MAILBOX=off`,
    );
  }
  const encryptionKey = e.ENCRYPTION_KEY === undefined ? DEVELOPMENT_KEY : parseKey(e.ENCRYPTION_KEY);
  if (!encryptionKey)
    problems.push('ENCRYPTION_KEY: must be 32 bytes, as 64 hex digits or base64 (e.g. `openssl rand -hex 32`)');
  const previousKeys = (e.ENCRYPTION_KEYS_PREVIOUS ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean)
    .map(parseKey);
  if (previousKeys.some((k) => !k))
    problems.push('ENCRYPTION_KEYS_PREVIOUS: each key must be 32 bytes, as 64 hex digits or base64');
  const signingKeys = e.OIDC_JWKS === undefined ? undefined : parseSigningKeys(e.OIDC_JWKS);
  if (signingKeys && !signingKeys.ok) problems.push(`OIDC_JWKS: ${signingKeys.problem}`);
  if (production && e.OIDC_JWKS && !e.OIDC_PAIRWISE_SALT)
    problems.push('OIDC_PAIRWISE_SALT: production needs a salt of at least 32 characters with OIDC_JWKS');
  const wallet = readWalletConfig(e, problems);
  if (problems.length) throw new ConfigError(problems);
  // R35: production serves the provider only with its own keys; development keeps generated ones in the data folder.
  let oidc: OidcSettings | undefined;
  if (signingKeys?.ok) {
    const development = e.OIDC_PAIRWISE_SALT ? undefined : developmentOidcSettings(e);
    oidc = {
      jwks: signingKeys.jwks,
      get pairwiseSalt() {
        return e.OIDC_PAIRWISE_SALT ?? development!.pairwiseSalt;
      },
    };
  } else if (!production) oidc = developmentOidcSettings(e, e.OIDC_PAIRWISE_SALT);

  let trustProxy: string | boolean = false;
  if (e.TRUST_PROXY === 'true') trustProxy = true;
  else if (e.TRUST_PROXY && e.TRUST_PROXY !== 'false') trustProxy = e.TRUST_PROXY;

  return Object.freeze({
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    publicUrl,
    databaseUrl: e.DATABASE_URL,
    smtpUrl: e.SMTP_URL,
    mailFrom:
      e.MAIL_FROM ??
      `"${brand.name}" <no-reply@${url.hostname === 'localhost' ? 'member-area.localhost' : url.hostname}>`,
    smsWebhookUrl: e.SMS_WEBHOOK_URL,
    devMailbox,
    demoData: !production && e.DEMO_DATA !== 'off',
    brand,
    logLevel: e.LOG_LEVEL,
    trustProxy,
    session: Object.freeze({ idleMinutes: e.SESSION_IDLE_MINUTES, absoluteHours: e.SESSION_ABSOLUTE_HOURS }),
    staffSession: Object.freeze({
      idleMinutes: e.STAFF_SESSION_IDLE_MINUTES,
      absoluteHours: e.STAFF_SESSION_ABSOLUTE_HOURS,
    }),
    outboxPollMs: e.OUTBOX_POLL_MS,
    outboxLeaseMs: e.OUTBOX_LEASE_SECONDS * 1000,
    timeZone: e.TIME_ZONE,
    closedAccountRetentionDays: e.CLOSED_ACCOUNT_RETENTION_DAYS,
    shutdown: Object.freeze({ drainMs: drainSeconds * 1000, timeoutMs: e.SHUTDOWN_TIMEOUT_SECONDS * 1000 }),
    importHeapMb: e.IMPORT_HEAP_MB,
    secureCookies: !(url.protocol === 'http:' && isLocalhost(url)),
    secretKey: e.SECRET_KEY ?? randomBytes(32).toString('base64url'),
    metricsToken: e.METRICS_TOKEN,
    secretBox: createSecretBox(encryptionKey!, previousKeys as Buffer[]),
    oidc,
    wallet,
  });
}
