import { emailButton, emailHtml, textFooter, type EmailTemplate } from '../../infra/outbox/templates/email-layout.js';

/**
 * R32, STYLE 19: a document arrived. The email says only that, with a link to the documents page: never its title,
 * kind, date, for whom, or the document itself (an inbox is not always private, and a title can be health data).
 */
export const newDocumentEmail: EmailTemplate<Record<string, never>> = {
  name: 'new-document',
  render(ctx) {
    const { t, brand } = ctx;
    const link = `${ctx.publicUrl}/area/documents?lang=${ctx.lang}`;
    const subject = t('email.newDocument.subject', { brand: brand.name });
    const html = emailHtml(
      ctx,
      subject,
      <>
        <p>{t('email.newDocument.body')}</p>
        <p>{t('email.newDocument.signIn')}</p>
        {emailButton(link, t('email.newDocument.button'), brand.colors.primary, brand.colors.primaryText)}
      </>,
    );
    const text = [
      t('email.newDocument.body'),
      '',
      t('email.newDocument.signIn'),
      '',
      `${t('email.newDocument.button')}: ${link}`,
      textFooter(ctx),
    ].join('\n');
    return { subject, text, html };
  },
};
