import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';

// R33: the wallet passes' keys, read from files once at start. A missing, unreadable or malformed file stops the start
// with a message naming its variable, rather than a 500 the first time a member taps "Add to Apple Wallet".

export interface AppleWalletConfig {
  readonly passTypeId: string;
  readonly teamId: string;
  /** PEM: the pass type certificate, its private key, and Apple's WWDR intermediate. */
  readonly cert: string;
  readonly key: string;
  readonly wwdr: string;
}

export interface GoogleWalletConfig {
  readonly issuerId: string;
  /** From the service account's JSON key file. */
  readonly clientEmail: string;
  readonly privateKey: string;
}

export interface WalletConfig {
  readonly apple: AppleWalletConfig | undefined;
  readonly google: GoogleWalletConfig | undefined;
}

export const APPLE_VARIABLES = [
  'APPLE_PASS_TYPE_ID',
  'APPLE_TEAM_ID',
  'APPLE_PASS_CERT',
  'APPLE_PASS_KEY',
  'APPLE_WWDR_CERT',
] as const;
export const GOOGLE_VARIABLES = ['GOOGLE_WALLET_ISSUER_ID', 'GOOGLE_WALLET_SERVICE_ACCOUNT'] as const;
type WalletEnv = Partial<Record<(typeof APPLE_VARIABLES)[number] | (typeof GOOGLE_VARIABLES)[number], string>>;

function readText(name: string, path: string, problems: string[]): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    problems.push(`${name}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    return undefined;
  }
}

function certificate(name: string, path: string, problems: string[]): string | undefined {
  const pem = readText(name, path, problems);
  if (pem === undefined) return undefined;
  try {
    new X509Certificate(pem);
    return pem;
  } catch {
    problems.push(`${name}: ${path} is not a PEM certificate`);
    return undefined;
  }
}

function privateKey(name: string, pem: string | undefined, where: string, problems: string[]): string | undefined {
  if (pem === undefined) return undefined;
  try {
    createPrivateKey(pem);
    return pem;
  } catch {
    problems.push(`${name}: ${where} is not an unencrypted PEM private key`);
    return undefined;
  }
}

/** Both wallets' settings: each wallet on only when all its variables are set; any half-set or bad one is a problem. */
export function readWalletConfig(env: WalletEnv, problems: string[]): WalletConfig {
  let apple: AppleWalletConfig | undefined;
  const appleSet = APPLE_VARIABLES.filter((v) => env[v]);
  if (appleSet.length > 0 && appleSet.length < APPLE_VARIABLES.length)
    problems.push(
      `${APPLE_VARIABLES.filter((v) => !env[v]).join(', ')}: Apple Wallet needs all of ${APPLE_VARIABLES.join(', ')}`,
    );
  else if (appleSet.length === APPLE_VARIABLES.length) {
    const cert = certificate('APPLE_PASS_CERT', env.APPLE_PASS_CERT!, problems);
    const keyPem = readText('APPLE_PASS_KEY', env.APPLE_PASS_KEY!, problems);
    const key = privateKey('APPLE_PASS_KEY', keyPem, env.APPLE_PASS_KEY!, problems);
    const wwdr = certificate('APPLE_WWDR_CERT', env.APPLE_WWDR_CERT!, problems);
    if (!/^pass\.[A-Za-z0-9.-]+$/.test(env.APPLE_PASS_TYPE_ID!))
      problems.push('APPLE_PASS_TYPE_ID: must look like pass.com.example.card');
    if (!/^[A-Z0-9]{10}$/.test(env.APPLE_TEAM_ID!)) problems.push('APPLE_TEAM_ID: must be 10 letters or digits');
    if (cert && key && wwdr)
      apple = { passTypeId: env.APPLE_PASS_TYPE_ID!, teamId: env.APPLE_TEAM_ID!, cert, key, wwdr };
  }

  let google: GoogleWalletConfig | undefined;
  const googleSet = GOOGLE_VARIABLES.filter((v) => env[v]);
  if (googleSet.length === 1)
    problems.push(
      `${GOOGLE_VARIABLES.filter((v) => !env[v]).join(', ')}: Google Wallet needs both ${GOOGLE_VARIABLES.join(' and ')}`,
    );
  else if (googleSet.length === 2) {
    if (!/^\d{5,25}$/.test(env.GOOGLE_WALLET_ISSUER_ID!))
      problems.push('GOOGLE_WALLET_ISSUER_ID: must be the issuer id, digits only');
    const path = env.GOOGLE_WALLET_SERVICE_ACCOUNT!;
    const text = readText('GOOGLE_WALLET_SERVICE_ACCOUNT', path, problems);
    let account: { client_email?: unknown; private_key?: unknown } | undefined;
    if (text !== undefined) {
      try {
        account = JSON.parse(text) as typeof account;
      } catch {
        problems.push(`GOOGLE_WALLET_SERVICE_ACCOUNT: ${path} is not JSON`);
      }
    }
    if (account && (typeof account.client_email !== 'string' || typeof account.private_key !== 'string'))
      problems.push(`GOOGLE_WALLET_SERVICE_ACCOUNT: ${path} has no client_email and private_key`);
    else if (account) {
      const key = privateKey('GOOGLE_WALLET_SERVICE_ACCOUNT', account.private_key as string, path, problems);
      if (key && /^\d{5,25}$/.test(env.GOOGLE_WALLET_ISSUER_ID!))
        google = {
          issuerId: env.GOOGLE_WALLET_ISSUER_ID!,
          clientEmail: account.client_email as string,
          privateKey: key,
        };
    }
  }
  return Object.freeze({ apple, google });
}
