import { systemClock } from '../src/clock.js';
import { loadConfig } from '../src/config.js';
import { createProvider } from '../src/flows/openid-provider/oidc.provider.js';
import { createOidcClient } from '../src/identity/oidc-clients.js';
import type { Db } from '../src/infra/db/database.js';
import { httpRequest } from './client.js';
import type { PoolMember } from './database.js';
import { cpuMeter, sampleRss } from './servers.js';

// R35, PRODUCT §5: the OpenID Provider's token endpoint renewing access (refresh_token grant, rotation on, an ID
// token signed each time) through HTTP against a production node. Each virtual user is one app holding one
// member's grant: it redeems its refresh token, keeps the new one, and again, until the window ends. No password
// hash is on this path (the client's secret is checked by its SHA-256), so the figure is compared with the two-step
// sign-in rate (≥ 10× wanted) and with the argon2id ceiling.

export interface RefreshResult {
  refreshesPerSecond: number;
  completed: number;
  errors: number;
  firstError?: string;
  p50Ms: number;
  p99Ms: number;
  /** CPU per refresh: the server's (its event loop + other threads) and this client's. */
  serverCpuMs: number;
  serverMainCpuMs: number;
  clientCpuMs: number;
  otherCores: number;
  peakRssMb: number;
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN;

/**
 * The OIDC settings a bench node runs with (a generated key, a pairwise salt): production serves the provider only
 * with them.
 */
export function oidcBenchEnv(jwks: string): Record<string, string> {
  return { OIDC_JWKS: jwks, OIDC_PAIRWISE_SALT: 'bench-pairwise-salt-0123456789abcdefghij' };
}

export async function refreshLoad(opts: {
  port: number;
  pid: number;
  /** The node's environment: the bench mints the first refresh tokens with the same keys and database. */
  env: Record<string, string>;
  db: Db;
  members: PoolMember[];
  virtualUsers: number;
  seconds: number;
  warmupSeconds: number;
}): Promise<RefreshResult> {
  const config = loadConfig({ ...opts.env });
  const made = await createOidcClient(opts.db.kysely, systemClock, {
    name: 'Bench app',
    redirectUris: ['https://bench.example/cb'],
    scopes: ['openid', 'offline_access'],
    firstParty: true,
    public: false,
    createdBy: 'bench',
  });
  if (!made.ok) throw new Error(JSON.stringify(made.errors));
  const { clientId, secret } = made.value;
  const basic = `Basic ${Buffer.from(`${clientId}:${secret!}`).toString('base64')}`;
  // The first token of each chain, minted as the authorization code grant would have (same database, same keys).
  const provider = createProvider({
    config,
    oidc: config.oidc!,
    db: opts.db.kysely,
    clock: systemClock,
    portalSessionCookie: '__Host-session',
  });
  const client = await provider.Client.find(clientId);
  if (!client) throw new Error('the bench client was not found');
  const now = Math.floor(Date.now() / 1000);
  const tokens: string[] = [];
  for (let i = 0; i < opts.virtualUsers; i++) {
    const accountId = String(opts.members[i % opts.members.length]!.accountId);
    const grant = new provider.Grant({ accountId, clientId });
    grant.addOIDCScope('openid offline_access');
    const grantId = await grant.save();
    const refresh = new provider.RefreshToken({
      accountId,
      client,
      grantId,
      gty: 'authorization_code',
      scope: 'openid offline_access',
      authTime: now,
      acr: 'urn:member-area:acr:2fa',
      amr: ['pwd', 'otp', 'mfa'],
      iiat: now,
      rotations: 0,
    });
    tokens.push(await refresh.save());
  }

  const startAt = performance.now() + opts.warmupSeconds * 1000;
  const endAt = startAt + opts.seconds * 1000;
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let inWindow = 0;
  const rss = sampleRss([opts.pid]);
  let cpu: ReturnType<typeof cpuMeter> | undefined;
  const warm = setTimeout(() => (cpu = cpuMeter([opts.pid])), opts.warmupSeconds * 1000);
  await Promise.all(
    tokens.map(async (first) => {
      let token = first;
      while (performance.now() < endAt) {
        const t = performance.now();
        const res = await httpRequest(
          opts.port,
          'POST',
          '/oidc/token',
          { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
          new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token }).toString(),
        );
        const done = performance.now();
        const body = JSON.parse(res.body) as { refresh_token?: string; id_token?: string; error?: string };
        if (res.status !== 200 || !body.refresh_token || !body.id_token) {
          errors++;
          firstError ??= `${res.status} ${res.body.slice(0, 200)}`;
          return;
        }
        token = body.refresh_token;
        if (t >= startAt && done <= endAt) {
          latencies.push(done - t);
          inWindow++;
        }
      }
    }),
  );
  clearTimeout(warm);
  const used = cpu?.stop();
  const sorted = latencies.sort((a, b) => a - b);
  return {
    refreshesPerSecond: round(inWindow / opts.seconds),
    completed: inWindow,
    errors,
    ...(firstError ? { firstError } : {}),
    p50Ms: round(percentile(sorted, 50)),
    p99Ms: round(percentile(sorted, 99)),
    serverCpuMs: used ? round((used.server * 1000) / Math.max(1, inWindow), 2) : NaN,
    serverMainCpuMs: used ? round((used.serverMain * 1000) / Math.max(1, inWindow), 2) : NaN,
    clientCpuMs: used ? round((used.client * 1000) / Math.max(1, inWindow), 2) : NaN,
    otherCores: used?.otherCores ?? NaN,
    peakRssMb: round(rss.stop()),
  };
}
