import { parseIsoDate } from './calendar.js';
import type { FieldError, Result } from './result.js';

// R32: the fields the core system sends with a document, exactly as PRODUCT.md names them: `title_es`, `title_en`,
// `kind`, `date` (YYYY-MM-DD), and the PDF as `file`. Nothing else is accepted, so a typo is an error, not a
// silently missing field.

export const DOCUMENT_KINDS = ['conditions', 'receipt', 'tax_certificate', 'letter', 'other'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];
export const DOCUMENT_FIELDS = ['title_es', 'title_en', 'kind', 'date'] as const;
export const DOCUMENT_FILE_FIELD = 'file';
/** R32: a document's PDF is at most 20 MB. */
export const MAX_DOCUMENT_BYTES = 20 * 1024 * 1024;
export const MAX_TITLE_LENGTH = 200;
/** The core system's id of a document: letters, digits, dot, underscore and hyphen (it is a path segment). */
export const EXTERNAL_ID_PATTERN = /^[A-Za-z0-9._-]{1,100}$/;

export interface DocumentFields {
  titleEs: string;
  titleEn: string;
  kind: DocumentKind;
  date: string;
}

const isKind = (v: string): v is DocumentKind => (DOCUMENT_KINDS as readonly string[]).includes(v);

function title(raw: string | undefined, field: string, errors: FieldError[]): string {
  const value = (raw ?? '').trim().replace(/\s+/g, ' ');
  if (value === '') errors.push({ field, code: 'required' });
  else if (value.length > MAX_TITLE_LENGTH) errors.push({ field, code: 'too_long', params: { max: MAX_TITLE_LENGTH } });
  // Control characters (a newline in a header, an escape for a terminal) have no place in a title.
  else if (/\p{Cc}|[\u202A-\u202E\u2066-\u2069]/u.test(value)) errors.push({ field, code: 'invalid_characters' });
  return value;
}

/** Checks the form fields of a document (R32); errors name the field as the core system sent it. */
export function parseDocumentFields(raw: Readonly<Record<string, string>>): Result<DocumentFields> {
  const errors: FieldError[] = [];
  for (const name of Object.keys(raw))
    if (!(DOCUMENT_FIELDS as readonly string[]).includes(name)) errors.push({ field: name, code: 'unknown_field' });
  const titleEs = title(raw.title_es, 'title_es', errors);
  const titleEn = title(raw.title_en, 'title_en', errors);
  const kind = (raw.kind ?? '').trim();
  if (kind === '') errors.push({ field: 'kind', code: 'required' });
  else if (!isKind(kind))
    errors.push({ field: 'kind', code: 'not_allowed', params: { allowed: DOCUMENT_KINDS.join('|') } });
  const rawDate = (raw.date ?? '').trim();
  const date = parseIsoDate(rawDate);
  if (rawDate === '') errors.push({ field: 'date', code: 'required' });
  else if (date === undefined) errors.push({ field: 'date', code: 'date_not_iso' });
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: { titleEs, titleEn, kind: kind as DocumentKind, date: date! } };
}
