import { errors, type Adapter, type AdapterPayload } from 'oidc-provider';
import type { Kysely } from 'kysely';
import type { Clock } from '../../clock.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { hashToken } from '../crypto/tokens.js';
import type { Database } from '../db/tables.js';

// R35 storage for oidc-provider on Kysely (SQLite and PostgreSQL alike), shared by every node. Each model instance
// is one row of `oidc_payloads`:
// - keyed by the SHA-256 of its id: for codes and opaque tokens the id is the token itself, so a copy of the table
//   cannot be replayed (R29); the same for sessions (the id is the cookie) and interactions;
// - its payload sealed with the configured SecretBox (it repeats the id as `jti`, and holds claims and grants);
// - consumption (codes, refresh tokens, pushed requests) is one conditional UPDATE: of two redemptions at once only
//   one consumes; the other is refused as a replay and the grant behind it revoked (RFC 6749 §4.1.2, RFC 9700 §4.14).

/** The models whose consumption is a replay signal: a second use revokes the grant. */
const GRANT_SOURCES = new Set(['AuthorizationCode', 'RefreshToken']);

export interface OidcAdapterDeps {
  db: Kysely<Database>;
  clock: Clock;
  box: SecretBox;
  /** A live client's metadata (from `oidc_clients`), or undefined. */
  findClient: (clientId: string) => Promise<AdapterPayload | undefined>;
  /**
   * The current request's memo, where one is kept (the token endpoints): a code's or token's row is read together
   * with its grant's, and the provider's lookup of that grant a moment later in the same request is served from here.
   */
  requestMemo?: () => Map<string, AdapterPayload> | undefined;
}

/** The models the provider looks up and then looks their grant up: read in one statement with it. */
const GRANT_HOLDERS = new Set(['AuthorizationCode', 'RefreshToken', 'AccessToken']);

/** The adapter factory oidc-provider calls once per model name. */
export function oidcAdapterFactory(deps: OidcAdapterDeps): (model: string) => Adapter {
  return (model) => (model === 'Client' ? clientAdapter(deps) : payloadAdapter(deps, model));
}

