import type { ComponentChildren } from 'preact';
import { render } from 'preact-render-to-string';
import type { Brand } from '../../../config.js';
import type { Lang, Translate } from '../../i18n/i18n.js';
import { ContactText } from '../../web/contact-links.js';

export interface EmailContext {
  t: Translate;
  lang: Lang;
  brand: Brand;
  publicUrl: string;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

/** An email template: one function gives the subject, the HTML and the plain-text body in one language. */
export interface EmailTemplate<P> {
  name: string;
  /** Someone is waiting for it on a page (a code, a link): it is sent before notices (the outbox's lane 0). */
  waitedFor?: boolean;
  render(ctx: EmailContext, params: P): RenderedEmail;
}

// Mail clients ignore stylesheets and CSP: inline styles are the norm in email, and this HTML never reaches a browser
// page.
export function emailHtml(ctx: EmailContext, title: string, body: ComponentChildren): string {
  const { brand, t } = ctx;
  return (
    '<!doctype html>' +
    render(
      <html lang={ctx.lang}>
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>{title}</title>
        </head>
        <body style="margin:0;padding:0;background:#f4f6f8;font-family:Arial,Helvetica,sans-serif;color:#1f2933">
          <table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f6f8">
            <tr>
              <td align="center" style="padding:24px 12px">
                <table
                  role="presentation"
                  width="100%"
                  cellpadding="0"
                  cellspacing="0"
                  style="max-width:560px;background:#ffffff;border-radius:8px"
                >
                  <tr>
                    <td
                      style={`background:${brand.colors.primary};color:${brand.colors.primaryText};padding:16px 24px;font-size:18px;font-weight:bold;border-radius:8px 8px 0 0`}
                    >
                      {brand.logoUrl && !brand.logoUrl.startsWith('data:') ? (
                        // Mail clients need an absolute address; a path is served by the portal itself.
                        <img
                          src={brand.logoUrl.startsWith('/') ? `${ctx.publicUrl}${brand.logoUrl}` : brand.logoUrl}
                          alt=""
                          height="32"
                          style="height:32px;vertical-align:middle;margin-right:8px;border:0"
                        />
                      ) : null}
                      {brand.name}
                    </td>
                  </tr>
                  <tr>
                    <td style="padding:24px;font-size:16px;line-height:1.5">{body}</td>
                  </tr>
                  <tr>
                    <td style="padding:16px 24px;font-size:13px;color:#52606d;border-top:1px solid #e4e7eb">
                      <ContactText t={t} k="email.footer" params={{ brand: brand.name }} email={brand.supportEmail} />
                    </td>
                  </tr>
                </table>
              </td>
            </tr>
          </table>
        </body>
      </html>,
    )
  );
}

export function emailButton(href: string, label: string, color: string, textColor: string) {
  return (
    <p style="margin:24px 0">
      <a
        href={href}
        style={`background:${color};color:${textColor};padding:12px 20px;border-radius:6px;text-decoration:none;font-weight:bold;display:inline-block`}
      >
        {label}
      </a>
    </p>
  );
}

export function textFooter(ctx: EmailContext): string {
  return `\n--\n${ctx.t('email.footer', { brand: ctx.brand.name, email: ctx.brand.supportEmail })}\n`;
}

/** A notice of a change to the account: what changed, then the "if it was not you" line in bold (R15, R18). */
export function renderChangeNotice(ctx: EmailContext, subject: string, body: string, notYou: string): RenderedEmail {
  const html = emailHtml(
    ctx,
    subject,
    <>
      <p>{body}</p>
      <p>
        <strong>{notYou}</strong>
      </p>
    </>,
  );
  return { subject, text: [body, '', notYou, textFooter(ctx)].join('\n'), html };
}
