import { emailHtml, textFooter, type EmailTemplate } from '../outbox/templates/email-layout.js';

// R31, STYLE habit 19: a request's status changed. An email is read on a lock screen and forwarded, so it carries the
// reference and a link to the request's page in the area, and nothing else: no status, concept, provider, description,
// amount, file name or patient name. The member signs in to see what changed.

export interface RequestStatusParams {
  /** `REE-2026-000123`. */
  reference: string;
}

/** The address of a request's page in the member's area. */
export const requestPagePath = (reference: string): string => `/area/requests/${encodeURIComponent(reference)}`;

export const requestStatusEmail: EmailTemplate<RequestStatusParams> = {
  name: 'request-status',
  render(ctx, p) {
    const { t, brand } = ctx;
    const subject = t('email.requestStatus.subject', { reference: p.reference, brand: brand.name });
    const lines = [t('email.requestStatus.body', { reference: p.reference }), t('email.requestStatus.signIn')];
    const link = `${ctx.publicUrl}${requestPagePath(p.reference)}?lang=${ctx.lang}`;
    const cta = t('email.requestStatus.cta', { reference: p.reference });
    const html = emailHtml(
      ctx,
      subject,
      <>
        {lines.map((l) => (
          <p>{l}</p>
        ))}
        <p>
          <a href={link}>{cta}</a>
        </p>
      </>,
    );
    const text = [...lines.flatMap((l) => [l, '']), `${cta}: ${link}`, textFooter(ctx)].join('\n');
    return { subject, text, html };
  },
};
