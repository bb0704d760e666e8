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
  /** The brand's logo travels inside the message as a PNG under EMAIL_LOGO_CID (the SMTP transport attaches it). */
  logo?: boolean;
}

/** The Content-ID the header's logo is named by (RFC 2392); the SMTP transport attaches the PNG under it. */
export const EMAIL_LOGO_CID = 'brand-logo@member-area';

/** The header's logo box in CSS pixels; the PNG is made at twice that, for high-density screens. */
export const EMAIL_LOGO_BOX: Readonly<[number, number]> = [160, 32];

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
                      // White, as the portal's header: a logo drawn for a light page stays visible; the brand's
                      // colour runs along the top.
                      style={`background:#ffffff;color:#1f2933;border-top:6px solid ${brand.colors.primary};border-bottom:1px solid #e4e7eb;padding:16px 24px;font-size:18px;font-weight:bold;border-radius:8px 8px 0 0`}
                    >
                      {ctx.logo ? (
                        // R37: the logo inside the message, so it shows where remote images are blocked and nobody
                        // learns when an email is opened; the brand's name beside it says it in words.
                        <img
                          src={`cid:${EMAIL_LOGO_CID}`}
                          alt=""
                          height={String(EMAIL_LOGO_BOX[1])}
                          style={`height:${EMAIL_LOGO_BOX[1]}px;max-width:${EMAIL_LOGO_BOX[0]}px;vertical-align:middle;margin-right:8px;border:0`}
                        />
                      ) : brand.logoUrl?.startsWith('https://') ? (
                        // A remote logo the portal does not hold: the mail client fetches it, if it does at all.
                        <img
                          src={brand.logoUrl}
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
