import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import type { SecretBox } from '../infra/crypto/secret-box.js';
import { hashToken } from '../infra/crypto/tokens.js';
import type { Database } from '../infra/db/tables.js';

// R35: the apps a member let sign them in (their live grants at the OpenID Provider), for the security page's
// "connected apps", and ending one: its grant, codes and tokens go at once, on every node (they are rows). A guardian
// who let one app act for themselves and for a minor (R14) sees each apart, and can end one and keep the other.

export interface ConnectedApp {
  clientId: string;
  name: string;
  /** The OpenID scopes granted (openid, profile, email, phone, membership, offline_access). */
  scopes: string[];
  since: string | null;
  /** The minor a guardian let the app act for (R14); absent when the app acts for the member. */
  actingFor?: { memberId: number; name: string };
  /** The grants behind this entry (their ids). */
  grantIds: string[];
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
    const grant = JSON.parse(box.open(row.payload)) as {
      jti?: string;
      accountId?: string;
      openid?: { scope?: string };
      iat?: number;
    };
    const minor = /:m(\d{1,12})$/.exec(grant.accountId ?? '')?.[1];
    const key = `${row.client_id}\n${minor ?? ''}`;
    const app = apps.get(key) ?? {
      clientId: row.client_id,
      name: row.name,
      scopes: [],
      since: null,
      ...(minor ? { actingFor: { memberId: Number(minor), name: '' } } : {}),
      grantIds: [],
    };
    for (const scope of (grant.openid?.scope ?? '').split(' ').filter(Boolean))
      if (!app.scopes.includes(scope)) app.scopes.push(scope);
    const since = grant.iat ? new Date(grant.iat * 1000).toISOString() : null;
    if (since && (!app.since || since < app.since)) app.since = since;
    if (grant.jti) app.grantIds.push(grant.jti);
    apps.set(key, app);
  }
  const minors = [...apps.values()].flatMap((a) => (a.actingFor ? [a.actingFor.memberId] : []));
  if (minors.length > 0) {
    const names = await db
      .selectFrom('members')
      .select(['id', 'first_name', 'last_name'])
      .where('id', 'in', minors)
      .execute();
    for (const app of apps.values()) {
      const person = app.actingFor && names.find((n) => n.id === app.actingFor!.memberId);
      if (person) app.actingFor!.name = `${person.first_name} ${person.last_name}`;
    }
  }
  return [...apps.values()].sort(
    (a, b) => a.name.localeCompare(b.name) || (a.actingFor?.name ?? '').localeCompare(b.actingFor?.name ?? ''),
  );
}

/**
 * Ends one entry of the connected apps: its grants with their codes and tokens. When it was the member's last grant
 * with that app, everything else the app holds for the account goes too. False when nothing was there to end.
 */
export async function disconnectApp(
  db: Kysely<Database>,
  accountId: number,
  app: ConnectedApp,
  lastWithApp: boolean,
): Promise<boolean> {
  if (lastWithApp) return disconnectWholeApp(db, accountId, app.clientId);
  if (app.grantIds.length === 0) return false;
  return db.transaction().execute(async (trx) => {
    const tokens = await trx
      .deleteFrom('oidc_payloads')
      .where('account_id', '=', String(accountId))
      .where('grant_id', 'in', app.grantIds)
      .executeTakeFirst();
    const grants = await trx
      .deleteFrom('oidc_payloads')
      .where('account_id', '=', String(accountId))
      .where('model', '=', 'Grant')
      .where('id_hash', 'in', app.grantIds.map(hashToken))
      .executeTakeFirst();
    return Number(tokens.numDeletedRows) + Number(grants.numDeletedRows) > 0;
  });
}

/** Ends every grant, code and token of one app for one member; false when the member had none with it. */
async function disconnectWholeApp(db: Kysely<Database>, accountId: number, clientId: string): Promise<boolean> {
  if (clientId.length > 64) return false;
  const result = await db
    .deleteFrom('oidc_payloads')
    .where('account_id', '=', String(accountId))
    .where('client_id', '=', clientId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
