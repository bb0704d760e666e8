import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig, type Config } from './config.js';
import type { ImportReport } from './feed/feed.import.js';
import type { ErrorCode } from './domain/error-codes.js';

// Each command loads only what it needs (a dynamic import per command): the import of a large feed, for one, runs
// without the web server's modules in memory (issue 8: a 1M-row import under 300 MB).

const USAGE = `Usage: member-area <command>

Commands:
  serve          migrate, load demo data on an empty development database, and start the portal
                 (--no-migrate: skip the migration, when something else runs it once)
  cluster        two nodes on PostgreSQL behind nginx on loopback (see docs/operations.md)
  migrate        bring the database schema up to date
  import FILE    import a member feed (CSV, UTF-8; PRODUCT §2); exits 1 when any row was skipped
  demo           import the demo feed into the database (idempotent)
  providers import FILE [--full]
                 import the provider directory (R34; CSV, UTF-8); exits 1 when any row was skipped;
                 --full: the file lists every provider, and those it does not list are retired
  demo --csv     print the demo feed as CSV
  staff create-admin --username U --email E [--name N]
                 create a back-office administrator: prints a generated password (once) and the
                 otpauth:// URI to enrol an authenticator app; refuses a username that exists
  api-key create --name NAME --scope members:write[,members:read][,providers:write][,requests:read][,requests:write][,documents:write] [--rate N]
                 create an integration API key (R24); the key is printed once, only its hash is kept
  api-key list   list the keys (never the keys themselves)
  api-key revoke ID
                 revoke a key at once
  oidc-client create --name N --redirect-uri URI [--redirect-uri ...] --scopes S [--first-party] [--public]
                 register an app that signs members in through the portal (R35; OpenID Connect); prints
                 the client id and, for a confidential client, its secret once (only its hash is kept)
  oidc-client list
                 list the registered apps (never their secrets)
  oidc-client revoke CLIENT_ID
                 revoke an app at once: its grants and tokens end
  oidc-client new-key
                 print a new ES256 private key (JWK) to add to OIDC_JWKS
  secrets rotate re-seal every secret at rest (authenticator secrets, unsent messages, files, IBANs) under ENCRYPTION_KEY,
                 after the old key was moved to ENCRYPTION_KEYS_PREVIOUS (R29; docs/operations.md)
  --version      the portal's version and the Node.js running it
  help           this text

Configuration comes from the environment (and ./.env), as for the server: see README.md.`;

function loadEnvFile(): void {
  // A .env file may set the variables (PRODUCT §4); the real environment wins over it.
  if (existsSync('.env')) process.loadEnvFile('.env');
}

async function describer(): Promise<(code: ErrorCode, params?: Record<string, string | number>) => string> {
  const en = (await import('./infra/i18n/i18n.js')).translator('en');
  return (code, params) => en(`field.${code}`, params);
}

async function printImportReport(report: ImportReport, out: (line: string) => void = console.log): Promise<void> {
  const describe = await describer();
  for (const p of report.problems) out(`line ${p.line}: ${p.field}: ${describe(p.code, p.params)}`);
  if (report.fileError)
    out(
      `line ${report.fileError.line}: ${report.fileError.field}: ${describe(report.fileError.code, report.fileError.params)}`,
    );
  out(
    `Imported ${report.rows} rows: ${report.inserted} new, ${report.updated} updated, ${report.unchanged} unchanged, ` +
      `${report.skipped} skipped; policies ${report.policiesInserted} new, ${report.policiesUpdated} updated; ` +
      `${report.joinedAccounts} joined existing accounts; ${report.enrolmentEmails} enrolment emails queued.`,
  );
}

async function providersCommand(config: Config, args: string[]): Promise<number> {
  const [sub, file] = args;
  if (sub !== 'import' || !file) {
    console.error(`providers: use \`providers import FILE [--full]\`.\n\n${USAGE}`);
    return 2;
  }
  if (!existsSync(file)) {
    console.error(`providers import: ${file} does not exist.`);
    return 2;
  }
  const [{ openRuntime }, { importProviders }, { createReadStream }] = await Promise.all([
    import('./runtime.js'),
    import('./feed/providers.import.js'),
    import('node:fs'),
  ]);
  const runtime = await openRuntime(config);
  try {
    const report = await importProviders(runtime, createReadStream(file), { full: args.includes('--full') });
    const describe = await describer();
    for (const p of [...report.problems, ...(report.fileError ? [report.fileError] : [])])
      console.log(`line ${p.line}: ${p.field}: ${describe(p.code, p.params)}`);
    console.log(
      `Imported ${report.rows} providers: ${report.inserted} new, ${report.updated} updated, ` +
        `${report.unchanged} unchanged, ${report.skipped} skipped; ${report.retired} retired.`,
    );
    return report.skipped > 0 || report.fileError ? 1 : 0;
  } finally {
    await runtime.close();
  }
}

