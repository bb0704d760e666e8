import { parseIsoDate } from './calendar.js';
import { isCommonPassword } from './common-passwords.js';

// R4 is the insurer's rule, and its composition part (required character classes, ASCII letters and digits only)
// goes against ASVS 6.2.5 and NIST SP 800-63B §3.1.1.2, which advise against composition rules and for allowing
// any printable character. It is therefore kept in this one module as data, so the insurer can relax it by
// configuration without touching the flows. The history rule (last 20 passwords) needs the stored hashes and is
// checked in infra (matchesAnyHash), not here.

/** Every knob of the password rule (R4); `insurerPasswordPolicy` holds the values the insurer asked for. */
export interface PasswordPolicy {
  minLength: number;
  maxLength: number;
  requireDigit: boolean;
  requireUpper: boolean;
  requireLower: boolean;
  asciiAlphanumericOnly: boolean;
  historySize: number;
  rejectCommon: boolean;
  rejectPersonalData: boolean;
}

/** The insurer's R4: 8–64 ASCII letters/digits with a digit, an upper- and a lower-case letter, last 20 refused. */
export const insurerPasswordPolicy: PasswordPolicy = Object.freeze({
  minLength: 8,
  maxLength: 64,
  requireDigit: true,
  requireUpper: true,
  requireLower: true,
  asciiAlphanumericOnly: true,
  historySize: 20,
  rejectCommon: true,
  rejectPersonalData: true,
});

/** One line of the R4 checklist the form shows (history excluded: it needs the stored hashes). */
export type PasswordRule = 'length' | 'charset' | 'digit' | 'upper' | 'lower' | 'not_common' | 'no_personal_data';

/** Whether the typed password meets one rule of the checklist. */
export interface PasswordRuleStatus {
  rule: PasswordRule;
  met: boolean;
}

/** The verdict: acceptable only when every enforced rule is met; `rules` is in display order for the form. */
export interface PasswordCheck {
  ok: boolean;
  rules: PasswordRuleStatus[];
}

/** What a password must not contain (R4): the username (identity document), member numbers and birth dates. */
export interface PersonalData {
  username?: string | null;
  memberNumbers?: readonly string[];
  /** Civil dates as 'YYYY-MM-DD'; malformed ones are ignored. */
  birthDates?: readonly string[];
}

/** Personal values shorter than this are ignored: "AB1" inside a password is coincidence, not a leak (R4). */
const MIN_PERSONAL_LENGTH = 4;

/**
 * Inputs are only inspected up to this many characters (or the policy's maximum, if larger). Anything longer already
 * fails the length rule, and capping keeps a pasted megabyte as cheap as a normal password.
 */
const WORK_CAP = 1024;

/** The rules `policy` enforces, in the order the form lists them (R4). */
export function rulesOf(policy: PasswordPolicy = insurerPasswordPolicy): PasswordRule[] {
  const rules: PasswordRule[] = ['length'];
  if (policy.asciiAlphanumericOnly) rules.push('charset');
  if (policy.requireDigit) rules.push('digit');
  if (policy.requireUpper) rules.push('upper');
  if (policy.requireLower) rules.push('lower');
  if (policy.rejectCommon) rules.push('not_common');
  if (policy.rejectPersonalData) rules.push('no_personal_data');
  return rules;
}

/** Lower-cases and keeps only letters and digits, so "AS-1001", "12.345.678-z" and "17/05/1990" compare plainly. */
function compact(value: string): string {
  return value.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');
}

/** Length in code points (what a person counts), not UTF-16 units, for policies that allow non-ASCII. */
function codePointLength(value: string): number {
  return Array.from(value).length;
}

/** The digit strings a person would write a birth date as: ddmmyyyy, yyyymmdd, ddmmyy, mmddyyyy, yymmdd (R4). */
function birthDateForms(isoDate: string): string[] {
  const iso = parseIsoDate(isoDate);
  if (iso === undefined) return [];
  const yyyy = iso.slice(0, 4);
  const mm = iso.slice(5, 7);
  const dd = iso.slice(8, 10);
  const yy = yyyy.slice(2);
  return [dd + mm + yyyy, yyyy + mm + dd, dd + mm + yy, mm + dd + yyyy, yy + mm + dd];
}

/** Every normalised personal value long enough to count, for containment checks. */
function personalValues(personal: PersonalData): string[] {
  const values = [personal.username ?? '', ...(personal.memberNumbers ?? [])].map(compact);
  for (const date of personal.birthDates ?? []) values.push(...birthDateForms(date.trim()));
  return values.filter((value) => value.length >= MIN_PERSONAL_LENGTH);
}

/** Checks a candidate password against every rule of `policy` except history (R4), rule by rule for the form. */
export function checkPassword(
  password: string,
  personal: PersonalData,
  policy: PasswordPolicy = insurerPasswordPolicy,
  isCommon: (lowercased: string) => boolean = isCommonPassword,
): PasswordCheck {
  // Length is decided on the raw length first; everything else looks at a bounded prefix (see WORK_CAP).
  const cap = Math.max(WORK_CAP, policy.maxLength);
  const tooLong = password.length > cap;
  const candidate = tooLong ? password.slice(0, cap) : password;
  const length = tooLong ? Infinity : codePointLength(candidate);

  const met = (rule: PasswordRule): boolean => {
    switch (rule) {
      case 'length':
        return length >= policy.minLength && length <= policy.maxLength;
      case 'charset':
        return /^[A-Za-z0-9]*$/.test(candidate);
      // Unicode classes so a relaxed policy (asciiAlphanumericOnly: false) still counts "Ñ" as upper-case; under the
      // insurer's policy such characters are refused by 'charset' instead, which is the rule the person must fix.
      case 'digit':
        return /\p{Nd}/u.test(candidate);
      case 'upper':
        return /\p{Lu}/u.test(candidate);
      case 'lower':
        return /\p{Ll}/u.test(candidate);
      // Case-insensitive per R4: "PASSWORD1" and "Password1" are both the list's "password1".
      case 'not_common':
        return !isCommon(candidate.toLowerCase());
      case 'no_personal_data': {
        const haystack = compact(candidate);
        return !personalValues(personal).some((value) => haystack.includes(value));
      }
    }
  };

  const rules = rulesOf(policy).map((rule) => ({ rule, met: met(rule) }));
  return { ok: rules.every((status) => status.met), rules };
}
