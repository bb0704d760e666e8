import { hash, parseOptions, verify } from '@node-rs/argon2';
import type { Algorithm, Options, Version } from '@node-rs/argon2';
import { randomBytes } from 'node:crypto';

// Passwords are stored as argon2id PHC strings (PRODUCT §5: m = 19 MiB, t = 2, p = 1 at least). @node-rs/argon2's
// async `hash`/`verify` are napi async work (the addon imports napi_create_async_work), so each call runs on libuv's
// thread pool and never blocks the event loop; several calls in flight run side by side, up to UV_THREADPOOL_SIZE.

// The package declares Algorithm/Version as ambient const enums whose runtime objects are empty, and
// verbatimModuleSyntax forbids reading them, so the numeric values are spelled out and checked against the enum types.
/** Algorithm.Argon2id. */
const ARGON2ID: Algorithm.Argon2id = 2;
/** Version.V0x13 (argon2 1.3, the current one). */
const V0X13: Version.V0x13 = 1;
/** Raw hash length in bytes (the package default); shorter stored hashes are upgraded. */
const OUTPUT_LENGTH = 32;
/** Salt length in bytes the package generates; older, shorter salts are upgraded. */
const SALT_LENGTH = 16;

/** Argon2id cost parameters: the PRODUCT §5 floor (memory in KiB, 19456 KiB = 19 MiB). */
export const ARGON2_PARAMS = Object.freeze({ memoryCost: 19456, timeCost: 2, parallelism: 1 });

/** Full options passed to every hash, so a change of package defaults can never weaken stored hashes. */
const HASH_OPTIONS: Options = { ...ARGON2_PARAMS, algorithm: ARGON2ID, version: V0X13, outputLen: OUTPUT_LENGTH };

/**
 * How many argon2id hashes and verifications this process has started: an operational figure, and how the abuse
 * suite proves that an unknown username costs the same hashing work as a known one (R7) without timing anything.
 */
export const passwordHashWork = { hashes: 0, verifications: 0 };

/** Hashes a password with argon2id and a fresh random salt, off the event loop; returns the PHC string to store. */
export function hashPassword(password: string): Promise<string> {
  passwordHashWork.hashes++;
  return hash(password, HASH_OPTIONS);
}

/** True when `password` matches the stored PHC hash; a malformed or foreign hash is a mismatch, never an error. */
export async function verifyPassword(storedHash: string, password: string): Promise<boolean> {
  passwordHashWork.verifications++;
  try {
    return await verify(storedHash, password);
  } catch {
    // The addon rejects with "Decoding failed" on anything that is not an argon2 PHC string.
    return false;
  }
}

/** True when a stored hash was made with weaker settings than today's, so it should be replaced at next sign-in. */
export function needsRehash(storedHash: string): boolean {
  try {
    const used = parseOptions(storedHash);
    return (
      used.algorithm !== ARGON2ID ||
      used.version !== V0X13 ||
      used.memoryCost < ARGON2_PARAMS.memoryCost ||
      used.timeCost < ARGON2_PARAMS.timeCost ||
      used.parallelism < ARGON2_PARAMS.parallelism ||
      used.outputLen < OUTPUT_LENGTH ||
      used.saltLen < SALT_LENGTH
    );
  } catch {
    // Unparseable hashes can never verify, so there is nothing to upgrade from; report them as outdated anyway.
    return true;
  }
}

/** Pending hash of a random string nobody knows, made on the first dummyVerify call. */
let dummyHash: Promise<string> | undefined;

/**
 * Spends one real argon2id verification against a hash no password matches, so a sign-in with an unknown username
 * costs about what a known one does and timing does not reveal which documents have accounts (R7). The first call
 * also pays for making the hash; call it once at start-up to warm it.
 */
export async function dummyVerify(password: string): Promise<void> {
  dummyHash ??= hashPassword(randomBytes(32).toString('base64url'));
  let stored: string;
  try {
    stored = await dummyHash;
  } catch (error) {
    dummyHash = undefined; // let the next call retry rather than cache a failure forever
    throw error;
  }
  await verifyPassword(stored, password);
}

/**
 * True when `password` matches any of the stored hashes: the R4 "not one of the last 20 passwords" check for
 * registration, recovery and change (R11, R12). All verifications are started at once so they run in parallel on
 * the thread pool (PRODUCT §5); none is skipped after an early match, so the time does not tell which one matched.
 */
export async function matchesAnyHash(password: string, hashes: readonly string[]): Promise<boolean> {
  const results = await Promise.all(hashes.map((stored) => verifyPassword(stored, password)));
  return results.includes(true);
}
