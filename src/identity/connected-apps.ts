import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import type { SecretBox } from '../infra/crypto/secret-box.js';
import type { Database } from '../infra/db/tables.js';

// R35: the apps a member let sign them in (their live grants at the OpenID Provider), for the security page's
// "connected apps", and ending one: its grant, codes and tokens go at once, on every node (they are rows).

export interface ConnectedApp {
  clientId: string;
  name: string;
  /** The OpenID scopes granted (openid, profile, email, phone, membership, offline_access). */
  scopes: string[];
  since: string | null;
}

/** The member's connected apps, by name; revoked clients and expired grants are gone. */
export async function listConnectedApps(
  db: Kysely<Database>,
  box: SecretBox,
  clock: Clock,
  accountId: number,
): Promise<ConnectedApp[]> {
  const rows = await db
    .selectFrom('oidc_payloads')
    .innerJoin('oidc_clients', 'oidc_clients.client_id', 'oidc_payloads.client_id')
    .select(['oidc_payloads.payload', 'oidc_clients.client_id', 'oidc_clients.name'])
    .where('oidc_payloads.model', '=', 'Grant')
    .where('oidc_payloads.account_id', '=', String(accountId))
    .where('oidc_clients.revoked_at', 'is', null)
    .where((eb) =>
      eb.or([
        eb('oidc_payloads.expires_at', 'is', null),
        eb('oidc_payloads.expires_at', '>', clock.now().toISOString()),
      ]),
    )
    .execute();
  const apps = new Map<string, ConnectedApp>();
  for (const row of rows) {
    const grant = JSON.parse(box.open(row.payload)) as { openid?: { scope?: string }; iat?: number };
    const app = apps.get(row.client_id) ?? { clientId: row.client_id, name: row.name, scopes: [], since: null };
    for (const scope of (grant.openid?.scope ?? '').split(' ').filter(Boolean))
      if (!app.scopes.includes(scope)) app.scopes.push(scope);
    const since = grant.iat ? new Date(grant.iat * 1000).toISOString() : null;
    if (since && (!app.since || since < app.since)) app.since = since;
    apps.set(row.client_id, app);
  }
  return [...apps.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** Ends every grant, code and token of one app for one member; false when the member had none with it. */
export async function disconnectApp(db: Kysely<Database>, accountId: number, clientId: string): Promise<boolean> {
  if (clientId.length > 64) return false;
  const result = await db
    .deleteFrom('oidc_payloads')
    .where('account_id', '=', String(accountId))
    .where('client_id', '=', clientId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
