import type { RequestStatus } from '../../domain/request-status.js';
import type { Translate } from '../i18n/i18n.js';

// R31, R37: a request's status as a badge, the same on every page that lists requests (the home, /area/requests, the
// back office). The colour is a class (public/app.css .badge--<status>); the word is always there too, so the status
// never rests on colour alone (WCAG 1.4.1).

/** The CSS class of a status: `badge badge--needs-info` for needs_info. */
export function badgeClass(status: string): string {
  return `badge badge--${status.replace(/_/g, '-')}`;
}

/** The status in the reader's language, in its badge. */
export function StatusBadge({ t, status }: { t: Translate; status: RequestStatus }) {
  return <span class={badgeClass(status)}>{t(`request.status.${status}`)}</span>;
}
