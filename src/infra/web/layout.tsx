import type { ComponentChildren } from 'preact';
import { render } from 'preact-render-to-string';
import { LANGS } from '../i18n/i18n.js';
import { ContactText } from './contact-links.js';
import type { PageContext } from './page-context.js';

export interface LayoutProps {
  ctx: PageContext;
  title: string;
  children: ComponentChildren;
  /** Extra scripts, served from /assets (CSP: no inline script). */
  scripts?: string[];
  /** A public page search engines must not index (a verification address, R32). */
  noindex?: boolean;
}

/**
 * This page in another language. The path comes without its query (page-context.ts); one that is not a plain
 * same-site path (`//host`, a backslash, dot segments) falls back to the URL parser's normal form, as it always did.
 */
function langHref(path: string, lang: string): string {
  if (/^\/(?![/\\])[A-Za-z0-9/_.~%-]*$/.test(path) && !/(^|\/)\.\.?(\/|$)/.test(path)) return `${path}?lang=${lang}`;
  const url = new URL(path, 'http://x');
  url.searchParams.set('lang', lang);
  return url.pathname + url.search;
}

/** The one page layout: responsive from 320 px, brandable, with a skip link and the language switch (R20, R21). */
export function Layout({ ctx, title, children, scripts = [], noindex = false }: LayoutProps) {
  const { t, brand, lang } = ctx;
  const chrome = cachedChrome(ctx);
  return (
    <html lang={lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        {noindex ? <meta name="robots" content="noindex, nofollow" /> : null}
        <title>{`${title} · ${brand.name}`}</title>
        <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
        <link rel="stylesheet" href="/assets/app.css" />
        <link rel="stylesheet" href="/assets/brand.css" />
        {scripts.map((src) => (
          <script src={src} defer type="module" />
        ))}
      </head>
      <body>
        <a class="skip-link" href="#main">
          {t('layout.skip')}
        </a>
        <header
          class="site-header"
          dangerouslySetInnerHTML={{
            __html: ctx.signedIn ? chrome.header.replace(CSRF_MARK, escapeAttribute(ctx.csrfToken())) : chrome.header,
          }}
        />
        <main id="main" class="container" tabIndex={-1}>
          {children}
        </main>
        <footer class="site-footer" dangerouslySetInnerHTML={{ __html: chrome.footer }} />
      </body>
    </html>
  );
}

/** R37: the brand file's logo, or the brand's mark drawn from its colours (the favicon's drawing) when it has none. */
export function brandLogoSrc(brand: PageContext['brand']): string {
  return brand.logoUrl ?? DEFAULT_LOGO_PATH;
}
export const DEFAULT_LOGO_PATH = '/assets/logo.svg';

/** R37: the member's navigation, in the order a member looks for things. Sign-out stays outside, always in view. */
const MEMBER_NAV = [
  ['/area', 'nav.home'],
  ['/area/card', 'nav.card'],
  ['/area/requests', 'nav.requests'],
  ['/area/documents', 'nav.documents'],
  ['/area/directory', 'nav.directory'],
  ['/area/contact', 'nav.contact'],
  ['/area/security', 'nav.security'],
] as const;

/** The navigation item a path belongs to: its own, or the nearest section above it (/area/security/password). */
export function currentNavHref(path: string, hrefs: readonly string[] = MEMBER_NAV.map(([href]) => href)): string {
  return (
    hrefs
      .filter((h) => path === h || (h !== '/area' && path.startsWith(`${h}/`)))
      .sort((a, b) => b.length - a.length)[0] ?? ''
  );
}

/**
 * R37: on a phone the links fold into a <details> menu (no script: the browser opens and closes it, by keyboard
 * too); from 48rem the stylesheet shows them as a bar and hides the toggle. The current page is aria-current.
 */
function MemberNav({ ctx }: { ctx: PageContext }) {
  const { t } = ctx;
  const current = currentNavHref(ctx.path);
  return (
    <nav aria-label={t('nav.private')} class="member-nav">
      <div class="container">
        <details class="nav-menu">
          <summary class="nav-toggle">{t('nav.menu')}</summary>
          <ul class="nav-list">
            {MEMBER_NAV.map(([href, key]) => (
              <li>
                <a href={href} aria-current={href === current ? 'page' : undefined}>
                  {t(key)}
                </a>
              </li>
            ))}
          </ul>
        </details>
      </div>
    </nav>
  );
}

function HeaderInner({ ctx }: { ctx: PageContext }) {
  const { t, brand, lang } = ctx;
  return (
    <>
      <div class="container header-inner">
        <a class="brand" href="/">
          <img src={brandLogoSrc(brand)} alt="" class="brand-logo" height={40} />
          <span class="brand-text">
            <span class="brand-name">{brand.name}</span>
            <span class="brand-product">{brand.productName[lang]}</span>
          </span>
        </a>
        <div class="header-tools">
          <LanguageSwitch ctx={ctx} />
          {ctx.signedIn ? (
            <form method="post" action="/sign-out" class="inline-form">
              <input type="hidden" name="_csrf" value={ctx.csrfToken()} />
              <button type="submit" class="button button--secondary button--small">
                {t('area.signOut')}
              </button>
            </form>
          ) : null}
        </div>
      </div>
      {ctx.signedIn ? <MemberNav ctx={ctx} /> : null}
    </>
  );
}

function FooterInner({ ctx }: { ctx: PageContext }) {
  const { t, brand } = ctx;
  return (
    <div class="container">
      <p>
        <ContactText t={t} k="layout.support" email={brand.supportEmail} />{' '}
        {brand.supportPhone ? <ContactText t={t} k="layout.supportPhone" phone={brand.supportPhone} /> : null}
      </p>
      <ul class="footer-links">
        <li>
          <a href="/help">{t('help.footer')}</a>
        </li>
        <LegalLinks ctx={ctx} />
      </ul>
      <p>{t('layout.rights', { year: ctx.year, brand: brand.name })}</p>
    </div>
  );
}

// Issue 20: the header and footer are the same on every page of a language, brand and path (the header's sign-out
// form aside, whose CSRF token is put in per request): rendered once and kept, they no longer cost a render each
// time (a quarter of a signed-in page's CPU was Preact's rendering). Kept per brand object, at most CHROME_CACHE
// entries (paths come from requests: an unbounded cache would be a memory leak by 404s).
const CSRF_MARK = '\u0000csrf\u0000';
const CHROME_CACHE = 500;
const chromeCache = new WeakMap<PageContext['brand'], Map<string, { header: string; footer: string }>>();

function cachedChrome(ctx: PageContext): { header: string; footer: string } {
  let byKey = chromeCache.get(ctx.brand);
  if (!byKey) chromeCache.set(ctx.brand, (byKey = new Map()));
  const key = `${ctx.lang}|${ctx.signedIn ? 1 : 0}|${ctx.year}|${ctx.path}`;
  let chrome = byKey.get(key);
  if (!chrome) {
    const marked: PageContext = { ...ctx, csrfToken: () => CSRF_MARK };
    chrome = { header: render(<HeaderInner ctx={marked} />), footer: render(<FooterInner ctx={ctx} />) };
    if (byKey.size >= CHROME_CACHE) byKey.delete(byKey.keys().next().value!);
    byKey.set(key, chrome);
  }
  return chrome;
}

const escapeAttribute = (value: string) =>
  value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** R30: the insurer's legal pages, in every footer when the brand has them (src/flows/legal/legal.routes.tsx). */
const LEGAL_LINKS = [
  ['/legal/privacy', 'legal.privacy'],
  ['/legal/legal-notice', 'legal.legalNotice'],
  ['/legal/cookies', 'legal.cookies'],
  ['/legal/accessibility', 'legal.accessibility'],
] as const;

/** The legal pages as list items of a footer's links, member or back office (R30). */
export function LegalLinks({ ctx }: { ctx: Pick<PageContext, 't' | 'brand'> }) {
  if (!ctx.brand.legal) return null;
  return (
    <>
      {LEGAL_LINKS.map(([href, label]) => (
        <li>
          <a href={href}>{ctx.t(label)}</a>
        </li>
      ))}
    </>
  );
}

/** Links to this same page in the other languages (R20), in the header of every page, member or back office. */

export function LanguageSwitch({ ctx }: { ctx: PageContext }) {
  return (
    <nav aria-label={ctx.t('lang.switch')} class="lang-switch">
      {LANGS.filter((l) => l !== ctx.lang).map((l) => (
        <a href={langHref(ctx.path, l)} lang={l} hreflang={l}>
          {l === 'es' ? 'Español' : 'English'}
        </a>
      ))}
    </nav>
  );
}
