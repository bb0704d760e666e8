import { getCountries } from 'libphonenumber-js';

/** ISO 3166-1 alpha-2 codes, as libphonenumber-js knows them (every country and territory with a phone plan). */
const CODES: ReadonlySet<string> = new Set(getCountries());

/** R3 (issue 16): a country as typed or chosen, upper-cased; only an ISO 3166-1 alpha-2 code passes. */
export function parseCountry(input: string): string | undefined {
  const code = input.trim().toUpperCase();
  return CODES.has(code) ? code : undefined;
}

/** Every country, named in `lang` (Intl.DisplayNames), sorted by name in that language, Spain first. */
export function countryOptions(lang: 'es' | 'en'): { value: string; label: string }[] {
  const names = new Intl.DisplayNames([lang], { type: 'region' });
  const collator = new Intl.Collator(lang);
  const all = [...CODES].map((code) => ({ value: code, label: names.of(code) ?? code }));
  all.sort((a, b) => (a.value === 'ES' ? -1 : b.value === 'ES' ? 1 : collator.compare(a.label, b.label)));
  return all;
}

/** A country's name in `lang` (Intl.DisplayNames), or the code itself when the runtime does not know it. */
export function countryName(code: string, lang: 'es' | 'en'): string {
  return new Intl.DisplayNames([lang], { type: 'region' }).of(code) ?? code;
}
