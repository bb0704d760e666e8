import { emailButton, emailHtml, textFooter, type EmailTemplate } from '../../infra/outbox/templates/email-layout.js';

/** R11: the recovery link, valid 24 hours, single use. */
export const recoveryEmail: EmailTemplate<{ link: string }> = {
  name: 'recovery-link',
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
    const text = [t('email.recovery.intro'), '', `${t('email.recovery.cta')}: ${p.link}`, '', t('email.recovery.valid'), '', t('email.recovery.notYou'), textFooter(ctx)].join('\n');
    return { subject, text, html };
  },
};

/** R11, R12: the member hears of every password change. */
export const passwordChangedEmail: EmailTemplate<{ how: 'reset' | 'change' }> = {
  name: 'password-changed',
  render(ctx, p) {
    const { t, brand } = ctx;
    const subject = t('email.passwordChanged.subject', { brand: brand.name });
    const body = p.how === 'reset' ? t('email.passwordChanged.reset') : t('email.passwordChanged.change');
    const html = emailHtml(
      ctx,
      subject,
      <>
        <p>{body}</p>
        <p>{t('email.passwordChanged.sessions')}</p>
        <p>
          <strong>{t('email.passwordChanged.notYou', { email: brand.supportEmail })}</strong>
        </p>
      </>,
    );
    const text = [body, '', t('email.passwordChanged.sessions'), '', t('email.passwordChanged.notYou', { email: brand.supportEmail }), textFooter(ctx)].join('\n');
    return { subject, text, html };
  },
};
