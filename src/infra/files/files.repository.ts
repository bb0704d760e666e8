import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { SecretBox } from '../crypto/secret-box.js';
import type { Database, StoredFile } from '../db/tables.js';
import type { ReceivedFile } from './upload.js';

// R31: files live in the database, sealed (R29), so any node serves them. Stored only inside the transaction that
// stores what they belong to (a request, an answer, a letter): a refused request leaves no file behind.

/** Stores a received file; returns its id. Pass the transaction of the request it belongs to. */
export async function insertFile(
  db: Kysely<Database>,
  file: ReceivedFile,
  accountId: number | null,
  at: string,
): Promise<number> {
  const row = await db
    .insertInto('files')
    .values({
      name: file.name,
      content_type: file.content_type,
      size: file.size,
      sha256: file.sha256,
      sealed: file.sealed,
      account_id: accountId,
      created_at: at,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** A stored file with its sealed bytes, or undefined. Who may read it is the caller's check (download.ts). */
export async function findFile(db: Kysely<Database>, id: number): Promise<StoredFile | undefined> {
  return db.selectFrom('files').selectAll().where('id', '=', id).executeTakeFirst();
}

/** A file's details without its bytes (lists, the API's `files`). */
export async function listFilesOfRequest(
  db: Kysely<Database>,
  requestId: number,
): Promise<{ id: number; name: string; content_type: string; size: number; sha256: string; role: string }[]> {
  return db
    .selectFrom('request_files')
    .innerJoin('files', 'files.id', 'request_files.file_id')
    .select(['files.id', 'files.name', 'files.content_type', 'files.size', 'files.sha256', 'request_files.role'])
    .where('request_files.request_id', '=', requestId)
    .orderBy('files.id')
    .execute();
}

/** Opens a stored file's bytes; throws if they do not match the SHA-256 stored with them (corruption, a bug). */
export function openFile(box: SecretBox, file: Pick<StoredFile, 'sealed' | 'sha256'>): Buffer {
  const bytes = box.openBytes(Buffer.from(file.sealed));
  if (createHash('sha256').update(bytes).digest('hex') !== file.sha256)
    throw new Error('a stored file does not match its SHA-256');
  return bytes;
}
