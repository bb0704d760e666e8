import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { addDays, ageOn, isMinorOn, parseDateInput, parseIsoDate, todayIn } from '../../src/domain/calendar.js';
import { isCommonPassword } from '../../src/domain/common-passwords.js';
import { maskEmail, parseEmail, parseOptionalEmail } from '../../src/domain/email.js';
import {
  isValidNie,
  isValidNif,
  maskDocument,
  normaliseDocumentNumber,
  parseIdentityDocument,
} from '../../src/domain/identity-document.js';
import { checkPassword, insurerPasswordPolicy, rulesOf, type PersonalData } from '../../src/domain/password-policy.js';
import { maskPhone, parseMobile } from '../../src/domain/phone.js';
import { parseSpanishPostalCode } from '../../src/domain/postal-code.js';
import { normaliseReference, parseReference } from '../../src/domain/reference-number.js';
import { anyText, check } from './fuzz.js';

// Issue 9, fuzzing: every validator of src/domain/ against a reference written here a different way (R1, R3, R4),
// or against invariants (idempotent normalising, fixed points, masking). Seeded: see fuzz.ts.

// ---------- References, written independently of src/domain ----------

/** R3's table as explicit pairs (remainder → letter) rather than an indexed string. */
const LETTER_OF: Readonly<Record<number, string>> = {
  0: 'T',
  1: 'R',
  2: 'W',
  3: 'A',
  4: 'G',
  5: 'M',
  6: 'Y',
  7: 'F',
  8: 'P',
  9: 'D',
  10: 'X',
  11: 'B',
  12: 'N',
  13: 'J',
  14: 'Z',
  15: 'S',
  16: 'Q',
  17: 'V',
  18: 'H',
  19: 'L',
  20: 'C',
  21: 'K',
  22: 'E',
};
/** n mod 23 by long division over the decimal digits (no Number conversion of the whole). */
const mod23 = (digits: string): number => [...digits].reduce((r, d) => (r * 10 + d.charCodeAt(0) - 48) % 23, 0);
const ASCII_DIGIT = (c: string) => c >= '0' && c <= '9';
const ASCII_UPPER = (c: string) => c >= 'A' && c <= 'Z';

/** R1/R3 normalising: drop whitespace, hyphens and dots, upper-case ASCII letters; everything else stays as typed. */
function refNormalise(input: string): string {
  let out = '';
  for (const c of input) {
    if (/^\s$/u.test(c) || c === '-' || c === '.') continue;
    out += c >= 'a' && c <= 'z' ? String.fromCharCode(c.charCodeAt(0) - 32) : c;
  }
  return out;
}

function refNif(raw: string): boolean {
  if (raw.length > 40) return false;
  const v = refNormalise(raw);
  if (v.length !== 9 || ![...v.slice(0, 8)].every(ASCII_DIGIT)) return false;
  return LETTER_OF[mod23(v.slice(0, 8))] === v[8];
}

function refNie(raw: string): boolean {
  if (raw.length > 40) return false;
  const v = refNormalise(raw);
  const prefix = { X: '0', Y: '1', Z: '2' }[v[0] ?? ''];
  if (v.length !== 9 || prefix === undefined || ![...v.slice(1, 8)].every(ASCII_DIGIT)) return false;
  return LETTER_OF[mod23(prefix + v.slice(1, 8))] === v[8];
}

function refPassport(raw: string): boolean {
  if (raw.length > 40) return false;
  const v = refNormalise(raw);
  return v.length >= 6 && v.length <= 20 && [...v].every((c) => ASCII_DIGIT(c) || ASCII_UPPER(c));
}

