import { fail, ok } from './result.js';
import type { Result } from './result.js';

/** Validates a Spanish postal code per R3: 5 digits whose province prefix is 01–52; spaces are forgiven (R1). */
export function parseSpanishPostalCode(input: string, field = 'postal_code'): Result<string> {
  const value = input.replace(/\s+/gu, '');
  if (value === '') return fail(field, 'required');
  const match = /^(\d{2})\d{3}$/.exec(value);
  // R3: the first two digits are the province code, 01 (Álava) to 52 (Melilla); 00 and 53+ do not exist.
  const province = Number(match?.[1]);
  if (!match || province < 1 || province > 52) return fail(field, 'postal_code_invalid');
  return ok(value);
}

/**
 * Postal code patterns of the countries a Spanish policy's members most often live in (cross-border workers,
 * neighbours, the UK); any other country gets the generic shape below.
 */
const PATTERNS: Record<string, { pattern: RegExp; normalise?: (v: string) => string }> = {
  PT: { pattern: /^\d{4}-\d{3}$/, normalise: (v) => v.replace(/^(\d{4})\s?(\d{3})$/, '$1-$2') },
  FR: { pattern: /^\d{5}$/ },
  AD: { pattern: /^AD\d{3}$/, normalise: (v) => v.replace(/^(\d{3})$/, 'AD$1').replace(/\s/g, '') },
  GI: { pattern: /^GX11 1AA$/ },
  IT: { pattern: /^\d{5}$/ },
  DE: { pattern: /^\d{5}$/ },
  NL: { pattern: /^\d{4} ?[A-Z]{2}$/ },
  BE: { pattern: /^\d{4}$/ },
  CH: { pattern: /^\d{4}$/ },
  GB: { pattern: /^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$/ },
  US: { pattern: /^\d{5}(-\d{4})?$/ },
  MA: { pattern: /^\d{5}$/ },
};

/**
 * A postal code for the country of the address (ISO 3166-1 alpha-2). Spain: R3's rules, required. Elsewhere the
 * country's own shape where we know it, else letters, digits, spaces and hyphens; optional, since some countries
 * have none.
 */
export function parsePostalCode(input: string, country: string, field = 'postal_code'): Result<string | null> {
  if (country === 'ES') return parseSpanishPostalCode(input.slice(0, 100), field);
  let value = input.trim().replace(/\s+/gu, ' ').toUpperCase().slice(0, 100);
  if (!value) return ok(null);
  const known = PATTERNS[country];
  if (known) {
    value = known.normalise ? known.normalise(value) : value;
    return known.pattern.test(value) ? ok(value) : fail(field, 'postal_code_country', { country });
  }
  return /^[A-Z0-9][A-Z0-9 -]{0,11}$/.test(value) ? ok(value) : fail(field, 'postal_code_country', { country });
}
