import { createRequire } from 'node:module';

// R4 refuses "a common password (one found, case-insensitively, in a list of at least 10,000 common passwords and
// Spanish words)". The lists ship as plain data inside the zxcvbn-ts packages (no I/O, no network); the lookup Set
// is built on first use. The packages themselves are loaded then too (synchronously, through require): their
// arrays weigh ~28 MB, which a node that never checks a new password (most requests) should not carry (issue 8).

type Dictionary = Record<string, readonly string[]>;
const require = createRequire(import.meta.url);

/** Lower-cased list entries, built once on first lookup. */
let entries: ReadonlySet<string> | undefined;

/** Drops diacritics ("contraseña" → "contrasena"): with R4's ASCII-only rule a Spanish word can only be typed bare. */
function withoutAccents(word: string): string {
  return word.normalize('NFD').replace(/\p{M}/gu, '');
}

/** Builds the Set from breached passwords, common Spanish words and Spanish first and last names (R4). */
function build(): ReadonlySet<string> {
  const set = new Set<string>();
  const commonDictionary = (require('@zxcvbn-ts/language-common') as { dictionary: Dictionary }).dictionary;
  const spanishDictionary = (require('@zxcvbn-ts/language-es-es') as { dictionary: Dictionary }).dictionary;
  const lists = [
    commonDictionary['passwords-common'],
    spanishDictionary['commonWords-es-es'],
    // Names are among the first things people pick ("maria", "garcia"); ~9k entries for little memory.
    spanishDictionary['firstnames-es-es'],
    spanishDictionary['lastnames-es-es'],
  ];
  for (const list of lists) {
    if (!list) throw new Error('a common-password list is missing from the zxcvbn-ts packages');
    for (const word of list) {
      const lower = word.toLowerCase();
      set.add(lower);
      set.add(withoutAccents(lower));
    }
  }
  return set;
}

/** Returns the lookup Set, building it on first call. */
function commonSet(): ReadonlySet<string> {
  entries ??= build();
  return entries;
}

/** True when the already lower-cased candidate is an entry of the common-password list (R4). */
export function isCommonPassword(lowercased: string): boolean {
  return commonSet().has(lowercased);
}

/** Number of distinct entries in the list, so a test can hold R4's "at least 10,000" floor. */
export function commonPasswordCount(): number {
  return commonSet().size;
}
