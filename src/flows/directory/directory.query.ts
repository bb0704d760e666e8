import type { FieldError } from '../../domain/result.js';

// R34: the directory's search form is a GET form; its URL is the search (shareable, works without scripts).

export const PAGE_SIZE = 20;
/** The last page a search goes to: past it, a narrower search serves better than paging. */
export const MAX_PAGE = 500;

export interface DirectoryQuery {
  q: string;
  place: string;
  specialty: string;
  near: string;
  location?: { latitude: number; longitude: number };
  page: number;
}

const one = (v: unknown): string =>
  typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : '';

function bounded(value: string, field: string, max: number, errors: FieldError[]): string {
  if (value.length <= max) return value.trim();
  errors.push({ field, code: 'too_long', params: { max } });
  return '';
}

/** Reads the search from the query string; too long a field or a bad page is an error to show, never a 500. */
export function parseDirectoryQuery(query: unknown): { query: DirectoryQuery; errors: FieldError[] } {
  const raw = (query ?? {}) as Record<string, unknown>;
  const errors: FieldError[] = [];
  const q = bounded(one(raw.q), 'q', 200, errors);
  const place = bounded(one(raw.place), 'place', 100, errors);
  const specialty = bounded(one(raw.specialty), 'specialty', 100, errors);
  let near = one(raw.near).replace(/\s+/g, '');
  if (near && !/^\d{5}$/.test(near)) {
    errors.push({ field: 'near', code: 'postal_code_invalid' });
    near = '';
  }
  const pageText = one(raw.page) || '1';
  let page = /^\d{1,4}$/.test(pageText) ? Number(pageText) : NaN;
  if (!(page >= 1 && page <= MAX_PAGE)) {
    errors.push({ field: 'page', code: 'page_invalid' });
    page = 1;
  }
  const lat = Number(one(raw.lat));
  const lon = Number(one(raw.lon));
  const location =
    one(raw.lat) && one(raw.lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180
      ? { latitude: lat, longitude: lon }
      : undefined;
  return { query: { q, place, specialty, near, ...(location ? { location } : {}), page }, errors };
}

/** The URL of the same search at another page. */
export function pageHref(path: string, q: DirectoryQuery, page: number): string {
  const params = new URLSearchParams();
  if (q.q) params.set('q', q.q);
  if (q.specialty) params.set('specialty', q.specialty);
  if (q.place) params.set('place', q.place);
  if (q.near) params.set('near', q.near);
  if (q.location) {
    params.set('lat', q.location.latitude.toFixed(4));
    params.set('lon', q.location.longitude.toFixed(4));
  }
  params.set('page', String(page));
  return `${path}?${params.toString()}`;
}
