import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

// R29: secrets the product must be able to read back (authenticator secrets, outbox messages that carry a code or
// a link until they are sent) are sealed with AES-256-GCM under a key that lives in the configuration, never in the
// database. A sealed value names its key by a short id, so the key can be rotated: the new key seals, the previous
// ones still open, and `member-area secrets rotate` re-seals every value under the new key (docs/operations.md).
//
// Format: `sb1.<key id>.<iv>.<ciphertext><tag>`, base64url parts; the key id is the first 8 hex digits of the key's
// SHA-256, which names the key without revealing it.

const PREFIX = 'sb1';
const IV_BYTES = 12;
// Files (R31) are sealed as bytes: `sb1b` + the key id (8 ASCII hex digits) + iv + ciphertext + tag. Base64 text would
// make a 10 MB file 13.3 MB in the database.
const BYTES_MAGIC = Buffer.from('sb1b', 'ascii');
const BYTES_HEADER = BYTES_MAGIC.length + 8 + IV_BYTES;
const TAG_BYTES = 16;
const EMPTY = Buffer.alloc(0);

export interface SecretBox {
  /** Seals a text under the current key. */
  seal(plain: string): string;
  /** Opens a sealed text under whichever configured key sealed it; throws on a clear, tampered or unknown value. */
  open(sealed: string): string;
  /** Whether a value is sealed (under any key). */
  isSealed(value: string): boolean;
  /** Whether a value is sealed under the current key (rotation leaves these alone). */
  isCurrent(value: string): boolean;
  /**
   * Seals bytes (a member's file, R31) under the current key, in the binary format (no base64 growth). Given an
   * array of chunks, it empties the array as it goes, so each clear chunk can be freed once sealed.
   */
  sealBytes(plain: Buffer | Buffer[]): Buffer;
  /** Opens bytes sealed by sealBytes under whichever configured key sealed them; throws like open. */
  openBytes(sealed: Buffer): Buffer;
  /** Whether sealed bytes are sealed under the current key. */
  isCurrentBytes(sealed: Buffer): boolean;
}

export class SecretBoxError extends Error {}

/** The key id a sealed value carries. */
export const keyId = (key: Buffer): string => createHash('sha256').update(key).digest('hex').slice(0, 8);

/** Parses a configured key: 32 bytes as 64 hex digits or as base64/base64url (44 or 43 characters). */
export function parseKey(text: string): Buffer | undefined {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(t)) {
    const key = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    return key.length === 32 ? key : undefined;
  }
  return undefined;
}

/** A box that seals under `current` and opens under it or any of `previous`. */
export function createSecretBox(current: Buffer, previous: readonly Buffer[] = []): SecretBox {
  if (current.length !== 32) throw new SecretBoxError('the encryption key must be 32 bytes');
  const currentId = keyId(current);
  const keys = new Map<string, Buffer>([
    [currentId, current],
    ...previous.map((k) => [keyId(k), k] as [string, Buffer]),
  ]);
  const parts = (value: string) => {
    const p = value.split('.');
    return p.length === 4 && p[0] === PREFIX ? { id: p[1]!, iv: p[2]!, body: p[3]! } : undefined;
  };
  return {
    seal(plain) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', current, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return [PREFIX, currentId, iv.toString('base64url'), body.toString('base64url')].join('.');
    },
    open(sealed) {
      const p = parts(sealed);
      if (!p) throw new SecretBoxError('not a sealed value');
      const key = keys.get(p.id);
      if (!key)
        throw new SecretBoxError(
          `sealed under key ${p.id}, which is not configured (ENCRYPTION_KEY, ENCRYPTION_KEYS_PREVIOUS)`,
        );
      const body = Buffer.from(p.body, 'base64url');
      if (body.length < TAG_BYTES) throw new SecretBoxError('a sealed value is cut short');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(p.iv, 'base64url'));
      decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
      try {
        return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]).toString(
          'utf8',
        );
      } catch {
        throw new SecretBoxError('a sealed value does not open: altered, or sealed under another key with the same id');
      }
    },
    isSealed: (value) => parts(value) !== undefined,
    isCurrent: (value) => parts(value)?.id === currentId,
    sealBytes(plain) {
      // Written into one buffer of the final size, each chunk released once sealed: sealing a 10 MB file costs the
      // sealed copy, not a concatenation of the clear bytes as well (R31's memory bound).
      const parts = Array.isArray(plain) ? plain : [plain];
      const size = parts.reduce((n, p) => n + p.length, 0);
      const out = Buffer.allocUnsafe(BYTES_HEADER + size + TAG_BYTES);
      const iv = randomBytes(IV_BYTES);
      BYTES_MAGIC.copy(out, 0);
      out.write(currentId, BYTES_MAGIC.length, 'ascii');
      iv.copy(out, BYTES_MAGIC.length + 8);
      const cipher = createCipheriv('aes-256-gcm', current, iv);
      let at = BYTES_HEADER;
      for (let i = 0; i < parts.length; i++) {
        at += cipher.update(parts[i]!).copy(out, at);
        if (parts !== plain) continue;
        parts[i] = EMPTY;
      }
      at += cipher.final().copy(out, at);
      cipher.getAuthTag().copy(out, at);
      return out;
    },
    openBytes(sealed) {
      if (sealed.length < BYTES_HEADER + TAG_BYTES || !sealed.subarray(0, BYTES_MAGIC.length).equals(BYTES_MAGIC))
        throw new SecretBoxError('not sealed bytes');
      const id = sealed.subarray(BYTES_MAGIC.length, BYTES_MAGIC.length + 8).toString('ascii');
      const key = keys.get(id);
      if (!key)
        throw new SecretBoxError(
          `sealed under key ${id}, which is not configured (ENCRYPTION_KEY, ENCRYPTION_KEYS_PREVIOUS)`,
        );
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(BYTES_MAGIC.length + 8, BYTES_HEADER));
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
      try {
        return Buffer.concat([
          decipher.update(sealed.subarray(BYTES_HEADER, sealed.length - TAG_BYTES)),
          decipher.final(),
        ]);
      } catch {
        throw new SecretBoxError('sealed bytes do not open: altered, or sealed under another key with the same id');
      }
    },
    isCurrentBytes: (sealed) =>
      sealed.subarray(0, BYTES_MAGIC.length).equals(BYTES_MAGIC) &&
      sealed.subarray(BYTES_MAGIC.length, BYTES_MAGIC.length + 8).toString('ascii') === currentId,
  };
}

/**
 * Development and tests only: a key anyone can derive. Production refuses to start without ENCRYPTION_KEY
 * (config.ts), so this never seals a real member's secret.
 */
export const DEVELOPMENT_KEY = createHash('sha256').update('member-area development key: not for production').digest();

/** The development box (tests, benches, demo): sealed values it makes open only under the same public key. */
export const developmentSecretBox = (): SecretBox => createSecretBox(DEVELOPMENT_KEY);