/** Inserts random separators (R1: spaces, NBSP, hyphens, dots) and random case into a canonical value. */
const noisy = (canonical: string): fc.Arbitrary<string> =>
  fc
    .tuple(
      fc.array(fc.constantFrom('', '', '', ' ', '-', '.', '\u00a0', '\t'), {
        minLength: canonical.length + 1,
        maxLength: canonical.length + 1,
      }),
      fc.array(fc.boolean(), { minLength: canonical.length, maxLength: canonical.length }),
    )
    .map(
      ([seps, lower]) =>
        seps[0] + [...canonical].map((c, i) => (lower[i] ? c.toLowerCase() : c) + seps[i + 1]).join(''),
    );

const validNif = fc.integer({ min: 0, max: 99_999_999 }).map((n) => {
  const digits = String(n).padStart(8, '0');
  return digits + LETTER_OF[mod23(digits)];
});
const validNie = fc.tuple(fc.constantFrom('X', 'Y', 'Z'), fc.integer({ min: 0, max: 9_999_999 })).map(([p, n]) => {
  const digits = String(n).padStart(7, '0');
  return p + digits + LETTER_OF[mod23({ X: '0', Y: '1', Z: '2' }[p] + digits)];
});
const ALNUM = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'];

/** A canonical value with exactly one character replaced by a different letter or digit. */
const oneCharChanged = (valid: fc.Arbitrary<string>) =>
  valid.chain((v) =>
    fc
      .tuple(fc.constant(v), fc.nat({ max: v.length - 1 }), fc.constantFrom(...ALNUM))
      .filter(([s, i, c]) => s[i] !== c)
      .map(([s, i, c]) => s.slice(0, i) + c + s.slice(i + 1)),
  );

// ---------- Identity documents (R3) ----------

test('NIF and NIE validity equals the reference on any input and on near-valid input (R3)', () => {
  const inputs = fc.oneof(
    anyText(),
    validNif.chain(noisy),
    validNie.chain(noisy),
    oneCharChanged(validNif),
    oneCharChanged(validNie),
  );
  check(
    fc.property(inputs, (s) => {
      assert.equal(isValidNif(s), refNif(s));
      assert.equal(isValidNie(s), refNie(s));
      assert.equal(parseIdentityDocument('NIF', s).ok, refNif(s));
      assert.equal(parseIdentityDocument('nie', s).ok, refNie(s));
      assert.equal(parseIdentityDocument(' Passport ', s).ok, refPassport(s));
    }),
    1000,
  );
});

test('every generated NIF/NIE is accepted however it is typed, and normalised to its canonical form (R1, R3)', () => {
  check(
    fc.property(
      validNif.chain((v) => fc.tuple(fc.constant(v), noisy(v))),
      ([canonical, typed]) => {
        assert.deepEqual(parseIdentityDocument('NIF', typed), { ok: true, value: { type: 'NIF', number: canonical } });
      },
    ),
    300,
  );
  check(
    fc.property(
      validNie.chain((v) => fc.tuple(fc.constant(v), noisy(v))),
      ([canonical, typed]) => {
        assert.deepEqual(parseIdentityDocument('NIE', typed), { ok: true, value: { type: 'NIE', number: canonical } });
      },
    ),
    300,
  );
});

test('any single-character change to a valid NIF or NIE is refused (R3)', () => {
  check(
    fc.property(oneCharChanged(validNif), (s) => assert.equal(isValidNif(s), false, s)),
    500,
  );
  check(
    fc.property(oneCharChanged(validNie), (s) => assert.equal(isValidNie(s), false, s)),
    500,
  );
});

test('document normalising is idempotent and an accepted number is a fixed point of parsing (R1, R3)', () => {
  check(
    fc.property(anyText(), fc.constantFrom('NIF', 'NIE', 'PASSPORT'), (s, type) => {
      const once = normaliseDocumentNumber(s);
      assert.equal(normaliseDocumentNumber(once), once);
      const parsed = parseIdentityDocument(type, s);
      if (parsed.ok) assert.deepEqual(parseIdentityDocument(type, parsed.value.number), parsed);
    }),
    500,
  );
});

