import i18next, { type TFunction } from 'i18next';
import { en } from './en.js';
import { es, type MessageKey } from './es.js';

export type Lang = 'es' | 'en';
export const LANGS: readonly Lang[] = ['es', 'en'];
export const DEFAULT_LANG: Lang = 'es';
export type { MessageKey };
export type Params = Record<string, string | number>;
export type Translate = (key: MessageKey, params?: Params) => string;

export const catalogs: Record<Lang, Record<MessageKey, string>> = { es, en };

const instance = i18next.createInstance();
// Flat keys (dots are part of the key); the views escape output, so i18next must not escape it again.
void instance.init({
  initAsync: false,
  resources: { es: { m: es }, en: { m: en } },
  lng: DEFAULT_LANG,
  fallbackLng: false,
  defaultNS: 'm',
  ns: ['m'],
  keySeparator: false,
  nsSeparator: false,
  interpolation: { escapeValue: false },
  showSupportNotice: false,
} as Parameters<typeof instance.init>[0]);

const fixed: Record<Lang, TFunction> = { es: instance.getFixedT('es'), en: instance.getFixedT('en') };

// Most texts on a page take no parameters; resolving them through i18next's pipeline on every request cost a
// tenth of a signed-in page's CPU (bench, issue 8). The catalogs never change at run time, so resolve each once.
const plain: Record<Lang, Map<MessageKey, string>> = { es: new Map(), en: new Map() };
const translators: Record<Lang, Translate> = { es: makeTranslator('es'), en: makeTranslator('en') };

/**
 * `{{name}}` placeholders filled from `params`, as i18next does with our settings (no escaping, no nesting, no
 * formats; a missing value leaves the placeholder). The texts with parameters (emails above all: an import queues
 * one per new member) spent most of their time in i18next's pipeline; a test holds this to i18next's output for every
 * key of both catalogs.
 */
export function interpolate(template: string, params: Params): string {
  return template.replace(PLACEHOLDER, (match, name: string) =>
    Object.hasOwn(params, name) ? String(params[name]) : match,
  );
}
const PLACEHOLDER = /\{\{\s*([^{}]+?)\s*\}\}/g;

function makeTranslator(lang: Lang): Translate {
  const t = fixed[lang];
  const cache = plain[lang];
  const catalog = catalogs[lang];
  return (key, params) => {
    if (params) return Object.hasOwn(catalog, key) ? interpolate(catalog[key], params) : (t(key, params) as string);
    let text = cache.get(key);
    if (text === undefined) {
      text = t(key, {}) as string;
      // Only catalog keys are kept, so a key built from input cannot grow the cache.
      if (Object.hasOwn(catalogs[lang], key)) cache.set(key, text);
    }
    return text;
  };
}

/** i18next's own answer, for the test that holds the fast path to it. */
export function i18nextTranslate(lang: Lang, key: string, params: Params): string {
  return fixed[lang](key, params) as string;
}

/** A translate function bound to one language. */
export function translator(lang: Lang): Translate {
  return translators[lang];
}

export function isLang(value: unknown): value is Lang {
  return value === 'es' || value === 'en';
}
