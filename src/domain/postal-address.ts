import { countryName, parseCountry } from './country.js';
import { parsePostalCode } from './postal-code.js';
import { fail, ok, type Result } from './result.js';

// R3, R15, R23: a postal address as a person types it, checked field by field (no I/O: registration's step 2, the
// member's contact page and the back office's correction all use it, so an address is one thing everywhere).

/** The address form as typed; `country` is the select's ISO 3166-1 alpha-2 code. */
export interface AddressInput {
  addressLine: string;
  postalCode: string;
  city: string;
  province: string;
  country: string;
}

export interface PostalAddress {
  addressLine: string;
  /** Null only abroad, in a country without postal codes. */
  postalCode: string | null;
  city: string;
  province: string | null;
  /** ISO 3166-1 alpha-2: members of a local policy may live abroad (cross-border workers, issue 16). */
  country: string;
}

/** Collapses spacing; refuses control characters and anything longer than `max`. */
function cleanText(value: string, field: string, max: number, required: boolean): Result<string | null> {
  const v = value.trim().replace(/\s+/g, ' ');
  if (!v) return required ? fail(field, 'required') : ok(null);
  if (v.length > max) return fail(field, 'too_long', { max });
  if (/\p{Cc}/u.test(v)) return fail(field, 'invalid');
  return ok(v);
}

/**
 * R3, R15: the postal address form, checked field by field; the postal code by the country chosen (Spain: 5 digits,
 * 01-52). A form that sends no country (one from before the field) keeps `storedCountry`, Spain when there is none.
 */
export function parseAddress(input: AddressInput, storedCountry: string | null): Result<PostalAddress> {
  const typed = input.country.trim().slice(0, 10);
  const country = typed === '' ? (storedCountry ?? 'ES') : parseCountry(typed);
  const parts = {
    addressLine: cleanText(input.addressLine, 'address_line', 200, true),
    postalCode: parsePostalCode(input.postalCode, country ?? 'ES'),
    city: cleanText(input.city, 'city', 100, true),
    province: cleanText(input.province, 'province', 100, false),
  };
  const errors = Object.values(parts).flatMap((r) => (r.ok ? [] : r.errors));
  if (!country) errors.push({ field: 'country', code: 'invalid' });
  if (
    errors.length ||
    !country ||
    !parts.addressLine.ok ||
    !parts.postalCode.ok ||
    !parts.city.ok ||
    !parts.province.ok
  )
    return { ok: false, errors };
  return ok({
    addressLine: parts.addressLine.value!,
    postalCode: parts.postalCode.value,
    city: parts.city.value!,
    province: parts.province.value,
    country,
  });
}

/** An address as lines to show: street, postal code and town, province, and the country by name in `lang`. */
export function addressLines(
  a: {
    addressLine: string | null;
    postalCode: string | null;
    city: string | null;
    province: string | null;
    country: string | null;
  },
  lang: 'es' | 'en',
): string[] {
  if (!a.addressLine && !a.city) return [];
  const town = [a.postalCode, a.city].filter(Boolean).join(' ');
  return [a.addressLine, town, a.province, a.country ? countryName(a.country, lang) : null].filter((l): l is string =>
    Boolean(l),
  );
}
