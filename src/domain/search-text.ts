/**
 * Folds text for accent- and case-insensitive search (R23): compatibility-decomposed, combining marks dropped,
 * lower-cased, anything but letters and digits turned into single spaces. "MUÑOZ-García" → "munoz garcia".
 */
export function foldForSearch(input: string): string {
  return input
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** The words of a folded text, each once, in order. */
export function searchWords(folded: string): string[] {
  return [...new Set(folded.split(' ').filter(Boolean))];
}

/** Longest folded name kept for sorting; first and last names are 100 characters each at most. */
export const SEARCH_NAME_MAX = 210;

/**
 * A member's sort and search key: the folded surnames, then the first name ("Muñoz García, José" → "munoz garcia
 * jose").
 */
export function memberSearchName(firstName: string, lastName: string): string {
  return foldForSearch(`${lastName} ${firstName}`).slice(0, SEARCH_NAME_MAX);
}
