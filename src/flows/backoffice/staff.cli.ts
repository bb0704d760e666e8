import { parseArgs } from 'node:util';
import { systemClock } from '../../clock.js';
import type { Config } from '../../config.js';
import { openDatabase } from '../../infra/db/database.js';
import { migrateToLatest } from '../../infra/db/migrate.js';
import { createStaffUser, parseNewStaff } from './staff-users.flow.js';

/**
 * `member-area staff create-admin --username U --email E [--name N]` (R23): the first administrator, made from the
 * machine's terminal, the one channel trusted before anyone can sign in. The generated password and the otpauth://
 * URI (with its secret) are printed once and stored nowhere in clear; the app is enrolled from the URI, so the
 * secret is never shown on a web page. Returns the exit code.
 */
export async function runStaffCommand(
  config: Config,
  args: string[],
  usage: string,
  out: (line: string) => void = console.log,
  err: (line: string) => void = console.error,
): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'create-admin') {
    err(`staff: unknown subcommand ${sub ?? '(none)'}\n\n${usage}`);
    return 2;
  }
  let values: { username?: string | undefined; email?: string | undefined; name?: string | undefined };
  try {
    ({ values } = parseArgs({
      args: rest,
      options: { username: { type: 'string' }, email: { type: 'string' }, name: { type: 'string' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    err(`staff create-admin: ${(e as Error).message}`);
    return 2;
  }
  const parsed = parseNewStaff({
    username: values.username ?? '',
    email: values.email ?? '',
    displayName: values.name ?? '',
    role: 'admin',
  });
  if (!parsed.ok) {
    for (const e of parsed.errors)
      err(`staff create-admin: --${e.field === 'displayName' ? 'name' : e.field}: ${e.code.replace(/_/g, ' ')}`);
    return 2;
  }
  const db = openDatabase(config.databaseUrl);
  try {
    await migrateToLatest(db);
    const result = await createStaffUser(
      { db: db.kysely, clock: systemClock, audit: {}, issuer: config.brand.name, box: config.secretBox },
      parsed.value,
      { actor: 'cli', withTotp: true },
    );
    if (result.kind === 'taken') {
      err(`staff create-admin: the username ${parsed.value.username} already exists; nothing was changed.`);
      return 1;
    }
    out(`Created administrator ${result.user.username} (${result.user.email}).`);
    out(`Password (shown only this once; you will choose your own at the first sign-in): ${result.password}`);
    out(`Authenticator app: add this URI (or a QR code of it) to the app now; it is shown only this once:`);
    out(result.totpUri!);
    out(`Sign in at ${config.publicUrl}/backoffice/sign-in`);
    return 0;
  } finally {
    await db.close();
  }
}
