import { emailButton, emailHtml, textFooter, type EmailTemplate } from './email-layout.js';

export interface EnrolmentParams {
  firstName: string;
  memberNumber: string;
  policyNumber: string;
}

/** R19: the enrolment email, in the member's language, with the data registration asks for. */
export const enrolmentEmail: EmailTemplate<EnrolmentParams> = {
  name: 'enrolment',
  render(ctx, p) {
    const { t, brand } = ctx;
    const link = `${ctx.publicUrl}/register?lang=${ctx.lang}`;
    const subject = t('email.enrolment.subject', { brand: brand.name });
    const html = emailHtml(
      ctx,
      subject,
      <>
        <p>{t('email.enrolment.greeting', { name: p.firstName })}</p>
        <p>{t('email.enrolment.body', { brand: brand.name })}</p>
        <p>{t('email.enrolment.data')}</p>
        <ul>
          <li>
            {t('email.enrolment.memberNumber')}: <strong>{p.memberNumber}</strong>
          </li>
          <li>
            {t('email.enrolment.policyNumber')}: <strong>{p.policyNumber}</strong>
          </li>
        </ul>
        {emailButton(link, t('email.enrolment.cta'), brand.colors.primary, brand.colors.primaryText)}
        <p>{t('email.enrolment.keep')}</p>
      </>,
    );
    const text = [
      t('email.enrolment.greeting', { name: p.firstName }),
      '',
      t('email.enrolment.body', { brand: brand.name }),
      '',
      t('email.enrolment.data'),
      `- ${t('email.enrolment.memberNumber')}: ${p.memberNumber}`,
      `- ${t('email.enrolment.policyNumber')}: ${p.policyNumber}`,
      '',
      `${t('email.enrolment.cta')}: ${link}`,
      '',
      t('email.enrolment.keep'),
      textFooter(ctx),
    ].join('\n');
    return { subject, text, html };
  },
};
