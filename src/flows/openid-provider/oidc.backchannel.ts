import type { Kysely } from 'kysely';
import type Provider from 'oidc-provider';
import type { SecretBox } from '../../infra/crypto/secret-box.js';
import type { Database } from '../../infra/db/tables.js';
import type { ProviderLogout } from '../../infra/session/session.js';

// R35: OpenID Connect Back-Channel Logout 1.0. When the member signs out of the portal, ends every session (R12) or
// disconnects an app, each app concerned that registered a back-channel logout address gets a logout token (a JWT
// signed with the provider's key: iss, aud, the member's pairwise sub, the logout event, a jti, two minutes of life)
// POSTed to it, so the app ends its own session for that member. The targets are read before the provider's rows
// are deleted; the POSTs go out in the background (an app that does not answer within 2.5 seconds does not hold up
// the member's sign-out) and a failure is logged.

interface Target {
  clientId: string;
  /** The provider's account id (`<account>` or `<account>:m<member>` when acting for a minor). */
  accountId: string;
  sid?: string;
}

export interface BackchannelDeps {
  provider: Provider;
  box: SecretBox;
  /** Called for each POST that failed (the app's address refused or did not answer). */
  onError: (clientId: string, error: unknown) => void;
  /** Called once every POST of one logout has settled (tests wait on it). */
  onSettled?: () => void;
}

export function backchannelLogout(deps: BackchannelDeps): ProviderLogout {
  return async (db: Kysely<Database>, accountId: number, what) => {
    const models = what.reason === 'sign-out' ? ['Session'] : ['Session', 'Grant'];
    const rows = await db
      .selectFrom('oidc_payloads')
      .select(['model', 'payload'])
      .where('account_id', '=', String(accountId))
      .where('model', 'in', models)
      .execute();
    const targets = new Map<string, Target>();
    const add = (t: Target) => {
      if (what.clientId && t.clientId !== what.clientId) return;
      if (what.subject && t.accountId !== what.subject) return;
      const key = `${t.clientId}\n${t.accountId}`;
      if (!targets.has(key) || t.sid) targets.set(key, t);
    };
    for (const row of rows) {
      const payload = JSON.parse(deps.box.open(row.payload)) as {
        accountId?: string;
        clientId?: string;
        authorizations?: Record<string, { sid?: string }>;
      };
      if (!payload.accountId) continue;
      if (row.model === 'Session')
        for (const [clientId, auth] of Object.entries(payload.authorizations ?? {}))
          add({ clientId, accountId: payload.accountId, ...(auth.sid ? { sid: auth.sid } : {}) });
      else if (payload.clientId) add({ clientId: payload.clientId, accountId: payload.accountId });
    }
    if (targets.size === 0) return;
    void Promise.allSettled(
      [...targets.values()].map(async (t) => {
        const client = await deps.provider.Client.find(t.clientId);
        if (!client?.backchannelLogoutUri) return;
        try {
          await client.backchannelLogout(t.accountId, t.sid);
        } catch (error) {
          deps.onError(t.clientId, error);
        }
      }),
    ).then(() => deps.onSettled?.());
  };
}
