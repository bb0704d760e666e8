import { emailButton, emailHtml, textFooter, type EmailTemplate } from '../../infra/outbox/templates/email-layout.js';

/** R5: the confirmation to the email the person confirmed. */
export const registrationCompleteEmail: EmailTemplate<{ firstName: string; username: string }> = {
  name: 'registration-complete',
  render(ctx, p) {
    const { t, brand } = ctx;
    const link = `${ctx.publicUrl}/sign-in`;
    const subject = t('email.registered.subject', { brand: brand.name });
    const html = emailHtml(
      ctx,
      subject,
      <>
        <p>{t('email.greeting', { name: p.firstName })}</p>
        <p>{t('email.registered.body')}</p>
        <p>{t('email.registered.username', { username: p.username })}</p>
        <p>{t('email.registered.twoStep')}</p>
        {emailButton(link, t('email.registered.cta'), brand.colors.primary, brand.colors.primaryText)}
        <p>{t('email.registered.notYou', { email: brand.supportEmail })}</p>
      </>,
    );
    const text = [
      t('email.greeting', { name: p.firstName }),
      '',
      t('email.registered.body'),
      t('email.registered.username', { username: p.username }),
      '',
      t('email.registered.twoStep'),
      '',
      `${t('email.registered.cta')}: ${link}`,
      '',
      t('email.registered.notYou', { email: brand.supportEmail }),
      textFooter(ctx),
    ].join('\n');
    return { subject, text, html };
  },
};

/** R5: when the person confirmed another email, the one on the insurer's record hears of the new account. */
export const accountCreatedNoticeEmail: EmailTemplate<{ firstName: string; newEmail: string }> = {
  name: 'registration-notice',
  render(ctx, p) {
    const { t, brand } = ctx;
    const subject = t('email.registeredNotice.subject', { brand: brand.name });
    const html = emailHtml(
      ctx,
      subject,
      <>
        <p>{t('email.greeting', { name: p.firstName })}</p>
        <p>{t('email.registeredNotice.body', { email: p.newEmail })}</p>
        <p>
          <strong>{t('email.registeredNotice.notYou', { email: brand.supportEmail })}</strong>
        </p>
      </>,
    );
    const text = [
      t('email.greeting', { name: p.firstName }),
      '',
      t('email.registeredNotice.body', { email: p.newEmail }),
      '',
      t('email.registeredNotice.notYou', { email: brand.supportEmail }),
      textFooter(ctx),
    ].join('\n');
    return { subject, text, html };
  },
};
