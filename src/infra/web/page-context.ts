import type { FastifyRequest } from 'fastify';
import type { Brand } from '../../config.js';
import type { Lang, Translate } from '../i18n/i18n.js';

/** What every view needs to know about the request it renders for. */
export interface PageContext {
  lang: Lang;
  t: Translate;
  brand: Brand;
  /** The current path, for the language switch. */
  path: string;
  csrfToken: () => string;
  /** A no-script captcha token for a form drawn now (R10, R21: the captcha without JavaScript). */
  captchaNoScript?: () => string;
  /** A member is signed in: the layout shows the private navigation and sign-out. */
  signedIn?: boolean;
  /** For the footer; from the injected clock. */
  year: number;
}

export function pageContext(request: FastifyRequest): PageContext {
  return request.pageContext();
}
