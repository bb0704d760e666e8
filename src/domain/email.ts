import { z } from 'zod';
import { fail, ok } from './result.js';
import type { Result } from './result.js';

/** RFC 5321 caps a forward path at 254 characters. */
const MAX_LENGTH = 254;

/** RFC 5321 caps the local part at 64 octets. */
const MAX_LOCAL_LENGTH = 64;

/** Built once: zod's practical address syntax (no quoted local parts, no IP-literal or dotless domains). */
const emailSchema = z.email();

/** Lower-cases only the domain: domains are case-insensitive but the local part may legally not be. */
function normaliseEmail(value: string): string {
  const at = value.lastIndexOf('@');
  return at < 0 ? value : value.slice(0, at) + value.slice(at).toLowerCase();
}

/** Validates a required e-mail address, returning it trimmed with a lower-cased domain. */
export function parseEmail(input: string, field = 'email'): Result<string> {
  const value = input.trim();
  if (value === '') return fail(field, 'required');
  // Checked before any regex work so a huge paste fails fast.
  if (value.length > MAX_LENGTH) return fail(field, 'too_long', { max: MAX_LENGTH });
  const normalised = normaliseEmail(value);
  const local = normalised.slice(0, Math.max(0, normalised.lastIndexOf('@')));
  if (local.length > MAX_LOCAL_LENGTH || !emailSchema.safeParse(normalised).success)
    return fail(field, 'email_invalid');
  return ok(normalised);
}

/** Like parseEmail, but an empty field means "no address" rather than an error. */
export function parseOptionalEmail(input: string, field = 'email'): Result<string | undefined> {
  return input.trim() === '' ? ok(undefined) : parseEmail(input, field);
}

/** Masks an address to its first character and domain, e.g. "j•••@example.com" (R7). */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 0) return '•••';
  // Array.from so an astral first character is not split into a lone surrogate.
  const first = Array.from(email.slice(0, at))[0] ?? '';
  return `${first}•••${email.slice(at)}`;
}