test('maskDocument shows at most the last three characters and keeps the length (R7)', () => {
  check(
    fc.property(anyText(30), (s) => {
      const chars = Array.from(s);
      const masked = Array.from(maskDocument(s));
      assert.equal(masked.length, chars.length);
      const shown = chars.length <= 3 ? 0 : 3;
      assert.ok(masked.slice(0, chars.length - shown).every((c) => c === '•'));
      assert.deepEqual(masked.slice(chars.length - shown), chars.slice(chars.length - shown));
    }),
    300,
  );
});

// ---------- Member and policy numbers (R1) ----------

test('member/policy numbers: accepted exactly when the reference accepts, normalising idempotent (R1)', () => {
  const refs = fc.oneof(
    anyText(40),
    fc.string({ unit: fc.constantFrom(...ALNUM, 'a', 'z', '-', '.', ' '), maxLength: 40 }),
  );
  check(
    fc.property(refs, (s) => {
      const v = refNormalise(s);
      const expected = v !== '' && v.length <= 32 && [...v].every((c) => ASCII_DIGIT(c) || ASCII_UPPER(c));
      const parsed = parseReference(s, 'member_number');
      assert.equal(parsed.ok, expected, JSON.stringify(s));
      if (parsed.ok) assert.equal(parsed.value, v);
      if (v === '') assert.deepEqual(parsed, { ok: false, errors: [{ field: 'member_number', code: 'required' }] });
      assert.equal(normaliseReference(normaliseReference(s)), normaliseReference(s));
    }),
    1000,
  );
});

// ---------- Postal codes (R3) ----------

test('Spanish postal codes: 5 ASCII digits with province 01–52, spaces forgiven, as the reference says (R3)', () => {
  const codes = fc.oneof(
    anyText(12),
    fc.integer({ min: 0, max: 99_999 }).map((n) => String(n).padStart(5, '0')),
    fc
      .integer({ min: 0, max: 99_999 })
      .chain((n) => noisy(String(n).padStart(5, '0')).map((s) => s.replace(/[-.]/g, ' '))),
  );
  check(
    fc.property(codes, (s) => {
      const v = Array.from(s)
        .filter((c) => !/^\s$/u.test(c))
        .join('');
      const province = Number(v.slice(0, 2));
      const expected = v.length === 5 && [...v].every(ASCII_DIGIT) && province >= 1 && province <= 52;
      const parsed = parseSpanishPostalCode(s);
      assert.equal(parsed.ok, expected, JSON.stringify(s));
      if (parsed.ok) {
        assert.equal(parsed.value, v);
        assert.deepEqual(parseSpanishPostalCode(parsed.value), parsed);
      }
    }),
    1000,
  );
});

// ---------- Dates (R1, R2) ----------

/** A civil date is real when Date.UTC does not roll it over (no leap-year table of our own). */
function refRealDate(y: number, m: number, d: number): boolean {
  if (y < 1900 || y > 2999 || m < 1 || m > 12 || d < 1) return false;
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}
const pad = (n: number, w: number) => String(n).padStart(w, '0');
const iso = (y: number, m: number, d: number) => `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`;
const realDate = fc
  .date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2999-12-31T00:00:00Z'), noInvalidDate: true })
  .map((t) => t.toISOString().slice(0, 10));

