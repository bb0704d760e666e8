import { parseArgs } from 'node:util';
import type { Runtime } from '../../runtime.js';
import { createOidcClient, listOidcClients, revokeOidcClient } from '../../identity/oidc-clients.js';
import { translator } from '../../infra/i18n/i18n.js';
import { generateSigningKeys } from '../../infra/oidc/signing-keys.js';
import { clientMetadataChecker } from './oidc.provider.js';

// R35: `member-area oidc-client create|list|revoke`, the operator's registration of the apps that sign members in
// through the portal. The secret of a confidential client is printed once; only its hash is kept. Audited (R22) with
// the actor `cli`.

export interface CliOutput {
  out: (line: string) => void;
  err: (line: string) => void;
}

const USAGE =
  'Usage: member-area oidc-client create --name N --redirect-uri URI [--redirect-uri …] ' +
  '[--post-logout-redirect-uri URI …] --scopes openid[,profile,email,phone,membership,offline_access] ' +
  '[--first-party] [--public] [--backchannel-logout-uri URI] [--logo-uri https://…] | list | revoke CLIENT_ID | new-key';

/** Runs `oidc-client create|list|revoke`; returns the exit code (0 done, 1 refused, 2 usage). */
export async function oidcClientCommand(
  runtime: Pick<Runtime, 'db' | 'clock' | 'config'>,
  args: string[],
  io: CliOutput,
): Promise<number> {
  const [sub, ...rest] = args;
  const db = runtime.db.kysely;
  const en = translator('en');
  switch (sub) {
    case 'create': {
      let values;
      try {
        ({ values } = parseArgs({
          args: rest,
          options: {
            name: { type: 'string' },
            'redirect-uri': { type: 'string', multiple: true },
            'post-logout-redirect-uri': { type: 'string', multiple: true },
            scopes: { type: 'string' },
            'first-party': { type: 'boolean' },
            public: { type: 'boolean' },
            'backchannel-logout-uri': { type: 'string' },
            'logo-uri': { type: 'string' },
          },
          strict: true,
        }));
      } catch (e) {
        io.err(`${(e as Error).message}\n${USAGE}`);
        return 2;
      }
      const config = runtime.config;
      const checkMetadata = config.oidc
        ? clientMetadataChecker({ config, oidc: config.oidc, db, clock: runtime.clock })
        : undefined;
      const created = await createOidcClient(
        db,
        runtime.clock,
        {
          name: values.name ?? '',
          redirectUris: values['redirect-uri'] ?? [],
          postLogoutRedirectUris: values['post-logout-redirect-uri'] ?? [],
          scopes: (values.scopes ?? '').split(/[,\s]+/).filter(Boolean),
          firstParty: values['first-party'] ?? false,
          public: values.public ?? false,
          createdBy: 'cli',
          ...(values['backchannel-logout-uri'] ? { backchannelLogoutUri: values['backchannel-logout-uri'] } : {}),
          ...(values['logo-uri'] ? { logoUri: values['logo-uri'] } : {}),
        },
        {},
        checkMetadata ? { checkMetadata } : {},
      );
      if (!created.ok) {
        for (const e of created.errors) io.err(`${e.field}: ${en(`field.${e.code}`, e.params)}`);
        return 1;
      }
      io.out(`client_id: ${created.value.clientId}`);
      if (created.value.secret) {
        io.out(`client_secret: ${created.value.secret}`);
        io.out('Copy the secret now: it is shown only this once (only its hash is kept).');
      } else io.out('A public client: no secret; it signs members in with PKCE alone.');
      return 0;
    }
    case 'list': {
      const clients = await listOidcClients(db);
      if (clients.length === 0) io.out('No OpenID Connect clients.');
      for (const c of clients)
        io.out(
          [
            c.clientId,
            c.name,
            c.public ? 'public' : 'confidential',
            c.firstParty ? 'first-party' : 'third-party',
            c.scopes.join(','),
            c.redirectUris.join(' '),
            `created ${c.createdAt} by ${c.createdBy}`,
            c.revokedAt ? `revoked ${c.revokedAt}` : 'active',
          ].join('\t'),
        );
      return 0;
    }
    case 'revoke': {
      if (rest.length !== 1 || !rest[0]) {
        io.err(USAGE);
        return 2;
      }
      const revoked = await revokeOidcClient(db, runtime.clock, rest[0], 'cli');
      if (!revoked.ok) {
        io.err(
          revoked.reason === 'already_revoked'
            ? `Client ${rest[0]} was already revoked.`
            : `There is no client ${rest[0]}.`,
        );
        return 1;
      }
      io.out(`Revoked client ${rest[0]}: its grants and tokens have ended.`);
      return 0;
    }
    case 'new-key': {
      // One private key for OIDC_JWKS, printed once; nothing is stored (the configuration holds keys, R35).
      io.out(JSON.stringify(generateSigningKeys().keys[0]));
      return 0;
    }
    default:
      io.err(USAGE);
      return 2;
  }
}