async function run(argv: string[]): Promise<number> {
  const [command = 'help', ...args] = argv;
  if (command === 'help' || command === '--help' || command === '-h') {
    console.log(USAGE);
    return 0;
  }
  if (command === '--version' || command === 'version') {
    // dist/src/cli.js → the package's own package.json, two levels up.
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as {
      name: string;
      version: string;
    };
    console.log(`${pkg.name} ${pkg.version} (Node.js ${process.version})`);
    return 0;
  }
  loadEnvFile();
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      return 2;
    }
    throw err;
  }

  switch (command) {
    case 'serve':
      await (await import('./main.js')).serve(config, { migrate: !args.includes('--no-migrate') });
      return -1;
    case 'cluster':
      return (await import('./cluster.js')).runCluster(config);
    case 'migrate': {
      const [{ openDatabase }, { migrateToLatest }] = await Promise.all([
        import('./infra/db/database.js'),
        import('./infra/db/migrate.js'),
      ]);
      const db = openDatabase(config.databaseUrl);
      try {
        const applied = await migrateToLatest(db);
        console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'The schema is up to date.');
      } finally {
        await db.close();
      }
      return 0;
    }
    case 'import': {
      const file = args[0];
      if (!file) {
        console.error('import: name the CSV file to import.');
        return 2;
      }
      if (!existsSync(file)) {
        console.error(`import: ${file} does not exist.`);
        return 2;
      }
      const { importFileInWorker, ImportHeapExhausted } = await import('./feed/import-worker.js');
      try {
        const report = await importFileInWorker(file, config.importHeapMb);
        await printImportReport(report);
        return report.skipped > 0 ? 1 : 0;
      } catch (err) {
        if (!(err instanceof ImportHeapExhausted)) throw err;
        console.error(`import: ${err.message}`);
        return 1;
      }
    }
    case 'providers':
      return providersCommand(config, args);
    case 'demo': {
      if (args.includes('--csv')) {
        const [{ demoFeedCsv }, { todayIn }] = await Promise.all([
          import('./feed/demo-feed.js'),
          import('./domain/calendar.js'),
        ]);
        process.stdout.write(demoFeedCsv(todayIn(config.timeZone, new Date())));
        return 0;
      }
      const [{ openRuntime }, { loadDemo }] = await Promise.all([import('./runtime.js'), import('./feed/demo.js')]);
      const runtime = await openRuntime(config);
      try {
        await printImportReport(await loadDemo(runtime));
        return 0;
      } finally {
        await runtime.close();
      }
    }
    case 'secrets': {
      if (args[0] !== 'rotate') {
        console.error(`secrets: the only subcommand is rotate.\n\n${USAGE}`);
        return 2;
      }
      const [{ openRuntime }, { resealSecrets }, { SecretBoxError }] = await Promise.all([
        import('./runtime.js'),
        import('./infra/crypto/secrets-at-rest.js'),
        import('./infra/crypto/secret-box.js'),
      ]);
      const runtime = await openRuntime(config);
      try {
        const r = await resealSecrets(runtime.db.kysely, config.secretBox, 'rotate');
        console.log(
          `Re-sealed under the current key: ${r.accounts} member authenticator secrets, ${r.staff} staff authenticator secrets, ${r.outbox} outbox messages, ${r.flows} pending enrolments, ${r.files} files, ${r.requests} request IBANs.`,
        );
        return 0;
      } catch (err) {
        if (!(err instanceof SecretBoxError)) throw err;
        // A value sealed under a key that is not configured: the operator left the old key out.
        console.error(
          `secrets rotate: ${err.message}. Add the key it was sealed under to ENCRYPTION_KEYS_PREVIOUS and run it again; what was re-sealed already stays readable under ENCRYPTION_KEY.`,
        );
        return 1;
      } finally {
        await runtime.close();
      }
    }
    case 'staff':
      return (await import('./flows/backoffice/staff.cli.js')).runStaffCommand(config, args, USAGE);
    case 'api-key': {
      const [{ openRuntime }, { apiKeyCommand }] = await Promise.all([
        import('./runtime.js'),
        import('./flows/integration/api-keys.cli.js'),
      ]);
      const runtime = await openRuntime(config);
      try {
        return await apiKeyCommand(runtime, args, { out: console.log, err: console.error });
      } finally {
        await runtime.close();
      }
    }
    case 'oidc-client': {
      const [{ openRuntime }, { oidcClientCommand }] = await Promise.all([
        import('./runtime.js'),
        import('./flows/openid-provider/oidc-clients.cli.js'),
      ]);
      const runtime = await openRuntime(config);
      try {
        return await oidcClientCommand(runtime, args, { out: console.log, err: console.error });
      } finally {
        await runtime.close();
      }
    }
    default:
      console.error(`Unknown command: ${command}\n\n${USAGE}`);
      return 2;
  }
}

const code = await run(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  return 1;
});
if (code >= 0) process.exitCode = code;