test('typed dates: every R1 form of a real date gives the same ISO date, and nothing else is accepted', () => {
  const parts = fc.tuple(
    fc.integer({ min: 1850, max: 3050 }),
    fc.integer({ min: 0, max: 13 }),
    fc.integer({ min: 0, max: 32 }),
  );
  check(
    fc.property(parts, fc.constantFrom('/', '-', '.'), fc.boolean(), ([y, m, d], sep, padded) => {
      const real = refRealDate(y, m, d);
      const expected = real
        ? { ok: true, value: iso(y, m, d) }
        : { ok: false, errors: [{ field: 'birth_date', code: 'date_invalid' }] };
      const dd = padded ? pad(d, 2) : String(d);
      const mm = padded ? pad(m, 2) : String(m);
      assert.deepEqual(parseDateInput(`${dd}${sep}${mm}${sep}${pad(y, 4)}`, 'birth_date'), expected);
      assert.deepEqual(parseDateInput(` ${iso(y, m, d)} `, 'birth_date'), expected);
      assert.equal(parseIsoDate(iso(y, m, d)), real ? iso(y, m, d) : undefined);
      // Mixed separators are refused even for a real date (R1 accepts one format at a time).
      const other = sep === '/' ? '-' : '/';
      assert.equal(parseDateInput(`${dd}${sep}${mm}${other}${pad(y, 4)}`, 'birth_date').ok, false);
    }),
    1000,
  );
  check(
    fc.property(anyText(40), (s) => {
      const parsed = parseDateInput(s, 'd');
      if (parsed.ok) {
        assert.equal(parseIsoDate(parsed.value), parsed.value);
        assert.deepEqual(parseDateInput(parsed.value, 'd'), parsed);
      }
    }),
    500,
  );
});

test('ageOn and isMinorOn agree with a reference built on Date.UTC rollover (29 Feb counts from 1 Mar) (R2)', () => {
  check(
    fc.property(realDate, realDate, (birth, today) => {
      const [by, bm, bd] = birth.split('-').map(Number) as [number, number, number];
      const [ty] = today.split('-').map(Number) as [number];
      const birthdayThisYear = new Date(Date.UTC(ty, bm - 1, bd)).toISOString().slice(0, 10);
      const expected = ty - by - (today < birthdayThisYear ? 1 : 0);
      assert.equal(ageOn(birth, today), expected);
      assert.equal(isMinorOn(birth, today), expected < 18);
    }),
    1000,
  );
});

test('addDays is exact calendar arithmetic and invertible', () => {
  check(
    fc.property(
      fc.date({ min: new Date('1950-01-01T00:00:00Z'), max: new Date('2950-01-01T00:00:00Z'), noInvalidDate: true }),
      fc.integer({ min: -15_000, max: 15_000 }),
      (t, n) => {
        const d = t.toISOString().slice(0, 10);
        const shifted = addDays(d, n);
        assert.equal((Date.parse(shifted) - Date.parse(d)) / 86_400_000, n);
        assert.equal(addDays(shifted, -n), d);
      },
    ),
    500,
  );
});

