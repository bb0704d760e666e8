import { parseDateInput, isFutureDate } from './calendar.js';
import { fail, ok } from './result.js';
import type { Result } from './result.js';

// R31: amounts are typed in euros as a Spanish member writes them ("1.234,56", "80,5", "1234.56") and kept as an
// integer number of cents, so no float ever rounds a reimbursement.

/** The largest amount one request may claim, in cents (100 000,00 €): above it is a typo, not an invoice. */
export const MAX_AMOUNT_CENTS = 10_000_000;

const MAX_INPUT = 30;

/** Digits grouped in threes by `sep` ("1.234.567"), the first group one to three digits. */
const grouped = (text: string, sep: string): boolean => new RegExp(`^\\d{1,3}(\\${sep}\\d{3})+$`).test(text);

/**
 * Splits an amount into its whole and decimal digits. Both separators present: the last one is the decimal mark.
 * One comma: the decimal mark (Spanish). One or more dots grouping threes ("1.234"): thousands (Spanish); another dot:
 * the decimal mark ("1234.56").
 */
function split(text: string): { whole: string; decimals: string } | undefined {
  const lastComma = text.lastIndexOf(',');
  const lastDot = text.lastIndexOf('.');
  if (lastComma >= 0 && lastDot >= 0) {
    const mark = lastComma > lastDot ? ',' : '.';
    const thousands = mark === ',' ? '.' : ',';
    const at = Math.max(lastComma, lastDot);
    const whole = text.slice(0, at);
    if (!grouped(whole, thousands)) return undefined;
    return { whole: whole.split(thousands).join(''), decimals: text.slice(at + 1) };
  }
  if (lastComma >= 0) {
    if (text.indexOf(',') !== lastComma)
      return grouped(text, ',') ? { whole: text.replace(/,/g, ''), decimals: '' } : undefined;
    return { whole: text.slice(0, lastComma), decimals: text.slice(lastComma + 1) };
  }
  if (lastDot >= 0) {
    if (grouped(text, '.')) return { whole: text.replace(/\./g, ''), decimals: '' };
    if (text.indexOf('.') !== lastDot) return undefined;
    return { whole: text.slice(0, lastDot), decimals: text.slice(lastDot + 1) };
  }
  return { whole: text, decimals: '' };
}

/** Parses an amount in euros into cents: more than 0, at most MAX_AMOUNT_CENTS, at most two decimals. */
export function parseEuros(input: string, field: string, max: number = MAX_AMOUNT_CENTS): Result<number> {
  if (input.length > MAX_INPUT) return fail(field, 'amount_invalid');
  const text = input.replace(/[\s\u00a0\u202f]+/gu, '').replace(/€$|^€|EUR$/iu, '');
  if (text === '') return fail(field, 'required');
  if (/^[-−]/u.test(text)) return fail(field, 'amount_not_positive');
  const parts = /^[0-9.,]+$/.test(text) ? split(text) : undefined;
  if (!parts || !/^\d+$/.test(parts.whole) || !/^\d*$/.test(parts.decimals)) return fail(field, 'amount_invalid');
  if (parts.decimals.length > 2) return fail(field, 'amount_decimals');
  const whole = parts.whole.replace(/^0+(?=\d)/, '');
  if (whole.length > 12) return fail(field, 'amount_too_high', { max: formatEuros(max) });
  const cents = Number(whole) * 100 + Number(parts.decimals.padEnd(2, '0'));
  if (cents <= 0) return fail(field, 'amount_not_positive');
  if (cents > max) return fail(field, 'amount_too_high', { max: formatEuros(max) });
  return ok(cents);
}

/**
 * An amount in cents as text with the euro sign, as each language writes it: 123456 is "1.234,56 €" in Spanish and
 * "€1,234.56" in English.
 */
export function formatEuros(cents: number, lang: 'es' | 'en' = 'es'): string {
  const [thousands, mark] = lang === 'en' ? [',', '.'] : ['.', ','];
  const whole = Math.trunc(cents / 100)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, thousands);
  const text = `${whole}${mark}${String(Math.abs(cents % 100)).padStart(2, '0')}`;
  return lang === 'en' ? `€${text}` : `${text} €`;
}

/** Parses the date a service was given (R1 forgiving formats): a real date, not after today in Madrid. */
export function parseServiceDate(input: string, field: string, today: string): Result<string> {
  const date = parseDateInput(input, field);
  if (!date.ok) return date;
  if (isFutureDate(date.value, today)) return fail(field, 'date_in_future');
  return date;
}
