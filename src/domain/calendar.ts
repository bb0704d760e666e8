import { fail, ok } from './result.js';
import type { Result } from './result.js';

// Civil dates travel as 'YYYY-MM-DD' strings, never JS Date: a Date is an instant, and a birth date
// turned into an instant can shift by a day depending on the server's or browser's time zone.

/** Age of majority: below this a member is a minor. */
const ADULT_AGE = 18;

/** Longest free-text date we bother parsing; anything longer is not a date (R1 forgiving, not unbounded). */
const MAX_INPUT_LENGTH = 30;

interface CivilDate {
  year: number;
  month: number;
  day: number;
}

/** Gregorian leap-year rule. */
function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Number of days in a month of a given year. */
function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Returns the ISO string when year/month/day form a real calendar date within 1900–2999. */
function toIso(year: number, month: number, day: number): string | undefined {
  if (year < 1900 || year > 2999) return undefined;
  if (month < 1 || month > 12) return undefined;
  if (day < 1 || day > daysInMonth(year, month)) return undefined;
  return formatIso({ year, month, day });
}

/** Formats civil date parts as zero-padded 'YYYY-MM-DD'. */
function formatIso({ year, month, day }: CivilDate): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** Splits a trusted ISO date; throws RangeError because an invalid date here is a programming error, not user input. */
function partsOf(date: string): CivilDate {
  const iso = parseIsoDate(date);
  const match = iso === undefined ? null : /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!match)
    throw new RangeError(`Expected a YYYY-MM-DD date, got ${JSON.stringify(date.slice(0, MAX_INPUT_LENGTH))}`);
  return { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
}

/** Strictly parses 'YYYY-MM-DD' (real calendar date, years 1900–2999) or returns undefined. */
export function parseIsoDate(input: string): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(input);
  if (!match) return undefined;
  return toIso(Number(match[1]), Number(match[2]), Number(match[3]));
}

/** Parses a typed date per R1 (dd/mm/yyyy, d-m-yyyy, dd.mm.yyyy or yyyy-mm-dd) into ISO, or explains why not. */
export function parseDateInput(input: string, field: string): Result<string> {
  // Length is checked before trimming so a huge paste is refused without any further work.
  if (input.length > MAX_INPUT_LENGTH) return fail(field, 'date_invalid');
  const value = input.trim();
  if (value === '') return fail(field, 'required');

  const iso = parseIsoDate(value);
  if (iso !== undefined) return ok(iso);

  // Spanish order is day first; the back-reference keeps the separator consistent ("1/2-1990" is refused).
  const match = /^(\d{1,2})([/.-])(\d{1,2})\2(\d{4})$/.exec(value);
  if (!match) return fail(field, 'date_invalid');
  const parsed = toIso(Number(match[4]), Number(match[3]), Number(match[1]));
  return parsed === undefined ? fail(field, 'date_invalid') : ok(parsed);
}

// Building an Intl.DateTimeFormat costs far more than using one, and every private page asks for today's date
// (the R14 minor check): one formatter per zone is kept.
const formatters = new Map<string, Intl.DateTimeFormat>();
function civilFormatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    // Gregorian calendar and Latin digits are pinned so the host's default locale cannot change the output.
    f = new Intl.DateTimeFormat('en-US-u-ca-gregory-nu-latn', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

// The date changes at most once a minute in any zone (offsets are whole minutes): the last answer per zone is kept
// for the minute it was asked in (formatToParts was 3.6% of a signed-in page's CPU, issue 20).
const lastAnswer = new Map<string, { minute: number; date: string }>();

/** Civil date 'YYYY-MM-DD' in the given IANA zone at instant `now` (the insurer's zone is Europe/Madrid). */
export function todayIn(timeZone: string, now: Date): string {
  const minute = Math.floor(now.getTime() / 60_000);
  const last = lastAnswer.get(timeZone);
  if (last && last.minute === minute) return last.date;
  const parts = civilFormatter(timeZone).formatToParts(now);
  const pick = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === type)?.value);
  const date = formatIso({ year: pick('year'), month: pick('month'), day: pick('day') });
  lastAnswer.set(timeZone, { minute, date });
  return date;
}

/**
 * Completed years from birthDate to today (negative if born after today; 29 Feb birthdays count from 1 Mar in non-leap
 * years).
 */
export function ageOn(birthDate: string, today: string): number {
  const birth = partsOf(birthDate);
  const now = partsOf(today);
  let age = now.year - birth.year;
  // The birthday counts as reached on the day itself (18 on the 18th birthday). Comparing (month, day)
  // means a 29 February birthday is not reached on 28 February of a non-leap year but is on 1 March.
  // Product decision, conservative for minor checks (the member stays a minor one day longer); note that
  // Código Civil art. 5.1 ("expira el último del mes") could be read as 28 February, so legal should confirm.
  if (now.month < birth.month || (now.month === birth.month && now.day < birth.day)) age -= 1;
  return age;
}

/** True when the person is under the age of majority on `today`. */
export function isMinorOn(birthDate: string, today: string): boolean {
  return ageOn(birthDate, today) < ADULT_AGE;
}

/**
 * True when `date` is strictly after `today`; throws RangeError on non-ISO input so a typo never reads as "not future".
 */
export function isFutureDate(date: string, today: string): boolean {
  partsOf(date);
  partsOf(today);
  // Both are validated zero-padded ISO strings, which order lexicographically exactly like the dates.
  return date > today;
}

/** Adds (or with a negative count, subtracts) whole days to an ISO date, in pure calendar arithmetic. */
export function addDays(date: string, days: number): string {
  if (!Number.isSafeInteger(days)) throw new RangeError(`addDays: expected an integer day count, got ${days}`);
  const { year, month, day } = partsOf(date);
  // UTC arithmetic has no DST gaps, so it is exact for civil dates.
  const shifted = new Date(Date.UTC(year, month - 1, day + days));
  if (Number.isNaN(shifted.getTime())) throw new RangeError(`addDays: ${days} days is outside the representable range`);
  return formatIso({ year: shifted.getUTCFullYear(), month: shifted.getUTCMonth() + 1, day: shifted.getUTCDate() });
}
