import type { FieldError, Result } from './result.js';
import { parseSpanishPostalCode } from './postal-code.js';

/** The provider feed's columns (R34), in order. */
export const PROVIDER_COLUMNS = [
  'provider_id',
  'name',
  'kind',
  'specialties',
  'address_line',
  'postal_code',
  'city',
  'province',
  'phone',
  'latitude',
  'longitude',
  'networks',
  'languages',
] as const;
export type ProviderColumn = (typeof PROVIDER_COLUMNS)[number];
export type RawProviderRow = Record<ProviderColumn, string>;

export const PROVIDER_KINDS = ['doctor', 'clinic', 'hospital', 'lab', 'dentist'] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

/** One validated provider. */
export interface ProviderInput {
  providerId: string;
  name: string;
  kind: ProviderKind;
  specialties: string[];
  addressLine: string;
  postalCode: string;
  city: string;
  province: string;
  /** Digits with an optional leading +, as dialled (`tel:` links). */
  phone: string;
  latitude: number;
  longitude: number;
  networks: string[];
  languages: string[];
}

function text(input: string, field: string, errors: FieldError[], max: number): string {
  const value = input.trim().replace(/\s+/g, ' ');
  if (value === '') errors.push({ field, code: 'required' });
  else if (value.length > max) errors.push({ field, code: 'too_long', params: { max } });
  else if (/\p{Cc}/u.test(value)) errors.push({ field, code: 'invalid_characters' });
  return value;
}

function list(input: string, field: string, errors: FieldError[], maxEach: number, required: boolean): string[] {
  const items = [
    ...new Set(
      input
        .split(';')
        .map((s) => s.trim().replace(/\s+/g, ' '))
        .filter(Boolean),
    ),
  ];
  if (required && items.length === 0) errors.push({ field, code: 'required' });
  else if (items.length > 20) errors.push({ field, code: 'too_long', params: { max: 20 } });
  else if (items.some((s) => s.length > maxEach)) errors.push({ field, code: 'too_long', params: { max: maxEach } });
  else if (items.some((s) => /\p{Cc}/u.test(s))) errors.push({ field, code: 'invalid_characters' });
  return items;
}

function coordinate(input: string, field: string, errors: FieldError[], limit: number): number {
  const value = input.trim();
  const n = /^-?\d{1,3}(\.\d{1,10})?$/.test(value) ? Number(value) : NaN;
  if (value === '') errors.push({ field, code: 'required' });
  else if (!Number.isFinite(n)) errors.push({ field, code: 'invalid_format' });
  else if (Math.abs(n) > limit) errors.push({ field, code: 'out_of_range', params: { min: -limit, max: limit } });
  return n;
}

/** Validates one provider (a CSV row or an API body); every bad field is reported, none half-kept. */
export function parseProvider(raw: RawProviderRow): Result<ProviderInput> {
  const errors: FieldError[] = [];
  const providerId = raw.provider_id.trim();
  if (providerId === '') errors.push({ field: 'provider_id', code: 'required' });
  else if (!/^[A-Za-z0-9._-]{1,64}$/.test(providerId)) errors.push({ field: 'provider_id', code: 'invalid_format' });
  const name = text(raw.name, 'name', errors, 200);
  const kindText = raw.kind.trim().toLowerCase();
  const kind = (PROVIDER_KINDS as readonly string[]).includes(kindText) ? (kindText as ProviderKind) : undefined;
  if (!kind)
    errors.push({
      field: 'kind',
      code: kindText ? 'not_allowed' : 'required',
      params: { allowed: PROVIDER_KINDS.join('|') },
    });
  const specialties = list(raw.specialties, 'specialties', errors, 100, kind === 'doctor');
  const addressLine = text(raw.address_line, 'address_line', errors, 200);
  const postal = parseSpanishPostalCode(raw.postal_code.trim(), 'postal_code');
  if (!postal.ok) errors.push(...postal.errors);
  const city = text(raw.city, 'city', errors, 100);
  const province = text(raw.province, 'province', errors, 100);
  const phone = raw.phone.replace(/[\s().-]/g, '');
  if (phone === '') errors.push({ field: 'phone', code: 'required' });
  else if (!/^\+?\d{6,15}$/.test(phone)) errors.push({ field: 'phone', code: 'phone_invalid' });
  const latitude = coordinate(raw.latitude, 'latitude', errors, 90);
  const longitude = coordinate(raw.longitude, 'longitude', errors, 180);
  const networks = list(raw.networks, 'networks', errors, 120, true);
  const languages = list(raw.languages, 'languages', errors, 10, false).map((l) => l.toLowerCase());
  if (errors.length || !kind || !postal.ok) return { ok: false, errors };
  return {
    ok: true,
    value: {
      providerId,
      name,
      kind,
      specialties,
      addressLine,
      postalCode: postal.value,
      city,
      province,
      phone,
      latitude,
      longitude,
      networks,
      languages,
    },
  };
}

/** Great-circle distance in kilometres (haversine), the same formula the search runs in SQL. */
export function haversineKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180;
  const a =
    Math.sin(((lat2 - lat1) * rad) / 2) ** 2 +
    Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(((lon2 - lon1) * rad) / 2) ** 2;
  return 6371 * 2 * Math.asin(Math.sqrt(a));
}