function payloadAdapter({ db, clock, box, requestMemo }: OidcAdapterDeps, model: string): Adapter {
  const open = (row: { payload: string; consumed_at: string | null }): AdapterPayload => {
    const payload = JSON.parse(box.open(row.payload)) as AdapterPayload;
    if (row.consumed_at) payload.consumed = Math.floor(new Date(row.consumed_at).getTime() / 1000);
    return payload;
  };
  const live = () => clock.now().toISOString();

  // PRODUCT §5: a refresh (or a code's redemption, or userinfo) reads its token and the token's grant in one statement.
  // The grant is read as the provider's own lookup would read it: by its id, not expired; the provider checks the
  // rest (its client, its account) as before.
  const findWithGrant = async (id: string, memo: Map<string, AdapterPayload>) => {
    const now = live();
    const row = await db
      .selectFrom('oidc_payloads as t')
      .leftJoin('oidc_payloads as g', (join) =>
        join
          .onRef('g.grant_id', '=', 't.grant_id')
          .on('g.model', '=', 'Grant')
          .on((eb) => eb.or([eb('g.expires_at', 'is', null), eb('g.expires_at', '>', now)])),
      )
      .select(['t.payload', 't.consumed_at', 'g.payload as grant_payload', 'g.consumed_at as grant_consumed_at'])
      .where('t.model', '=', model)
      .where('t.id_hash', '=', hashToken(id))
      .where((eb) => eb.or([eb('t.expires_at', 'is', null), eb('t.expires_at', '>', now)]))
      .executeTakeFirst();
    if (!row) return undefined;
    const payload = open(row);
    if (row.grant_payload && typeof payload.grantId === 'string')
      memo.set(`Grant:${payload.grantId}`, open({ payload: row.grant_payload, consumed_at: row.grant_consumed_at }));
    return payload;
  };

  return {
    async upsert(id, payload, expiresIn) {
      const values = {
        payload: box.seal(JSON.stringify(payload)),
        // A grant's own row carries its id here too, so a token's row can be read together with its grant's.
        grant_id:
          typeof payload.grantId === 'string'
            ? payload.grantId
            : model === 'Grant' && typeof payload.jti === 'string'
              ? payload.jti
              : null,
        uid_hash: typeof payload.uid === 'string' ? hashToken(payload.uid) : null,
        // The portal account, also when it acts for a minor (`<account>:m<member>`, R35 with R14): sign-out, ending
        // every session, account closure and the connected apps find the guardian's acting grants with their own.
        account_id: typeof payload.accountId === 'string' ? payload.accountId.replace(/:m\d+$/, '') : null,
        client_id: typeof payload.clientId === 'string' ? payload.clientId : null,
        expires_at: expiresIn ? new Date(clock.now().getTime() + expiresIn * 1000).toISOString() : null,
      };
      await db
        .insertInto('oidc_payloads')
        .values({ model, id_hash: hashToken(id), consumed_at: null, ...values })
        .onConflict((oc) => oc.columns(['model', 'id_hash']).doUpdateSet(values))
        .execute();
    },

    async find(id) {
      const memo = requestMemo?.();
      if (memo && model === 'Grant') {
        const kept = memo.get(`Grant:${id}`);
        if (kept) {
          memo.delete(`Grant:${id}`);
          return kept;
        }
      }
      if (memo && GRANT_HOLDERS.has(model)) return findWithGrant(id, memo);
      const row = await db
        .selectFrom('oidc_payloads')
        .select(['payload', 'consumed_at'])
        .where('model', '=', model)
        .where('id_hash', '=', hashToken(id))
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', live())]))
        .executeTakeFirst();
      return row && open(row);
    },

    async findByUid(uid) {
      const row = await db
        .selectFrom('oidc_payloads')
        .select(['payload', 'consumed_at'])
        .where('model', '=', model)
        .where('uid_hash', '=', hashToken(uid))
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', live())]))
        .executeTakeFirst();
      return row && open(row);
    },

    // The device flow is not enabled: no model is ever looked up by a user code.
    async findByUserCode() {
      return undefined;
    },

    async consume(id) {
      const idHash = hashToken(id);
      const result = await db
        .updateTable('oidc_payloads')
        .set({ consumed_at: live() })
        .where('model', '=', model)
        .where('id_hash', '=', idHash)
        .where('consumed_at', 'is', null)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 1) return;
      // Someone consumed it a moment before: this redemption is the replay.
      if (GRANT_SOURCES.has(model)) {
        const row = await db
          .selectFrom('oidc_payloads')
          .select('grant_id')
          .where('model', '=', model)
          .where('id_hash', '=', idHash)
          .executeTakeFirst();
        if (row?.grant_id) await revokeGrant(db, row.grant_id);
      }
      throw new errors.InvalidGrant(`${model === 'RefreshToken' ? 'refresh token' : 'grant'} already used`);
    },

    async destroy(id) {
      await db.deleteFrom('oidc_payloads').where('model', '=', model).where('id_hash', '=', hashToken(id)).execute();
    },

    async revokeByGrantId(grantId) {
      await db.deleteFrom('oidc_payloads').where('model', '=', model).where('grant_id', '=', grantId).execute();
    },
  };
}

/** Ends a grant and everything issued under it, on every node at once (the rows are the only copy). */
export async function revokeGrant(db: Kysely<Database>, grantId: string): Promise<void> {
  await db.deleteFrom('oidc_payloads').where('grant_id', '=', grantId).execute();
  await db.deleteFrom('oidc_payloads').where('model', '=', 'Grant').where('id_hash', '=', hashToken(grantId)).execute();
}

/** Clients come from `oidc_clients` (registered with the CLI); they are never written through the provider. */
function clientAdapter({ findClient }: OidcAdapterDeps): Adapter {
  const readOnly = async () => {
    throw new Error('OIDC clients are registered with `member-area oidc-client`, not through the provider');
  };
  return {
    find: findClient,
    findByUid: async () => undefined,
    findByUserCode: async () => undefined,
    upsert: readOnly,
    consume: readOnly,
    destroy: readOnly,
    revokeByGrantId: async () => {},
  };
}

/** R35, janitor: rows past their expiry can no longer be used by anyone. */
export async function purgeExpiredOidc(db: Kysely<Database>, clock: Clock): Promise<number> {
  const result = await db
    .deleteFrom('oidc_payloads')
    .where('expires_at', '<=', clock.now().toISOString())
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
