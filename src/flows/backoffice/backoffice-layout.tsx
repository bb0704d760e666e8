import type { ComponentChildren } from 'preact';
import type { MessageKey } from '../../infra/i18n/i18n.js';
import { Form } from '../../infra/web/form.js';
import { LanguageSwitch, LegalLinks } from '../../infra/web/layout.js';
import { Message, type MessageProps } from '../../infra/web/message-page.js';
import type { PageContext } from '../../infra/web/page-context.js';
import type { StaffRole } from './staff.repository.js';
import type { StaffPrincipal } from './staff-session.js';

/**
 * The back office's navigation, by the least role that may see each entry (admins see everything agents see).
 * Slices add their entry here; the server still checks the role on every route (requireStaff), the menu only hides.
 */
export const BACKOFFICE_NAV: readonly { href: string; label: MessageKey; role: StaffRole }[] = [
  { href: '/backoffice', label: 'bo.nav.home', role: 'agent' },
  { href: '/backoffice/members', label: 'bo.nav.members', role: 'agent' },
  { href: '/backoffice/passkeys', label: 'bo.nav.passkeys', role: 'agent' },
  { href: '/backoffice/staff', label: 'bo.nav.staff', role: 'admin' },
  { href: '/backoffice/audit', label: 'bo.nav.audit', role: 'admin' },
  { href: '/backoffice/api-keys', label: 'bo.nav.apiKeys', role: 'admin' },
  { href: '/backoffice/oidc-clients', label: 'bo.nav.oidcClients', role: 'admin' },
];

/** True when a staff member of `role` may do what `required` allows: administrators may do everything agents do. */
export function roleAllows(role: StaffRole, required: StaffRole): boolean {
  return required === 'agent' || role === 'admin';
}

export interface BackofficeLayoutProps {
  ctx: PageContext;
  title: string;
  /** The signed-in staff member; null on the sign-in pages. */
  staff: StaffPrincipal | null;
  children: ComponentChildren;
  /** Extra scripts, served from /assets (CSP: no inline script); R27's passkey pages. */
  scripts?: string[];
}

/**
 * The back office's own layout (R23): never indexed, navigation by role, sign-out, both languages (R20), from
 * 320 px (R21), and under the same CSP as the portal (no inline script or style; its stylesheet is in /assets).
 */
export function BackofficeLayout({ ctx, title, staff, children, scripts = [] }: BackofficeLayoutProps) {
  const { t, brand, lang } = ctx;
  const current = ctx.path.replace(/\/+$/, '') || '/';
  return (
    <html lang={lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex, nofollow" />
        <title>{`${title} · ${t('bo.name')} · ${brand.name}`}</title>
        <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
        <link rel="stylesheet" href="/assets/app.css" />
        <link rel="stylesheet" href="/assets/brand.css" />
        <link rel="stylesheet" href="/assets/backoffice.css" />
        {scripts.map((src) => (
          <script src={src} defer type="module" />
        ))}
      </head>
      <body class="backoffice">
        <a class="skip-link" href="#main">
          {t('layout.skip')}
        </a>
        <header class="site-header bo-header">
          <div class="container header-inner">
            <a class="brand" href={staff ? '/backoffice' : '/backoffice/sign-in'}>
              <span class="brand-name">{brand.name}</span>
              <span class="brand-product">{t('bo.name')}</span>
            </a>
            {staff ? (
              <nav aria-label={t('bo.nav.label')} class="private-nav">
                {BACKOFFICE_NAV.filter((item) => roleAllows(staff.role, item.role)).map((item) => (
                  <a href={item.href} {...(current === item.href ? { 'aria-current': 'page' } : {})}>
                    {t(item.label)}
                  </a>
                ))}
                <Form ctx={ctx} action="/backoffice/sign-out" class="inline-form">
                  <button type="submit" class="link-button nav-button">
                    {t('bo.signOut')}
                  </button>
                </Form>
              </nav>
            ) : null}
            <LanguageSwitch ctx={ctx} />
          </div>
        </header>
        {staff ? (
          <div class="bo-whoami">
            <p class="container">
              {t('bo.whoami', {
                name: staff.displayName,
                username: staff.username,
                role: t(staff.role === 'admin' ? 'bo.role.admin' : 'bo.role.agent'),
              })}
            </p>
          </div>
        ) : null}
        <main id="main" class="container" tabIndex={-1}>
          {children}
        </main>
        <footer class="site-footer">
          <div class="container">
            <p>{t('bo.footer')}</p>
            <ul class="footer-links">
              <LegalLinks ctx={ctx} />
            </ul>
          </div>
        </footer>
      </body>
    </html>
  );
}

/** A back-office page that says one thing and offers one way on (a refusal, a finished action). */
export function BackofficeMessage({
  ctx,
  staff,
  title,
  body,
  action,
}: { ctx: PageContext; staff: StaffPrincipal | null } & MessageProps) {
  return (
    <BackofficeLayout ctx={ctx} staff={staff} title={title}>
      <Message title={title} body={body} action={action} />
    </BackofficeLayout>
  );
}
