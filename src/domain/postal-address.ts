import { parsePostalCode } from './postal-code.js';
import { fail, ok, type Result } from './result.js';

// R3, R15: a postal address as a member types it, checked field by field (no I/O: the account page and the
// back office's correction both use it).

/** The address form as typed. */
export interface AddressInput {
  addressLine: string;
  postalCode: string;
  city: string;
  province: string;
}

export interface PostalAddress {
  addressLine: string;
  postalCode: string | null;
  city: string;
  province: string | null;
}

/** Collapses spacing; refuses control characters and anything longer than `max`. */
function cleanText(value: string, field: string, max: number, required: boolean): Result<string | null> {
  const v = value.trim().replace(/\s+/g, ' ');
  if (!v) return required ? fail(field, 'required') : ok(null);
  if (v.length > max) return fail(field, 'too_long', { max });
  if (/\p{Cc}/u.test(v)) return fail(field, 'invalid');
  return ok(v);
}

/** R15 (with the R3 rules): the postal address form, checked field by field. */
export function parseAddress(input: AddressInput, country: string | null): Result<PostalAddress> {
  const parts = {
    addressLine: cleanText(input.addressLine, 'address_line', 200, true),
    postalCode: parsePostalCode(input.postalCode, country ?? 'ES'),
    city: cleanText(input.city, 'city', 100, true),
    province: cleanText(input.province, 'province', 100, false),
  };
  const errors = Object.values(parts).flatMap((r) => (r.ok ? [] : r.errors));
  if (errors.length || !parts.addressLine.ok || !parts.postalCode.ok || !parts.city.ok || !parts.province.ok)
    return { ok: false, errors };
  return ok({
    addressLine: parts.addressLine.value!,
    postalCode: parts.postalCode.value,
    city: parts.city.value!,
    province: parts.province.value,
  });
}
