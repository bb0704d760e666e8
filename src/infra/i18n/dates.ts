import type { Lang } from './i18n.js';

const formats: Record<Lang, Intl.DateTimeFormat> = {
  es: new Intl.DateTimeFormat('es-ES', { dateStyle: 'long', timeZone: 'UTC' }),
  en: new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeZone: 'UTC' }),
};

/**
 * A civil date written out in the reader's language, "5 de diciembre de 2026" or "5 December 2026": documents read by
 * people of other countries (a certificate, its verification page, R32) must not leave 05/12 to be guessed.
 */
export function longDate(iso: string, lang: Lang): string {
  const [y, m, d] = iso.slice(0, 10).split('-').map(Number) as [number, number, number];
  return formats[lang].format(new Date(Date.UTC(y, m - 1, d)));
}
