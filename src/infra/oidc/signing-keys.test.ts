import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../config.js';
import { developmentOidcSettings, generateSigningKeys, parseSigningKeys } from './signing-keys.js';

// R35: the provider's signing keys come from OIDC_JWKS (several, the first signing); development generates one once
// and keeps it in the data folder; production without keys serves no provider.

const PRODUCTION = {
  NODE_ENV: 'production',
  PUBLIC_URL: 'https://area.example.es',
  SMTP_URL: 'smtps://u:p@mail.example.es:465',
  SECRET_KEY: 'k'.repeat(40),
  ENCRYPTION_KEY: 'a'.repeat(64),
};

test('OIDC_JWKS: EC P-256 and RSA private keys, in order, each with its alg and a key id', () => {
  const ec = generateSigningKeys().keys[0]!;
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const parsed = parseSigningKeys(JSON.stringify({ keys: [{ ...ec, kid: undefined }, rsa] }));
  assert.ok(parsed.ok);
  assert.deepEqual(
    parsed.jwks.keys.map((k) => k.alg),
    ['ES256', 'RS256'],
  );
  assert.equal(parsed.jwks.keys[0]!.kid, ec.kid, 'the key id is the RFC 7638 thumbprint when none is given');
  const config = loadConfig({ NODE_ENV: 'test', OIDC_JWKS: JSON.stringify({ keys: [rsa, ec] }) });
  assert.equal(config.oidc?.jwks.keys[0]!.alg, 'RS256', 'the first key signs');
});

test('OIDC_JWKS: what is not a set of usable private signing keys stops the start, naming the variable', () => {
  const ec = generateSigningKeys().keys[0]!;
  const publicOnly = { kty: ec.kty, crv: ec.crv, x: ec.x, y: ec.y };
  const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'jwk' });
  const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ format: 'jwk' });
  for (const bad of [
    'not json',
    '{}',
    JSON.stringify({ keys: [] }),
    JSON.stringify({ keys: [publicOnly] }),
    JSON.stringify({ keys: [weak] }),
    JSON.stringify({ keys: [p384] }),
    JSON.stringify({ keys: [{ ...ec, alg: 'RS256' }] }),
    JSON.stringify({ keys: [ec, ec] }),
    JSON.stringify({ keys: [{ ...ec, d: 'AAAA' }] }),
  ])
    assert.throws(
      () => loadConfig({ NODE_ENV: 'test', OIDC_JWKS: bad }),
      (err: unknown) => err instanceof ConfigError && /OIDC_JWKS/.test(err.message),
      bad.slice(0, 40),
    );
});

test('production: no provider without OIDC_JWKS; with it, OIDC_PAIRWISE_SALT is required', () => {
  assert.equal(loadConfig(PRODUCTION).oidc, undefined);
  const jwks = JSON.stringify(generateSigningKeys());
  assert.throws(() => loadConfig({ ...PRODUCTION, OIDC_JWKS: jwks }), /OIDC_PAIRWISE_SALT/);
  assert.throws(
    () => loadConfig({ ...PRODUCTION, OIDC_JWKS: jwks, OIDC_PAIRWISE_SALT: 'short' }),
    /OIDC_PAIRWISE_SALT/,
  );
  const config = loadConfig({ ...PRODUCTION, OIDC_JWKS: jwks, OIDC_PAIRWISE_SALT: 's'.repeat(32) });
  assert.equal(config.oidc?.pairwiseSalt, 's'.repeat(32));
});

test('development: one key generated into the data folder on first use (mode 600), the same after a restart', () => {
  const folder = mkdtempSync(join(tmpdir(), 'oidc-dev-'));
  const env = { NODE_ENV: 'development', DATABASE_URL: `sqlite:${join(folder, 'member-area.db')}` };
  const file = join(folder, 'oidc-development-keys.json');
  const first = developmentOidcSettings(env);
  assert.ok(!existsSync(file), 'nothing is written until the provider needs a key');
  const kid = first.jwks.keys[0]!.kid;
  assert.ok(existsSync(file));
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const again = developmentOidcSettings(env);
  assert.equal(again.jwks.keys[0]!.kid, kid);
  assert.equal(again.pairwiseSalt, first.pairwiseSalt);
  assert.ok(JSON.parse(readFileSync(file, 'utf8')).jwks.keys[0].d, 'a private key');
});
