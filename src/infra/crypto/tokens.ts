import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

/** Fewest random bytes a token may have: R8 and R11 demand at least 128 bits. */
const MIN_TOKEN_BYTES = 16;

/** A URL-safe opaque token from the CSPRNG (base64url, no padding); 32 bytes = 256 bits by default (R8, R11). */
export function randomToken(bytes = 32): string {
  // Throwing rather than clamping: a shorter token would be a programming error that silently weakens R8/R11.
  if (!Number.isSafeInteger(bytes) || bytes < MIN_TOKEN_BYTES)
    throw new RangeError(`randomToken: expected at least ${MIN_TOKEN_BYTES} bytes, got ${bytes}`);
  return randomBytes(bytes).toString('base64url');
}

/**
 * SHA-256 hex of a token, the form in which session tokens, links and codes are stored (R7, R8, R11): a leaked
 * table then holds nothing usable. A plain fast hash suffices because tokens carry ≥128 bits of entropy.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A 6-digit sign-in code, uniform over 000000–999999 from the CSPRNG (R7); randomInt avoids modulo bias. */
export function sixDigitCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

/** Constant-time string comparison for secrets; strings of different byte length are simply unequal. */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  // timingSafeEqual throws on unequal lengths; the length itself is not secret for hashes and codes of fixed size.
  return left.length === right.length && timingSafeEqual(left, right);
}
