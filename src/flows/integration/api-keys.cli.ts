import { parseArgs } from 'node:util';
import type { Runtime } from '../../runtime.js';
import { createApiKey, listApiKeys, revokeApiKey } from '../../identity/api-keys.js';
import { describeCode } from './problem.js';

// R24: the operator's commands for integration API keys (`member-area api-key …`). The back office will offer the
// same through its administrator pages, on the same functions. The actor in the audit log is `cli` (R22).

export interface CliOutput {
  out: (line: string) => void;
  err: (line: string) => void;
}

const USAGE =
  'Usage: member-area api-key create --name NAME --scope members:write[,members:read][,providers:write][,requests:read][,requests:write][,documents:write] [--rate N] | list | revoke ID';

/** Runs `api-key create|list|revoke`; returns the exit code (0 done, 1 refused, 2 usage). */
export async function apiKeyCommand(
  runtime: Pick<Runtime, 'db' | 'clock'>,
  args: string[],
  io: CliOutput,
): Promise<number> {
  const [sub, ...rest] = args;
  const db = runtime.db.kysely;
  switch (sub) {
    case 'create': {
      let values: { name?: string | undefined; scope?: string | undefined; rate?: string | undefined };
      try {
        ({ values } = parseArgs({
          args: rest,
          options: { name: { type: 'string' }, scope: { type: 'string' }, rate: { type: 'string' } },
          strict: true,
        }));
      } catch (e) {
        io.err(`${(e as Error).message}\n${USAGE}`);
        return 2;
      }
      const rate = values.rate === undefined ? undefined : Number(values.rate);
      const created = await createApiKey(db, runtime.clock, {
        name: values.name ?? '',
        scopes: values.scope ? values.scope.split(',') : [],
        createdBy: 'cli',
        ...(rate === undefined ? {} : { ratePerMinute: rate }),
      });
      if (!created.ok) {
        for (const e of created.errors) io.err(`${e.field}: ${describeCode(e.code, e.params) ?? e.code}`);
        return 1;
      }
      io.out(`Created API key ${created.value.id}. Copy it now: it is shown only this once.`);
      io.out(created.value.key);
      return 0;
    }
    case 'list': {
      const keys = await listApiKeys(db);
      if (keys.length === 0) io.out('No API keys.');
      for (const k of keys) {
        const state = k.revokedAt ? `revoked ${k.revokedAt} by ${k.revokedBy ?? '?'}` : 'active';
        io.out(
          `${k.id}\t${k.hint}…\t${k.name}\t${k.scopes.join(',')}\t${k.ratePerMinute}/min\tcreated ${k.createdAt} by ${k.createdBy}\t` +
            `last used ${k.lastUsedAt ?? 'never'}\t${state}`,
        );
      }
      return 0;
    }
    case 'revoke': {
      const id = Number(rest[0]);
      if (rest.length !== 1 || !Number.isSafeInteger(id) || id <= 0) {
        io.err(USAGE);
        return 2;
      }
      const revoked = await revokeApiKey(db, runtime.clock, id, 'cli');
      if (!revoked.ok) {
        io.err(
          revoked.reason === 'already_revoked' ? `API key ${id} was already revoked.` : `There is no API key ${id}.`,
        );
        return 1;
      }
      io.out(`Revoked API key ${id}.`);
      return 0;
    }
    default:
      io.err(USAGE);
      return 2;
  }
}
