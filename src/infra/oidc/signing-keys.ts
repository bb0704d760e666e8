import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  verify,
  type JsonWebKey,
} from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

// R35: the OpenID Provider signs ID tokens with keys from the configuration (OIDC_JWKS), never from the database: a
// copy of the database must not let anyone mint tokens. The first key signs; the others are published in the JWKS so
// tokens signed before a rotation still verify (docs/operations.md: add the new key last, roll, move it first, roll).

/** A private signing key as a JWK, with the algorithm it signs with and its key id. */
export interface SigningJwk extends JsonWebKey {
  kid: string;
  alg: 'ES256' | 'RS256';
  use: 'sig';
}

export interface OidcSettings {
  readonly jwks: { readonly keys: readonly SigningJwk[] };
  /** Keys the pairwise subject identifiers: the same member gets a different, stable `sub` at each client. */
  readonly pairwiseSalt: string;
}

export type ParsedKeys = { ok: true; jwks: { keys: SigningJwk[] } } | { ok: false; problem: string };

/** RFC 7638 thumbprint: a key id every node derives alike from the key itself. */
function thumbprint(jwk: JsonWebKey): string {
  const members =
    jwk.kty === 'EC' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y } : { e: jwk.e, kty: jwk.kty, n: jwk.n };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

/** Reads OIDC_JWKS: a JWK Set of private EC P-256 (ES256) or RSA ≥ 2048-bit (RS256) keys, the first one signing. */
export function parseSigningKeys(text: string): ParsedKeys {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'must be a JSON Web Key Set ({"keys":[…]})' };
  }
  const keys = (raw as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0 || keys.length > 10)
    return { ok: false, problem: 'must be a JSON Web Key Set with one to ten keys' };
  const out: SigningJwk[] = [];
  for (const [i, key] of keys.entries()) {
    const jwk = key as JsonWebKey & { kid?: unknown; alg?: unknown };
    if (typeof jwk !== 'object' || jwk === null || typeof jwk.d !== 'string')
      return { ok: false, problem: `key ${i + 1} must be a private key (with "d")` };
    const alg = jwk.kty === 'EC' && jwk.crv === 'P-256' ? 'ES256' : jwk.kty === 'RSA' ? 'RS256' : undefined;
    if (!alg) return { ok: false, problem: `key ${i + 1} must be EC P-256 (ES256) or RSA (RS256)` };
    if (jwk.alg !== undefined && jwk.alg !== alg)
      return { ok: false, problem: `key ${i + 1} is a ${jwk.kty} key: its alg can only be ${alg}` };
    try {
      const parsed = createPrivateKey({ key: jwk, format: 'jwk' });
      if (alg === 'RS256' && (parsed.asymmetricKeyDetails?.modulusLength ?? 0) < 2048)
        return { ok: false, problem: `key ${i + 1}: RSA keys must have at least 2048 bits` };
      // The published half must verify what the private half signs (a "d" from another key would not).
      const published = createPublicKey({
        key: jwk.kty === 'EC' ? { kty: 'EC', crv: jwk.crv, x: jwk.x, y: jwk.y } : { kty: 'RSA', n: jwk.n, e: jwk.e },
        format: 'jwk',
      });
      const probe = Buffer.from('member-area signing key check');
      if (!verify('sha256', probe, published, sign('sha256', probe, parsed)))
        return { ok: false, problem: `key ${i + 1}: its private part does not match its public part` };
    } catch {
      return { ok: false, problem: `key ${i + 1} is not a valid private key` };
    }
    const kid = typeof jwk.kid === 'string' && jwk.kid.length > 0 ? jwk.kid : thumbprint(jwk);
    if (out.some((k) => k.kid === kid)) return { ok: false, problem: `key ${i + 1} repeats the key id ${kid}` };
    out.push({ ...jwk, kid, alg, use: 'sig' });
  }
  return { ok: true, jwks: { keys: out } };
}

/** A new ES256 key set of one key (`member-area` prints one for operators; development keeps one on disk). */
export function generateSigningKeys(): { keys: SigningJwk[] } {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = privateKey.export({ format: 'jwk' });
  return { keys: [{ ...jwk, kid: thumbprint(jwk), alg: 'ES256', use: 'sig' }] };
}

let testSettings: OidcSettings | undefined;

/**
 * Development and tests: keys generated once. Development keeps them in the data folder (beside the SQLite file,
 * or ./data), so tokens and pairwise identifiers survive a restart; tests keep them in memory for the process.
 */
export function developmentOidcSettings(env: { NODE_ENV: string; DATABASE_URL: string }, salt?: string): OidcSettings {
  if (env.NODE_ENV === 'test') {
    testSettings ??= { jwks: generateSigningKeys(), pairwiseSalt: 'test-pairwise-salt-' + 'x'.repeat(32) };
    return salt ? { ...testSettings, pairwiseSalt: salt } : testSettings;
  }
  const sqlitePath = env.DATABASE_URL.startsWith('sqlite:') ? env.DATABASE_URL.slice('sqlite:'.length) : undefined;
  const folder = sqlitePath && sqlitePath !== ':memory:' ? dirname(sqlitePath) : 'data';
  // Read (or made) when the provider first needs it, not when the configuration is read: `member-area migrate` or
  // a test reading the defaults writes nothing.
  let stored: OidcSettings | undefined;
  const load = () => (stored ??= keptDevelopmentSettings(join(folder, 'oidc-development-keys.json')));
  return {
    get jwks() {
      return load().jwks;
    },
    get pairwiseSalt() {
      return salt ?? load().pairwiseSalt;
    },
  };
}

function keptDevelopmentSettings(file: string): OidcSettings {
  if (existsSync(file)) {
    const kept = JSON.parse(readFileSync(file, 'utf8')) as { jwks: unknown; pairwiseSalt: string };
    const parsed = parseSigningKeys(JSON.stringify(kept.jwks));
    if (parsed.ok && typeof kept.pairwiseSalt === 'string')
      return { jwks: parsed.jwks, pairwiseSalt: kept.pairwiseSalt };
  }
  const settings = { jwks: generateSigningKeys(), pairwiseSalt: randomBytes(32).toString('base64url') };
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(settings), { mode: 0o600 });
  chmodSync(file, 0o600);
  return settings;
}