test('todayIn: UTC is the ISO date, Europe/Madrid is one or two hours ahead of it', () => {
  check(
    fc.property(
      fc.date({ min: new Date('1980-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }),
      (t) => {
        assert.equal(todayIn('UTC', t), t.toISOString().slice(0, 10));
        const madrid = todayIn('Europe/Madrid', t);
        const plus = (h: number) => new Date(t.getTime() + h * 3_600_000).toISOString().slice(0, 10);
        assert.ok(madrid === plus(1) || madrid === plus(2), `${t.toISOString()} → ${madrid}`);
      },
    ),
    500,
  );
});

// ---------- Phone numbers (R3) ----------

test('mobiles: any input gives E.164 or an error; an accepted number parses to itself (R3)', () => {
  const phones = fc.oneof(anyText(35), fc.stringMatching(/^\(?\+?[0-9 ().-]{0,20}$/));
  check(
    fc.property(phones, (s) => {
      const parsed = parseMobile(s);
      if (!parsed.ok) {
        assert.ok(['phone_invalid', 'phone_not_mobile'].includes(parsed.errors[0]!.code));
        return;
      }
      if (parsed.value === undefined) {
        assert.equal(s.normalize('NFKC').trim(), '');
        return;
      }
      assert.match(parsed.value, /^\+[1-9]\d{6,14}$/);
      assert.deepEqual(parseMobile(parsed.value), parsed);
      assert.equal(maskPhone(parsed.value).replace(/[^0-9]/g, ''), parsed.value.slice(-3));
    }),
    1000,
  );
});

test('every Spanish 6xx mobile is accepted however grouped, with or without +34; 91x fixed lines are not mobiles (R3)', () => {
  const groupings = fc.constantFrom('', ' ', '-', '.');
  check(
    fc.property(
      fc.integer({ min: 0, max: 99_999_999 }),
      groupings,
      fc.constantFrom('', '+34 ', '+34', '(+34) '),
      (n, g, prefix) => {
        const digits = '6' + String(n).padStart(8, '0');
        const typed = prefix + [digits.slice(0, 3), digits.slice(3, 6), digits.slice(6)].join(g);
        assert.deepEqual(parseMobile(typed), { ok: true, value: `+34${digits}` }, typed);
        const fixed = '91' + String(n).padStart(8, '0').slice(1);
        assert.deepEqual(
          parseMobile(prefix + fixed),
          { ok: false, errors: [{ field: 'mobile', code: 'phone_not_mobile' }] },
          fixed,
        );
      },
    ),
    500,
  );
});

// ---------- Email (R3) ----------

test('emails: accepted values are fixed points, at most 254 characters, with a lower-case domain (R3)', () => {
  const emails = fc.oneof(
    anyText(80),
    fc.emailAddress(),
    fc.emailAddress().map((e) => ` ${e.toUpperCase()} `),
  );
  check(
    fc.property(emails, (s) => {
      const parsed = parseEmail(s);
      if (s.trim() === '') assert.deepEqual(parseOptionalEmail(s), { ok: true, value: undefined });
      if (!parsed.ok) return;
      const at = parsed.value.lastIndexOf('@');
      assert.ok(at > 0 && parsed.value.length <= 254);
      assert.equal(parsed.value.slice(at), parsed.value.slice(at).toLowerCase());
      assert.deepEqual(parseEmail(parsed.value), parsed);
      // The domain's case never changes the verdict; the local part is kept as typed.
      assert.deepEqual(parseEmail(parsed.value.slice(0, at) + parsed.value.slice(at).toUpperCase()), parsed);
      assert.equal(maskEmail(parsed.value).slice(maskEmail(parsed.value).lastIndexOf('@')), parsed.value.slice(at));
    }),
    1000,
  );
});

// ---------- Password policy (R4) ----------

const COMMON = new Set(['password1', 'qwerty123', 'madrid2024', 'barcelona1']);
const compactRef = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
function refBirthForms(isoDate: string): string[] {
  const [y = '', m = '', d = ''] = isoDate.split('-');
  return [d + m + y, y + m + d, d + m + y.slice(2), m + d + y, y.slice(2) + m + d];
}

/**
 * R4 from scratch: 8–64 ASCII letters/digits, a digit, an upper, a lower, not common, no personal value of 4+
 * characters.
 */
function refPasswordOk(pw: string, personal: PersonalData, common: (s: string) => boolean): boolean {
  if (pw.length < 8 || pw.length > 64 || !/^[A-Za-z0-9]+$/.test(pw)) return false;
  if (!/[0-9]/.test(pw) || !/[A-Z]/.test(pw) || !/[a-z]/.test(pw)) return false;
  if (common(pw.toLowerCase())) return false;
  const hay = pw.toLowerCase();
  const values = [
    compactRef(personal.username ?? ''),
    ...(personal.memberNumbers ?? []).map(compactRef),
    ...(personal.birthDates ?? []).flatMap(refBirthForms),
  ];
  return !values.some((v) => v.length >= 4 && hay.includes(v));
}

const asciiAlnum = fc.string({
  unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'),
  minLength: 0,
  maxLength: 70,
});
const personalData: fc.Arbitrary<PersonalData> = fc.record({
  username: fc.oneof(validNif, validNie, fc.stringMatching(/^[A-Z0-9]{6,12}$/)),
  memberNumbers: fc.array(fc.stringMatching(/^[A-Z]{0,3}-?[0-9]{1,6}$/), { maxLength: 3 }),
  birthDates: fc.array(realDate, { maxLength: 2 }),
});
/** A password that often embeds a piece of the person's data, in any case. */
const passwordFor = (p: PersonalData) =>
  fc.oneof(
    asciiAlnum,
    anyText(70),
    fc
      .tuple(
        asciiAlnum,
        fc.constantFrom(p.username ?? '', ...(p.memberNumbers ?? []), ...(p.birthDates ?? []).flatMap(refBirthForms)),
        asciiAlnum,
        fc.boolean(),
      )
      .map(([a, v, b, lower]) => a + (lower ? v.toLowerCase() : v).replace(/-/g, '') + b),
    fc.constantFrom(...COMMON).map((c) => c.replace('p', 'P').replace('q', 'Q').replace('m', 'M').replace('b', 'B')),
  );

test('the password verdict equals the R4 reference, and ok means every listed rule is met (R4)', () => {
  const isCommon = (s: string) => COMMON.has(s);
  check(
    fc.property(
      personalData.chain((p) => fc.tuple(fc.constant(p), passwordFor(p))),
      ([personal, pw]) => {
        const verdict = checkPassword(pw, personal, insurerPasswordPolicy, isCommon);
        assert.equal(verdict.ok, refPasswordOk(pw, personal, isCommon), JSON.stringify({ pw, personal }));
        assert.deepEqual(
          verdict.rules.map((r) => r.rule),
          rulesOf(insurerPasswordPolicy),
        );
        assert.equal(
          verdict.ok,
          verdict.rules.every((r) => r.met),
        );
      },
    ),
    1000,
  );
  // The real list of common passwords, through its own lookup.
  check(
    fc.property(
      personalData.chain((p) => fc.tuple(fc.constant(p), passwordFor(p))),
      ([personal, pw]) => {
        assert.equal(checkPassword(pw, personal).ok, refPasswordOk(pw, personal, isCommonPassword));
      },
    ),
    300,
  );
});

test('the password verdict never depends on personal data the password does not contain (R4)', () => {
  check(
    fc.property(
      personalData,
      asciiAlnum,
      fc.stringMatching(/^[A-Z]{1,3}[0-9]{1,6}$/),
      realDate,
      anyText(20),
      (personal, pw, extraNumber, extraDate, junkDate) => {
        const base = checkPassword(pw, personal);
        const contains = compactRef(pw).includes(compactRef(extraNumber)) && compactRef(extraNumber).length >= 4;
        const containsDate = refBirthForms(extraDate).some((f) => pw.toLowerCase().includes(f));
        if (!contains)
          assert.deepEqual(
            checkPassword(pw, { ...personal, memberNumbers: [...(personal.memberNumbers ?? []), extraNumber] }),
            base,
          );
        if (!containsDate)
          assert.deepEqual(
            checkPassword(pw, { ...personal, birthDates: [...(personal.birthDates ?? []), extraDate] }),
            base,
          );
        // A malformed birth date is ignored, never a reason to refuse.
        if (parseIsoDate(junkDate.trim()) === undefined)
          assert.deepEqual(
            checkPassword(pw, { ...personal, birthDates: [junkDate] }),
            checkPassword(pw, { ...personal, birthDates: [] }),
          );
      },
    ),
    500,
  );
});

test('a password holding the username, in any case and anywhere, is refused; huge input is refused on length (R4)', () => {
  check(
    fc.property(validNif, asciiAlnum, asciiAlnum, fc.boolean(), (username, a, b, lower) => {
      const pw = `${a}Xy7${lower ? username.toLowerCase() : username}${b}`;
      const verdict = checkPassword(pw, { username });
      assert.equal(verdict.ok, false);
      assert.equal(verdict.rules.find((r) => r.rule === 'no_personal_data')?.met, false);
    }),
    300,
  );
  check(
    fc.property(fc.string({ minLength: 65, maxLength: 5000 }), (pw) => {
      const verdict = checkPassword(pw, {});
      assert.equal(verdict.ok, false);
      assert.equal(verdict.rules.find((r) => r.rule === 'length')?.met, false);
    }),
    100,
  );
});
