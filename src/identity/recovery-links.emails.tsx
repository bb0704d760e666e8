import { emailButton, emailHtml, textFooter, type EmailTemplate } from '../infra/outbox/templates/email-layout.js';

/** R11: the recovery link, valid 24 hours, single use. */
export const recoveryEmail: EmailTemplate<{ link: string }> = {
  name: 'recovery-link',
  waitedFor: true,
  render(ctx, p) {
    const { t, brand } = ctx;
    const subject = t('email.recovery.subject', { brand: brand.name });
    const html = emailHtml(
      ctx,
      subject,
      <>
        <p>{t('email.recovery.intro')}</p>
        {emailButton(p.link, t('email.recovery.cta'), brand.colors.primary, brand.colors.primaryText)}
        <p>{t('email.recovery.valid')}</p>
        <p>{t('email.recovery.notYou')}</p>
      </>,
    );
    const text = [
      t('email.recovery.intro'),
      '',
      `${t('email.recovery.cta')}: ${p.link}`,
      '',
      t('email.recovery.valid'),
      '',
      t('email.recovery.notYou'),
      textFooter(ctx),
    ].join('\n');
    return { subject, text, html };
  },
};
